/**
 * Reading a dist-git repository (a cached partial clone or a local repository) at a commit:
 * commit selection (pin, snapshot, branch head), the tree's files, and the first-parent history
 * rpmautospec needs. Commits and trees are parsed from raw objects served by one
 * `git cat-file --batch` process; in a blob-less clone, the blobs a checkout or a history walk
 * needs are fetched in one batched request instead of one lazy fetch per object.
 */
import { CatFileBatch, DEFAULT_MAX_FILE_BYTES, ObjectTooLargeError, git, isObjectId, runGit, type GitRunOptions } from "../repo/index.js";
import type { UpstreamCheckout, UpstreamCommit, UpstreamHistory } from "./types.js";

export interface GitSourceOptions {
  gitBinary?: string;
  timeoutMs?: number;
  maxFileBytes?: number;
  /** stop the object reader after this long idle (histories outlive the fetch that made them) */
  idleMs?: number;
}

export interface ParsedCommit extends UpstreamCommit {
  tree: string;
  parents: string[];
  committerTime: number;
}

interface TreeItem {
  name: string;
  mode: string;
  oid: string;
}

/** Why a commit could not be selected; callers turn it into an UpstreamError. */
export class SelectionError extends Error {
  constructor(readonly reason: "branch-missing" | "snapshot-too-early" | "commit-missing" | "invalid", message: string) {
    super(message);
    this.name = "SelectionError";
  }
}

const PIN = /^[0-9a-f]{7,40}$/i;
const UNSAFE = "unsafe";

/** Regular files: 100644, 100755, and the group-writable 100664 of very old repositories. */
function isRegularMode(mode: string): boolean {
  return mode.startsWith("100");
}

function isSafeName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && name.toLowerCase() !== ".git" && !/[\\/\0-\x1f]/.test(name);
}

export function isValidPin(value: string): boolean {
  return PIN.test(value);
}

/** Seconds since the epoch of an RFC 3339 timestamp; undefined when it is not one. */
export function parseSnapshot(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) return undefined;
  const ms = Date.parse(value.trim());
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** Parses a raw commit object (headers, blank line, message). */
export function parseCommitObject(hash: string, content: Uint8Array): ParsedCommit {
  const text = new TextDecoder("utf-8").decode(content);
  const split = text.indexOf("\n\n");
  const headerText = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? "" : text.slice(split + 2);
  let tree = "";
  const parents: string[] = [];
  let author: RegExpExecArray | null = null;
  let committer: RegExpExecArray | null = null;
  const identity = /^(.*?) <(.*)> (-?\d+) ([+-]\d{4})$/;
  for (const line of headerText.split("\n")) {
    if (line.startsWith(" ")) continue; // continuation of a multi-line header (gpgsig, mergetag)
    const space = line.indexOf(" ");
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === "tree") tree = value;
    else if (key === "parent") parents.push(value);
    else if (key === "author") author = identity.exec(value);
    else if (key === "committer") committer = identity.exec(value);
  }
  if (!tree || !author) throw new Error(`commit ${hash} cannot be parsed`);
  return {
    hash,
    tree,
    parents,
    authorName: author[1] ?? "",
    authorEmail: author[2] ?? "",
    authorTime: Number(author[3]),
    authorTz: author[4] ?? "+0000",
    committerTime: Number(committer?.[3] ?? author[3]),
    subject: subjectOf(message),
    message,
  };
}

/** git's %s: the first paragraph of the message, its lines joined with spaces. */
function subjectOf(message: string): string {
  const lines = message.replace(/^\n+/, "").split("\n");
  const paragraph: string[] = [];
  for (const line of lines) {
    if (line.trim() === "") break;
    paragraph.push(line.trim());
  }
  return paragraph.join(" ");
}

/** Parses a raw tree object: repeated "<mode> <name>\0<binary oid>". */
export function parseTreeObject(content: Uint8Array, oidBytes: number): TreeItem[] {
  const items: TreeItem[] = [];
  const buffer = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  let offset = 0;
  while (offset < buffer.length) {
    const space = buffer.indexOf(0x20, offset);
    const nul = buffer.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 1 + oidBytes > buffer.length) throw new Error("tree object cannot be parsed");
    const mode = buffer.toString("latin1", offset, space).padStart(6, "0");
    const name = buffer.toString("utf8", space + 1, nul);
    const oid = buffer.toString("hex", nul + 1, nul + 1 + oidBytes);
    items.push({ name, mode, oid });
    offset = nul + 1 + oidBytes;
  }
  return items;
}

export class GitSource {
  readonly gitDir: string;
  readonly #options: GitSourceOptions;
  readonly #objects: CatFileBatch;
  readonly #commits = new Map<string, Promise<ParsedCommit>>();
  readonly #trees = new Map<string, Promise<TreeItem[]>>();
  #partial: Promise<boolean> | undefined;
  #missing: Promise<Set<string>> | undefined;
  readonly #prefetched = new Set<string>();

  constructor(gitDir: string, options: GitSourceOptions = {}) {
    this.gitDir = gitDir;
    this.#options = options;
    this.#objects = new CatFileBatch({
      gitDir,
      ...(options.gitBinary ? { gitBinary: options.gitBinary } : {}),
      ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
    });
  }

  close(): Promise<void> {
    return this.#objects.close();
  }

  #run(args: string[], extra: GitRunOptions = {}) {
    return runGit([`--git-dir=${this.gitDir}`, ...args], {
      ...(this.#options.gitBinary ? { gitBinary: this.#options.gitBinary } : {}),
      ...(this.#options.timeoutMs ? { timeoutMs: this.#options.timeoutMs } : {}),
      ...extra,
    });
  }

  /** The commit a local ref names, or undefined. */
  async resolveRef(ref: string): Promise<string | undefined> {
    const result = await this.#run(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
    const hash = result.stdout.toString("utf8").trim();
    return result.code === 0 && isObjectId(hash) ? hash : undefined;
  }

  /** The full commit id of a 7–40 hex pin, when the repository has that commit. */
  async resolvePin(pin: string): Promise<string> {
    if (!isValidPin(pin)) throw new SelectionError("invalid", `upstream commit ${JSON.stringify(pin)} is not 7–40 hexadecimal digits`);
    const hash = await this.resolveRef(pin.toLowerCase());
    if (!hash) throw new SelectionError("commit-missing", `upstream commit ${pin} does not exist in the repository`);
    return hash;
  }

  /** Like `git rev-list -1 --first-parent --before=<snapshot> <head>`: the newest first-parent
   * commit whose committer time is at or before the snapshot. */
  async snapshotCommit(head: string, snapshot: string, branch: string): Promise<string> {
    const seconds = parseSnapshot(snapshot);
    if (seconds === undefined) throw new SelectionError("invalid", `snapshot ${JSON.stringify(snapshot)} is not an RFC 3339 timestamp`);
    const chain = await this.firstParentChain(head);
    for (let i = chain.length - 1; i >= 0; i--) {
      const commit = chain[i] as ParsedCommit;
      if (commit.committerTime <= seconds) return commit.hash;
    }
    const first = chain[0];
    throw new SelectionError(
      "snapshot-too-early",
      `snapshot ${snapshot} is before the first commit of branch ${branch}${first ? ` (${new Date(first.committerTime * 1000).toISOString()})` : ""}`,
    );
  }

  async commit(hash: string): Promise<ParsedCommit> {
    let pending = this.#commits.get(hash);
    if (!pending) {
      pending = this.#objects.read(hash).then((object) => {
        if (!object || object.type !== "commit") throw new SelectionError("commit-missing", `commit ${hash} is missing from the repository`);
        return parseCommitObject(hash, object.content);
      });
      this.#commits.set(hash, pending);
      pending.catch(() => this.#commits.delete(hash));
    }
    return pending;
  }

  async #tree(oid: string): Promise<TreeItem[]> {
    let pending = this.#trees.get(oid);
    if (!pending) {
      pending = this.#objects.read(oid).then((object) => {
        if (!object || object.type !== "tree") throw new Error(`tree ${oid} is missing from the repository`);
        return parseTreeObject(object.content, oid.length / 2);
      });
      this.#trees.set(oid, pending);
      pending.catch(() => this.#trees.delete(oid));
    }
    return pending;
  }

  /** First-parent commits from the root to `head`, oldest first. */
  async firstParentChain(head: string): Promise<ParsedCommit[]> {
    const listed = await this.#run(["rev-list", "--first-parent", "--reverse", head, "--"]);
    if (listed.code !== 0) throw new SelectionError("commit-missing", `cannot walk the history of ${head}: ${listed.stderr.trim()}`);
    const hashes = listed.stdout.toString("utf8").split("\n").filter(isObjectId);
    return Promise.all(hashes.map((hash) => this.commit(hash)));
  }

  /** Paths whose entry differs between two trees; unchanged sub-trees are skipped by object id. */
  async #diffTrees(before: string | undefined, after: string | undefined, prefix: string): Promise<string[]> {
    if (before === after) return [];
    const a = new Map((before ? await this.#tree(before) : []).map((item) => [item.name, item]));
    const b = new Map((after ? await this.#tree(after) : []).map((item) => [item.name, item]));
    const out: string[] = [];
    for (const name of new Set([...a.keys(), ...b.keys()])) {
      const x = a.get(name);
      const y = b.get(name);
      if (x && y && x.mode === y.mode && x.oid === y.oid) continue;
      const path = prefix + name;
      const xDir = x?.mode === "040000";
      const yDir = y?.mode === "040000";
      if (xDir || yDir) out.push(...(await this.#diffTrees(xDir ? x?.oid : undefined, yDir ? y?.oid : undefined, `${path}/`)));
      if ((x && !xDir) || (y && !yDir)) out.push(path);
    }
    return out;
  }

  /** Every leaf of a commit's tree: path, mode and object id (no blob is read). A hostile tree
   * can hold names git itself would refuse to check out; they come back with mode "unsafe". */
  async #leaves(treeOid: string, prefix = ""): Promise<{ path: string; mode: string; oid: string }[]> {
    const out: { path: string; mode: string; oid: string }[] = [];
    const items = await this.#tree(treeOid);
    const nested = await Promise.all(
      items.map(async (item) => {
        const path = prefix + item.name;
        if (!isSafeName(item.name)) return [{ path, mode: UNSAFE, oid: item.oid }];
        if (item.mode === "040000") return this.#leaves(item.oid, `${path}/`);
        return [{ path, mode: item.mode, oid: item.oid }];
      }),
    );
    for (const list of nested) for (const entry of list) out.push(entry);
    return out;
  }

  /** The object id of `path` in a commit, walking tree objects; undefined when absent. */
  async #entryAt(commitHash: string, path: string): Promise<TreeItem | undefined> {
    const commit = await this.commit(commitHash);
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.length === 0 || parts.includes("..")) return undefined;
    let treeOid = commit.tree;
    for (let i = 0; i < parts.length; i++) {
      const item = (await this.#tree(treeOid)).find((t) => t.name === parts[i]);
      if (!item) return undefined;
      if (i === parts.length - 1) return item;
      if (item.mode !== "040000") return undefined;
      treeOid = item.oid;
    }
    return undefined;
  }

  #isPartial(): Promise<boolean> {
    this.#partial ??= this.#run(["config", "--get-regexp", "^(remote\\..*\\.promisor|extensions\\.partialclone)$"]).then(
      (result) => result.code === 0 && /\btrue\b|extensions\.partialclone/i.test(result.stdout.toString("utf8")),
    );
    return this.#partial;
  }

  /** Objects reachable from `head` that a blob-less clone does not have (listed without fetching). */
  #missingObjects(head: string): Promise<Set<string>> {
    this.#missing ??= this.#run(["rev-list", "--objects", "--missing=print", head, "--"]).then((result) => {
      const missing = new Set<string>();
      for (const line of result.stdout.toString("utf8").split("\n")) if (line.startsWith("?")) missing.add(line.slice(1).trim());
      return missing;
    });
    return this.#missing;
  }

  /** Fetches, in one request to the promisor remote, whichever of `oids` are missing locally. */
  async prefetch(head: string, oids: string[]): Promise<void> {
    if (!(await this.#isPartial())) return;
    const missing = await this.#missingObjects(head);
    const wanted = [...new Set(oids)].filter((oid) => missing.has(oid) && !this.#prefetched.has(oid));
    if (wanted.length === 0) return;
    const remote = (await this.#run(["config", "--get", "extensions.partialclone"])).stdout.toString("utf8").trim() || "origin";
    // The same request git makes for lazy fetches, once for all of them.
    await git(
      [
        `--git-dir=${this.gitDir}`,
        "-c", "fetch.negotiationAlgorithm=noop",
        "fetch", remote, "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no", "--filter=blob:none", "--stdin",
      ],
      {
        ...(this.#options.gitBinary ? { gitBinary: this.#options.gitBinary } : {}),
        ...(this.#options.timeoutMs ? { timeoutMs: this.#options.timeoutMs } : {}),
        input: `${wanted.join("\n")}\n`,
      },
    );
    for (const oid of wanted) this.#prefetched.add(oid);
  }

  /** Every regular file of the commit's tree; symlinks, submodules and oversized files are listed as skipped. */
  async checkout(head: string): Promise<UpstreamCheckout> {
    const commit = await this.commit(head);
    const leaves = await this.#leaves(commit.tree);
    const regular = leaves.filter((leaf) => isRegularMode(leaf.mode));
    await this.prefetch(head, regular.map((leaf) => leaf.oid));
    const maxBytes = this.#options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    const files = new Map<string, Uint8Array>();
    const skipped: NonNullable<UpstreamCheckout["skipped"]> = [];
    const contents = await Promise.all(
      regular.map((leaf) =>
        this.#objects.read(leaf.oid, { maxBytes }).catch((error: unknown) => {
          if (error instanceof ObjectTooLargeError) return error;
          throw error;
        }),
      ),
    );
    regular.forEach((leaf, i) => {
      const object = contents[i];
      if (object instanceof ObjectTooLargeError) {
        skipped.push({ path: leaf.path, kind: "oversized", reason: `is ${object.size} bytes, above the ${maxBytes}-byte limit` });
      } else if (!object) {
        throw new Error(`blob ${leaf.oid} (${leaf.path}) is missing from the repository`);
      } else {
        files.set(leaf.path, object.content);
      }
    });
    for (const leaf of leaves) {
      if (leaf.mode === "120000") skipped.push({ path: leaf.path, kind: "symlink", reason: "is a symbolic link; it is not followed" });
      else if (leaf.mode === "160000") skipped.push({ path: leaf.path, kind: "submodule", reason: "is a submodule; it is not followed" });
      else if (leaf.mode === UNSAFE) skipped.push({ path: leaf.path, kind: "unsafe-path", reason: "has a name that is not safe to write (.., .git, a backslash or a control character)" });
    }
    skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const chain = await this.firstParentChain(head);
    return { commit: head, files, history: this.history(head, chain), ...(skipped.length > 0 ? { skipped } : {}) };
  }

  history(head: string, chain: ParsedCommit[]): UpstreamHistory {
    const commits: UpstreamCommit[] = chain.map(({ tree: _tree, parents: _parents, ...commit }) => commit);
    const prefetchedPaths = new Set<string>();
    return {
      commits,
      readFile: async (commitHash, path) => {
        if (!isObjectId(commitHash)) return undefined;
        if (!prefetchedPaths.has(path)) {
          prefetchedPaths.add(path);
          // rpmautospec reads the same file at every commit: fetch all its versions at once.
          const versions = await Promise.all(chain.map((c) => this.#entryAt(c.hash, path)));
          await this.prefetch(head, versions.filter((v): v is TreeItem => v !== undefined && v.mode !== "040000").map((v) => v.oid));
        }
        const entry = await this.#entryAt(commitHash, path);
        if (!entry || entry.mode === "040000" || entry.mode === "160000") return undefined;
        const object = await this.#objects.read(entry.oid, { maxBytes: this.#options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES });
        return object?.type === "blob" ? object.content : undefined;
      },
      changedPaths: async (commitHash) => {
        if (!isObjectId(commitHash)) return [];
        const commit = await this.commit(commitHash);
        const parent = commit.parents[0] ? await this.commit(commit.parents[0]).catch(() => undefined) : undefined;
        const changed = await this.#diffTrees(parent?.tree, commit.tree, "");
        return changed.sort();
      },
    };
  }
}
