/**
 * A directory of results keyed by what they were computed from: the reads a computation made from
 * a repository view, with the content ids of their answers (see repo/recorded-reads). A result is
 * found again for any view that answers the same reads the same way — the same commit, another
 * commit with the same inputs, or a fix layered on a head — and never for one that does not.
 *
 * To look a view up without computing anything, the store keeps the "shapes" of the recordings it
 * holds (which reads were made, without their answers): each shape is asked of the view, and the
 * answers give the key of the entry that would match. Repositories rarely change shape, so there
 * are few to try.
 *
 * Entries live in a cache directory (cache/files: written whole, confined, never through a link), are
 * read back with a check of format, key and reads, and anything that does not read back is ignored
 * (and replaced on the next save). The least recently used entries beyond the bounds are removed.
 */
import { createHash } from "node:crypto";
import { deserialize, serialize } from "node:v8";
import { BoundedCacheFiles, type CacheFiles } from "../cache/files.js";
import { answer, canonicalReads, type ReadKind, type RecordedRead } from "../repo/recorded-reads.js";
import type { RepoView } from "../repo/types.js";

type Shape = [kind: ReadKind, path: string][];

export interface ReadKeyedStoreOptions {
  /** names the stored format and the code that computes the values: another version never reads an entry */
  version: string;
  maxEntries?: number;
  /** all entries together (a loaded Azure Linux project takes about 15 MB) */
  maxBytes?: number;
  maxShapes?: number;
}

const SHAPES_FILE = "shapes.v8";
const READ_KINDS: ReadonlySet<string> = new Set(["stat", "list", "tree", "read"]);

export class ReadKeyedStore<T> {
  readonly #files: BoundedCacheFiles;
  readonly #version: string;
  readonly #maxShapes: number;

  /** `files`: the store's directory (see cache/files: confined, written whole, never through a link) */
  constructor(files: CacheFiles, options: ReadKeyedStoreOptions) {
    this.#files = new BoundedCacheFiles(files, { maxEntries: (options.maxEntries ?? 32) + 1, maxBytes: options.maxBytes ?? 1024 * 1024 * 1024 });
    this.#version = options.version;
    this.#maxShapes = options.maxShapes ?? 8;
  }

  #key(reads: readonly RecordedRead[]): string {
    return createHash("sha256").update(this.#version).update("\0").update(JSON.stringify(reads)).digest("hex");
  }

  async #load<V>(name: string): Promise<V | undefined> {
    const bytes = await this.#files.read(name);
    if (!bytes) return undefined;
    try {
      return deserialize(bytes) as V;
    } catch {
      return undefined;
    }
  }

  /** The value stored for what `view` holds, if any. */
  async find(view: RepoView): Promise<T | undefined> {
    for (const shape of await this.#shapes()) {
      const reads: RecordedRead[] = [];
      for (const [kind, path] of shape) {
        const digest = await answer(view, kind, path);
        if (digest === undefined) break;
        reads.push([kind, path, digest]);
      }
      if (reads.length !== shape.length) continue;
      const canonical = canonicalReads(reads);
      const key = this.#key(canonical);
      const entry = await this.#load<{ version?: unknown; key?: unknown; reads?: unknown; value?: T }>(`${key}.v8`);
      if (entry?.version === this.#version && entry.key === key && JSON.stringify(entry.reads) === JSON.stringify(canonical)) {
        await this.#files.touch(`${key}.v8`);
        return entry.value as T;
      }
    }
    return undefined;
  }

  /** Stores `value` as computed from `reads`; failures to write are ignored (the store only saves time). */
  async save(reads: readonly RecordedRead[], value: T): Promise<void> {
    const canonical = canonicalReads(reads);
    const key = this.#key(canonical);
    try {
      if (!(await this.#files.write(`${key}.v8`, serialize({ version: this.#version, key, reads: canonical, value })))) return;
      const shape: Shape = canonical.map(([kind, path]) => [kind, path]);
      const known = await this.#shapes();
      const text = JSON.stringify(shape);
      const shapes = [shape, ...known.filter((s) => JSON.stringify(s) !== text)].slice(0, this.#maxShapes);
      await this.#files.write(SHAPES_FILE, serialize({ version: this.#version, shapes }));
    } catch {
      // a value that cannot be serialised: the next run computes again
    }
  }

  async #shapes(): Promise<Shape[]> {
    const stored = await this.#load<{ version?: unknown; shapes?: unknown }>(SHAPES_FILE);
    if (stored?.version !== this.#version || !Array.isArray(stored.shapes)) return [];
    return stored.shapes.filter(
      (shape): shape is Shape =>
        Array.isArray(shape) && shape.every((read) => Array.isArray(read) && read.length === 2 && READ_KINDS.has(read[0] as string) && typeof read[1] === "string"),
    );
  }
}
