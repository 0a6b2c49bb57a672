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
 *
 * The file system is called synchronously (except to hash files above 1 MiB): the calls are
 * local and take microseconds, while a round trip through libuv's thread pool costs several
 * times their CPU time (about 5× for open/fstat/read/close of a small file, measured on 2 cores),
 * and a render or a config load makes thousands of them. Long listings yield between batches.
 */
import { closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";
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

/** Ids of files above this size are hashed as a stream instead of from one read. */
const STREAM_ABOVE_BYTES = 1024 * 1024;
/** Files hashed as a stream at once per view. */
const MAX_STREAMED_FILES = 16;
/** A long listing lets other work run after this many entries. */
const ENTRIES_PER_TURN = 2000;
const READ_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

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
  readonly #submodules = new Map<string, boolean>();
  /** the root with links resolved, once known (null: it cannot be resolved) */
  #realRoot: string | null | undefined;
  readonly #streams = new Limiter(MAX_STREAMED_FILES);

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
  #lstat(path: string): Stats | undefined {
    if (path.split("/").includes(".git")) return undefined;
    for (const dir of ancestorsOf(path)) {
      const stats = lstatOrUndefined(this.#abs(dir));
      if (!stats) return undefined;
      if (stats.isSymbolicLink()) throw new RepoEntryError(path, "symlink", `lies below the symbolic link ${dir}, which is not followed`);
      if (!stats.isDirectory()) return undefined;
      if (this.#isSubmodule(dir)) throw new RepoEntryError(path, "submodule", `lies below the submodule ${dir}, which is not followed`);
    }
    return lstatOrUndefined(this.#abs(path));
  }

  #isSubmodule(dir: string): boolean {
    if (dir === "") return false;
    let known = this.#submodules.get(dir);
    if (known === undefined) {
      known = lstatOrUndefined(join(this.#abs(dir), ".git")) !== undefined;
      this.#submodules.set(dir, known);
    }
    return known;
  }

  /** The entry for `stats` without a file's content id, unless this process already knows it. */
  #listedEntry(path: string, stats: Stats): TreeEntry | undefined {
    if (stats.isSymbolicLink()) {
      const target = readlinkSync(this.#abs(path));
      return { path, kind: "symlink", mode: "120000", target, id: gitBlobId(Buffer.from(target)) };
    }
    if (stats.isDirectory()) {
      return this.#isSubmodule(path) ? { path, kind: "submodule", mode: "160000" } : { path, kind: "dir", mode: "040000" };
    }
    if (!stats.isFile()) return undefined; // devices, FIFOs, sockets are not repository content
    const mode = stats.mode & 0o111 ? "100755" : "100644";
    const id = idCache.get(idKey(stats));
    return id === undefined ? { path, kind: "file", mode, size: stats.size } : { path, kind: "file", mode, size: stats.size, id };
  }

  async #fileId(path: string, stats: Stats): Promise<string> {
    const key = idKey(stats);
    const cached = idCache.get(key);
    if (cached) return cached;
    const abs = this.#abs(path);
    const id = stats.size <= STREAM_ABOVE_BYTES ? hashSmallFile(abs) : await this.#streams.run(() => hashLargeFile(abs, stats.size));
    if (idCache.size >= ID_CACHE_LIMIT) idCache.clear();
    idCache.set(key, id);
    return id;
  }

  async stat(path: string): Promise<TreeEntry | undefined> {
    const normalised = normalizeRepoPath(path);
    if (normalised === "") return { path: "", kind: "dir", mode: "040000" };
    const stats = this.#lstat(normalised);
    const entry = stats && this.#listedEntry(normalised, stats);
    if (!stats || !entry || entry.kind !== "file" || entry.id !== undefined) return entry;
    return { ...entry, id: await this.#fileId(normalised, stats) };
  }

  async list(dir = "", options: { recursive?: boolean } = {}): Promise<TreeEntry[]> {
    const base = normalizeRepoPath(dir);
    if (base !== "") {
      const stats = this.#lstat(base);
      if (!stats?.isDirectory() || this.#isSubmodule(base)) return [];
    }
    const out: TreeEntry[] = [];
    const pending = [base];
    let sinceTurn = 0;
    while (pending.length > 0) {
      const current = pending.pop() as string;
      let names: string[];
      try {
        names = readdirSync(this.#abs(current));
      } catch {
        names = [];
      }
      for (const name of names) {
        if (name === ".git") continue;
        const child = current === "" ? name : `${current}/${name}`;
        const stats = lstatOrUndefined(this.#abs(child));
        const entry = stats && this.#listedEntry(child, stats);
        if (!entry) continue;
        out.push(entry);
        if (options.recursive && entry.kind === "dir") pending.push(entry.path);
      }
      sinceTurn += names.length;
      if (sinceTurn >= ENTRIES_PER_TURN) {
        sinceTurn = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return out.sort((a, b) => comparePaths(a.path, b.path));
  }

  async readFile(path: string): Promise<Uint8Array | undefined> {
    return this.#read(normalizeRepoPath(path));
  }

  #read(normalised: string): Uint8Array | undefined {
    if (normalised === "") throw new RepoEntryError("", "dir", "is a directory, not a regular file");
    if (normalised.split("/").includes(".git")) return undefined;
    for (const dir of ancestorsOf(normalised)) {
      if (this.#isSubmodule(dir)) throw new RepoEntryError(normalised, "submodule", `lies below the submodule ${dir}, which is not followed`);
    }
    // Fast path: open without following the last component, then ask the kernel which file was
    // actually opened. Any symlink on the way shows up as a different path; only then are the
    // components examined one by one, to say which one it was.
    let fd: number | undefined;
    try {
      fd = openSync(this.#abs(normalised), READ_FLAGS);
    } catch (error) {
      if (isErrno(error, "ENOENT") || isErrno(error, "ENOTDIR") || isErrno(error, "ELOOP")) return this.#refuseOrAbsent(normalised);
      throw error;
    }
    try {
      const opened = fstatSync(fd);
      if (!opened.isFile() || !this.#openedAsNamed(fd, normalised)) {
        closeSync(fd);
        fd = undefined;
        return this.#refuseOrAbsent(normalised);
      }
      if (opened.size > this.#maxFileBytes) {
        throw new RepoEntryError(normalised, "oversized", `is ${opened.size} bytes, above the ${this.#maxFileBytes}-byte limit`);
      }
      return readOpened(fd, opened.size);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** True when the open descriptor is the file at exactly root/path (no symlink was traversed).
   * Without /proc the answer comes from checking every component with lstat. */
  #openedAsNamed(fd: number, path: string): boolean {
    if (this.#realRoot === undefined) {
      try {
        this.#realRoot = realpathSync(this.root);
      } catch {
        this.#realRoot = null;
      }
    }
    let actual: string | undefined;
    try {
      actual = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      actual = undefined;
    }
    if (this.#realRoot !== null && actual !== undefined) return actual === join(this.#realRoot, ...path.split("/"));
    for (const dir of ancestorsOf(path)) {
      if (!lstatOrUndefined(this.#abs(dir))?.isDirectory()) return false;
    }
    return true;
  }

  /** The slow path: why `path` cannot be read as a regular file (or that it is absent). */
  #refuseOrAbsent(path: string): undefined {
    const stats = this.#lstat(path); // throws for a symlink or submodule on the way
    if (!stats) return undefined;
    if (stats.isSymbolicLink()) throw new RepoEntryError(path, "symlink", "is a symbolic link, not a regular file; it is not followed");
    if (stats.isDirectory()) {
      const kind = this.#isSubmodule(path) ? "submodule" : "dir";
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

function hashSmallFile(abs: string): string {
  const fd = openSync(abs, READ_FLAGS);
  try {
    return gitBlobId(readOpened(fd, fstatSync(fd).size));
  } finally {
    closeSync(fd);
  }
}

/** Files above the size limit get an id too, without being held in memory. */
async function hashLargeFile(abs: string, size: number): Promise<string> {
  const handle = await open(abs, READ_FLAGS);
  try {
    const hash = createHash("sha1").update(`blob ${size}\0`);
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest("hex");
  } finally {
    await handle.close();
  }
}

/** The content of an open regular file, read up to the size its descriptor reported (checked against the limit). */
function readOpened(fd: number, size: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(size);
  let filled = 0;
  while (filled < size) {
    const bytesRead = readSync(fd, buffer, filled, size - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset, filled);
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if (isErrno(error, "ENOENT") || isErrno(error, "ENOTDIR")) return undefined;
    throw error;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
