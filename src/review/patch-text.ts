/** One `git apply`-able unified diff for a set of file edits (creations, deletions, modifications). */
import { structuredPatch } from "diff";

export interface FileEdit {
  path: string;
  /** undefined: the file does not exist before */
  before?: Uint8Array;
  /** undefined: the file is deleted */
  after?: Uint8Array;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function asText(bytes: Uint8Array | undefined): string | undefined | null {
  if (bytes === undefined) return undefined;
  if (bytes.includes(0)) return null;
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

export class BinaryEditError extends Error {
  constructor(readonly path: string) {
    super(`${path} is not a text file; a unified diff cannot carry it`);
    this.name = "BinaryEditError";
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

function range(start: number, count: number): string {
  const s = count === 0 ? start - 1 : start;
  return count === 1 ? `${s}` : `${s},${count}`;
}

/** The diff of one file; "" when nothing changes. Throws BinaryEditError for binary content. */
export function fileDiff(edit: FileEdit): string {
  const before = asText(edit.before);
  const after = asText(edit.after);
  if (before === null || after === null) throw new BinaryEditError(edit.path);
  if (before === after) return "";
  const patch = structuredPatch(edit.path, edit.path, before ?? "", after ?? "", "", "", { context: 3 });
  const a = gitQuotedPath(`a/${edit.path}`);
  const b = gitQuotedPath(`b/${edit.path}`);
  const out = [`diff --git ${a} ${b}`];
  if (before === undefined) out.push("new file mode 100644");
  if (after === undefined) out.push("deleted file mode 100644");
  out.push(before === undefined ? "--- /dev/null" : `--- ${a}`);
  out.push(after === undefined ? "+++ /dev/null" : `+++ ${b}`);
  for (const h of patch.hunks) {
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`);
    for (const line of h.lines) out.push(line);
  }
  return `${out.join("\n")}\n`;
}

/** All edits as one patch, in the order given (config first reads best: what to change, then what it produces). */
export function combinedDiff(edits: readonly FileEdit[]): string {
  return edits.map(fileDiff).join("");
}
