/**
 * RepoView over a git repository (bare or with a work tree) at one commit. The ref is resolved
 * once; the whole tree is listed once with `git ls-tree`; blobs come from one long-lived
 * `git cat-file --batch` process. The work tree, the index and hooks are never consulted.
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
    // A top-level entry (azldev.toml) asked before anything else: one non-recursive listing of that
    // name, rather than the recursive listing of the whole tree that a command may never need.
    if (this.#tree === undefined && !normalised.includes("/")) {
      const output = await git([`--git-dir=${this.gitDir}`, "ls-tree", "-z", "--long", "--full-tree", this.commit, "--", normalised], {
        ...(this.#options.gitBinary ? { gitBinary: this.#options.gitBinary } : {}),
        ...(this.#options.timeoutMs ? { timeoutMs: this.#options.timeoutMs } : {}),
      });
      const entry = parseLsTree(output).find((e) => e.path === normalised);
      return entry ? { ...entry } : undefined;
    }
    const entry = await this.#lookup(normalised);
    return entry ? { ...entry } : undefined;
  }

  async list(dir = "", options: { recursive?: boolean } = {}): Promise<TreeEntry[]> {
    const base = normalizeRepoPath(dir);
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
