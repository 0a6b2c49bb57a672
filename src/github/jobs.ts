/**
 * The app's jobs: webhook handlers and the tracking route only enqueue; workers run the checks and
 * sweeps. A check's job id is `check:<owner/repo>#<pr>@<head sha>`, so a redelivery, or the same
 * delivery reaching a second replica, joins the job already there. A push to a newer head records it
 * as the pull request's newest head and cancels the older head's job; a check runs under the pull
 * request's lock and, before it publishes anything, proves it still holds that lock (fencing) and that
 * its head is still the newest — so two replicas can never both create a check run, a sticky comment
 * or a review, and an outdated head's result is never posted. Sweeps run under the repository's lock.
 */
import { RateLimitedError, WorkerClosingError, type Coordination, type Enqueued, type Fence, type JobContext, type JobHandler, type JobKind } from "../queue/types.js";
import type { CheckOutcome, LogSink, PullTarget } from "./check-pull-request.js";
import { SupersededError } from "./in-flight.js";
import { httpStatus, type Octokit, type RepoRef } from "./octokit.js";
import type { TrackingSummary } from "./tracking/track-repository.js";

export interface CheckJob {
  installationId: number;
  pull: PullTarget;
  force: boolean;
  deliveryId?: string;
}

export interface TrackJob {
  installationId?: number;
  repo: RepoRef;
  headSha?: string;
  defaultBranch?: string;
}

export const pullKey = (pull: Pick<PullTarget, "repo" | "number">): string => `${pull.repo.owner}/${pull.repo.repo}#${pull.number}`.toLowerCase();

/** `check:owner/repo#7@<sha>`; a forced recheck is its own job (`…!<delivery>`), never joined to a finished one. */
export function checkJobId(pull: Pick<PullTarget, "repo" | "number" | "headSha">, force?: { deliveryId: string }): string {
  return `check:${pullKey(pull)}@${pull.headSha}${force ? `!${force.deliveryId}` : ""}`;
}

/** The id of a check job: its head's, or for a forced recheck its own. */
export const checkJobIdOf = (job: CheckJob): string => checkJobId(job.pull, job.force && job.deliveryId ? { deliveryId: job.deliveryId } : undefined);

export const trackJobId = (repo: RepoRef, headSha?: string): string => `track:${repo.owner}/${repo.repo}@${headSha ?? "latest"}`.toLowerCase();

/**
 * Every write of a job goes through its octokit: a hook that proves, before each one, that the job
 * still holds its lock (fencing). A holder whose lock expired — a paused process — writes nothing
 * more once another holder took over.
 */
export function fenceWrites(octokit: Octokit, fence: () => Promise<void>): Octokit {
  octokit.hook.before("request", async (options: { method?: string }) => {
    const method = (options.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") await fence();
  });
  return octokit;
}

/** Records the newest head, cancels the older head's job, and enqueues (or joins) this head's. */
export async function enqueueCheck(coordination: Coordination, job: CheckJob): Promise<Enqueued> {
  const key = pullKey(job.pull);
  const previous = await coordination.heads.get(key);
  await coordination.heads.set(key, job.pull.headSha);
  if (previous && previous !== job.pull.headSha) await coordination.queue.cancel(checkJobId({ ...job.pull, headSha: previous }), `superseded by ${job.pull.headSha.slice(0, 7)}`);
  // a recheck takes over from the run of the same head in flight: that one's results are dropped
  if (job.force && job.deliveryId) await coordination.queue.cancel(checkJobId(job.pull), "superseded by a recheck");
  return coordination.queue.enqueue({ kind: "check", id: checkJobIdOf(job), data: job });
}

export async function enqueueTrack(coordination: Coordination, job: TrackJob): Promise<Enqueued> {
  // a sweep of "the latest head" (the cron route) runs again once finished; one of a pushed head is joined
  return coordination.queue.enqueue({ kind: "track", id: trackJobId(job.repo, job.headSha), data: job, ...(job.headSha ? {} : { joinFinished: false }) });
}

export interface CheckRunOptions {
  /** aborts with SupersededError (a newer head or a recheck) or WorkerClosingError (shutdown) */
  signal: AbortSignal;
  /** right before results are published: the lock is still held and the head is still the newest */
  beforePublish: () => Promise<void>;
  /** before every write: the lock is still held (see fenceWrites) */
  fence: () => Promise<void>;
  exclusive: boolean;
}

export type RunCheck = (job: CheckJob, options: CheckRunOptions) => Promise<CheckOutcome>;

/*
 * `exclusive`: with a shared (Redis) back end every replica takes the pull request's lock, so a check
 * run found in progress was left by a worker that died — take it over. Replicas that each run an
 * in-process queue share nothing, and a fresh in-progress run may be another replica's live one.
 */

/** The worker side of a check job: the pull request's lock, the newest-head test, then the check. */
export function checkJobHandler(coordination: Coordination, runCheck: RunCheck, options: { lockTtlMs?: number } = {}) {
  return async (job: CheckJob, context: JobContext): Promise<Pick<CheckOutcome, "status" | "conclusion" | "checkRunId" | "reason">> => {
    const key = pullKey(job.pull);
    return coordination.locks.withLock(
      `pull:${key}`,
      async (fence) => {
        const newest = await coordination.heads.get(key);
        if (newest && newest !== job.pull.headSha) return { status: "superseded", reason: `a newer head ${newest.slice(0, 7)} arrived` };
        // a cancelled job was superseded: by a newer head, or by a recheck of this one (which then owns
        // the check run); a worker that shuts down only interrupts it
        const controller = new AbortController();
        const onAbort = () => {
          const reason: unknown = context.signal.reason;
          if (reason instanceof WorkerClosingError) return controller.abort(reason);
          void coordination.heads.get(key).then(
            (h) => controller.abort(new SupersededError(h ?? job.pull.headSha)),
            () => controller.abort(new SupersededError(job.pull.headSha)),
          );
        };
        if (context.signal.aborted) onAbort();
        else context.signal.addEventListener("abort", onAbort, { once: true });
        const outcome = await runCheck(job, {
          signal: controller.signal,
          exclusive: coordination.queue.backend === "redis",
          fence: () => fence.assertHeld(),
          beforePublish: async () => {
            await fence.assertHeld();
            const latest = await coordination.heads.get(key);
            if (latest && latest !== job.pull.headSha) throw new SupersededError(latest);
          },
        });
        // what a job keeps in Redis is small: the outcome, never the review
        return { status: outcome.status, ...(outcome.conclusion ? { conclusion: outcome.conclusion } : {}), ...(outcome.checkRunId !== undefined ? { checkRunId: outcome.checkRunId } : {}), ...(outcome.reason ? { reason: outcome.reason } : {}) };
      },
      { ...(options.lockTtlMs ? { ttlMs: options.lockTtlMs } : {}) },
    );
  };
}

export type RunTrack = (job: TrackJob, options: { fence: Fence; signal: AbortSignal }) => Promise<TrackingSummary>;

/** The worker side of a sweep: one sweep per repository at a time, across every worker; its writes fenced. */
export function trackJobHandler(coordination: Coordination, runTrack: RunTrack, options: { lockTtlMs?: number } = {}) {
  return async (job: TrackJob, context: JobContext): Promise<TrackingSummary> =>
    coordination.locks.withLock(`track:${job.repo.owner}/${job.repo.repo}`.toLowerCase(), (fence) => runTrack(job, { fence, signal: context.signal }), {
      ...(options.lockTtlMs ? { ttlMs: options.lockTtlMs } : {}),
    });
}

/** A job's outcome in the log, with its id, attempt, duration and the delivery that asked for it. */
export function logged<T>(log: { child(bindings: object): LogSink }, kind: JobKind, handler: JobHandler<T>): JobHandler<T> {
  return async (data, context) => {
    const deliveryId = (data as { deliveryId?: unknown } | undefined)?.deliveryId;
    const jobLog = log.child({ jobId: context.id, attempt: context.attempt, ...(typeof deliveryId === "string" ? { deliveryId } : {}) });
    const started = Date.now();
    try {
      const result = await handler(data, context);
      jobLog.info({ kind, ms: Date.now() - started }, "specwarden job done");
      return result;
    } catch (error) {
      jobLog.warn({ kind, ms: Date.now() - started, err: error }, "specwarden job failed");
      throw error;
    }
  };
}

/**
 * GitHub's answer to a rate limit (403 or 429 with retry-after, an exhausted primary limit, or the
 * secondary-limit message) as the queue's RateLimitedError: the job goes back to its queue without
 * using an attempt, and no job of its kind starts, on any worker, before GitHub's wait is over.
 */
export function rateLimitedBy(error: unknown, now = Date.now()): RateLimitedError | undefined {
  const status = httpStatus(error);
  if (status !== 403 && status !== 429) return undefined;
  const headers = (error as { response?: { headers?: Record<string, string | number | undefined> } }).response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return new RateLimitedError(retryAfter * 1000, `GitHub asked to retry after ${retryAfter} s`);
  const reset = Number(headers["x-ratelimit-reset"]);
  if (String(headers["x-ratelimit-remaining"]) === "0" && Number.isFinite(reset)) {
    return new RateLimitedError(Math.max(1000, reset * 1000 - now), "GitHub's rate limit is used up until its reset");
  }
  const message = error instanceof Error ? error.message : String(error);
  // GitHub's advice for a secondary limit without retry-after: wait at least a minute
  if (/secondary rate limit/i.test(message)) return new RateLimitedError(60_000, "GitHub's secondary rate limit");
  return undefined;
}
