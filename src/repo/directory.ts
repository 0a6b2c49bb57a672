/**
 * RepoView over a directory on disk (a working tree, an unpacked checkout). Listings carry a file's
 * content id only when it is already known (an earlier stat of the same unchanged file): hashing
 * every listed file would read the whole tree to list it. `stat` always gives the id. A symlink anywhere in
 * a path is refused, never followed: stat and list check every component with lstat; reads open
 * the file with O_NOFOLLOW and then ask the kernel (/proc/self/fd) which file was really opened,
 * so a link in an earlier component, even one swapped in between, is caught on the descriptor
 * actually read (without /proc, every component is checked with lstat instead). Submodule
 * checkouts (directories holding a `.git`) are reported, not entered; `.git` itself is not part
 * of the view.
 */
import { constants as fsConstants, type Stats } from "node:fs";
import { lstat, open, readdir, readlink, realpath, type FileHandle } from "node:fs/promises";
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
/** Ids of files above this size are hashed as a stream instead of from one read. */
const STREAM_ABOVE_BYTES = 1024 * 1024;
/** Open descriptors per view at any time, whatever the number of concurrent reads. */
const MAX_OPEN_FILES = 64;

/** A counting semaphore: at most `limit` tasks run at once, the rest wait in order. */
class Limiter {
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(readonly limit: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    try {
      return await task();
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
}

export class DirectoryRepoView implements RepoView {
  readonly description: string;
  readonly root: string;
  readonly #maxFileBytes: number;
  /** whether a directory is a submodule checkout; directory structure is taken as fixed per view */
  readonly #submodules = new Map<string, Promise<boolean>>();
  #realRoot: Promise<string | undefined> | undefined;
  readonly #openFiles = new Limiter(MAX_OPEN_FILES);

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

  #isSubmodule(dir: string): Promise<boolean> {
    if (dir === "") return Promise.resolve(false);
    let known = this.#submodules.get(dir);
    if (!known) {
      known = lstatOrUndefined(join(this.#abs(dir), ".git")).then((stats) => stats !== undefined);
      this.#submodules.set(dir, known);
    }
    return known;
  }

  /** The entry for `stats`; a file's id is computed when `withId`, else given only when cached. */
  async #entry(path: string, stats: Stats, withId = true): Promise<TreeEntry | undefined> {
    if (stats.isSymbolicLink()) {
      const target = await readlink(this.#abs(path));
      return { path, kind: "symlink", mode: "120000", target, id: gitBlobId(Buffer.from(target)) };
    }
    if (stats.isDirectory()) {
      return (await this.#isSubmodule(path)) ? { path, kind: "submodule", mode: "160000" } : { path, kind: "dir", mode: "040000" };
    }
    if (!stats.isFile()) return undefined; // devices, FIFOs, sockets are not repository content
    const mode = stats.mode & 0o111 ? "100755" : "100644";
    const id = withId ? await this.#fileId(path, stats) : idCache.get(idKey(stats));
    return id === undefined ? { path, kind: "file", mode, size: stats.size } : { path, kind: "file", mode, size: stats.size, id };
  }

  async #fileId(path: string, stats: Stats): Promise<string> {
    const key = idKey(stats);
    const cached = idCache.get(key);
    if (cached) return cached;
    const id = await this.#openFiles.run(() => hashFile(this.#abs(path), stats.size));
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
      const listings = await mapLimit(batch, IO_CONCURRENCY, (current) => readdir(this.#abs(current)).catch(() => [] as string[]));
      batch.forEach((current, i) => {
        for (const name of listings[i] ?? []) if (name !== ".git") children.push(current === "" ? name : `${current}/${name}`);
      });
      const entries = await mapLimit(children, IO_CONCURRENCY, async (child) => {
        const stats = await lstatOrUndefined(this.#abs(child));
        return stats ? this.#entry(child, stats, false) : undefined;
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
    return this.#openFiles.run(() => this.#read(normalised));
  }

  async #read(normalised: string): Promise<Uint8Array | undefined> {
    if (normalised === "") throw new RepoEntryError("", "dir", "is a directory, not a regular file");
    if (normalised.split("/").includes(".git")) return undefined;
    for (const dir of ancestorsOf(normalised)) {
      if (await this.#isSubmodule(dir)) throw new RepoEntryError(normalised, "submodule", `lies below the submodule ${dir}, which is not followed`);
    }
    // Fast path: open without following the last component, then ask the kernel which file was
    // actually opened. Any symlink on the way shows up as a different path; only then are the
    // components examined one by one, to say which one it was.
    let handle;
    try {
      handle = await open(this.#abs(normalised), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    } catch (error) {
      if (isErrno(error, "ENOENT") || isErrno(error, "ENOTDIR") || isErrno(error, "ELOOP")) return this.#refuseOrAbsent(normalised);
      throw error;
    }
    try {
      const opened = await handle.stat();
      if (!opened.isFile() || !(await this.#openedAsNamed(handle.fd, normalised))) {
        await handle.close();
        handle = undefined;
        return await this.#refuseOrAbsent(normalised);
      }
      if (opened.size > this.#maxFileBytes) {
        throw new RepoEntryError(normalised, "oversized", `is ${opened.size} bytes, above the ${this.#maxFileBytes}-byte limit`);
      }
      return await readOpened(handle, opened.size);
    } finally {
      await handle?.close();
    }
  }

  /** True when the open descriptor is the file at exactly root/path (no symlink was traversed).
   * Without /proc the answer comes from checking every component with lstat. */
  async #openedAsNamed(fd: number, path: string): Promise<boolean> {
    this.#realRoot ??= realpath(this.root).catch(() => undefined);
    const realRoot = await this.#realRoot;
    const actual = await readlink(`/proc/self/fd/${fd}`).catch(() => undefined);
    if (realRoot !== undefined && actual !== undefined) return actual === join(realRoot, ...path.split("/"));
    for (const dir of ancestorsOf(path)) {
      if (!(await lstatOrUndefined(this.#abs(dir)))?.isDirectory()) return false;
    }
    return true;
  }

  /** The slow path: why `path` cannot be read as a regular file (or that it is absent). */
  async #refuseOrAbsent(path: string): Promise<undefined> {
    const stats = await this.#lstat(path); // throws for a symlink or submodule on the way
    if (!stats) return undefined;
    if (stats.isSymbolicLink()) throw new RepoEntryError(path, "symlink", "is a symbolic link, not a regular file; it is not followed");
    if (stats.isDirectory()) {
      const kind = (await this.#isSubmodule(path)) ? "submodule" : "dir";
      throw new RepoEntryError(path, kind, `is a ${describeKind(kind)}, not a regular file; it is not followed`);
    }
    if (!stats.isFile()) throw new RepoEntryError(path, "file", "is not a regular file (device, FIFO or socket)");
    throw new RepoEntryError(path, "symlink", "changed while it was being read (a symbolic link was swapped in); it is not followed");
  }

  async readText(path: string): Promise<string | undefined> {
    const bytes = await this.readFile(path);
    return bytes === undefined ? undefined : decodeUtf8(bytes);
  }

  async close(): Promise<void> {}
}

function idKey(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

async function hashFile(abs: string, size: number): Promise<string> {
  const handle = await open(abs, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  try {
    if (size <= STREAM_ABOVE_BYTES) return gitBlobId(await handle.readFile());
    // Oversized files get an id too, without being held in memory.
    const hash = createHash("sha1").update(`blob ${size}\0`);
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest("hex");
  } finally {
    await handle.close();
  }
}

/**
 * The content of an open regular file, read up to the size its descriptor reported (checked
 * against the limit), as readFile does, without asking for the size a second time.
 */
async function readOpened(handle: FileHandle, size: number): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafeSlow(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(buffer, filled, size - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset, filled);
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
