/** The GitHub App: Probot app function, the GitHub RepoView, and the pieces they are built from. */
export { runServer, runWorker, createMiddleware, upstreamFromEnv, type NodeMiddleware, type ServerOptions } from "./server.js";
export { specwardenApp, pullTarget, type SpecwardenAppOptions, type TrackingRegistrationDeps } from "./app.js";
export {
  checkPullRequest,
  reviewPull,
  type AppIdentity,
  type CheckDeps,
  type CheckOutcome,
  type CheckStatus,
  type PullTarget,
  type ReviewChange,
  type ReviewChangeInput,
} from "./check-pull-request.js";
export { GitHubRepoView, createCaches, sharedCaches, normaliseRepoPath, type GitObjectReader, type GitHubCaches, type RawTree, type RawTreeEntry } from "./repo-view.js";
export { octokitGitReader } from "./git-reader.js";
export { parseRepoConfig, RepoConfigError, CONFIG_PATH, DEFAULT_CONFIG, type RepoConfig, type RuleSetting, type Waiver } from "./config.js";
export { loadRepoConfig } from "./load-config.js";
export { applyPolicy, type Conclusion, type PolicyOutcome } from "../review/policy.js";
export { CommentableLines, parseRightHunks, type HunkRange } from "./diff-hunks.js";
export { applyFix, FixApplyError, type FileChanges } from "./apply-fix.js";
export { parseCommand, hasWriteAccess, type Command } from "./commands.js";
export { CHECK_NAME, APPLY_FIX_ACTION, externalId, parseExternalId } from "./checks.js";
export { STICKY_MARKER } from "./markdown.js";
export { InFlightRuns, SupersededError } from "./in-flight.js";
export { SpecwardenOctokit, GITHUB_API_VERSION } from "./octokit-defaults.js";
export { LruCache } from "./lru-cache.js";
export type { Octokit, RepoRef } from "./octokit.js";
