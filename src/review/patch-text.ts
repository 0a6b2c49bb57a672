/** One `git apply`-able diff for a set of file edits (creations, deletions, modifications), byte-exact. */
import { structuredPatch } from "diff/lib/patch/create.js";
import { gitBlobId } from "../repo/path.js";
import { binaryPatchBody, NULL_BLOB_ID } from "./git-binary-patch.js";

export interface FileEdit {
  path: string;
  /** undefined: the file does not exist before */
  before?: Uint8Array;
  /** undefined: the file is deleted */
  after?: Uint8Array;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The text of UTF-8 content without NUL bytes; null for anything else (carried as a binary patch). */
export function utf8Text(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

const C_ESCAPES: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\" };

/**
 * A path as git writes it in a patch (quote_c_style with core.quotePath): as is when plain, else in
 * double quotes with C escapes and octal bytes for control characters and non-ASCII — so a file name
 * with a newline or a tab can never add lines to the patch, and `git apply` reads it back exactly.
 */
export function gitQuotedPath(path: string): string {
  const bytes = new TextEncoder().encode(path);
  if (!bytes.some((b) => b < 0x20 || b === 0x22 || b === 0x5c || b >= 0x7f)) return path;
  let out = '"';
  for (const b of bytes) {
    const escape = C_ESCAPES[b];
    if (escape) out += escape;
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, "0")}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

const C_UNESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, "\\": 92 };

/**
 * Reads one path as `gitQuotedPath` (and git) writes it, from the start of `text`: the path and
 * where it ends. Undefined when a quoted path is malformed.
 */
export function readGitQuotedPath(text: string): { path: string; end: number } | undefined {
  if (!text.startsWith('"')) {
    const space = text.indexOf(" ");
    return { path: space < 0 ? text : text.slice(0, space), end: space < 0 ? text.length : space };
  }
  const bytes: number[] = [];
  for (let i = 1; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '"') {
      try {
        return { path: new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes)), end: i + 1 };
      } catch {
        return undefined;
      }
    }
    if (ch !== "\\") {
      bytes.push(...new TextEncoder().encode(ch));
      continue;
    }
    const next = text[++i] ?? "";
    const escape = C_UNESCAPES[next];
    if (escape !== undefined) bytes.push(escape);
    else if (/^[0-3][0-7]{2}$/.test(text.slice(i, i + 3))) {
      bytes.push(parseInt(text.slice(i, i + 3), 8));
      i += 2;
    } else return undefined;
  }
  return undefined;
}

/** The two paths of a `diff --git a/… b/…` line, prefixes kept; undefined when it cannot be read. */
export function gitDiffHeaderPaths(line: string): { a: string; b: string } | undefined {
  const rest = line.replace(/^diff --git /, "");
  if (rest.startsWith('"')) {
    const a = readGitQuotedPath(rest);
    if (!a || rest[a.end] !== " ") return undefined;
    const b = readGitQuotedPath(rest.slice(a.end + 1));
    return b && a.end + 1 + b.end === rest.length ? { a: a.path, b: b.path } : undefined;
  }
  // unquoted names may hold spaces: git writes the same path twice, so the split is in the middle
  if ((rest.length - 1) % 2 !== 0) return undefined;
  const half = (rest.length - 1) / 2;
  const a = rest.slice(0, half);
  const b = rest.slice(half + 1);
  return rest[half] === " " && a.slice(2) === b.slice(2) ? { a, b } : undefined;
}

function range(start: number, count: number): string {
  const s = count === 0 ? start - 1 : start;
  return count === 1 ? `${s}` : `${s},${count}`;
}

/**
 * The diff of one file; "" when nothing changes. UTF-8 text is a unified diff; any other content
 * (bytes that are not UTF-8, NUL bytes) is a git binary patch, so that no byte is ever replaced.
 */
export function fileDiff(edit: FileEdit): string {
  if (edit.before && edit.after && sameContent(edit.before, edit.after)) return "";
  if (edit.before === undefined && edit.after === undefined) return "";
  const before = edit.before === undefined ? undefined : utf8Text(edit.before);
  const after = edit.after === undefined ? undefined : utf8Text(edit.after);
  const a = gitQuotedPath(`a/${edit.path}`);
  const b = gitQuotedPath(`b/${edit.path}`);
  const out = [`diff --git ${a} ${b}`];
  if (edit.before === undefined) out.push("new file mode 100644");
  if (edit.after === undefined) out.push("deleted file mode 100644");
  if (before === null || after === null) {
    const oldId = edit.before === undefined ? NULL_BLOB_ID : gitBlobId(edit.before);
    const newId = edit.after === undefined ? NULL_BLOB_ID : gitBlobId(edit.after);
    // a full index line: git apply checks the pre-image against it before writing
    out.push(`index ${oldId}..${newId}${edit.before && edit.after ? " 100644" : ""}`);
    out.push(...binaryPatchBody(edit.before ?? new Uint8Array(), edit.after ?? new Uint8Array()));
    return `${out.join("\n")}\n`;
  }
  const patch = structuredPatch(edit.path, edit.path, before ?? "", after ?? "", "", "", { context: 3 });
  out.push(before === undefined ? "--- /dev/null" : `--- ${a}`);
  out.push(after === undefined ? "+++ /dev/null" : `+++ ${b}`);
  for (const h of patch.hunks) {
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`);
    for (const line of h.lines) out.push(line);
  }
  return `${out.join("\n")}\n`;
}

function sameContent(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** All edits as one patch, in the order given (config first reads best: what to change, then what it produces). */
export function combinedDiff(edits: readonly FileEdit[]): string {
  return edits.map(fileDiff).join("");
}
