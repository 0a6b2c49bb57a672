/** Upstream trees held in memory, optionally with a commit history, for tests and embedding. */
import { parseSnapshot } from "./git-source.js";
import { UpstreamError, type UpstreamCheckout, type UpstreamCommit, type UpstreamRequest, type UpstreamSource } from "./types.js";

type Files = Record<string, string | Uint8Array>;

export interface MemoryHistory {
  /** first-parent history, oldest first */
  commits: UpstreamCommit[];
  /** the whole tree at each commit, by commit hash */
  trees: Record<string, Files>;
}

export interface MemoryUpstreamOptions {
  /** by upstream name: commits and the tree at each; the served tree is the selected commit's */
  histories?: Record<string, MemoryHistory>;
}

const encoder = new TextEncoder();

function toBytes(files: Files): Map<string, Uint8Array> {
  return new Map(Object.entries(files).map(([path, content]) => [path, typeof content === "string" ? encoder.encode(content) : content]));
}

export class MemoryUpstream implements UpstreamSource {
  readonly description = "memory";
  /** every request received, in order */
  readonly requests: UpstreamRequest[] = [];
  readonly #trees: Record<string, Files>;
  readonly #histories: Record<string, MemoryHistory>;

  constructor(trees: Record<string, Files>, options: MemoryUpstreamOptions = {}) {
    this.#trees = trees;
    this.#histories = options.histories ?? {};
  }

  async fetch(request: UpstreamRequest): Promise<UpstreamCheckout> {
    this.requests.push(request);
    const { component, upstreamName } = request;
    const history = Object.hasOwn(this.#histories, upstreamName) ? this.#histories[upstreamName] : undefined;
    if (!history) {
      const tree = Object.hasOwn(this.#trees, upstreamName) ? this.#trees[upstreamName] : undefined;
      if (!tree) throw new UpstreamError(component, "unreachable", `no upstream tree for ${upstreamName}`);
      return { files: toBytes(tree) };
    }
    const index = this.#select(history, request);
    const chain = history.commits.slice(0, index + 1);
    const selected = chain[index] as UpstreamCommit;
    const treeOf = (hash: string) => (Object.hasOwn(history.trees, hash) ? history.trees[hash] : undefined);
    const tree = treeOf(selected.hash) ?? (index === history.commits.length - 1 ? this.#trees[upstreamName] : undefined);
    if (!tree) throw new UpstreamError(component, "commit-missing", `no tree recorded for commit ${selected.hash} of ${upstreamName}`);
    return {
      commit: selected.hash,
      files: toBytes(tree),
      history: {
        commits: chain,
        readFile: async (commit, path) => {
          const files = treeOf(commit);
          const content = files && Object.hasOwn(files, path) ? files[path] : undefined;
          return content === undefined ? undefined : typeof content === "string" ? encoder.encode(content) : content;
        },
        changedPaths: async (commit) => {
          const position = history.commits.findIndex((c) => c.hash === commit);
          if (position < 0) return [];
          const after = toBytes(treeOf(commit) ?? {});
          const before = position > 0 ? toBytes(treeOf((history.commits[position - 1] as UpstreamCommit).hash) ?? {}) : new Map<string, Uint8Array>();
          const changed = new Set<string>();
          for (const [path, content] of after) {
            const old = before.get(path);
            if (!old || !Buffer.from(old).equals(content)) changed.add(path);
          }
          for (const path of before.keys()) if (!after.has(path)) changed.add(path);
          return [...changed].sort();
        },
      },
    };
  }

  #select(history: MemoryHistory, request: UpstreamRequest): number {
    const { component, upstreamName } = request;
    if (history.commits.length === 0) throw new UpstreamError(component, "branch-missing", `${upstreamName} has no commits`);
    if (request.commit !== undefined) {
      const pin = request.commit.toLowerCase();
      if (!/^[0-9a-f]{7,40}$/.test(pin)) throw new UpstreamError(component, "invalid", `upstream commit ${JSON.stringify(request.commit)} is not 7–40 hexadecimal digits`);
      const index = history.commits.findIndex((c) => c.hash.startsWith(pin));
      if (index < 0) throw new UpstreamError(component, "commit-missing", `upstream commit ${request.commit} does not exist in ${upstreamName}`);
      return index;
    }
    if (request.snapshot !== undefined) {
      const seconds = parseSnapshot(request.snapshot);
      if (seconds === undefined) throw new UpstreamError(component, "invalid", `snapshot ${JSON.stringify(request.snapshot)} is not an RFC 3339 timestamp`);
      for (let i = history.commits.length - 1; i >= 0; i--) {
        const commit = history.commits[i] as UpstreamCommit;
        if ((commit.committerTime ?? commit.authorTime) <= seconds) return i;
      }
      throw new UpstreamError(component, "snapshot-too-early", `snapshot ${request.snapshot} is before the first commit of ${upstreamName}`);
    }
    return history.commits.length - 1;
  }
}

export function memoryUpstream(trees: Record<string, Files>, options: MemoryUpstreamOptions = {}): MemoryUpstream {
  return new MemoryUpstream(trees, options);
}
