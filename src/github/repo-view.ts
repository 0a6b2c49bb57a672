/**
 * RepoView over the GitHub git data API at one commit: trees (recursive, or walked sub-tree by
 * sub-tree when GitHub truncates a large tree) and blobs by SHA. Reads are lazy: nothing is fetched
 * until asked for, and a sub-tree is only walked when something below it is needed. Trees and blobs
 * are content-addressed, so their caches are shared across views and never invalidated.
 */
import {
  DEFAULT_MAX_FILE_BYTES,
  RepoEntryError,
  RepoPathError,
  type EntryKind,
  type RepoView,
  type TreeEntry,
} from "../repo/types.js";
import { LruCache } from "./lru-cache.js";

export interface RawTreeEntry {
  path: string;
  mode: string;
  type: string;
  sha: string;
  size?: number;
}

export interface RawTree {
  sha: string;
  tree: RawTreeEntry[];
  truncated: boolean;
}

/** The two git data reads a RepoView needs; the Octokit implementation is `octokitGitReader`. */
export interface GitObjectReader {
  /** GET /git/trees/{treeish}[?recursive=1] */
  getTree(treeish: string, recursive: boolean): Promise<RawTree>;
  /** GET /git/blobs/{sha} decoded */
  getBlob(sha: string): Promise<Uint8Array>;
  /**
   * Many blobs in one request, where the API allows (GraphQL). Returns those it could read byte for
   * byte; the rest are left to `getBlob`.
   */
  getBlobs?(shas: string[]): Promise<Map<string, Uint8Array>>;
}

/** Blobs per batched read (GraphQL nodes per query). */
export const BLOB_BATCH = 100;

export interface GitHubCaches {
  blobs: LruCache<Uint8Array>;
  trees: LruCache<RawTree>;
  /** blob reads under way: the base and the head of a check ask for the same blobs at once */
  blobsInFlight: Map<string, Promise<Uint8Array>>;
}

export function createCaches(options: { blobBytes?: number; treeEntries?: number } = {}): GitHubCaches {
  return {
    blobs: new LruCache<Uint8Array>(options.blobBytes ?? 128 * 1024 * 1024, (b) => b.byteLength + 64),
    trees: new LruCache<RawTree>(options.treeEntries ?? 2_000_000, (t) => t.tree.length + 1),
    blobsInFlight: new Map(),
  };
}

/** Process-wide caches: blobs and trees by SHA are valid forever, so sharing them is safe. */
export const sharedCaches: GitHubCaches = createCaches();

export interface GitHubRepoViewOptions {
  owner: string;
  repo: string;
  commitSha: string;
  reader: GitObjectReader;
  caches?: GitHubCaches;
  maxFileBytes?: number;
}

interface Directory {
  /** direct children by name */
  children: Map<string, RawTreeEntry>;
}

export function normaliseRepoPath(path: string): string {
  if (path.includes("\0")) throw new RepoPathError(path, "contains a NUL byte");
  if (path.includes("\\")) throw new RepoPathError(path, "contains a backslash");
  if (path.startsWith("/")) throw new RepoPathError(path, "is absolute");
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === "..")) throw new RepoPathError(path, "escapes the repository");
  return parts.join("/");
}

function kindOf(entry: RawTreeEntry): EntryKind {
  if (entry.mode === "040000" || entry.type === "tree") return "dir";
  if (entry.mode === "120000") return "symlink";
  if (entry.mode === "160000" || entry.type === "commit") return "submodule";
  return "file";
}

function toEntry(path: string, raw: RawTreeEntry): TreeEntry {
  const kind = kindOf(raw);
  const entry: TreeEntry = { path, kind, id: raw.sha, mode: raw.mode };
  if (kind === "file" && raw.size !== undefined) entry.size = raw.size;
  return entry;
}

const ROOT_TREE_MODE = "040000";

export class GitHubRepoView implements RepoView {
  readonly description: string;
  readonly #reader: GitObjectReader;
  readonly #caches: GitHubCaches;
  readonly #commitSha: string;
  readonly #maxFileBytes: number;
  /** every entry by path, when the recursive tree came back complete */
  #index: Map<string, RawTreeEntry> | undefined;
  #rootSha: string | undefined;
  #loading: Promise<void> | undefined;

  constructor(options: GitHubRepoViewOptions) {
    this.#reader = options.reader;
    this.#caches = options.caches ?? sharedCaches;
    this.#commitSha = options.commitSha;
    this.#maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.description = `github:${options.owner}/${options.repo}@${options.commitSha.slice(0, 7)}`;
  }

  get commitSha(): string {
    return this.#commitSha;
  }

  /** True once the whole tree is indexed (it was not truncated). */
  get complete(): boolean {
    return this.#index !== undefined;
  }

  async #tree(treeish: string, recursive: boolean): Promise<RawTree> {
    const key = `${treeish}${recursive ? ":r" : ""}`;
    const cached = this.#caches.trees.get(key);
    if (cached) return cached;
    const tree = await this.#reader.getTree(treeish, recursive);
    this.#caches.trees.set(key, tree);
    return tree;
  }

  #ensureRoot(): Promise<void> {
    this.#loading ??= (async () => {
      const tree = await this.#tree(this.#commitSha, true);
      this.#rootSha = tree.sha;
      if (!tree.truncated) this.#index = new Map(tree.tree.map((e) => [e.path, e]));
    })();
    return this.#loading;
  }

  async #directory(treeSha: string): Promise<Directory> {
    const tree = await this.#tree(treeSha, false);
    return { children: new Map(tree.tree.map((e) => [e.path, e])) };
  }

  /** The raw entry at a normalised path ("" is the root), walking sub-trees when the index is partial. */
  async #lookup(path: string): Promise<RawTreeEntry | undefined> {
    await this.#ensureRoot();
    if (path === "") return { path: "", mode: ROOT_TREE_MODE, type: "tree", sha: this.#rootSha as string };
    if (this.#index) return this.#index.get(path);
    let current: RawTreeEntry = { path: "", mode: ROOT_TREE_MODE, type: "tree", sha: this.#rootSha as string };
    for (const part of path.split("/")) {
      if (kindOf(current) !== "dir") return undefined;
      const dir = await this.#directory(current.sha);
      const next = dir.children.get(part);
      if (!next) return undefined;
      current = next;
    }
    return current;
  }

  async stat(path: string): Promise<TreeEntry | undefined> {
    const normalised = normaliseRepoPath(path);
    const raw = await this.#lookup(normalised);
    if (!raw) return undefined;
    return normalised === "" ? { path: "", kind: "dir", id: raw.sha, mode: raw.mode } : toEntry(normalised, raw);
  }

  async list(dir = "", options: { recursive?: boolean } = {}): Promise<TreeEntry[]> {
    const base = normaliseRepoPath(dir);
    const recursive = options.recursive ?? false;
    await this.#ensureRoot();
    const prefix = base === "" ? "" : `${base}/`;
    let entries: TreeEntry[];
    if (this.#index) {
      entries = [];
      for (const [path, raw] of this.#index) {
        if (!path.startsWith(prefix)) continue;
        if (!recursive && path.slice(prefix.length).includes("/")) continue;
        entries.push(toEntry(path, raw));
      }
    } else {
      const at = await this.#lookup(base);
      if (!at || kindOf(at) !== "dir") return [];
      entries = recursive ? await this.#walk(at.sha, prefix) : [...(await this.#directory(at.sha)).children.values()].map((e) => toEntry(prefix + e.path, e));
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Every entry below a sub-tree: one recursive read, or a walk when that read is truncated too. */
  async #walk(treeSha: string, prefix: string): Promise<TreeEntry[]> {
    const recursive = await this.#tree(treeSha, true);
    if (!recursive.truncated) return recursive.tree.map((e) => toEntry(prefix + e.path, e));
    const out: TreeEntry[] = [];
    const pending: { sha: string; prefix: string }[] = [{ sha: treeSha, prefix }];
    while (pending.length > 0) {
      const batch = pending.splice(0, 8);
      const dirs = await Promise.all(batch.map(async (d) => ({ d, dir: await this.#directory(d.sha) })));
      for (const { d, dir } of dirs) {
        for (const child of dir.children.values()) {
          const entry = toEntry(d.prefix + child.path, child);
          out.push(entry);
          if (entry.kind === "dir") pending.push({ sha: child.sha, prefix: `${entry.path}/` });
        }
      }
    }
    return out;
  }

  async readFile(path: string): Promise<Uint8Array | undefined> {
    const entry = await this.stat(path);
    if (!entry) return undefined;
    if (entry.kind !== "file") throw new RepoEntryError(entry.path, entry.kind, `is a ${entry.kind}, not a regular file; it is not followed`);
    if (entry.size !== undefined && entry.size > this.#maxFileBytes) {
      throw new RepoEntryError(entry.path, "oversized", `is ${entry.size} bytes, above the ${this.#maxFileBytes}-byte limit`);
    }
    return this.#blob(entry.id as string);
  }

  /**
   * Reads ahead the blobs of `paths` in batches, when the reader can batch: a PR of thousands of files
   * then costs tens of requests instead of one per file and side. Missing paths, non-files, oversized
   * files and blobs the batch could not read faithfully are skipped (read one by one if ever needed).
   * Best effort: a failed batch is reported to `onError` and costs nothing else.
   */
  async prefetch(paths: readonly string[], onError?: (error: unknown) => void): Promise<number> {
    const getBlobs = this.#reader.getBlobs?.bind(this.#reader);
    if (!getBlobs) return 0;
    const wanted = new Set<string>();
    for (const path of paths) {
      let entry: TreeEntry | undefined;
      try {
        entry = await this.stat(path);
      } catch (error) {
        if (error instanceof RepoPathError) continue;
        throw error;
      }
      if (entry?.kind !== "file" || entry.id === undefined) continue;
      if (entry.size !== undefined && entry.size > this.#maxFileBytes) continue;
      if (!this.#caches.blobs.get(entry.id)) wanted.add(entry.id);
    }
    const shas = [...wanted];
    let fetched = 0;
    for (let i = 0; i < shas.length; i += BLOB_BATCH) {
      try {
        for (const [sha, bytes] of await getBlobs(shas.slice(i, i + BLOB_BATCH))) {
          this.#caches.blobs.set(sha, bytes);
          fetched++;
        }
      } catch (error) {
        onError?.(error);
        return fetched;
      }
    }
    return fetched;
  }

  async readText(path: string): Promise<string | undefined> {
    const bytes = await this.readFile(path);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  #blob(sha: string): Promise<Uint8Array> {
    const cached = this.#caches.blobs.get(sha);
    if (cached) return Promise.resolve(cached);
    let pending = this.#caches.blobsInFlight.get(sha);
    if (!pending) {
      pending = this.#reader.getBlob(sha).then(
        (bytes) => {
          this.#caches.blobs.set(sha, bytes);
          this.#caches.blobsInFlight.delete(sha);
          return bytes;
        },
        (error: unknown) => {
          this.#caches.blobsInFlight.delete(sha);
          throw error;
        },
      );
      this.#caches.blobsInFlight.set(sha, pending);
    }
    return pending;
  }
}
