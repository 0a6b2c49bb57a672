/** A RepoView with in-memory edits on top of another one: how a fix is checked before it is offered. */
import { createHash } from "node:crypto";
import type { RepoView, TreeEntry } from "../repo/types.js";

export class LayeredRepoView implements RepoView {
  readonly description: string;
  readonly #under: RepoView;
  /** path → new bytes, or null for a deletion */
  readonly #edits: Map<string, Uint8Array | null>;

  constructor(under: RepoView, edits: Map<string, Uint8Array | null>) {
    this.#under = under;
    this.#edits = edits;
    this.description = `${under.description}+fix`;
  }

  async readFile(path: string): Promise<Uint8Array | undefined> {
    if (this.#edits.has(path)) return this.#edits.get(path) ?? undefined;
    return this.#under.readFile(path);
  }

  async readText(path: string): Promise<string | undefined> {
    const bytes = await this.readFile(path);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  async stat(path: string): Promise<TreeEntry | undefined> {
    if (this.#edits.has(path)) {
      const bytes = this.#edits.get(path);
      return bytes ? this.#entry(path, bytes) : undefined;
    }
    const under = await this.#under.stat(path);
    if (under) return under;
    const prefix = `${path}/`;
    for (const [p, bytes] of this.#edits) if (bytes && p.startsWith(prefix)) return { path, kind: "dir" };
    return undefined;
  }

  async list(dir = "", options: { recursive?: boolean } = {}): Promise<TreeEntry[]> {
    const prefix = dir ? `${dir}/` : "";
    const under = await this.#under.list(dir, options).catch(() => [] as TreeEntry[]);
    const byPath = new Map(under.map((e) => [e.path, e]));
    for (const [path, bytes] of this.#edits) {
      if (!path.startsWith(prefix)) continue;
      if (bytes === null) {
        byPath.delete(path);
        continue;
      }
      const rest = path.slice(prefix.length).split("/");
      if (!options.recursive && rest.length > 1) {
        const child = `${prefix}${rest[0]}`;
        if (!byPath.has(child)) byPath.set(child, { path: child, kind: "dir" });
        continue;
      }
      byPath.set(path, this.#entry(path, bytes));
      if (options.recursive) {
        for (let i = 1; i < rest.length; i++) {
          const d = `${prefix}${rest.slice(0, i).join("/")}`;
          if (!byPath.has(d)) byPath.set(d, { path: d, kind: "dir" });
        }
      }
    }
    return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  #entry(path: string, bytes: Uint8Array): TreeEntry {
    return { path, kind: "file", size: bytes.length, id: createHash("sha256").update(bytes).digest("hex"), mode: "100644" };
  }
}
