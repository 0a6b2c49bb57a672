/**
 * The Probot app: maps webhook events onto the check, command and fix use cases. Thin by design;
 * every decision lives in the modules it calls.
 */
import type { ApplicationFunction, Context, Probot } from "probot";
import { detectNixKind, reviewNixChange } from "../nix/index.js";
import { reviewChange } from "../review/index.js";
import type { UpstreamForge } from "../tracking/forge.js";
import { defaultForge } from "./tracking/track-repository.js";
import type { UpstreamSource } from "../upstream/types.js";
import { APPLY_FIX_ACTION, CHECK_NAME, parseExternalId } from "./checks.js";
import {
  checkPullRequest,
  reviewPull,
  type AppIdentity,
  type CheckDeps,
  type CheckOutcome,
  type LogSink,
  type PullTarget,
  type ReviewChange,
} from "./check-pull-request.js";
import { hasWriteAccess, parseCommand } from "./commands.js";
import { RepoConfigError } from "./config.js";
import { FORK_REFUSAL, pushFix, type FixResult } from "./fix-commit.js";
import { InFlightRuns } from "./in-flight.js";
import { aggregateHandler, enqueueFanOut, verifyBatchHandler } from "./fan-out.js";
import { createHealthRoute } from "./health.js";
import { checkJobHandler, checkJobIdOf, enqueueCheck, fenceWrites, logged, type RunCheck } from "./jobs.js";
import { completeCheckRun } from "./checks.js";
import { DEFER_ABOVE } from "../review/engine.js";
import { inProcessCoordination } from "../queue/in-process.js";
import type { Coordination } from "../queue/types.js";
import { loadRepoConfig } from "./load-config.js";
import { codeSpan, inlineMarkdown } from "./markdown.js";
import type { Octokit, RepoRef } from "./octokit.js";
import { applyPolicy } from "../review/policy.js";
import type { GitHubCaches } from "./repo-view.js";

export interface SpecwardenAppOptions {
  /** the review engine; defaults to `reviewChange` from the review module */
  review?: ReviewChange;
  upstream?: UpstreamSource;
  /** upstream projects' history and PR state for the Nix review (default: GitHub's API) */
  upstreamForge?: UpstreamForge;
  caches?: GitHubCaches;
  /** register the tracking module's handlers (push, cron route); default true */
  tracking?: boolean;
  /** observe every finished check (tests, metrics) */
  onCheck?: (outcome: CheckOutcome) => void;
  /**
   * Queues, locks and the newest-head registry shared by the replicas (see src/queue); default: in
   * process. Webhook handlers only enqueue; workers (this process unless `workers` is false, or
   * `specwarden worker` processes on Redis) run the jobs.
   */
  coordination?: Coordination;
  /** run the check and tracking workers in this process (default true) */
  workers?: boolean;
  /** jobs run at once per worker process (default: check 4, track 1) */
  concurrency?: { check?: number; track?: number; verify?: number };
  /** the pull request lock's time to live; renewed while a check runs (default 60 s) */
  lockTtlMs?: number;
  /** components per verification job of a fan-out (default 50) */
  fanOutBatchSize?: number;
  /**
   * From how many components reached only through a shared default a check fans out (default 200):
   * the report is published at once and the run stays in progress while verification jobs re-render
   * them one by one. Only with an `upstream` to render from; without one they stay a deferred notice.
   */
  fanOutAbove?: number;
}

const PR_ACTIONS = [
  "pull_request.opened",
  "pull_request.synchronize",
  "pull_request.reopened",
  "pull_request.ready_for_review",
  "pull_request.edited",
] as const;

interface PullPayload {
  number: number;
  state?: string;
  head: { sha: string; ref: string; repo: { full_name: string } | null };
  base: { sha: string; ref: string; repo: { full_name: string } };
}

export function pullTarget(repo: RepoRef, pr: PullPayload): PullTarget & { headRef: string; open: boolean } {
  return {
    repo,
    open: pr.state === undefined || pr.state === "open",
    number: pr.number,
    headSha: pr.head.sha,
    baseSha: pr.base.sha,
    headRef: pr.head.ref,
    sameRepo: pr.head.repo?.full_name === pr.base.repo.full_name,
  };
}

/**
 * The review engine the app runs unless one is injected: azldev repositories through the rendering
 * review, Nix repositories (no azldev.toml; flake.nix, pkgs/ or Nix expressions) through the Nix one,
 * with upstream evidence from `forge` (by default GitHub's API, SPECWARDEN_UPSTREAM_TOKEN when set).
 */
export function defaultReviewEngine(forge?: UpstreamForge): ReviewChange {
  return async (input) => {
    // the base decides, as for the repository's policy: the engine reads it first anyway
    const azldev = (await input.base.stat("azldev.toml").catch(() => undefined))?.kind === "file";
    if (!azldev && (await detectNixKind(input.head).catch(() => undefined))) {
      const upstream = forge ?? defaultForge(process.env["SPECWARDEN_UPSTREAM_TOKEN"]);
      return reviewNixChange({ base: input.base, head: input.head, ...(input.changedPaths ? { changedPaths: input.changedPaths } : {}), forge: upstream });
    }
    return reviewChange(input);
  };
}

export function specwardenApp(options: SpecwardenAppOptions = {}): ApplicationFunction {
  return async (app: Probot, { addHandler }) => {
    const runs = new InFlightRuns();
    let identity: Promise<AppIdentity> | undefined;
    const appIdentity = (): Promise<AppIdentity> => {
      identity ??= (async () => {
        const appOctokit = await app.auth();
        const { data } = await appOctokit.request("GET /app");
        if (!data) throw new Error("GET /app returned nothing");
        return { appId: data.id, botLogin: `${data.slug ?? "specwarden"}[bot]` };
      })().catch((error: unknown) => {
        identity = undefined;
        throw error;
      });
      return identity;
    };
    const reviewEngine: ReviewChange = options.review ?? defaultReviewEngine(options.upstreamForge);
    const depsFor = (log: LogSink): CheckDeps => ({
      review: reviewEngine,
      runs,
      log,
      ...(options.upstream ? { upstream: options.upstream } : {}),
      ...(options.caches ? { caches: options.caches } : {}),
      ...(options.upstream ? { fanOut: { above: options.fanOutAbove ?? DEFER_ABOVE } } : {}),
    });
    const coordination = options.coordination ?? inProcessCoordination();
    coordination.setLog?.(app.log);
    const checkWorker: RunCheck = async (job, run) => {
      const octokit = fenceWrites((await app.auth(job.installationId)) as unknown as Octokit, run.fence);
      const jobId = checkJobIdOf(job);
      const log = app.log.child({ jobId, ...(job.deliveryId ? { deliveryId: job.deliveryId } : {}) });
      const outcome = await checkPullRequest(octokit, await appIdentity(), { ...depsFor(log), beforePublish: run.beforePublish }, job.pull, { force: job.force, signal: run.signal, exclusive: run.exclusive });
      log.info({ pull: job.pull.number, headSha: job.pull.headSha, status: outcome.status, conclusion: outcome.conclusion, fanOut: outcome.fanOut?.components.length }, "specwarden check");
      // a distro-wide change: the components folded into render-deferred are verified one batch per job
      if (outcome.fanOut && outcome.checkRunId !== undefined) {
        const target = { installationId: job.installationId, pull: job.pull, checkRunId: outcome.checkRunId, flow: jobId.slice("check:".length) };
        try {
          await enqueueFanOut(coordination, target, outcome.fanOut, options.fanOutBatchSize);
        } catch (error) {
          // never leave the run in progress for jobs that do not exist
          log.error({ err: error }, "specwarden fan-out could not be enqueued");
          await completeCheckRun(octokit, job.pull.repo, outcome.checkRunId, {
            conclusion: outcome.fanOut.conclusion === "failure" ? "failure" : "neutral",
            title: outcome.fanOut.title,
            summary: `## ⚪ The ${outcome.fanOut.components.length} components this change reaches could not be queued for verification: ${inlineMarkdown(error instanceof Error ? error.message : String(error))}\n\nComment \`/specwarden recheck\` to run it again.`,
          });
        }
      }
      options.onCheck?.(outcome);
      return outcome;
    };
    if (options.workers !== false) {
      coordination.queue.work("check", logged(app.log, "check", checkJobHandler(coordination, checkWorker, options.lockTtlMs ? { lockTtlMs: options.lockTtlMs } : {})), { concurrency: options.concurrency?.check ?? 4 });
      const fanOutDeps = {
        octokitFor: async (id: number) => (await app.auth(id)) as unknown as Octokit,
        log: app.log,
        ...(options.upstream ? { upstream: options.upstream } : {}),
        ...(options.caches ? { caches: options.caches } : {}),
      };
      coordination.queue.work("verify", logged(app.log, "verify", verifyBatchHandler(coordination, fanOutDeps)), { concurrency: options.concurrency?.verify ?? 2 });
      coordination.queue.work("aggregate", logged(app.log, "aggregate", aggregateHandler(coordination, fanOutDeps)), { concurrency: 2 });
    }
    /** Enqueues the check of a head (or joins the job already there); a worker runs it. */
    const runCheck = async (context: { payload: unknown; id?: string }, log: LogSink, pull: PullTarget, force: boolean) => {
      const installationId = (context.payload as { installation?: { id?: number } }).installation?.id;
      if (installationId === undefined) {
        log.warn({ pull: pull.number }, "specwarden check: the event has no installation; nothing enqueued");
        return;
      }
      const job = await enqueueCheck(coordination, { installationId, pull, force, ...(context.id ? { deliveryId: context.id } : {}) });
      log.info({ jobId: job.id, joined: !job.created, deliveryId: context.id }, "specwarden check enqueued");
    };

    app.on([...PR_ACTIONS], async (context) => {
      const { payload } = context;
      const baseChanged = payload.action === "edited" && Boolean((payload.changes as { base?: unknown } | undefined)?.base);
      if (payload.action === "edited" && !baseChanged) return;
      // a new base changes the verdict on the same head: check again, as a recheck would
      await runCheck(context, context.log, pullTarget(context.repo(), payload.pull_request), baseChanged);
    });

    app.on("check_run.rerequested", async (context) => {
      const run = context.payload.check_run;
      const me = await appIdentity();
      if (run.name !== CHECK_NAME || run.app?.id !== me.appId) return;
      const ref = parseExternalId(run.external_id);
      if (!ref) return;
      const pr = await fetchPull(context.octokit, context.repo(), ref.pullNumber);
      await runCheck(context, context.log, pullTarget(context.repo(), pr), true);
    });

    app.on("check_run.requested_action", async (context) => {
      const run = context.payload.check_run;
      const me = await appIdentity();
      if (run.name !== CHECK_NAME || run.app?.id !== me.appId) return;
      if (context.payload.requested_action?.identifier !== APPLY_FIX_ACTION) return;
      const ref = parseExternalId(run.external_id);
      if (!ref) return;
      const pr = await fetchPull(context.octokit, context.repo(), ref.pullNumber);
      await runFixCommand(context, pullTarget(context.repo(), pr), context.payload.sender.login);
    });

    app.on("issue_comment.created", async (context) => {
      const { issue, comment, sender } = context.payload;
      if (!issue.pull_request || sender.type === "Bot") return;
      const command = parseCommand(comment.body);
      if (command === undefined) return;
      const repo = context.repo();
      if (typeof command === "object") {
        await reply(context.octokit, repo, issue.number, `Unknown command ${codeSpan(command.unknown)}. Available: \`/specwarden recheck\`, \`/specwarden fix\`.`);
        return;
      }
      await context.octokit.request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {
        ...repo,
        comment_id: comment.id,
        content: "eyes",
      });
      const pr = await fetchPull(context.octokit, repo, issue.number);
      const pull = pullTarget(repo, pr);
      if (command === "recheck") {
        await runCheck(context, context.log, pull, true);
        return;
      }
      await runFixCommand(context, pull, sender.login);
    });

    async function runFixCommand(
      context: Context<"issue_comment.created"> | Context<"check_run.requested_action">,
      pull: PullTarget & { headRef: string; open: boolean },
      sender: string,
    ): Promise<void> {
      const octokit = context.octokit;
      if (!(await hasWriteAccess(octokit, pull.repo, sender))) {
        await reply(
          octokit,
          pull.repo,
          pull.number,
          `Sorry @${sender}, only people with write access to this repository can ask specwarden to commit a fix. The patch in the summary comment can be applied with \`git apply\`.`,
        );
        return;
      }
      let result: FixResult;
      try {
        result = pull.open ? await prepareAndPushFix(octokit, pull, depsFor(context.log)) : { kind: "refused", reason: "this pull request is closed." };
      } catch (error) {
        // Say so on the PR rather than leave the command unanswered; the error is logged by Probot.
        await reply(octokit, pull.repo, pull.number, describeFix({ kind: "refused", reason: `an error occurred: ${error instanceof Error ? error.message : String(error)}` }, sender));
        throw error;
      }
      await reply(octokit, pull.repo, pull.number, describeFix(result, sender));
      context.log.info({ pull: pull.number, fix: result.kind }, "specwarden fix");
    }

    try {
      addHandler(createHealthRoute(coordination.queue));
    } catch {
      // loaded without Probot's server (a worker process, or as middleware): no route to add
    }

    if (options.tracking !== false) {
      await registerTrackingIfPresent(app, {
        addHandler,
        readConfig: loadRepoConfig,
        coordination,
        workers: options.workers !== false,
        ...(options.concurrency?.track ? { trackConcurrency: options.concurrency.track } : {}),
      });
    }
  };
}

async function prepareAndPushFix(octokit: Octokit, pull: PullTarget & { headRef: string }, deps: CheckDeps): Promise<FixResult> {
  if (!pull.sameRepo) return { kind: "refused", reason: FORK_REFUSAL };
  let config;
  try {
    config = await loadRepoConfig(octokit, pull.repo);
  } catch (error) {
    if (error instanceof RepoConfigError) return { kind: "refused", reason: `the repository configuration is invalid (${error.message}).` };
    throw error;
  }
  const { head, result } = await reviewPull(octokit, deps, pull, config);
  const outcome = applyPolicy(result, config);
  if (!result.fix) {
    return { kind: "refused", reason: outcome.findings.length === 0 ? "there is nothing to fix on this commit." : "specwarden has no automatic fix for these findings." };
  }
  if (!result.fix.verified) {
    return { kind: "refused", reason: `the fix could not be verified by re-rendering${result.fix.note ? ` (${result.fix.note})` : ""}, so it is not committed automatically.` };
  }
  return pushFix(octokit, pull, result.fix.patch, head);
}

function describeFix(result: FixResult, sender: string): string {
  switch (result.kind) {
    case "committed":
      return `@${sender} the verified fix is committed to this branch as ${result.commitSha.slice(0, 7)}; specwarden checks it again now.`;
    case "pull-request":
      return `@${sender} this branch does not accept direct pushes, so the verified fix is in #${result.number} (branch \`${result.branch}\`) against it.`;
    case "refused":
      return `@${sender} specwarden did not commit a fix: ${inlineMarkdown(result.reason)}`;
  }
}

async function fetchPull(octokit: Octokit, repo: RepoRef, number: number): Promise<PullPayload> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { ...repo, pull_number: number });
  return data as PullPayload;
}

async function reply(octokit: Octokit, repo: RepoRef, issueNumber: number, body: string): Promise<void> {
  await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...repo, issue_number: issueNumber, body });
}

export interface TrackingRegistrationDeps {
  addHandler: Parameters<ApplicationFunction>[1]["addHandler"];
  /** the repo config reader; its `tracking` section belongs to the tracking module */
  readConfig: typeof loadRepoConfig;
  /** sweeps are jobs: the push handler and the cron route enqueue them */
  coordination?: Coordination;
  /** run sweep workers in this process */
  workers?: boolean;
  trackConcurrency?: number;
}

async function registerTrackingIfPresent(app: Probot, deps: TrackingRegistrationDeps): Promise<void> {
  const specifier = "./tracking/index.js";
  let mod: { registerTracking?: (app: Probot, deps: TrackingRegistrationDeps) => unknown };
  try {
    mod = (await import(specifier)) as typeof mod;
  } catch (error) {
    // Absent from this build: run without tracking. A missing import *inside* it is a real error.
    const missing = (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && /github[\\/]tracking[\\/]index\.(js|ts)/.test(String((error as Error).message));
    if (missing) return;
    throw error;
  }
  if (typeof mod.registerTracking === "function") await mod.registerTracking(app, deps);
}
