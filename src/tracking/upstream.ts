/**
 * The upstream sources a run uses, composed by question: local clones (when given) answer history —
 * containment, tags, files, diffs and content searches; the GitHub and GitLab APIs (unless offline)
 * answer pull request, merge request and issue state, and whatever no clone holds. `offline` and
 * `upstreamGit` are independent: offline with clones, the clones still answer.
 */
import { cacheFilesIn } from "../cache/files.js";
import { combineForges, type UpstreamForge } from "./forge.js";
import { HistoryIndexStore } from "./history-index-store.js";
import type { FetchLike, HttpCache } from "./http-cache.js";
import { githubForge, gitlabForge } from "./http-forges.js";
import { localGitForge } from "./local-git-forge.js";
import { credentialNamespace, PersistentConditionalCache } from "./persistent-http-cache.js";

/** Where under a cache directory tracking keeps what it reuses across runs (the version is in the name). */
export const TRACKING_CACHE_DIRS = { answers: ["tracking", "answers-v1"], history: ["tracking", "history-v1"] } as const;

export interface UpstreamOptions {
  /** a directory of local clones (`DIR/<owner>/<repo>` or `DIR/<repo>`) */
  upstreamGit?: string;
  /** no network: only the clones answer */
  offline?: boolean;
  githubToken?: string;
  gitlabToken?: string;
  /** the GitHub API root (GitHub Enterprise, a caching proxy, tests); default https://api.github.com */
  githubApiUrl?: string;
  /** answers kept with their ETag (default: on disk under `cacheDir` if given, else the process's shared cache); null: none */
  conditionalCache?: HttpCache | null;
  /**
   * a directory for what is worth keeping across runs: API answers with their ETags (by credential:
   * answers fetched with a token serve only runs with the same token) and the clones' history indexes
   */
  cacheDir?: string;
  fetch?: FetchLike;
}

/** undefined when there is nothing to ask (offline without clones). */
export function upstreamForge(options: UpstreamOptions): UpstreamForge | undefined {
  const forges: UpstreamForge[] = [];
  const { cacheDir } = options;
  if (options.upstreamGit) forges.push(localGitForge(options.upstreamGit, cacheDir ? { indexStore: new HistoryIndexStore(cacheFilesIn(cacheDir, [...TRACKING_CACHE_DIRS.history])) } : {}));
  if (!options.offline) {
    // each forge's answers in the namespace of its own credential
    const cacheFor = (token: string | undefined): { conditionalCache?: HttpCache | null } =>
      options.conditionalCache !== undefined
        ? { conditionalCache: options.conditionalCache }
        : cacheDir
          ? { conditionalCache: new PersistentConditionalCache(cacheFilesIn(cacheDir, [...TRACKING_CACHE_DIRS.answers]), credentialNamespace(token)) }
          : {};
    const fetch = options.fetch ? { fetch: options.fetch } : {};
    forges.push(githubForge({ ...fetch, ...cacheFor(options.githubToken), ...(options.githubToken ? { token: options.githubToken } : {}), ...(options.githubApiUrl ? { apiUrl: options.githubApiUrl } : {}) }));
    forges.push(gitlabForge({ ...fetch, ...cacheFor(options.gitlabToken), ...(options.gitlabToken ? { token: options.gitlabToken } : {}) }));
  }
  return forges.length ? combineForges(forges) : undefined;
}
