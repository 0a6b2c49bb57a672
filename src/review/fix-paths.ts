/**
 * Where a fix may write. The fix is made from a pull request's content, so its paths are held to the
 * rules of every repository path (no traversal, no control characters, not absolute) and more:
 * never into git's own directory wherever a repository nests one (`.git` in any case, also with the
 * trailing dots or spaces some file systems drop), and never a top-level dot entry (`.github/`,
 * `.gitmodules`, `.gitattributes`) — workflows and repository metadata are never a fix's business.
 * Dot files deeper down are allowed: rendered trees carry upstream ones (`.gitignore`, `.fmf/`).
 */
import { normalizeRepoPath } from "../repo/path.js";
import type { RepoView } from "../repo/types.js";

export class FixPathError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = "FixPathError";
  }
}

/** The normalised path, or FixPathError (RepoPathError for what no repository path may be). */
export function checkFixPath(path: string): string {
  const normalized = normalizeRepoPath(path);
  if (normalized === "") throw new FixPathError(path, "the fix names no file");
  const parts = normalized.split("/");
  if (parts.some((part) => /^\.git[. ]*$/i.test(part))) throw new FixPathError(normalized, "the fix would write into a .git directory");
  if ((parts[0] as string).startsWith(".")) throw new FixPathError(normalized, "the fix would write a top-level dot entry (repository metadata or CI configuration)");
  return normalized;
}

const KIND_NAMES = { symlink: "a symbolic link", submodule: "a submodule", file: "a file", dir: "a directory" } as const;

/**
 * Why `path` cannot be written as a plain file in `tree`, if it cannot: a parent that is a symbolic
 * link, a submodule or a file (writing through it would follow the link on checkout, or replace
 * it), or the path itself being one of those or a directory. `checked` remembers good ancestors.
 */
export async function fixPathConflict(tree: RepoView, path: string, checked: Set<string> = new Set()): Promise<string | undefined> {
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) {
    const ancestor = parts.slice(0, i).join("/");
    if (checked.has(ancestor)) continue;
    const entry = await tree.stat(ancestor);
    if (entry && entry.kind !== "dir") return `${ancestor} is ${KIND_NAMES[entry.kind]} on the branch; the fix does not write through it`;
    checked.add(ancestor);
  }
  const entry = await tree.stat(path);
  if (entry && entry.kind !== "file") return `it is ${KIND_NAMES[entry.kind]} on the branch; the fix only writes plain files`;
  return undefined;
}
