/**
 * RepoView over a git repository (bare or with a work tree) at one commit. The ref is resolved
 * once; directories are listed with `git ls-tree` as they are asked for (a sub-tree listed once
 * serves every view of every commit that holds it), or the whole tree at once when a command walks
 * much of it; blobs come from one long-lived `git cat-file --batch` process. The work tree, the
 * index and hooks are never consulted.
 */
import { lstatSync } from "node:fs";
import { readFile, stat as fsStat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CatFileBatch } from "./cat-file-batch.js";
import { git, runGit } from "./git-command.js";
import { describeKind } from "./memory.js";
import { ancestorsOf, comparePaths, decodeUtf8, normalizeRepoPath, parentOf } from "./path.js";
import { DEFAULT_MAX_FILE_BYTES, RepoEntryError, type EntryKind, type RepoView, type TreeEntry } from "./types.js";

export interface GitRepoOptions {
  maxFileBytes?: number;
  gitBinary?: string;
  /** for ref resolution and tree listing (default 120 s) */
  timeoutMs?: number;
  /** called each time a `git cat-file --batch` process is started */
  onCatFileSpawn?: () => void;
  /**
   * list the whole tree at once on the first lookup, for a command that reads much of it (every
   * rendered spec): one `git ls-tree -r` instead of one per directory on the way to the switch
   */
  wholeTree?: boolean;
}

export class RepoOpenError extends Error {
  constructor(readonly repoPath: string, message: string) {
    super(message);
    this.name = "RepoOpenError";
  }
}

/** Blobs are content-addressed, so one cache serves every view of every repository. */
class BlobCache {
  readonly #entries = new Map<string, Uint8Array>();
  #bytes = 0;
  constructor(readonly maxBytes: number, readonly maxEntryBytes: number) {}
  get(oid: string): Uint8Array | undefined {
    const hit = this.#entries.get(oid);
    if (hit) {
      this.#entries.delete(oid);
      this.#entries.set(oid, hit);
    }
    return hit;
  }
  set(oid: string, content: Uint8Array): void {
    if (content.byteLength > this.maxEntryBytes || this.#entries.has(oid)) return;
    this.#entries.set(oid, content);
    this.#bytes += content.byteLength;
    for (const [key, value] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(key);
      this.#bytes -= value.byteLength;
    }
  }
}

const blobCache = new BlobCache(64 * 1024 * 1024, 1024 * 1024);

/**
 * Listings of trees by tree id, each entry's path relative to its tree. Trees are content-addressed
 * too, so the listing of a sub-tree that the base and the head of a change share is read once.
 */
class TreeListingCache {
  /** by tree id, and by `<tree id>:recursive` for everything below it */
  readonly #children = new Map<string, TreeEntry[]>();
  #entries = 0;
  constructor(readonly maxEntries: number) {}
  get(treeId: string): TreeEntry[] | undefined {
    return this.#children.get(treeId);
  }
  set(treeId: string, children: TreeEntry[]): void {
    if (this.#children.has(treeId)) return;
    this.#children.set(treeId, children);
    this.#entries += children.length + 1;
    for (const [key, value] of this.#children) {
      if (this.#entries <= this.maxEntries) break;
      this.#children.delete(key);
      this.#entries -= value.length + 1;
    }
  }
}

const treeListings = new TreeListingCache(500_000);

/**
 * Directories listed one by one before a view lists its whole tree at once: a command that walks
 * every rendered dir (patches, render --all) is better served by one listing of everything.
 */
const LISTINGS_BEFORE_WHOLE_TREE = 48;

const MAX_SYMLINK_TARGETS = 10_000;

function kindOfMode(mode: string, type: string): EntryKind {
  if (type === "tree") return "dir";
  if (type === "commit" || mode === "160000") return "submodule";
  if (mode === "120000") return "symlink";
  return "file";
}

/** Parses `git ls-tree -r -t -z --long` output: "<mode> <type> <oid> <size>\t<path>\0" records. */
export function parseLsTree(output: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let start = 0;
  while (start < output.length) {
    let end = output.indexOf(0, start);
    if (end < 0) end = output.length;
    const record = output.subarray(start, end);
    start = end + 1;
    if (record.length === 0) continue;
    const tab = record.indexOf(0x09);
    if (tab < 0) throw new Error(`unexpected git ls-tree record: ${JSON.stringify(record.toString("utf8").slice(0, 200))}`);
    const [mode = "", type = "", oid = "", size = ""] = record.subarray(0, tab).toString("latin1").split(/ +/);
    const path = record.subarray(tab + 1).toString("utf8");
    const kind = kindOfMode(mode, type);
    const entry: TreeEntry = { path, kind, id: oid, mode: kind === "dir" ? "040000" : mode };
    if (kind === "file" && /^\d+$/.test(size)) entry.size = Number(size);
    entries.push(entry);
  }
  return entries;
}

/**
 * Parses a tree object's content ("<mode> <name>\0<binary object id>" per entry, in git's order,
 * which is the order `git ls-tree` lists them in) into entries like parseLsTree's, without sizes.
 * `idBytes` is the length of a binary object id (20 for SHA-1, 32 for SHA-256).
 */
export function parseTreeObject(content: Uint8Array, idBytes: number): TreeEntry[] {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < bytes.length) {
    const space = bytes.indexOf(0x20, at);
    const nul = space < 0 ? -1 : bytes.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 1 + idBytes > bytes.length) throw new Error("unexpected tree object: an entry is cut short");
    const mode = bytes.toString("latin1", at, space);
    const path = bytes.toString("utf8", space + 1, nul);
    const id = bytes.toString("hex", nul + 1, nul + 1 + idBytes);
    at = nul + 1 + idBytes;
    const type = mode === "40000" ? "tree" : mode === "160000" ? "commit" : "blob";
    const kind = kindOfMode(mode, type);
    entries.push({ path, kind, id, mode: kind === "dir" ? "040000" : mode });
  }
  return entries;
}

/**
 * The git directory of the repository at `path` itself (a work tree's `.git`, the target of a
 * `.git` file, or `path` when it is a bare repository), never of an enclosing repository.
 * Callers pass it explicitly with --git-dir, which also spares repositories owned by another user
 * (a mounted checkout) git's ownership refusal, as no discovery takes place.
 */
export async function locateGitDir(path: string, options: { gitBinary?: string; timeoutMs?: number } = {}): Promise<string | undefined> {
  const root = resolve(path);
  let candidate: string | undefined;
  const dotGit = lstatQuiet(join(root, ".git"));
  if (dotGit?.isDirectory()) {
    candidate = join(root, ".git");
  } else if (dotGit?.isFile()) {
    const pointer = /^gitdir: (.+)$/m.exec(await readFile(join(root, ".git"), "utf8").catch(() => ""));
    if (pointer?.[1]) candidate = resolve(root, pointer[1].trim());
  } else {
    const head = lstatQuiet(join(root, "HEAD"));
    const objects = head?.isFile() ? lstatQuiet(join(root, "objects")) : undefined;
    if (head?.isFile() && objects?.isDirectory()) candidate = root;
  }
  if (!candidate) return undefined;
  const verified = await runGit([`--git-dir=${candidate}`, "rev-parse", "--absolute-git-dir"], {
    ...(options.gitBinary ? { gitBinary: options.gitBinary } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  return verified.code === 0 ? verified.stdout.toString("utf8").trim() : undefined;
}

/** lstat, or undefined when the entry cannot be examined (a metadata call: synchronous, microseconds). */
function lstatQuiet(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

export class GitRepoView implements RepoView {
  readonly description: string;
  /** absolute path of the git directory */
  readonly gitDir: string;
  /** the full commit id the view is pinned to */
  readonly commit: string;
  readonly #options: GitRepoOptions;
  readonly #maxFileBytes: number;
  readonly #objects: CatFileBatch;
  #tree: Promise<Map<string, TreeEntry>> | undefined;
  #children: Map<string, TreeEntry[]> | undefined;
  #rootTree: Promise<string> | undefined;
  #listings = 0;
  readonly #inflight = new Map<string, Promise<Uint8Array>>();
  #closed = false;

  /** Use GitRepoView.open (or openRepo) to resolve a ref; this takes an already resolved commit. */
  constructor(gitDir: string, commit: string, options: GitRepoOptions = {}, label?: string) {
    this.gitDir = gitDir;
    this.commit = commit;
    this.#options = options;
    this.#maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.description = `git:${label ?? gitDir}@${commit.slice(0, 7)}`;
    this.#objects = new CatFileBatch({
      gitDir,
      ...(options.gitBinary ? { gitBinary: options.gitBinary } : {}),
      ...(options.onCatFileSpawn ? { onSpawn: options.onCatFileSpawn } : {}),
    });
  }

  /** Opens the repository at `path` (its top level or a bare repository, not a sub-directory)
   * and resolves `ref` to a commit once. */
  static async open(path: string, ref: string, options: GitRepoOptions = {}): Promise<GitRepoView> {
    const repoPath = resolve(path);
    const info = await fsStat(repoPath).catch(() => undefined);
    if (!info?.isDirectory()) throw new RepoOpenError(repoPath, `${repoPath} is not a directory`);
    if (ref === "" || ref.startsWith("-") || /[\0\n\r]/.test(ref)) {
      throw new RepoOpenError(repoPath, `invalid revision ${JSON.stringify(ref)}`);
    }
    const common = {
      cwd: repoPath,
      ...(options.gitBinary ? { gitBinary: options.gitBinary } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    };
    const gitDir = await locateGitDir(repoPath, options);
    if (!gitDir) throw new RepoOpenError(repoPath, `${repoPath} is not a git repository`);
    const resolved = await runGit([`--git-dir=${gitDir}`, "rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], common);
    if (resolved.code !== 0) throw new RepoOpenError(repoPath, `revision ${JSON.stringify(ref)} is not a commit in ${repoPath}`);
    const commit = resolved.stdout.toString("utf8").trim();
    return new GitRepoView(gitDir, commit, options, repoPath);
  }

  #gitOptions(): { gitBinary?: string; timeoutMs?: number } {
    return {
      ...(this.#options.gitBinary ? { gitBinary: this.#options.gitBinary } : {}),
      ...(this.#options.timeoutMs ? { timeoutMs: this.#options.timeoutMs } : {}),
    };
  }

  /** The id of the commit's root tree, from the commit object. */
  #root(): Promise<string> {
    this.#rootTree ??= (async () => {
      const object = await this.#objects.read(this.commit);
      const tree = object?.type === "commit" ? /^tree ([0-9a-f]{40,64})$/m.exec(new TextDecoder().decode(object.content))?.[1] : undefined;
      if (!tree) throw new Error(`${this.description}: the commit has no tree`);
      return tree;
    })();
    this.#rootTree.catch(() => (this.#rootTree = undefined));
    return this.#rootTree;
  }

  /**
   * The direct children of a tree (paths relative to it), listed once per tree id in this process.
   * The tree and its files' sizes are read through the object reader already running, as
   * `git ls-tree --long` would list them, without starting a process per directory.
   */
  async #childrenOf(treeId: string): Promise<TreeEntry[]> {
    const cached = treeListings.get(treeId);
    if (cached) return cached;
    this.#listings++;
    return this.#readTree(treeId);
  }

  async #readTree(treeId: string): Promise<TreeEntry[]> {
    const cached = treeListings.get(treeId);
    if (cached) return cached;
    const object = await this.#objects.read(treeId);
    if (object?.type !== "tree") throw new Error(`${this.description}: tree ${treeId} is missing from the repository`);
    const children = parseTreeObject(object.content, treeId.length / 2);
    await Promise.all(
      children.map(async (entry) => {
        if (entry.kind !== "file") return;
        const info = await this.#objects.info(entry.id as string);
        if (info) entry.size = info.size;
      }),
    );
    treeListings.set(treeId, children);
    return children;
  }

  /**
   * Every entry below a tree (paths relative to it), in `git ls-tree -r -t` order: each sub-tree
   * before what it holds. The sub-trees of a level are read together; each one's children are kept
   * for later lookups.
   */
  async #everythingBelow(treeId: string): Promise<TreeEntry[]> {
    const cached = treeListings.get(`${treeId}:recursive`);
    if (cached) return cached;
    this.#listings++;
    const below = async (id: string, prefix: string): Promise<TreeEntry[]> => {
      const children = await this.#readTree(id);
      const nested = await Promise.all(children.map((child) => (child.kind === "dir" ? below(child.id as string, `${prefix}${child.path}/`) : Promise.resolve([]))));
      const out: TreeEntry[] = [];
      children.forEach((child, i) => {
        out.push({ ...child, path: `${prefix}${child.path}` });
        for (const entry of nested[i] as TreeEntry[]) out.push(entry);
      });
      return out;
    };
    const entries = await below(treeId, "");
    treeListings.set(`${treeId}:recursive`, entries);
    return entries;
  }

  /** Whether to answer from the whole tree listed at once rather than directory by directory. */
  #whole(): boolean {
    return this.#tree !== undefined || this.#options.wholeTree === true || this.#listings >= LISTINGS_BEFORE_WHOLE_TREE;
  }

  /** A listed entry as the view gives it: its repo path, and a link's target. */
  async #entryAt(dir: string, child: TreeEntry): Promise<TreeEntry> {
    const entry: TreeEntry = { ...child, path: dir === "" ? child.path : `${dir}/${child.path}` };
    if (entry.kind === "symlink" && entry.id) {
      const object = await this.#objects.read(entry.id);
      if (object) entry.target = decodeUtf8(object.content);
    }
    return entry;
  }

  /** The entry at a normalised path by walking trees from the root; RepoEntryError below a link or submodule. */
  async #walk(path: string): Promise<TreeEntry | undefined> {
    let tree = await this.#root();
    let dir = "";
    const parts = path.split("/");
    for (let i = 0; i < parts.length; i++) {
      const child = (await this.#childrenOf(tree)).find((e) => e.path === parts[i]);
      if (!child) return undefined;
      if (i === parts.length - 1) return this.#entryAt(dir, child);
      const at = dir === "" ? child.path : `${dir}/${child.path}`;
      if (child.kind === "symlink" || child.kind === "submodule") {
        throw new RepoEntryError(path, child.kind, `lies below the ${describeKind(child.kind)} ${at}, which is not followed`);
      }
      if (child.kind !== "dir") return undefined;
      tree = child.id as string;
      dir = at;
    }
    return undefined;
  }

  #load(): Promise<Map<string, TreeEntry>> {
    this.#tree ??= (async () => {
      const output = await git([`--git-dir=${this.gitDir}`, "ls-tree", "-r", "-t", "-z", "--long", "--full-tree", this.commit], {
        ...(this.#options.gitBinary ? { gitBinary: this.#options.gitBinary } : {}),
        ...(this.#options.timeoutMs ? { timeoutMs: this.#options.timeoutMs } : {}),
      });
      const entries = parseLsTree(output);
      const symlinks = entries.filter((e) => e.kind === "symlink").slice(0, MAX_SYMLINK_TARGETS);
      await Promise.all(
        symlinks.map(async (link) => {
          const object = await this.#objects.read(link.id as string);
          if (object) link.target = decodeUtf8(object.content);
        }),
      );
      const byPath = new Map(entries.map((e) => [e.path, e]));
      const children = new Map<string, TreeEntry[]>([["", []]]);
      for (const entry of entries) {
        if (entry.kind === "dir") children.set(entry.path, []);
      }
      for (const entry of entries) children.get(parentOf(entry.path))?.push(entry);
      this.#children = children;
      return byPath;
    })();
    return this.#tree;
  }

  /** The entry at a normalised path; RepoEntryError when the path goes through a symlink or submodule. */
  async #lookup(path: string): Promise<TreeEntry | undefined> {
    if (!this.#whole()) return this.#walk(path);
    const tree = await this.#load();
    const entry = tree.get(path);
    if (entry) return entry;
    for (const dir of ancestorsOf(path)) {
      const parent = tree.get(dir);
      if (!parent) return undefined;
      if (parent.kind === "symlink" || parent.kind === "submodule") {
        throw new RepoEntryError(path, parent.kind, `lies below the ${describeKind(parent.kind)} ${dir}, which is not followed`);
      }
    }
    return undefined;
  }

  async stat(path: string): Promise<TreeEntry | undefined> {
    const normalised = normalizeRepoPath(path);
    if (normalised === "") return { path: "", kind: "dir", mode: "040000" };
    const entry = await this.#lookup(normalised);
    return entry ? { ...entry } : undefined;
  }

  async list(dir = "", options: { recursive?: boolean } = {}): Promise<TreeEntry[]> {
    const base = normalizeRepoPath(dir);
    if (base === "" && options.recursive) await this.#load();
    if (!this.#whole()) {
      const at = base === "" ? { id: await this.#root(), kind: "dir" } : await this.#walk(base);
      if (at?.kind !== "dir") return [];
      const listed = options.recursive ? await this.#everythingBelow(at.id as string) : await this.#childrenOf(at.id as string);
      const out = await Promise.all(listed.map((e) => this.#entryAt(base, e)));
      return out.sort((a, b) => comparePaths(a.path, b.path));
    }
    const tree = await this.#load();
    if (base !== "" && (await this.#lookup(base))?.kind !== "dir") return [];
    let out: TreeEntry[];
    if (options.recursive) {
      const prefix = base === "" ? "" : `${base}/`;
      out = [];
      for (const [path, entry] of tree) if (path.startsWith(prefix)) out.push({ ...entry });
    } else {
      out = (this.#children?.get(base) ?? []).map((e) => ({ ...e }));
    }
    return out.sort((a, b) => comparePaths(a.path, b.path));
  }

  async readFile(path: string): Promise<Uint8Array | undefined> {
    const normalised = normalizeRepoPath(path);
    if (this.#closed) throw new Error(`${this.description} is closed`);
    if (normalised === "") throw new RepoEntryError("", "dir", "is a directory, not a regular file");
    const entry = await this.#lookup(normalised);
    if (!entry) return undefined;
    if (entry.kind !== "file") throw new RepoEntryError(normalised, entry.kind, `is a ${describeKind(entry.kind)}, not a regular file; it is not followed`);
    if (entry.size !== undefined && entry.size > this.#maxFileBytes) {
      throw new RepoEntryError(normalised, "oversized", `is ${entry.size} bytes, above the ${this.#maxFileBytes}-byte limit`);
    }
    const content = await this.#blob(entry.id as string, normalised);
    return content.slice();
  }

  async readText(path: string): Promise<string | undefined> {
    const bytes = await this.readFile(path);
    return bytes === undefined ? undefined : decodeUtf8(bytes);
  }

  #blob(oid: string, path: string): Promise<Uint8Array> {
    const cached = blobCache.get(oid);
    if (cached) return Promise.resolve(cached);
    let pending = this.#inflight.get(oid);
    if (!pending) {
      pending = this.#objects.read(oid, { maxBytes: this.#maxFileBytes }).then(
        (object) => {
          this.#inflight.delete(oid);
          if (!object || object.type !== "blob") throw new RepoEntryError(path, "file", `blob ${oid} is missing from the repository`);
          blobCache.set(oid, object.content);
          return object.content;
        },
        (error: unknown) => {
          this.#inflight.delete(oid);
          throw error;
        },
      );
      this.#inflight.set(oid, pending);
    }
    return pending;
  }

  /** Stops the cat-file process. Safe to call twice; reads after close fail. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#objects.close();
  }
}
