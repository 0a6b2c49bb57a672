/**
 * History indexes of local clones kept on disk across runs: reading `git log -p` over a clone's
 * branches and tags is the slow part of a run with `--upstream-git` (seconds for tens of thousands of
 * commits), and it only needs doing again when the clone's refs move.
 *
 * An index is keyed by everything that decides what it holds: the clone (its real path, and its
 * shallow boundary if any), the state of its refs (every branch, tag and remote-tracking branch with
 * its commit: a fetch that moves one gives another key, and the index is read again), the range
 * (`since`), the reading limits, and the code that computes patch-ids and reads messages (a new
 * version never reads an old index). The file holds the key again; one that does not read back exactly
 * is a miss.
 *
 * The index is stored compactly: the commit ids once, in a table, and every map as pairs of a key and
 * positions in that table.
 */
import { createHash } from "node:crypto";
import { readFile, realpath } from "node:fs/promises";
import { join } from "node:path";
import { BoundedCacheFiles, type CacheFiles } from "../cache/files.js";
import type { HistoryIndex } from "./local-git-forge.js";

const FORMAT = "specwarden-history-index-v1";
/** the modules whose code decides what an index holds */
const CODE_MODULES = ["patch-id", "patch-headers", "local-git-forge", "history-index-store"];
const HEX40 = /^[0-9a-f]{40}$/;

export interface HistoryIndexKeyParts {
  gitDir: string;
  /** the refs and their commits, as `git for-each-ref` printed them */
  refsState: string;
  since: string | undefined;
  maxCommits: number;
  maxCommitBytes: number;
}

export interface HistoryStoreLimits {
  /** indexes kept at most, least recently used out first; default 16 */
  maxEntries?: number;
  /** bytes of indexes kept at most; default 256 MiB (an index of 19,000 commits takes 2.3 MiB: bench/history-index) */
  maxBytes?: number;
}

let codeFingerprint: Promise<string> | undefined;

/** A digest of the modules that compute an index (compiled or source, whichever runs). */
function indexCodeFingerprint(): Promise<string> {
  codeFingerprint ??= (async () => {
    const hash = createHash("sha256").update(FORMAT);
    for (const name of CODE_MODULES) {
      for (const ext of [".js", ".ts"]) {
        const text = await readFile(new URL(`./${name}${ext}`, import.meta.url)).catch(() => undefined);
        if (text) {
          hash.update(`${name}${ext}\0`).update(text);
          break;
        }
      }
    }
    return hash.digest("hex");
  })();
  return codeFingerprint;
}

/** The key of an index: what the clone is, what its refs point at, which range and limits, which code. */
export async function historyIndexKey(parts: HistoryIndexKeyParts): Promise<string> {
  const identity = await realpath(parts.gitDir).catch(() => parts.gitDir);
  // a shallow clone's history ends at its boundary: another boundary is another history
  const shallow = await readFile(join(identity, "shallow"), "utf8").catch(() => "");
  return JSON.stringify({
    format: FORMAT,
    code: await indexCodeFingerprint(),
    clone: identity,
    shallow: shallow ? createHash("sha256").update(shallow).digest("hex") : "",
    refs: createHash("sha256").update(parts.refsState).digest("hex"),
    since: parts.since ?? "",
    maxCommits: parts.maxCommits,
    maxCommitBytes: parts.maxCommitBytes,
  });
}

type IndexMapName = "byPatchId" | "bySubject" | "byMessageId" | "cherryPicks";
const MAPS: IndexMapName[] = ["byPatchId", "bySubject", "byMessageId", "cherryPicks"];

/** The index as stored: commit ids in a table, the maps as [key, positions] pairs. */
export function encodeHistoryIndex(key: string, index: HistoryIndex): string {
  const table: string[] = [];
  const position = new Map<string, number>();
  const at = (sha: string): number => {
    let k = position.get(sha);
    if (k === undefined) {
      k = table.length;
      table.push(sha);
      position.set(sha, k);
    }
    return k;
  };
  const maps: Record<string, [string, number[]][]> = {};
  for (const name of MAPS) maps[name] = [...index[name]].map(([k, shas]) => [k, shas.map(at)]);
  return JSON.stringify({ format: FORMAT, key, commits: index.commits, truncated: index.truncated, table, ...maps });
}

/** The stored index, or undefined when the text is not an index of this key in this format. */
export function decodeHistoryIndex(key: string, text: string): HistoryIndex | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== "object") return undefined;
  const stored = value as Record<string, unknown>;
  if (stored["format"] !== FORMAT || stored["key"] !== key) return undefined;
  const { commits, truncated, table } = stored;
  if (typeof commits !== "number" || !Number.isSafeInteger(commits) || commits < 0 || typeof truncated !== "boolean") return undefined;
  if (!Array.isArray(table) || !table.every((sha) => typeof sha === "string" && HEX40.test(sha))) return undefined;
  const shas = table as string[];
  const index: HistoryIndex = { byPatchId: new Map(), bySubject: new Map(), byMessageId: new Map(), cherryPicks: new Map(), commits, truncated };
  for (const name of MAPS) {
    const pairs = stored[name];
    if (!Array.isArray(pairs)) return undefined;
    for (const pair of pairs as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || !Array.isArray(pair[1])) return undefined;
      const positions = pair[1] as unknown[];
      if (!positions.length || !positions.every((k) => typeof k === "number" && Number.isInteger(k) && k >= 0 && k < shas.length)) return undefined;
      index[name].set(pair[0], (positions as number[]).map((k) => shas[k] as string));
    }
  }
  return index;
}

/** Indexes on disk, bounded by count and bytes. */
export class HistoryIndexStore {
  readonly #files: BoundedCacheFiles;

  constructor(files: CacheFiles, limits: HistoryStoreLimits = {}) {
    this.#files = new BoundedCacheFiles(files, { maxEntries: limits.maxEntries ?? 16, maxBytes: limits.maxBytes ?? 256 * 1024 * 1024 });
  }

  #fileName(key: string): string {
    return `${createHash("sha256").update(key).digest("hex")}.json`;
  }

  async load(key: string): Promise<HistoryIndex | undefined> {
    const name = this.#fileName(key);
    const bytes = await this.#files.read(name).catch(() => undefined);
    const index = bytes ? decodeHistoryIndex(key, bytes.toString("utf8")) : undefined;
    if (index) await this.#files.touch(name).catch(() => undefined);
    return index;
  }

  async save(key: string, index: HistoryIndex): Promise<boolean> {
    return this.#files.write(this.#fileName(key), encodeHistoryIndex(key, index)).catch(() => false);
  }
}
