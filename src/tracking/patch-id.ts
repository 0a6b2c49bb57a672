/**
 * `git patch-id` ported byte for byte (builtin/patch-id.c): a SHA-1 of a diff with line numbers and
 * whitespace removed. Stable mode (the default here, like `--stable`) hashes each file on its own and
 * sums the digests, so file order does not matter. Works on bytes: non-ASCII content is hashed raw.
 */
import { createHash, type Hash } from "node:crypto";

export interface PatchIdEntry {
  /** the patch id, 40 hex digits */
  id: string;
  /** the commit the patch belongs to (from `From <sha>` / `commit <sha>` lines), 40 zeros when unknown */
  commit: string;
}

export interface PatchIdOptions {
  /** false: git's unstable mode (one SHA-1 over the whole stream) */
  stable?: boolean;
  /** true: like `--verbatim`, whitespace is hashed too (implies stable) */
  verbatim?: boolean;
}

const ZERO_OID = "0".repeat(40);
const NEWLINE = 0x0a;

function startsWith(line: Uint8Array, prefix: string): boolean {
  if (line.length < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (line[k] !== prefix.charCodeAt(k)) return false;
  return true;
}

function isHexDigit(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}

/** git's get_oid_hex: exactly 40 hex digits at `offset` (what follows does not matter). */
function oidAt(line: Uint8Array, offset: number): string | undefined {
  if (line.length < offset + 40) return undefined;
  for (let k = offset; k < offset + 40; k++) if (!isHexDigit(line[k])) return undefined;
  return Buffer.from(line.subarray(offset, offset + 40)).toString("latin1").toLowerCase();
}

/** git's isspace: space, tab, LF, CR only (vertical tab and form feed are not whitespace to git). */
function removeSpace(line: Uint8Array): Uint8Array {
  const out = new Uint8Array(line.length);
  let n = 0;
  for (const c of line) if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) out[n++] = c;
  return out.subarray(0, n);
}

const isAsciiAlpha = (c: number | undefined): boolean => c !== undefined && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a));

/** git's scan_hunk_header, including its partial updates on a malformed header. */
function scanHunkHeader(line: string, state: { before: number; after: number }): void {
  const digitsAt = (k: number): number => {
    let n = 0;
    while (k + n < line.length && line.charCodeAt(k + n) >= 0x30 && line.charCodeAt(k + n) <= 0x39) n++;
    return n;
  };
  let q = 4;
  let n = digitsAt(q);
  if (line[q + n] === ",") {
    q += n + 1;
    n = digitsAt(q);
    state.before = Number.parseInt(line.slice(q, q + n) || "0", 10);
  } else {
    state.before = 1;
  }
  if (n === 0 || line[q + n] !== " " || line[q + n + 1] !== "+") return;
  let r = q + n + 2;
  n = digitsAt(r);
  if (line[r + n] === ",") {
    r += n + 1;
    n = digitsAt(r);
    state.after = Number.parseInt(line.slice(r, r + n) || "0", 10);
  } else {
    state.after = 1;
  }
}

function* splitLines(bytes: Uint8Array): Generator<Uint8Array> {
  let start = 0;
  for (let k = 0; k < bytes.length; k++) {
    if (bytes[k] === NEWLINE) {
      yield bytes.subarray(start, k + 1);
      start = k + 1;
    }
  }
  if (start < bytes.length) yield bytes.subarray(start);
}

/** Every patch id in the input, in order, as `git patch-id` prints them (patches without content are skipped). */
export function patchIds(input: string | Uint8Array, options: PatchIdOptions = {}): PatchIdEntry[] {
  const verbatim = options.verbatim ?? false;
  const stable = verbatim || (options.stable ?? true);
  const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  const lines = splitLines(bytes);
  const out: PatchIdEntry[] = [];
  let commit = ZERO_OID;
  let exhausted = false;

  while (!exhausted) {
    const result = new Uint8Array(20);
    let ctx: Hash = createHash("sha1");
    const flush = (): void => {
      const digest = ctx.digest();
      ctx = createHash("sha1");
      let carry = 0;
      for (let k = 0; k < 20; k++) {
        carry += (result[k] as number) + (digest[k] as number);
        result[k] = carry & 0xff;
        carry >>= 8;
      }
    };
    let patchLength = 0;
    let next: string | undefined;
    let before = -1;
    let after = -1;
    let binary = false;
    let preImage = "";
    let postImage = "";

    for (;;) {
      const step = lines.next();
      if (step.done) {
        exhausted = true;
        break;
      }
      const line = step.value;
      let offset = 0;
      if (startsWith(line, "commit ")) offset = 7;
      else if (startsWith(line, "From ")) offset = 5;
      else if (startsWith(line, "\\ ") && line.length > 12) {
        if (verbatim) ctx.update(line);
        continue;
      }
      const oid = oidAt(line, offset);
      if (oid !== undefined) {
        next = oid;
        break;
      }
      if (patchLength === 0 && !startsWith(line, "diff ")) continue;

      if (before === -1) {
        if (startsWith(line, "GIT binary patch") || startsWith(line, "Binary files")) {
          binary = true;
          before = 0;
          ctx.update(preImage, "latin1");
          ctx.update(postImage, "latin1");
          if (stable) flush();
          continue;
        } else if (startsWith(line, "index ")) {
          const text = Buffer.from(line).toString("latin1");
          const dots = text.indexOf("..");
          if (dots >= 0) {
            const space = text.indexOf(" ", dots);
            const end = space >= 0 ? space : text.length - 1;
            preImage = text.slice("index ".length, dots).slice(0, 40);
            postImage = text.slice(dots + 2, end).slice(0, 40);
          }
          continue;
        } else if (startsWith(line, "--- ")) {
          before = after = 1;
        } else if (!isAsciiAlpha(line[0])) {
          break;
        }
      }

      if (binary) {
        if (startsWith(line, "diff ")) {
          binary = false;
          before = -1;
        }
        continue;
      }

      if (before === 0 && after === 0) {
        if (startsWith(line, "@@ -")) {
          const state = { before, after };
          scanHunkHeader(Buffer.from(line).toString("latin1"), state);
          ({ before, after } = state);
          continue;
        }
        if (!startsWith(line, "diff ")) break;
        if (stable) flush();
        before = after = -1;
      }

      const marker = line[0];
      if (marker === 0x2d || marker === 0x20) before--;
      if (marker === 0x2b || marker === 0x20) after--;
      const hashed = verbatim ? line : removeSpace(line);
      patchLength += hashed.length;
      ctx.update(hashed);
    }

    flush();
    if (patchLength > 0) out.push({ id: Buffer.from(result).toString("hex"), commit });
    commit = next ?? ZERO_OID;
  }
  return out;
}

/**
 * The stable patch id of a diff (`git patch-id --stable`), or undefined when the text holds no diff.
 * For a series (an mbox of several commits) this is the first commit's id; use `patchIds` for all.
 */
export function patchId(diffText: string | Uint8Array, options: PatchIdOptions = {}): string | undefined {
  return patchIds(diffText, options)[0]?.id;
}
