/**
 * What a computation read from a RepoView, and whether another view answers those reads the same.
 *
 * A computation that depends on nothing but what it reads (loading a project, inventorying a
 * component) gives the same result on any view that answers each of its reads the same way. A
 * RecordingView notes every read with a digest of the answer; `sameReads` asks another view again.
 * File contents are identified by the content id the view gives for the path, so a recording is
 * only `reusable` when the view is pinned to content (a git or GitHub commit, or edits layered on
 * one) and every file read had an id.
 */
import { createHash } from "node:crypto";
import type { RepoView, TreeEntry } from "./types.js";

/** One read: "stat", "list" (children), "tree" (recursive list) or "read" (a file's content), its path and a digest of the answer. */
export type ReadKind = "stat" | "list" | "tree" | "read";
export type RecordedRead = readonly [kind: ReadKind, path: string, answer: string];

/** Descriptions of views whose answers cannot change: a commit, possibly with in-memory edits on top. */
const PINNED = /^(git|github):[^\n]*@[0-9a-f]{7,}(\+fix)*$/;

export function isPinnedView(view: RepoView): boolean {
  return PINNED.test(view.description);
}

function failure(error: unknown): string {
  return `!${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}

function listingDigest(entries: readonly TreeEntry[]): string {
  return createHash("sha256").update(JSON.stringify(entries)).digest("base64");
}

/** The answer `view` gives to one read, as a digest; `undefined` when it cannot be identified (a file without a content id). */
export async function answer(view: RepoView, kind: ReadKind, path: string): Promise<string | undefined> {
  try {
    switch (kind) {
      case "stat":
        return JSON.stringify((await view.stat(path)) ?? null);
      case "list":
      case "tree":
        return listingDigest(await view.list(path, { recursive: kind === "tree" }));
      case "read": {
        const entry = await view.stat(path);
        if (entry?.kind === "file" && entry.id === undefined) return undefined;
        return JSON.stringify(entry ?? null);
      }
    }
  } catch (error) {
    return failure(error);
  }
}

/** Whether `view` answers every recorded read as it was answered when recorded. */
export async function sameReads(view: RepoView, reads: readonly RecordedRead[]): Promise<boolean> {
  for (const [kind, path, recorded] of reads) {
    if ((await answer(view, kind, path)) !== recorded) return false;
  }
  return true;
}

/** Whole listings first: asked again in this order, they serve the lookups that follow. */
const KIND_ORDER: Record<ReadKind, number> = { tree: 0, list: 1, stat: 2, read: 3 };

/** Reads in a canonical order (by kind, then path; each once): equal sets of reads give equal lists. */
export function canonicalReads(reads: Iterable<RecordedRead>): RecordedRead[] {
  const unique = new Map<string, RecordedRead>();
  for (const read of reads) unique.set(`${read[0]}\u0000${read[1]}\u0000${read[2]}`, read);
  return [...unique.values()].sort((a, b) => KIND_ORDER[a[0]] - KIND_ORDER[b[0]] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
}

/**
 * A view that passes every call to `under` and records what was read. The answer digest is taken
 * from `under` as well, right after the call.
 */
export class RecordingView implements RepoView {
  readonly description: string;
  readonly #under: RepoView;
  readonly #reads: RecordedRead[] = [];
  #identified = true;
  #failed = false;

  constructor(under: RepoView) {
    this.#under = under;
    this.description = under.description;
  }

  /** The reads so far, in canonical order. */
  get reads(): RecordedRead[] {
    return canonicalReads(this.#reads);
  }

  /** Whether the reads identify what was read, so that a result computed from them may be reused. */
  get reusable(): boolean {
    return this.#identified && isPinnedView(this.#under);
  }

  async #note(kind: ReadKind, path: string): Promise<void> {
    const digest = await answer(this.#under, kind, path);
    if (digest === undefined) this.#identified = false;
    else this.#reads.push([kind, path, digest]);
  }

  /**
   * Whether every read answered without failing. A read that failed (a blob missing from a partial
   * clone, a reader process that died) may answer on another try, while its recorded answer — the
   * entry with its content id — would be the same: a result computed from it is not for keeping.
   */
  get complete(): boolean {
    return !this.#failed;
  }

  async #recorded<T>(kind: ReadKind, path: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      this.#failed = true;
      throw error;
    } finally {
      await this.#note(kind, path);
    }
  }

  readFile(path: string): Promise<Uint8Array | undefined> {
    return this.#recorded("read", path, () => this.#under.readFile(path));
  }

  readText(path: string): Promise<string | undefined> {
    return this.#recorded("read", path, () => this.#under.readText(path));
  }

  stat(path: string): Promise<TreeEntry | undefined> {
    return this.#recorded("stat", path, () => this.#under.stat(path));
  }

  list(dir = "", options: { recursive?: boolean } = {}): Promise<TreeEntry[]> {
    return this.#recorded(options.recursive ? "tree" : "list", dir, () => this.#under.list(dir, options));
  }

  close(): Promise<void> {
    return this.#under.close?.() ?? Promise.resolve();
  }
}
