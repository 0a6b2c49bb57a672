/**
 * Turns the fix (a `git apply`-able unified diff) into the new contents of the files it touches.
 * Pure: the caller supplies the current file contents and pushes the result.
 */
import { applyPatch, parsePatch } from "diff";
import { normalizeRepoPath } from "../repo/path.js";

/** path → new text, or null when the file is deleted (a move deletes its old path) */
export type FileChanges = Map<string, string | null>;

export class FixApplyError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = "FixApplyError";
  }
}

function stripPrefix(name: string | undefined): string | undefined {
  if (name === undefined || name === "/dev/null") return undefined;
  // jsdiff has already undone git's C-quoting and dropped a trailing timestamp; the path is then held
  // to the rules of every repository path (no traversal, no control characters, not absolute)
  const path = normalizeRepoPath(name.replace(/^[ab]\//, ""));
  // a fix never writes into git's own directory, wherever a repository nests one
  if (path.split("/").some((part) => part.toLowerCase() === ".git")) throw new FixApplyError(path, "the fix would write into a .git directory");
  return path;
}

export async function applyFix(patch: string, read: (path: string) => Promise<string | undefined>): Promise<FileChanges> {
  const changes: FileChanges = new Map();
  const current = async (path: string): Promise<string | undefined> => {
    if (changes.has(path)) return changes.get(path) ?? undefined;
    return read(path);
  };
  for (const file of parsePatch(patch)) {
    const oldPath = stripPrefix(file.oldFileName);
    const newPath = stripPrefix(file.newFileName);
    if (file.isBinary) throw new FixApplyError(newPath ?? oldPath ?? "?", "binary changes cannot be applied");
    if (file.isDelete || (newPath === undefined && oldPath !== undefined)) {
      changes.set(oldPath as string, null);
      continue;
    }
    if (newPath === undefined) continue;
    const source = oldPath === undefined || file.isCreate ? "" : await current(oldPath);
    if (source === undefined) throw new FixApplyError(oldPath as string, "the fix changes a file that does not exist on the branch");
    const updated = file.hunks.length === 0 ? source : applyPatch(source, file);
    if (updated === false) throw new FixApplyError(newPath, "the fix no longer applies (the branch changed since the check)");
    if ((file.isRename || (oldPath !== undefined && oldPath !== newPath)) && !file.isCopy) changes.set(oldPath as string, null);
    changes.set(newPath, updated);
  }
  return changes;
}
