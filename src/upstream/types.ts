import type { Distro, DistroVersion } from "../azldev/types.js";

export interface UpstreamRequest {
  component: string;
  /** dist-git repository name (upstream-name or component name) */
  upstreamName: string;
  distro: Distro;
  version: DistroVersion;
  /** exact pin (lock file or spec.upstream-commit), 7–40 hex */
  commit?: string;
  /** RFC 3339; the last first-parent commit at or before it is used when no pin */
  snapshot?: string;
}

export interface UpstreamCommit {
  hash: string;
  authorName: string;
  authorEmail: string;
  /** seconds since the epoch */
  authorTime: number;
  /** author timezone offset as git prints it, e.g. "+0200" */
  authorTz: string;
  /** committer time, seconds since the epoch (snapshots select by it, like `git rev-list --before`) */
  committerTime?: number;
  subject: string;
  /** full message including subject */
  message: string;
}

export interface UpstreamHistory {
  /** first-parent history from the root to the checked-out commit, oldest first */
  commits: UpstreamCommit[];
  /** read a top-level or nested file as of a commit; undefined when absent */
  readFile(commit: string, path: string): Promise<Uint8Array | undefined>;
  /** paths changed by a commit relative to its first parent */
  changedPaths(commit: string): Promise<string[]>;
}

export interface UpstreamCheckout {
  /** resolved full commit hash, when the source is a git repository */
  commit?: string;
  /** every file of the tree at that commit (no .git), path relative to the repo root */
  files: Map<string, Uint8Array>;
  /** present when the source has git history (feeds rpmautospec) */
  history?: UpstreamHistory;
  /** entries of the tree left out of `files`: symlinks, submodules, files above the size limit,
   * names that are not safe on disk (`..`, `.git`, a backslash) */
  skipped?: { path: string; kind: "symlink" | "submodule" | "oversized" | "unsafe-path"; reason: string }[];
}

export class UpstreamError extends Error {
  constructor(
    readonly component: string,
    /** `refused`: the source's policy does not fetch from there (a dist-git scheme outside the allowlist) */
    readonly reason: "unreachable" | "branch-missing" | "snapshot-too-early" | "commit-missing" | "no-provider" | "timeout" | "invalid" | "refused",
    message: string,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}

export interface UpstreamSource {
  readonly description: string;
  fetch(request: UpstreamRequest): Promise<UpstreamCheckout>;
  /** release processes or handles held by the source; safe to call twice */
  close?(): Promise<void>;
}
