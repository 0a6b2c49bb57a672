/**
 * Git's binary patch format (`git diff --binary`): the new content, deflated and base85-encoded in
 * lines of at most 52 bytes, with the old content as the reverse hunk. A fix carries any file that
 * is not UTF-8 text (a vendored patch in Latin-1, a file with NUL bytes) this way, byte for byte,
 * as ASCII that survives JSON, markdown and copy-paste; `git apply` checks the pre-image against
 * the full blob id on the `index` line before it writes anything.
 */
import { deflateSync, inflateSync } from "node:zlib";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
const VALUE = new Map([...ALPHABET].map((ch, i) => [ch, i]));
const LINE_BYTES = 52;
export const NULL_BLOB_ID = "0".repeat(40);

export class BinaryPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BinaryPatchError";
  }
}

/** git's encode_85: every group of four bytes (the last one zero-padded) as five characters. */
function encode85(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 4) {
    let acc = 0;
    for (let k = 0; k < 4; k++) acc = acc * 256 + (bytes[i + k] ?? 0);
    const group = new Array<string>(5);
    for (let k = 4; k >= 0; k--) {
      group[k] = ALPHABET[acc % 85] as string;
      acc = Math.floor(acc / 85);
    }
    out += group.join("");
  }
  return out;
}

function decode85(text: string, length: number): Uint8Array {
  if (text.length % 5 !== 0) throw new BinaryPatchError("a binary patch line has a broken length");
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let acc = 0;
    for (let k = 0; k < 5; k++) {
      const value = VALUE.get(text[i + k] as string);
      if (value === undefined) throw new BinaryPatchError(`a binary patch line holds ${JSON.stringify(text[i + k])}, not a base85 character`);
      acc = acc * 85 + value;
    }
    if (acc > 0xffffffff) throw new BinaryPatchError("a binary patch line holds a group out of range");
    out[o] = acc >>> 24;
    out[o + 1] = (acc >>> 16) & 0xff;
    out[o + 2] = (acc >>> 8) & 0xff;
    out[o + 3] = acc & 0xff;
  }
  return out.subarray(0, length);
}

/** One `literal` hunk: the header, the encoded lines and the blank line that ends it. */
function literalHunk(content: Uint8Array): string[] {
  const deflated = deflateSync(content);
  const lines = [`literal ${content.byteLength}`];
  for (let i = 0; i < deflated.length; i += LINE_BYTES) {
    const chunk = deflated.subarray(i, i + LINE_BYTES);
    const n = chunk.length;
    lines.push(String.fromCharCode(n <= 26 ? 64 + n : 70 + n) + encode85(chunk));
  }
  lines.push("");
  return lines;
}

/** The `GIT binary patch` body turning `before` into `after` (either may be empty). */
export function binaryPatchBody(before: Uint8Array, after: Uint8Array): string[] {
  return ["GIT binary patch", ...literalHunk(after), ...literalHunk(before)];
}

/**
 * The new content a binary patch body gives (`lines` from the line after `GIT binary patch`).
 * Only `literal` forward hunks are read — what this module writes; a `delta` hunk is refused.
 */
export function readBinaryPatch(lines: readonly string[]): Uint8Array {
  const header = /^(literal|delta) (\d+)$/.exec(lines[0] ?? "");
  if (!header) throw new BinaryPatchError("a binary patch without a literal hunk");
  if (header[1] === "delta") throw new BinaryPatchError("delta binary patches are not applied; only literal ones");
  const size = Number(header[2]);
  const chunks: Uint8Array[] = [];
  for (let i = 1; i < lines.length && lines[i] !== ""; i++) {
    const line = lines[i] as string;
    const c = line.charCodeAt(0);
    const n = c >= 65 && c <= 90 ? c - 64 : c >= 97 && c <= 122 ? c - 70 : -1;
    if (n < 0) throw new BinaryPatchError("a binary patch line without its length");
    chunks.push(decode85(line.slice(1), n));
  }
  let content: Uint8Array;
  try {
    content = new Uint8Array(inflateSync(Buffer.concat(chunks), { maxOutputLength: Math.max(size, 1) }));
  } catch (error) {
    throw new BinaryPatchError(`a binary patch does not inflate: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (content.byteLength !== size) throw new BinaryPatchError(`a binary patch gives ${content.byteLength} bytes where it says ${size}`);
  return content;
}
