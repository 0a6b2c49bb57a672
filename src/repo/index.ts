/** Read-only repository snapshots: a directory, a git repository at a revision, or memory. */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { DirectoryRepoView, type DirectoryRepoOptions } from "./directory.js";
import { GitRepoView, RepoOpenError, type GitRepoOptions } from "./git.js";
import type { RepoView } from "./types.js";

export * from "./types.js";
export { normalizeRepoPath, gitBlobId, decodeUtf8 } from "./path.js";
export { MemoryRepoView, memoryRepo, type MemoryRepoOptions } from "./memory.js";
export { DirectoryRepoView, type DirectoryRepoOptions } from "./directory.js";
export { GitRepoView, RepoOpenError, locateGitDir, parseLsTree, type GitRepoOptions } from "./git.js";
export { CatFileBatch, CatFileBatchError, ObjectTooLargeError, type GitObject, type CatFileBatchOptions } from "./cat-file-batch.js";
export {
  git,
  runGit,
  gitEnvironment,
  isObjectId,
  GitCommandError,
  GitTimeoutError,
  type GitRunOptions,
  type GitResult,
} from "./git-command.js";

export type OpenRepoOptions = DirectoryRepoOptions & GitRepoOptions;

/**
 * A view of the repository at `path`: its directory as it is on disk when no `ref` is given, the
 * git tree at `ref` otherwise (a work tree or a bare repository). Close git views when done.
 */
export async function openRepo(path: string, ref?: string, options: OpenRepoOptions = {}): Promise<RepoView> {
  if (ref !== undefined) return GitRepoView.open(path, ref, options);
  const root = resolve(path);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new RepoOpenError(root, `${root} is not a directory`);
  return new DirectoryRepoView(root, options);
}
