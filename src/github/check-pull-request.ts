/**
 * The use case behind every trigger (PR event, recheck command, Re-run button): review one PR head
 * and publish a check run, one sticky comment and at most one review. The check never stays
 * in_progress: any failure ends it neutral with the reason.
 */
import { LockLostError, WorkerClosingError } from "../queue/types.js";
import type { ReviewChangeInput } from "../review/input.js";
import type { ReviewResult } from "../review/types.js";
import type { UpstreamSource } from "../upstream/types.js";
import { completeCheckRun, findCheckRun, publishInProgress, startCheckRun, toAnnotations, type CheckCompletion } from "./checks.js";
import { FAN_OUT_SECTION_MAX_BYTES, withFanOutProgress } from "./fan-out-summary.js";
import { CHECK_TEXT_MAX_BYTES } from "../report/markdown-text.js";
import { loadChangedFiles, type ChangedFiles } from "./changed-files.js";
import { CONFIG_PATH, RepoConfigError, type RepoConfig } from "./config.js";
import { octokitGitReader } from "./git-reader.js";
import { InFlightRuns, SupersededError } from "./in-flight.js";
import { loadRepoConfig } from "./load-config.js";
import { checkSummary, checkTitle, fixSection, inlineMarkdown, resolvedStickyBody, stickyBody, type SummaryInput } from "./markdown.js";
import { abortable, type Octokit, type RepoRef } from "./octokit.js";
import { applyPolicy } from "../review/policy.js";
import { GitHubRepoView, sharedCaches, type GitHubCaches } from "./repo-view.js";
import { planReview, postReview, type ReviewAction } from "./review.js";
import { upsertStickyComment, type StickyAction } from "./sticky-comment.js";

export type { ReviewChangeInput };

export type ReviewChange = (input: ReviewChangeInput) => Promise<ReviewResult>;

export interface AppIdentity {
  appId: number;
  /** the app's bot user, e.g. "specwarden[bot]": the author of our comments and reviews */
  botLogin: string;
}

export interface LogSink {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface CheckDeps {
  review: ReviewChange;
  upstream?: UpstreamSource;
  caches?: GitHubCaches;
  runs: InFlightRuns;
  log: LogSink;
  /**
   * Called right before anything is published (check run, comment, review): throws to drop the
   * results — the job runner checks there that it still holds the pull request's lock (fencing) and
   * that no newer head arrived in any replica.
   */
  beforePublish?: () => Promise<void>;
  /**
   * Fan-out: a change that reaches more than `above` components only through a shared default leaves
   * them to verification jobs after the report; the check run stays in progress until those end.
   */
  fanOut?: { above: number };
}

/** What the fan-out jobs need to finish a check run left in progress. */
export interface PendingFanOut {
  /** the components to verify one by one */
  components: string[];
  /** the report's own conclusion: the final one is never better */
  conclusion: CheckCompletion["conclusion"];
  title: string;
  offerFix: boolean;
  policy: { ruleLevels?: RepoConfig["ruleLevels"]; waivers?: RepoConfig["waivers"] };
}

export interface PullTarget {
  repo: RepoRef;
  number: number;
  headSha: string;
  baseSha: string;
  /** head and base live in the same repository (not a fork) */
  sameRepo: boolean;
}

export type CheckStatus =
  | "published"
  | "duplicate"
  | "already-checked"
  | "in-progress-elsewhere"
  | "superseded"
  | "invalid-config"
  | "error";

/** How long an in-progress check run of another process is trusted before a new delivery takes it over. */
export const IN_PROGRESS_TAKEOVER_MS = 10 * 60 * 1000;

export interface CheckOutcome {
  status: CheckStatus;
  conclusion?: CheckCompletion["conclusion"];
  checkRunId?: number;
  review?: ReviewAction;
  sticky?: StickyAction;
  result?: ReviewResult;
  reason?: string;
  /** set when the check run was left in progress for the fan-out jobs */
  fanOut?: PendingFanOut;
}

export async function checkPullRequest(
  octokit: Octokit,
  identity: AppIdentity,
  deps: CheckDeps,
  pull: PullTarget,
  options: {
    force?: boolean;
    /** aborts the run from outside (the job was cancelled: a newer head, or the worker stops) */
    signal?: AbortSignal;
    /** the caller holds the pull request's lock: a check run left in progress was abandoned by a dead worker */
    exclusive?: boolean;
  } = {},
): Promise<CheckOutcome> {
  const key = InFlightRuns.key(pull.repo.owner, pull.repo.repo, pull.number);
  const ticket = deps.runs.start(key, pull.headSha, options);
  if (!ticket) return { status: "duplicate" };
  const signal = options.signal ? AbortSignal.any([ticket.signal, options.signal]) : ticket.signal;
  let checkRunId: number | undefined;
  try {
    const existing = await findCheckRun(octokit, pull.repo, pull.headSha, identity.appId, signal);
    if (existing && !options.force) {
      if (existing.status === "completed") return { status: "already-checked", checkRunId: existing.id };
      // Another replica is on it (a redelivery landed elsewhere); a run older than this is presumed
      // dead and taken over, so a crash never leaves the check in progress for good.
      if (!options.exclusive && existing.startedAt !== undefined && Date.now() - existing.startedAt < IN_PROGRESS_TAKEOVER_MS) {
        return { status: "in-progress-elsewhere", checkRunId: existing.id };
      }
    }
    checkRunId = await startCheckRun(octokit, pull.repo, pull, existing, signal);
    return await reviewAndPublish(octokit, identity, deps, pull, checkRunId, signal);
  } catch (error) {
    // another holder has the pull request now: it publishes; this run writes nothing more
    if (error instanceof LockLostError) return { status: "superseded", reason: error.message, ...(checkRunId !== undefined ? { checkRunId } : {}) };
    // the worker shuts down: a job handed back to the queue is run again by another worker, which
    // takes over the check run left in progress — so this one writes nothing more
    const closing = signal.reason instanceof WorkerClosingError ? signal.reason : error instanceof WorkerClosingError ? error : undefined;
    if (closing?.handedBack) throw closing;
    if (closing) {
      if (checkRunId !== undefined) {
        await completeCheckRun(octokit, pull.repo, checkRunId, {
          conclusion: "neutral",
          title: "Interrupted",
          summary: "## ⚪ specwarden stopped before it finished this check (the app was shutting down).\n\nComment `/specwarden recheck` to run it again.",
        }).catch((publishError: unknown) => deps.log.error({ err: publishError, pull: key }, "could not end the check run as neutral"));
      }
      return { status: "error", conclusion: "neutral", ...(checkRunId !== undefined ? { checkRunId } : {}), reason: closing.message };
    }
    const supersededBy = signal.reason instanceof SupersededError ? signal.reason : error instanceof SupersededError ? error : undefined;
    const superseded = signal.aborted || supersededBy !== undefined;
    const reason = superseded
      ? `Superseded by a newer run on this pull request${supersededBy ? ` (${supersededBy.newerHeadSha.slice(0, 7)})` : ""}; its results were dropped.`
      : `specwarden could not finish: ${error instanceof Error ? error.message : String(error)}`;
    if (!superseded) deps.log.error({ err: error, pull: key, headSha: pull.headSha }, "check failed");
    // A recheck of the same head reuses this check run: the newer run owns it now.
    const ownedByNewerRun = supersededBy?.newerHeadSha === pull.headSha;
    if (checkRunId !== undefined && !ownedByNewerRun) {
      try {
        await completeCheckRun(octokit, pull.repo, checkRunId, {
          conclusion: "neutral",
          title: superseded ? "Superseded by a newer commit" : "Could not complete the check",
          summary: `## ⚪ ${inlineMarkdown(reason)}\n\nComment \`/specwarden recheck\` to run it again.`,
        });
      } catch (publishError) {
        deps.log.error({ err: publishError, pull: key }, "could not end the check run as neutral");
      }
    }
    return { status: superseded ? "superseded" : "error", conclusion: "neutral", ...(checkRunId !== undefined ? { checkRunId } : {}), reason };
  } finally {
    ticket.finish();
  }
}

async function reviewAndPublish(
  octokit: Octokit,
  identity: AppIdentity,
  deps: CheckDeps,
  pull: PullTarget,
  checkRunId: number,
  signal: AbortSignal,
): Promise<CheckOutcome> {
  let config: RepoConfig;
  try {
    config = await loadRepoConfig(octokit, pull.repo, signal);
  } catch (error) {
    if (!(error instanceof RepoConfigError)) throw error;
    await completeCheckRun(octokit, pull.repo, checkRunId, {
      conclusion: "neutral",
      title: `Invalid ${CONFIG_PATH}`,
      summary: `## ⚪ The repository configuration is invalid\n\n\`${error.path}:${error.line}\`: ${inlineMarkdown(error.problem)}\n\nThe configuration is read from the default branch; fix it there and comment \`/specwarden recheck\`.`,
    });
    return { status: "invalid-config", conclusion: "neutral", checkRunId, reason: error.message };
  }

  const { changed, result } = await reviewPull(octokit, deps, pull, config, signal);
  signal.throwIfAborted();

  // Another replica (or a late delivery) may have seen a newer head: publish nothing stale.
  const { data: current } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
    ...pull.repo,
    pull_number: pull.number,
    ...abortable(signal),
  });
  if (current.head.sha !== pull.headSha) throw new SupersededError(current.head.sha);
  await deps.beforePublish?.();
  signal.throwIfAborted();

  const outcome = applyPolicy(result, config);
  const plan = config.suggestions ? planReview(outcome.findings, changed.commentable) : { comments: [], unanchored: [] };
  const review = await postReview(octokit, pull.repo, pull, plan, outcome.findings, identity.botLogin, signal);
  // Once levels and waivers leave nothing to report, the PR is clean and a fix is beside the point.
  const clean = outcome.findings.length === 0;
  const summaryInput: SummaryInput = {
    outcome,
    components: result.components,
    ...(result.kind ? { kind: result.kind } : {}),
    ...(result.fix && !clean ? { fix: result.fix } : {}),
    headSha: pull.headSha,
    // "exists"/"unchanged": posted by an earlier run or for an earlier head; the summary reads the same
    ...(review === "posted" || review === "exists" || review === "unchanged" ? { suggestionsPosted: plan.comments.length } : {}),
  };
  // Nothing fails: an earlier report turns into a "resolved" note that still lists what remains.
  const passing = outcome.conclusion === "success";
  const sticky = await upsertStickyComment(
    octokit,
    pull.repo,
    pull.number,
    identity.botLogin,
    {
      // an unverified PR says so even when policy leaves no finding to list
      ...(clean && outcome.conclusion !== "neutral" ? {} : { report: stickyBody(summaryInput) }),
      ...(passing ? { resolved: resolvedStickyBody(pull.headSha, outcome.findings) } : {}),
    },
    signal,
  );
  const text = fixSection(summaryInput);
  const deferred = deps.fanOut ? (result.deferred ?? []) : [];
  const report = {
    title: checkTitle(outcome),
    // with a fan-out, the report leaves room for its section under it
    summary: checkSummary({ ...summaryInput, fixInText: true }, deferred.length > 0 ? CHECK_TEXT_MAX_BYTES - FAN_OUT_SECTION_MAX_BYTES - 64 : CHECK_TEXT_MAX_BYTES),
    ...(text ? { text } : {}),
    annotations: toAnnotations(outcome.findings),
  };
  // a fork's branch cannot be pushed to, so the button would only ever explain that
  const offerFix = Boolean(summaryInput.fix?.verified) && outcome.conclusion === "failure" && pull.sameRepo;
  if (deferred.length > 0) {
    // the report now, the verdicts of the deferred components when the fan-out jobs have them
    await publishInProgress(octokit, pull.repo, checkRunId, { ...report, summary: withFanOutProgress(report.summary, 0, deferred.length) });
    const fanOut: PendingFanOut = { components: deferred, conclusion: outcome.conclusion, title: report.title, offerFix, policy: { ruleLevels: config.ruleLevels, waivers: config.waivers } };
    return { status: "published", conclusion: outcome.conclusion, checkRunId, review, sticky, result, fanOut };
  }
  await completeCheckRun(octokit, pull.repo, checkRunId, { ...report, conclusion: outcome.conclusion, offerFix });
  return { status: "published", conclusion: outcome.conclusion, checkRunId, review, sticky, result };
}

export interface PullReview {
  changed: ChangedFiles;
  base: GitHubRepoView;
  head: GitHubRepoView;
  result: ReviewResult;
}

/** From this many changed files on, their blobs are read ahead in batches rather than one by one. */
export const PREFETCH_MIN_PATHS = 50;

/** Reads both sides of the PR through the GitHub RepoView and runs the review engine. */
export async function reviewPull(
  octokit: Octokit,
  deps: Pick<CheckDeps, "review" | "upstream" | "caches" | "fanOut"> & { log?: LogSink },
  pull: PullTarget,
  config: RepoConfig,
  signal?: AbortSignal,
): Promise<PullReview> {
  const caches = deps.caches ?? sharedCaches;
  const reader = octokitGitReader(octokit, pull.repo, signal);
  const viewAt = (commitSha: string) => new GitHubRepoView({ ...pull.repo, commitSha, reader, caches });
  const head = viewAt(pull.headSha);
  const changed = await loadChangedFiles(octokit, pull.repo, pull, { base: viewAt, head }, signal);
  const base = viewAt(changed.mergeBase);
  if (changed.paths.length >= PREFETCH_MIN_PATHS) {
    // the review reads the changed files on both sides; a big PR would cost a request per blob
    const warn = (error: unknown) => deps.log?.warn({ err: error, pull: pull.number }, "batched blob reads failed; reading blobs one by one");
    await Promise.all([head.prefetch(changed.paths, warn), base.prefetch(changed.paths, warn)]);
    signal?.throwIfAborted();
  }
  const result = await deps.review({
    base,
    head,
    ...(deps.upstream ? { upstream: deps.upstream } : {}),
    changedPaths: changed.paths,
    config: {
      ruleLevels: config.ruleLevels,
      waivers: config.waivers,
      ...(config.renderedSpecsDir ? { renderedSpecsDir: config.renderedSpecsDir } : {}),
      ...(deps.fanOut ? { deferAbove: deps.fanOut.above, deferredVerification: "fan-out" as const } : {}),
    },
  });
  return { changed, base, head, result };
}
