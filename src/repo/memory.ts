/** RepoView over in-memory content: fixtures, tests, and trees assembled by other modules. */
import { ancestorsOf, comparePaths, decodeUtf8, gitBlobId, normalizeRepoPath, parentOf } from "./path.js";
import { DEFAULT_MAX_FILE_BYTES, RepoEntryError, type RepoView, type TreeEntry } from "./types.js";

export interface MemoryRepoOptions {
  /** path → link target; listed as symlinks, never followed */
  symlinks?: Record<string, string>;
  /** path → commit id; listed as submodules */
  submodules?: Record<string, string>;
  maxFileBytes?: number;
  description?: string;
}

interface Node {
  entry: TreeEntry;
  content?: Uint8Array;
}

const encoder = new TextEncoder();

export class MemoryRepoView implements RepoView {
  readonly description: string;
  readonly #nodes = new Map<string, Node>();
  /** direct children of every directory, so non-recursive listings do not scan the whole tree */
  readonly #children = new Map<string, string[]>([["", []]]);
  readonly #maxFileBytes: number;

  constructor(files: Record<string, string | Uint8Array>, options: MemoryRepoOptions = {}) {
    this.description = options.description ?? "memory";
    this.#maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    for (const [raw, value] of Object.entries(files)) {
      const content = typeof value === "string" ? encoder.encode(value) : value;
      this.#add({ path: this.#leafPath(raw), kind: "file", size: content.byteLength, id: gitBlobId(content), mode: "100644" }, content);
    }
    for (const [raw, target] of Object.entries(options.symlinks ?? {})) {
      this.#add({ path: this.#leafPath(raw), kind: "symlink", id: gitBlobId(encoder.encode(target)), mode: "120000", target });
    }
    for (const [raw, commit] of Object.entries(options.submodules ?? {})) {
      this.#add({ path: this.#leafPath(raw), kind: "submodule", id: commit, mode: "160000" });
    }
  }

  #leafPath(raw: string): string {
    const path = normalizeRepoPath(raw);
    if (path === "") throw new Error(`memory repo: ${JSON.stringify(raw)} names the root, not an entry`);
    return path;
  }

  #add(entry: TreeEntry, content?: Uint8Array): void {
    if (this.#nodes.has(entry.path)) throw new Error(`memory repo: ${entry.path} is given twice (or is also a directory)`);
    for (const dir of ancestorsOf(entry.path)) {
      const existing = this.#nodes.get(dir);
      if (existing && existing.entry.kind !== "dir") throw new Error(`memory repo: ${entry.path} lies below the ${existing.entry.kind} ${dir}`);
      if (!existing) this.#insert({ entry: { path: dir, kind: "dir", mode: "040000" } });
    }
    this.#insert(content ? { entry, content } : { entry });
  }

  #insert(node: Node): void {
    const path = node.entry.path;
    this.#nodes.set(path, node);
    this.#children.get(parentOf(path))?.push(path);
    if (node.entry.kind === "dir") this.#children.set(path, []);
  }

  /** The node at a normalised path; throws when the path goes through a symlink or submodule. */
  #lookup(path: string): Node | undefined {
    for (const dir of ancestorsOf(path)) {
      const node = this.#nodes.get(dir);
      if (!node) return undefined;
      if (node.entry.kind === "symlink" || node.entry.kind === "submodule") {
        throw new RepoEntryError(path, node.entry.kind, `lies below the ${describeKind(node.entry.kind)} ${dir}, which is not followed`);
      }
      if (node.entry.kind !== "dir") return undefined;
    }
    return this.#nodes.get(path);
  }

  async stat(path: string): Promise<TreeEntry | undefined> {
    const normalised = normalizeRepoPath(path);
    if (normalised === "") return { path: "", kind: "dir", mode: "040000" };
    const node = this.#lookup(normalised);
    return node ? { ...node.entry } : undefined;
  }

  async list(dir = "", options: { recursive?: boolean } = {}): Promise<TreeEntry[]> {
    const base = normalizeRepoPath(dir);
    if (base !== "") {
      const node = this.#lookup(base);
      if (!node || node.entry.kind !== "dir") return [];
    }
    const out: TreeEntry[] = [];
    if (options.recursive) {
      // walk the subtree, not every entry of the repository
      const pending = [base];
      while (pending.length > 0) {
        for (const path of this.#children.get(pending.pop() as string) ?? []) {
          const entry = (this.#nodes.get(path) as Node).entry;
          out.push({ ...entry });
          if (entry.kind === "dir") pending.push(path);
        }
      }
    } else {
      for (const path of this.#children.get(base) ?? []) out.push({ ...(this.#nodes.get(path) as Node).entry });
    }
    return out.sort((a, b) => comparePaths(a.path, b.path));
  }

  async readFile(path: string): Promise<Uint8Array | undefined> {
    const normalised = normalizeRepoPath(path);
    if (normalised === "") throw new RepoEntryError("", "dir", "is a directory, not a regular file");
    const node = this.#lookup(normalised);
    if (!node) return undefined;
    const { entry, content } = node;
    if (entry.kind !== "file" || !content) {
      throw new RepoEntryError(entry.path, entry.kind, `is a ${describeKind(entry.kind)}, not a regular file; it is not followed`);
    }
    if (content.byteLength > this.#maxFileBytes) {
      throw new RepoEntryError(entry.path, "oversized", `is ${content.byteLength} bytes, above the ${this.#maxFileBytes}-byte limit`);
    }
    return content.slice();
  }

  async readText(path: string): Promise<string | undefined> {
    const bytes = await this.readFile(path);
    return bytes === undefined ? undefined : decodeUtf8(bytes);
  }

  async close(): Promise<void> {}
}

export function describeKind(kind: TreeEntry["kind"]): string {
  return kind === "dir" ? "directory" : kind === "symlink" ? "symbolic link" : kind;
}

export function memoryRepo(files: Record<string, string | Uint8Array>, options: MemoryRepoOptions = {}): MemoryRepoView {
  return new MemoryRepoView(files, options);
}
