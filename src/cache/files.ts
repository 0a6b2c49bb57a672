/**
 * A flat directory of cache files: the filesystem side of the caches a run keeps across runs (loaded
 * projects, upstream API answers, history indexes of local clones). What goes in a file and which files to evict is
 * decided by the callers; this module only reads, writes, lists and removes, and keeps every access
 * inside the directory:
 *
 * - file names are checked (letters, digits, `.`, `_`, `-`; no leading dot), so a name never leaves it;
 * - the directories below the cache root are created private (0700) and must be real directories: a
 *   symbolic link where one should be switches the store off (reads miss, writes are dropped);
 * - files are opened with O_NOFOLLOW and must be regular files; writes go to a fresh temporary file
 *   (created exclusively, 0600) renamed over the entry, so a reader never sees half an entry and a
 *   link planted at an entry's name is replaced, never written through.
 *
 * Every failure is a miss: a cache can only make a run faster, never make it fail.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { lstat, mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

export interface CacheFileInfo {
  name: string;
  bytes: number;
  mtimeMs: number;
}

/** The operations a cache needs from its directory. Tests may pass an in-memory implementation. */
export interface CacheFiles {
  /** an entry's bytes; undefined when absent, not a regular file, larger than `maxBytes`, or unreadable */
  read(name: string, maxBytes: number): Promise<Buffer | undefined>;
  /** replaces an entry whole (atomically); false when it could not be written */
  write(name: string, bytes: Buffer | string): Promise<boolean>;
  /** marks an entry as just used (eviction removes the least recently used first) */
  touch(name: string): Promise<void>;
  /** the entries (regular files with valid names), in no particular order */
  list(): Promise<CacheFileInfo[]>;
  remove(name: string): Promise<void>;
}

const VALID_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;
/** a temporary file left by a process that died mid-write is removed after this long */
const STALE_TEMP_MS = 60 * 60 * 1000;
const TEMP_PREFIX = ".tmp-";
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

export function isCacheFileName(name: string): boolean {
  return VALID_NAME.test(name) && !name.includes("..");
}

/**
 * The directory `root/<parts…>`. `root` is the user's cache directory (created if missing; the user
 * chose it, so it may itself be a link); every part below it is created here and must not be a link.
 */
export function cacheFilesIn(root: string, parts: string[]): CacheFiles {
  for (const part of parts) if (!isCacheFileName(part)) throw new Error(`not a cache directory name: ${JSON.stringify(part)}`);
  const dir = join(root, ...parts);
  let ready: Promise<boolean> | undefined;
  const prepared = (): Promise<boolean> => {
    ready ??= (async () => {
      try {
        await mkdir(root, { recursive: true, mode: 0o700 });
        let at = root;
        for (const part of parts) {
          at = join(at, part);
          await mkdir(at, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== "EEXIST") throw error;
          });
          const info = await lstat(at);
          if (info.isSymbolicLink() || !info.isDirectory()) return false;
        }
        return true;
      } catch {
        return false;
      }
    })();
    return ready;
  };
  const path = (name: string): string | undefined => (isCacheFileName(name) ? join(dir, name) : undefined);

  return {
    async read(name, maxBytes) {
      const file = path(name);
      if (!file || !(await prepared())) return undefined;
      const handle = await open(file, constants.O_RDONLY | O_NOFOLLOW).catch(() => undefined);
      if (!handle) return undefined;
      try {
        const info = await handle.stat();
        if (!info.isFile() || info.size > maxBytes) return undefined;
        return await handle.readFile();
      } catch {
        return undefined;
      } finally {
        await handle.close().catch(() => undefined);
      }
    },
    async write(name, bytes) {
      const file = path(name);
      if (!file || !(await prepared())) return false;
      const temp = join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString("hex")}`);
      try {
        const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o600);
        try {
          await handle.writeFile(bytes);
        } finally {
          await handle.close();
        }
        // rename replaces whatever is at the name — a link included — without following it
        await rename(temp, file);
        return true;
      } catch {
        await rm(temp, { force: true }).catch(() => undefined);
        return false;
      }
    },
    async touch(name) {
      const file = path(name);
      if (!file || !(await prepared())) return;
      const handle = await open(file, constants.O_RDONLY | O_NOFOLLOW).catch(() => undefined);
      if (!handle) return;
      const now = new Date();
      await handle.utimes(now, now).catch(() => undefined);
      await handle.close().catch(() => undefined);
    },
    async list() {
      if (!(await prepared())) return [];
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const out: CacheFileInfo[] = [];
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        if (entry.name.startsWith(TEMP_PREFIX)) {
          const info = await lstat(join(dir, entry.name)).catch(() => undefined);
          if (info && Date.now() - info.mtimeMs > STALE_TEMP_MS) await rm(join(dir, entry.name), { force: true }).catch(() => undefined);
          continue;
        }
        if (!isCacheFileName(entry.name)) continue;
        const info = await lstat(join(dir, entry.name)).catch(() => undefined);
        if (info?.isFile()) out.push({ name: entry.name, bytes: info.size, mtimeMs: info.mtimeMs });
      }
      return out;
    },
    async remove(name) {
      const file = path(name);
      if (!file || !(await prepared())) return;
      // rm on a path removes a link itself, never its target
      await rm(file, { force: true }).catch(() => undefined);
    },
  };
}

/**
 * Which entries to remove so that at most `maxEntries` remain and they take at most `maxBytes`: the
 * least recently used (oldest modification time) first. `keep` names an entry just written, which stays.
 */
export function entriesToEvict(entries: CacheFileInfo[], limits: { maxEntries: number; maxBytes: number }, keep?: string): string[] {
  const byAge = [...entries].sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
  let count = entries.length;
  let bytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  const out: string[] = [];
  for (const entry of byAge) {
    if (count <= limits.maxEntries && bytes <= limits.maxBytes) break;
    if (entry.name === keep) continue;
    out.push(entry.name);
    count--;
    bytes -= entry.bytes;
  }
  return out;
}

/**
 * Cache files kept within limits: the directory is listed once, on the first write, and every write
 * after that evicts the least recently used entries beyond `maxEntries` or `maxBytes`. Other processes
 * writing the same directory are seen at the next run's listing, so the bound holds across runs.
 */
export class BoundedCacheFiles {
  #known: Promise<Map<string, CacheFileInfo>> | undefined;

  constructor(
    readonly files: CacheFiles,
    readonly limits: { maxEntries: number; maxBytes: number },
  ) {}

  read(name: string): Promise<Buffer | undefined> {
    return this.files.read(name, this.limits.maxBytes);
  }

  async touch(name: string): Promise<void> {
    await this.files.touch(name);
    const known = await this.#known;
    const entry = known?.get(name);
    if (entry) entry.mtimeMs = Date.now();
  }

  /** false when the entry was not kept (too large for the limits, or not writable) */
  async write(name: string, bytes: Buffer | string): Promise<boolean> {
    const size = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.length;
    if (size > this.limits.maxBytes) return false;
    this.#known ??= this.files.list().then((list) => new Map(list.map((e) => [e.name, e])));
    if (!(await this.files.write(name, bytes))) return false;
    const known = await this.#known;
    known.set(name, { name, bytes: size, mtimeMs: Date.now() });
    for (const old of entriesToEvict([...known.values()], this.limits, name)) {
      known.delete(old);
      await this.files.remove(old);
    }
    return true;
  }
}
