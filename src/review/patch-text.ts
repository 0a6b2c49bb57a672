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
  const out = [`diff --git a/${edit.path} b/${edit.path}`];
  if (before === undefined) out.push("new file mode 100644");
  if (after === undefined) out.push("deleted file mode 100644");
  out.push(before === undefined ? "--- /dev/null" : `--- a/${edit.path}`);
  out.push(after === undefined ? "+++ /dev/null" : `+++ b/${edit.path}`);
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
