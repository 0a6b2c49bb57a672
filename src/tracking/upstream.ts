/**
 * The upstream sources a run uses, composed by question: local clones (when given) answer history —
 * containment, tags, files, diffs and content searches; the GitHub and GitLab APIs (unless offline)
 * answer pull request, merge request and issue state, and whatever no clone holds. `offline` and
 * `upstreamGit` are independent: offline with clones, the clones still answer.
 */
import { combineForges, type UpstreamForge } from "./forge.js";
import type { FetchLike, HttpCache } from "./http-cache.js";
import { githubForge, gitlabForge } from "./http-forges.js";
import { localGitForge } from "./local-git-forge.js";

export interface UpstreamOptions {
  /** a directory of local clones (`DIR/<owner>/<repo>` or `DIR/<repo>`) */
  upstreamGit?: string;
  /** no network: only the clones answer */
  offline?: boolean;
  githubToken?: string;
  gitlabToken?: string;
  /** the GitHub API root (GitHub Enterprise, a caching proxy, tests); default https://api.github.com */
  githubApiUrl?: string;
  /** answers kept with their ETag (default: the process's shared cache); null: none */
  conditionalCache?: HttpCache | null;
  fetch?: FetchLike;
}

/** undefined when there is nothing to ask (offline without clones). */
export function upstreamForge(options: UpstreamOptions): UpstreamForge | undefined {
  const forges: UpstreamForge[] = [];
  if (options.upstreamGit) forges.push(localGitForge(options.upstreamGit));
  if (!options.offline) {
    const http = { ...(options.conditionalCache !== undefined ? { conditionalCache: options.conditionalCache } : {}), ...(options.fetch ? { fetch: options.fetch } : {}) };
    forges.push(githubForge({ ...http, ...(options.githubToken ? { token: options.githubToken } : {}), ...(options.githubApiUrl ? { apiUrl: options.githubApiUrl } : {}) }));
    forges.push(gitlabForge({ ...http, ...(options.gitlabToken ? { token: options.gitlabToken } : {}) }));
  }
  return forges.length ? combineForges(forges) : undefined;
}
