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
 * Entries are written whole (temp file + rename) and read back with a check of format, key and
 * reads; anything that does not read back is ignored (and replaced on the next save). Only
 * hexadecimal names are ever written, inside `dir`. The oldest entries beyond the bound are removed.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { answer, canonicalReads, type ReadKind, type RecordedRead } from "../repo/recorded-reads.js";
import type { RepoView } from "../repo/types.js";

type Shape = [kind: ReadKind, path: string][];

export interface ReadKeyedStoreOptions {
  /** names the stored format and the code that computes the values: another version never reads an entry */
  version: string;
  maxEntries?: number;
  maxShapes?: number;
}

const SHAPES_FILE = "shapes.v8";
const READ_KINDS: ReadonlySet<string> = new Set(["stat", "list", "tree", "read"]);

export class ReadKeyedStore<T> {
  readonly #dir: string;
  readonly #version: string;
  readonly #maxEntries: number;
  readonly #maxShapes: number;

  constructor(dir: string, options: ReadKeyedStoreOptions) {
    this.#dir = dir;
    this.#version = options.version;
    this.#maxEntries = options.maxEntries ?? 32;
    this.#maxShapes = options.maxShapes ?? 8;
  }

  #key(reads: readonly RecordedRead[]): string {
    return createHash("sha256").update(this.#version).update("\0").update(JSON.stringify(reads)).digest("hex");
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
      const entry = await readFile(join(this.#dir, `${key}.v8`))
        .then((bytes) => deserialize(bytes) as { version?: unknown; key?: unknown; reads?: unknown; value?: T })
        .catch(() => undefined);
      if (entry?.version === this.#version && entry.key === key && JSON.stringify(entry.reads) === JSON.stringify(canonical)) return entry.value as T;
    }
    return undefined;
  }

  /** Stores `value` as computed from `reads`; failures to write are ignored (the store only saves time). */
  async save(reads: readonly RecordedRead[], value: T): Promise<void> {
    const canonical = canonicalReads(reads);
    const key = this.#key(canonical);
    try {
      await mkdir(this.#dir, { recursive: true });
      await this.#write(`${key}.v8`, serialize({ version: this.#version, key, reads: canonical, value }));
      const shape: Shape = canonical.map(([kind, path]) => [kind, path]);
      const known = await this.#shapes();
      const text = JSON.stringify(shape);
      const shapes = [shape, ...known.filter((s) => JSON.stringify(s) !== text)].slice(0, this.#maxShapes);
      await this.#write(SHAPES_FILE, serialize({ version: this.#version, shapes }));
      await this.#prune();
    } catch {
      // a read-only or full disk: the next run computes again
    }
  }

  async #shapes(): Promise<Shape[]> {
    const stored = await readFile(join(this.#dir, SHAPES_FILE))
      .then((bytes) => deserialize(bytes) as { version?: unknown; shapes?: unknown })
      .catch(() => undefined);
    if (stored?.version !== this.#version || !Array.isArray(stored.shapes)) return [];
    return stored.shapes.filter(
      (shape): shape is Shape =>
        Array.isArray(shape) && shape.every((read) => Array.isArray(read) && read.length === 2 && READ_KINDS.has(read[0] as string) && typeof read[1] === "string"),
    );
  }

  async #write(name: string, bytes: Uint8Array): Promise<void> {
    const file = join(this.#dir, name);
    const temp = `${file}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`;
    try {
      await writeFile(temp, bytes);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async #prune(): Promise<void> {
    const names = (await readdir(this.#dir)).filter((name) => /^[0-9a-f]{64}\.v8$/.test(name));
    if (names.length <= this.#maxEntries) return;
    const aged = await Promise.all(names.map(async (name) => ({ name, mtime: (await stat(join(this.#dir, name)).catch(() => undefined))?.mtimeMs ?? 0 })));
    aged.sort((a, b) => a.mtime - b.mtime);
    for (const { name } of aged.slice(0, aged.length - this.#maxEntries)) await rm(join(this.#dir, name), { force: true });
  }
}
