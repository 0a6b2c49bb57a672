/**
 * RepoView over a directory on disk (a working tree, an unpacked checkout). Every path component
 * is checked with lstat, so a symlinked directory anywhere in a path is refused rather than
 * followed, and the final open uses O_NOFOLLOW so a file swapped for a link in between is refused
 * too. Submodule checkouts (directories holding a `.git`) are reported, not entered; `.git` itself
 * is not part of the view.
 */
import { constants as fsConstants, type Stats } from "node:fs";
import { lstat, open, readdir, readlink } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { ancestorsOf, comparePaths, decodeUtf8, gitBlobId, normalizeRepoPath } from "./path.js";
import { describeKind } from "./memory.js";
import { DEFAULT_MAX_FILE_BYTES, RepoEntryError, type RepoView, type TreeEntry } from "./types.js";

export interface DirectoryRepoOptions {
  maxFileBytes?: number;
}

/** Ids by file identity and change times: listing the same tree twice reads each file once. */
const idCache = new Map<string, string>();
const ID_CACHE_LIMIT = 200_000;

const IO_CONCURRENCY = 16;

export class DirectoryRepoView implements RepoView {
  readonly description: string;
  readonly root: string;
  readonly #maxFileBytes: number;

  constructor(root: string, options: DirectoryRepoOptions = {}) {
    this.root = resolve(root);
    this.description = `dir:${this.root}`;
    this.#maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  #abs(path: string): string {
    return path === "" ? this.root : join(this.root, ...path.split("/"));
  }

  /** lstat of a normalised path after checking every ancestor is a plain directory; undefined when
   * absent or hidden (.git), RepoEntryError when an ancestor is a symlink or a submodule. */
  async #lstat(path: string): Promise<Stats | undefined> {
    if (path.split("/").includes(".git")) return undefined;
    for (const dir of ancestorsOf(path)) {
      const stats = await lstatOrUndefined(this.#abs(dir));
      if (!stats) return undefined;
      if (stats.isSymbolicLink()) throw new RepoEntryError(path, "symlink", `lies below the symbolic link ${dir}, which is not followed`);
      if (!stats.isDirectory()) return undefined;
      if (await this.#isSubmodule(dir)) throw new RepoEntryError(path, "submodule", `lies below the submodule ${dir}, which is not followed`);
    }
    return lstatOrUndefined(this.#abs(path));
  }

  async #isSubmodule(dir: string): Promise<boolean> {
    return dir !== "" && (await lstatOrUndefined(join(this.#abs(dir), ".git"))) !== undefined;
  }

  async #entry(path: string, stats: Stats): Promise<TreeEntry | undefined> {
    if (stats.isSymbolicLink()) {
      const target = await readlink(this.#abs(path));
      return { path, kind: "symlink", mode: "120000", target, id: gitBlobId(Buffer.from(target)) };
    }
    if (stats.isDirectory()) {
      return (await this.#isSubmodule(path)) ? { path, kind: "submodule", mode: "160000" } : { path, kind: "dir", mode: "040000" };
    }
    if (!stats.isFile()) return undefined; // devices, FIFOs, sockets are not repository content
    const mode = stats.mode & 0o111 ? "100755" : "100644";
    return { path, kind: "file", mode, size: stats.size, id: await this.#fileId(path, stats) };
  }

  async #fileId(path: string, stats: Stats): Promise<string> {
    const key = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
    const cached = idCache.get(key);
    if (cached) return cached;
    const hash = createHash("sha1").update(`blob ${stats.size}\0`);
    // Streamed with O_NOFOLLOW: ids are computed for oversized files too, without holding them.
    const handle = await open(this.#abs(path), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    try {
      for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    } finally {
      await handle.close();
    }
    const id = hash.digest("hex");
    if (idCache.size >= ID_CACHE_LIMIT) idCache.clear();
    idCache.set(key, id);
    return id;
  }

  async stat(path: string): Promise<TreeEntry | undefined> {
    const normalised = normalizeRepoPath(path);
    if (normalised === "") return { path: "", kind: "dir", mode: "040000" };
    const stats = await this.#lstat(normalised);
    return stats ? this.#entry(normalised, stats) : undefined;
  }

  async list(dir = "", options: { recursive?: boolean } = {}): Promise<TreeEntry[]> {
    const base = normalizeRepoPath(dir);
    if (base !== "") {
      const stats = await this.#lstat(base);
      if (!stats?.isDirectory() || (await this.#isSubmodule(base))) return [];
    }
    const out: TreeEntry[] = [];
    const pending = [base];
    while (pending.length > 0) {
      const batch = pending.splice(0, pending.length);
      const children: string[] = [];
      for (const current of batch) {
        const names = await readdir(this.#abs(current)).catch(() => [] as string[]);
        for (const name of names) if (name !== ".git") children.push(current === "" ? name : `${current}/${name}`);
      }
      const entries = await mapLimit(children, IO_CONCURRENCY, async (child) => {
        const stats = await lstatOrUndefined(this.#abs(child));
        return stats ? this.#entry(child, stats) : undefined;
      });
      for (const entry of entries) {
        if (!entry) continue;
        out.push(entry);
        if (options.recursive && entry.kind === "dir") pending.push(entry.path);
      }
    }
    return out.sort((a, b) => comparePaths(a.path, b.path));
  }

  async readFile(path: string): Promise<Uint8Array | undefined> {
    const normalised = normalizeRepoPath(path);
    if (normalised === "") throw new RepoEntryError("", "dir", "is a directory, not a regular file");
    const stats = await this.#lstat(normalised);
    if (!stats) return undefined;
    if (!stats.isFile()) {
      const kind = stats.isSymbolicLink() ? "symlink" : stats.isDirectory() ? ((await this.#isSubmodule(normalised)) ? "submodule" : "dir") : undefined;
      if (!kind) throw new RepoEntryError(normalised, "file", "is not a regular file (device, FIFO or socket)");
      throw new RepoEntryError(normalised, kind, `is a ${describeKind(kind)}, not a regular file; it is not followed`);
    }
    let handle;
    try {
      handle = await open(this.#abs(normalised), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    } catch (error) {
      if (isErrno(error, "ELOOP")) throw new RepoEntryError(normalised, "symlink", "is a symbolic link, not a regular file; it is not followed");
      if (isErrno(error, "ENOENT")) return undefined;
      throw error;
    }
    try {
      const opened = await handle.stat();
      if (!opened.isFile()) throw new RepoEntryError(normalised, opened.isDirectory() ? "dir" : "file", "is not a regular file");
      if (opened.size > this.#maxFileBytes) {
        throw new RepoEntryError(normalised, "oversized", `is ${opened.size} bytes, above the ${this.#maxFileBytes}-byte limit`);
      }
      const content = await handle.readFile();
      return new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
    } finally {
      await handle.close();
    }
  }

  async readText(path: string): Promise<string | undefined> {
    const bytes = await this.readFile(path);
    return bytes === undefined ? undefined : decodeUtf8(bytes);
  }

  async close(): Promise<void> {}
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (isErrno(error, "ENOENT") || isErrno(error, "ENOTDIR")) return undefined;
    throw error;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
