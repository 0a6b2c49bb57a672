/**
 * A read-only snapshot of a repository. Every path is repo-relative POSIX ("base/comps/x.toml"),
 * normalised and confined to the repository: implementations reject absolute paths, `..` escapes,
 * NUL bytes and backslashes with a RepoPathError before touching storage.
 *
 * Symlinks and submodules are listed (so that callers can report them) but never followed:
 * readFile on one throws RepoEntryError.
 */
export type EntryKind = "file" | "dir" | "symlink" | "submodule";

export interface TreeEntry {
  /** repo-relative path */
  path: string;
  kind: EntryKind;
  /** byte size for files, when known without reading */
  size?: number;
  /** content identity: git blob SHA for git/GitHub views, a content hash for directories and memory */
  id?: string;
  /** git mode string ("100644", "100755", "120000", "160000", "040000") where known */
  mode?: string;
  /** symlink target, when known */
  target?: string;
}

export interface RepoView {
  /** Human-readable identity for messages, e.g. "git:/srv/repo@3f2a9c1" or "dir:/work/repo". */
  readonly description: string;
  /** File bytes; undefined when there is no entry at `path`. Throws RepoEntryError for a symlink,
   * submodule, directory or a file above the size limit. */
  readFile(path: string): Promise<Uint8Array | undefined>;
  /** readFile decoded as UTF-8 (invalid sequences replaced). */
  readText(path: string): Promise<string | undefined>;
  /** The entry at `path` without reading content; undefined when absent. */
  stat(path: string): Promise<TreeEntry | undefined>;
  /** Entries below `dir` ("" = root). recursive=false lists direct children only. Sorted by path. */
  list(dir?: string, options?: { recursive?: boolean }): Promise<TreeEntry[]>;
  /** Release processes or handles (git cat-file). Safe to call twice. */
  close?(): Promise<void>;
}

export class RepoPathError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`unsafe path ${JSON.stringify(path)}: ${reason}`);
    this.name = "RepoPathError";
  }
}

export class RepoEntryError extends Error {
  constructor(readonly path: string, readonly kind: EntryKind | "oversized", reason: string) {
    super(`${path}: ${reason}`);
    this.name = "RepoEntryError";
  }
}

/** Files above this many bytes are refused by readFile (reported as a finding by callers). */
export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;
