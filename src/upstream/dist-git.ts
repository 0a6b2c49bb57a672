/**
 * Fedora-style dist-git through the git CLI. Each (upstream name, commit) is one bare, blob-less
 * clone in the cache directory: created in a private temporary directory and renamed into place,
 * so concurrent processes never see a half-made entry, and evicted least-recently-used first once
 * the cache grows past its size cap. Within a process, fetches of the same repository share one
 * clone. Servers without partial-clone support (file:// among them, by default) get a full clone.
 */
import { createHash, randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, readFile, rename, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GitTimeoutError, isObjectId, runGit } from "../repo/index.js";
import { GitSource, SelectionError, isValidPin, parseSnapshot } from "./git-source.js";
import { UpstreamError, type UpstreamCheckout, type UpstreamRequest, type UpstreamSource } from "./types.js";

export interface DistGitOptions {
  cacheDir: string;
  /** cache size cap in bytes (default 2 GiB); least recently used entries go first */
  maxCacheBytes?: number;
  /** per git command, clone included (default 300 s); the process group is killed when it expires */
  timeoutMs?: number;
  gitBinary?: string;
  /** how long a branch head learnt from a clone is trusted for head (unpinned, no snapshot) fetches (default 5 min) */
  headTtlMs?: number;
  /** URL schemes accepted in dist-git-base-uri (default https, http, git, ssh, file) */
  allowedSchemes?: string[];
  maxFileBytes?: number;
  /** entries used within this many ms are never evicted, as another fetch may be reading them (default 60 s) */
  evictionGraceMs?: number;
  /**
   * A lock shared by every process that uses this cache directory (workers on one host sharing a
   * volume): one clone of a repository in flight, the others wait and then find it in the cache.
   */
  sharedLock?: <T>(key: string, task: () => Promise<T>) => Promise<T>;
}

export interface DistGitStats {
  /** clones started */
  clones: number;
  /** fetches answered from the cache without contacting the server */
  cacheHits: number;
  /** entries evicted to respect the size cap */
  evictions: number;
}

const DEFAULT_CACHE_BYTES = 2 * 1024 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 300_000;
const DEFAULT_HEAD_TTL_MS = 5 * 60_000;
const DEFAULT_SCHEMES = ["https", "http", "git", "ssh", "file"];
const EVICTION_GRACE_MS = 60_000;
const STALE_TEMP_MS = 60 * 60_000;

/** Go's url.PathEscape: unreserved characters and `$&+:=@` stay, everything else is %XX-encoded. */
export function pathEscape(segment: string): string {
  let out = "";
  for (const byte of Buffer.from(segment, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~$&+:=@]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The clone URL: `dist-git-base-uri` with every `$pkg` replaced by the escaped upstream name. */
/** A dist-git URL whose scheme the caller does not fetch from: not a configuration error, a policy. */
export class SchemeNotAllowedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SchemeNotAllowedError";
  }
}

export function distGitUrl(baseUri: string, upstreamName: string, allowedSchemes: readonly string[] = DEFAULT_SCHEMES): string {
  if (upstreamName === "" || upstreamName.includes("$pkg")) throw new Error(`invalid upstream name ${JSON.stringify(upstreamName)}`);
  const url = baseUri.split("$pkg").join(pathEscape(upstreamName));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`dist-git URL ${JSON.stringify(url)} is not an absolute URL`);
  }
  const scheme = parsed.protocol.replace(/:$/, "");
  if (!allowedSchemes.includes(scheme)) {
    const hint = scheme === "file" ? "; a local mirror is read only with --allow-local-upstream (SPECWARDEN_ALLOW_LOCAL_UPSTREAM=1)" : "";
    throw new SchemeNotAllowedError(`dist-git URL ${JSON.stringify(url)} uses the scheme ${scheme}, which is not allowed (allowed: ${allowedSchemes.join(", ")})${hint}`);
  }
  if (scheme !== "file" && parsed.host === "") throw new Error(`dist-git URL ${JSON.stringify(url)} has no host`);
  return url;
}

/** A directory name for an upstream name that cannot climb out of the cache. */
function safeSegment(name: string): string {
  const escaped = name.replace(/[^A-Za-z0-9_+-]/g, (c) => [...Buffer.from(c, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""));
  return escaped === "" ? "%" : escaped;
}

interface EntryMeta {
  name: string;
  url: string;
  branch: string;
  commit: string;
  head: string;
  createdAt: string;
  bytes: number;
}

interface RefMemo {
  heads: Record<string, { commit: string; at: number }>;
  snapshots: Record<string, { commit: string; at: number }>;
}

export class DistGitUpstream implements UpstreamSource {
  readonly description: string;
  readonly stats: DistGitStats = { clones: 0, cacheHits: 0, evictions: 0 };
  readonly #options: DistGitOptions;
  readonly #timeoutMs: number;
  /** one promise chain per repository: clones of the same repository never run side by side */
  readonly #repoLocks = new Map<string, Promise<unknown>>();
  readonly #sources = new Map<string, GitSource>();
  readonly #recentlyUsed = new Map<string, number>();

  constructor(options: DistGitOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.description = `dist-git (cache ${options.cacheDir})`;
  }

  get #entriesDir(): string {
    return join(this.#options.cacheDir, "entries");
  }

  get #tempDir(): string {
    return join(this.#options.cacheDir, "tmp");
  }

  async fetch(request: UpstreamRequest): Promise<UpstreamCheckout> {
    const { component, upstreamName, distro, version } = request;
    const fail = (reason: UpstreamError["reason"], message: string) => new UpstreamError(component, reason, message);
    if (!distro.distGitBaseUri || !distro.lookasideBaseUri || !version.distGitBranch) {
      const missing = [
        !distro.distGitBaseUri && "dist-git-base-uri",
        !distro.lookasideBaseUri && "lookaside-base-uri",
        !version.distGitBranch && `dist-git-branch of version ${version.name}`,
      ].filter(Boolean);
      throw fail("no-provider", `distro ${distro.name} has no dist-git provider: ${missing.join(", ")} not set`);
    }
    let url: string;
    try {
      url = distGitUrl(distro.distGitBaseUri, upstreamName, this.#options.allowedSchemes ?? DEFAULT_SCHEMES);
    } catch (error) {
      throw fail(error instanceof SchemeNotAllowedError ? "refused" : "invalid", (error as Error).message);
    }
    const branch = version.distGitBranch;
    if (request.commit !== undefined && !isValidPin(request.commit)) {
      throw fail("invalid", `upstream commit ${JSON.stringify(request.commit)} is not 7–40 hexadecimal digits`);
    }
    if (request.commit === undefined && request.snapshot !== undefined && parseSnapshot(request.snapshot) === undefined) {
      throw fail("invalid", `snapshot ${JSON.stringify(request.snapshot)} is not an RFC 3339 timestamp`);
    }
    try {
      const entry = await this.#entryFor(request, url, branch);
      return await this.#checkout(entry, upstreamName);
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      if (error instanceof SelectionError) throw fail(error.reason, `${upstreamName} (${url}, branch ${branch}): ${error.message}`);
      if (error instanceof GitTimeoutError) throw fail("timeout", `${upstreamName} (${url}): ${error.message}`);
      throw fail("unreachable", `${upstreamName} (${url}): ${(error as Error).message}`);
    }
  }

  /** Closes the object readers of every entry opened by this source. */
  async close(): Promise<void> {
    const sources = [...this.#sources.values()];
    this.#sources.clear();
    await Promise.all(sources.map((s) => s.close()));
  }

  async #entryFor(request: UpstreamRequest, url: string, branch: string): Promise<string> {
    const cached = await this.#lookup(request, url, branch);
    if (cached) {
      this.stats.cacheHits++;
      return cached;
    }
    const key = `${request.upstreamName}\0${url}\0${branch}`;
    const make = async () => {
      // Another fetch (in this process or, with a shared lock, in another) may have made the entry while this one waited.
      const made = await this.#lookup(request, url, branch);
      if (made) {
        this.stats.cacheHits++;
        return made;
      }
      return this.#clone(request, url, branch);
    };
    const shared = this.#options.sharedLock;
    return this.#withRepoLock(key, shared ? () => shared(`dist-git:${createHash("sha256").update(key).digest("hex").slice(0, 32)}`, make) : make);
  }

  #withRepoLock<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#repoLocks.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#repoLocks.set(key, settled);
    void settled.then(() => {
      if (this.#repoLocks.get(key) === settled) this.#repoLocks.delete(key);
    });
    return run;
  }

  #nameDir(name: string): string {
    return join(this.#entriesDir, safeSegment(name));
  }

  /** The cached entry that answers the request without the network, if any. */
  async #lookup(request: UpstreamRequest, url: string, branch: string): Promise<string | undefined> {
    const nameDir = this.#nameDir(request.upstreamName);
    if (request.commit !== undefined) {
      const pin = request.commit.toLowerCase();
      if (pin.length === 40) return (await isDirectory(join(nameDir, pin))) ? join(nameDir, pin) : undefined;
      const matches = (await readdir(nameDir).catch(() => [] as string[])).filter((d) => isObjectId(d) && d.startsWith(pin));
      return matches.length === 1 ? join(nameDir, matches[0] as string) : undefined;
    }
    const memo = await this.#readMemo(request.upstreamName);
    let commit: string | undefined;
    if (request.snapshot !== undefined) {
      const known = memo.snapshots[`${url}\0${branch}\0${request.snapshot}`];
      // Only a snapshot that was already in the past when it was resolved cannot move since.
      const seconds = parseSnapshot(request.snapshot) ?? Number.POSITIVE_INFINITY;
      if (known && known.at / 1000 > seconds) commit = known.commit;
    } else {
      const head = memo.heads[`${url}\0${branch}`];
      const ttl = this.#options.headTtlMs ?? DEFAULT_HEAD_TTL_MS;
      if (head && Date.now() - head.at <= ttl) commit = head.commit;
    }
    if (!commit || !isObjectId(commit)) return undefined;
    const dir = join(nameDir, commit);
    return (await isDirectory(dir)) ? dir : undefined;
  }

  async #clone(request: UpstreamRequest, url: string, branch: string): Promise<string> {
    await mkdir(this.#tempDir, { recursive: true });
    const temp = join(this.#tempDir, `clone-${process.pid}-${randomBytes(6).toString("hex")}`);
    this.stats.clones++;
    try {
      const result = await runGit(
        ["clone", "--quiet", "--bare", "--filter=blob:none", "--no-tags", "--branch", branch, "--", url, temp],
        { timeoutMs: this.#timeoutMs, ...(this.#options.gitBinary ? { gitBinary: this.#options.gitBinary } : {}) },
      );
      if (result.code !== 0) {
        const stderr = result.stderr.trim();
        if (/Remote branch .* not found/i.test(stderr)) {
          throw new UpstreamError(request.component, "branch-missing", `${request.upstreamName} (${url}) has no branch ${branch}`);
        }
        throw new UpstreamError(request.component, "unreachable", `cannot clone ${url}: ${lastLines(stderr)}`);
      }
      const source = new GitSource(temp, this.#sourceOptions());
      try {
        const head = await source.resolveRef(`refs/heads/${branch}`);
        if (!head) throw new UpstreamError(request.component, "branch-missing", `${request.upstreamName} (${url}) has no branch ${branch}`);
        const commit =
          request.commit !== undefined
            ? await source.resolvePin(request.commit)
            : request.snapshot !== undefined
              ? await source.snapshotCommit(head, request.snapshot, branch)
              : head;
        // Make the entry self-contained for rpmautospec: the tree and every version of the files
        // it reads at each commit (the spec and a `changelog` file).
        const checkout = await source.checkout(commit);
        await checkout.history?.readFile(commit, `${request.upstreamName}.spec`);
        await checkout.history?.readFile(commit, "changelog");
        await writeFile(
          join(temp, "specwarden-entry.json"),
          JSON.stringify({ name: request.upstreamName, url, branch, commit, head, createdAt: new Date().toISOString(), bytes: await diskUsage(temp) } satisfies EntryMeta),
        );
        const entry = await this.#install(temp, request.upstreamName, commit);
        await this.#remember(request, url, branch, head, commit);
        await this.#evict(entry);
        return entry;
      } finally {
        await source.close();
      }
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  /** Atomically moves a finished clone into place; the first process to finish wins. */
  async #install(temp: string, name: string, commit: string): Promise<string> {
    const nameDir = this.#nameDir(name);
    await mkdir(nameDir, { recursive: true });
    const entry = join(nameDir, commit);
    try {
      await rename(temp, entry);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    }
    return entry;
  }

  async #readMemo(name: string): Promise<RefMemo> {
    try {
      const parsed = JSON.parse(await readFile(join(this.#nameDir(name), "refs.json"), "utf8")) as Partial<RefMemo>;
      return { heads: parsed.heads ?? {}, snapshots: parsed.snapshots ?? {} };
    } catch {
      return { heads: {}, snapshots: {} };
    }
  }

  async #remember(request: UpstreamRequest, url: string, branch: string, head: string, commit: string): Promise<void> {
    const memo = await this.#readMemo(request.upstreamName);
    const now = Date.now();
    if (request.commit === undefined && request.snapshot !== undefined) memo.snapshots[`${url}\0${branch}\0${request.snapshot}`] = { commit, at: now };
    if (request.commit === undefined && request.snapshot === undefined) memo.heads[`${url}\0${branch}`] = { commit: head, at: now };
    const nameDir = this.#nameDir(request.upstreamName);
    const temp = join(nameDir, `.refs-${process.pid}-${randomBytes(4).toString("hex")}`);
    await writeFile(temp, JSON.stringify(memo));
    await rename(temp, join(nameDir, "refs.json"));
  }

  #sourceOptions() {
    return {
      timeoutMs: this.#timeoutMs,
      idleMs: 2_000,
      ...(this.#options.gitBinary ? { gitBinary: this.#options.gitBinary } : {}),
      ...(this.#options.maxFileBytes ? { maxFileBytes: this.#options.maxFileBytes } : {}),
    };
  }

  async #checkout(entry: string, upstreamName: string): Promise<UpstreamCheckout> {
    const now = new Date();
    this.#recentlyUsed.set(entry, now.getTime());
    await utimes(entry, now, now).catch(() => undefined);
    let source = this.#sources.get(entry);
    if (!source) {
      source = new GitSource(entry, this.#sourceOptions());
      this.#sources.set(entry, source);
    }
    const commit = entry.slice(entry.lastIndexOf("/") + 1);
    try {
      return await source.checkout(commit);
    } catch (error) {
      throw new Error(`cached clone of ${upstreamName} at ${commit} is unusable: ${(error as Error).message}`);
    }
  }

  /** Least recently used entries go until the cache fits; recently used ones and `keep` stay. */
  async #evict(keep: string): Promise<void> {
    const cap = this.#options.maxCacheBytes ?? DEFAULT_CACHE_BYTES;
    const entries: { dir: string; bytes: number; used: number }[] = [];
    for (const name of await readdir(this.#entriesDir).catch(() => [] as string[])) {
      const nameDir = join(this.#entriesDir, name);
      for (const commit of await readdir(nameDir).catch(() => [] as string[])) {
        if (!isObjectId(commit)) continue;
        const dir = join(nameDir, commit);
        const info = await lstat(dir).catch(() => undefined);
        if (!info?.isDirectory()) continue;
        const meta = await readFile(join(dir, "specwarden-entry.json"), "utf8").then((t) => JSON.parse(t) as EntryMeta).catch(() => undefined);
        entries.push({ dir, bytes: meta?.bytes ?? (await diskUsage(dir)), used: Math.max(info.mtimeMs, this.#recentlyUsed.get(dir) ?? 0) });
      }
    }
    let total = entries.reduce((sum, e) => sum + e.bytes, 0);
    const now = Date.now();
    const grace = this.#options.evictionGraceMs ?? EVICTION_GRACE_MS;
    for (const entry of entries.sort((a, b) => a.used - b.used)) {
      if (total <= cap) break;
      if (entry.dir === keep || now - entry.used < grace) continue;
      const trash = join(this.#tempDir, `evict-${process.pid}-${randomBytes(6).toString("hex")}`);
      try {
        await rename(entry.dir, trash); // out of sight first, so no reader picks up a half-deleted entry
      } catch {
        continue; // another process evicted it
      }
      total -= entry.bytes;
      this.stats.evictions++;
      const source = this.#sources.get(entry.dir);
      this.#sources.delete(entry.dir);
      await source?.close();
      await rm(trash, { recursive: true, force: true });
    }
    await this.#removeStaleTemps();
  }

  /** Temporary clones left behind by killed processes. */
  async #removeStaleTemps(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(this.#tempDir).catch(() => [] as string[])) {
      const dir = join(this.#tempDir, name);
      const info = await lstat(dir).catch(() => undefined);
      if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(dir, { recursive: true, force: true });
    }
  }
}

export function distGitUpstream(options: DistGitOptions): DistGitUpstream {
  return new DistGitUpstream(options);
}

async function isDirectory(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function diskUsage(path: string): Promise<number> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const name of await readdir(path).catch(() => [] as string[])) total += await diskUsage(join(path, name));
  return total;
}

function lastLines(text: string): string {
  return text.split("\n").filter((l) => l.trim() !== "").slice(-3).join(" | ") || "no error output";
}
