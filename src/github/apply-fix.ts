/**
 * Turns the fix (a `git apply`-able diff) into the new contents of the files it touches.
 * Pure: the caller supplies the current file contents and pushes the result. Unified diffs change
 * UTF-8 text; git binary patches (what a fix carries for anything else) replace bytes, after the
 * current content is checked against the pre-image's blob id.
 */
import { applyPatch, parsePatch } from "diff";
import { gitBlobId } from "../repo/path.js";
import { checkFixPath as checkReviewFixPath, FixPathError } from "../review/fix-paths.js";
import { BinaryPatchError, NULL_BLOB_ID, readBinaryPatch } from "../review/git-binary-patch.js";
import { gitDiffHeaderPaths, utf8Text } from "../review/patch-text.js";

/** path → new content (text from unified diffs, bytes from binary patches), or null when the file is deleted */
export type FileChanges = Map<string, string | Uint8Array | null>;

/** What the branch holds at a path now: text or bytes; undefined when there is no file. */
export type CurrentContent = (path: string) => Promise<string | Uint8Array | undefined>;

export class FixApplyError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = "FixApplyError";
  }
}

/** A fix path, normalised and held to the fix rules (src/review/fix-paths.ts); FixApplyError otherwise. */
function checkFixPath(path: string): string {
  try {
    return checkReviewFixPath(path);
  } catch (error) {
    if (error instanceof FixPathError) throw new FixApplyError(error.path, error.message.slice(error.path.length + 2));
    throw error;
  }
}

function stripPrefix(name: string | undefined): string | undefined {
  if (name === undefined || name === "/dev/null") return undefined;
  // jsdiff has already undone git's C-quoting and dropped a trailing timestamp
  return checkFixPath(name.replace(/^[ab]\//, ""));
}

/** The patch cut at every `diff --git` line (text before the first one is a section of its own). */
function sections(patch: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const line of patch.split("\n")) {
    if (line.startsWith("diff --git ") && current.length > 0) {
      out.push(current.join("\n"));
      current = [];
    }
    current.push(line);
  }
  if (current.length > 0) out.push(current.join("\n"));
  return out.filter((s) => s.trim() !== "");
}

const encoder = new TextEncoder();

export async function applyFix(patch: string, read: CurrentContent): Promise<FileChanges> {
  const changes: FileChanges = new Map();
  const current = async (path: string): Promise<string | Uint8Array | undefined> => {
    if (changes.has(path)) return changes.get(path) ?? undefined;
    return read(path);
  };
  const currentText = async (path: string): Promise<string | undefined> => {
    const content = await current(path);
    if (content === undefined || typeof content === "string") return content;
    const text = utf8Text(content);
    if (text === null) throw new FixApplyError(path, "the file on the branch is not UTF-8 text, and a text diff cannot change it");
    return text;
  };
  for (const section of sections(patch)) {
    const lines = section.split("\n");
    const binaryAt = lines.indexOf("GIT binary patch");
    if (binaryAt >= 0) {
      await applyBinary(lines, binaryAt, changes, current);
      continue;
    }
    for (const file of parsePatch(section)) {
      const oldPath = stripPrefix(file.oldFileName);
      const newPath = stripPrefix(file.newFileName);
      if (file.isBinary) throw new FixApplyError(newPath ?? oldPath ?? "?", "binary changes without their content cannot be applied");
      if (file.isDelete || (newPath === undefined && oldPath !== undefined)) {
        changes.set(oldPath as string, null);
        continue;
      }
      if (newPath === undefined) continue;
      const source = oldPath === undefined || file.isCreate ? "" : await currentText(oldPath);
      if (source === undefined) throw new FixApplyError(oldPath as string, "the fix changes a file that does not exist on the branch");
      const updated = file.hunks.length === 0 ? source : applyPatch(source, file);
      if (updated === false) throw new FixApplyError(newPath, "the fix no longer applies (the branch changed since the check)");
      if ((file.isRename || (oldPath !== undefined && oldPath !== newPath)) && !file.isCopy) changes.set(oldPath as string, null);
      changes.set(newPath, updated);
    }
  }
  return changes;
}

/** One file's git binary patch: the pre-image must be the blob the `index` line names. */
async function applyBinary(lines: string[], binaryAt: number, changes: FileChanges, current: (path: string) => Promise<string | Uint8Array | undefined>): Promise<void> {
  const names = gitDiffHeaderPaths(lines[0] ?? "");
  if (!names) throw new FixApplyError("?", `a binary patch whose header cannot be read: ${JSON.stringify((lines[0] ?? "").slice(0, 200))}`);
  const oldPath = checkFixPath(names.a.replace(/^a\//, ""));
  const path = checkFixPath(names.b.replace(/^b\//, ""));
  if (oldPath !== path) throw new FixApplyError(path, "a binary patch that renames a file is not applied");
  const index = lines.slice(0, binaryAt).map((l) => /^index ([0-9a-f]{40})\.\.([0-9a-f]{40})(?: \d+)?$/.exec(l)).find(Boolean);
  if (!index) throw new FixApplyError(path, "a binary patch without a full index line");
  const [, oldId, newId] = index as RegExpExecArray;
  const have = await current(path);
  const haveId = have === undefined ? NULL_BLOB_ID : gitBlobId(typeof have === "string" ? encoder.encode(have) : have);
  if (haveId !== oldId) throw new FixApplyError(path, "the fix no longer applies (the branch changed since the check)");
  if (newId === NULL_BLOB_ID) {
    changes.set(path, null);
    return;
  }
  let content: Uint8Array;
  try {
    content = readBinaryPatch(lines.slice(binaryAt + 1));
  } catch (error) {
    if (error instanceof BinaryPatchError) throw new FixApplyError(path, error.message);
    throw error;
  }
  if (gitBlobId(content) !== newId) throw new FixApplyError(path, "a binary patch whose content is not the blob its index line names");
  changes.set(path, content);
}
