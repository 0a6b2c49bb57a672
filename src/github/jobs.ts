/**
 * The app's jobs: webhook handlers and the tracking route only enqueue; workers run the checks and
 * sweeps. A check's job id is `check:<owner/repo>#<pr>@<head sha>`, so a redelivery, or the same
 * delivery reaching a second replica, joins the job already there. A push to a newer head records it
 * as the pull request's newest head and cancels the older head's job; a check runs under the pull
 * request's lock and, before it publishes anything, proves it still holds that lock (fencing) and that
 * its head is still the newest — so two replicas can never both create a check run, a sticky comment
 * or a review, and an outdated head's result is never posted. Sweeps run under the repository's lock.
 */
import type { Coordination, Enqueued, JobContext } from "../queue/types.js";
import type { CheckOutcome, PullTarget } from "./check-pull-request.js";
import { SupersededError } from "./in-flight.js";
import type { RepoRef } from "./octokit.js";
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

export const trackJobId = (repo: RepoRef, headSha?: string): string => `track:${repo.owner}/${repo.repo}@${headSha ?? "latest"}`.toLowerCase();

/** Records the newest head, cancels the older head's job, and enqueues (or joins) this head's. */
export async function enqueueCheck(coordination: Coordination, job: CheckJob): Promise<Enqueued> {
  const key = pullKey(job.pull);
  const previous = await coordination.heads.get(key);
  await coordination.heads.set(key, job.pull.headSha);
  if (previous && previous !== job.pull.headSha) await coordination.queue.cancel(checkJobId({ ...job.pull, headSha: previous }), `superseded by ${job.pull.headSha.slice(0, 7)}`);
  const force = job.force && job.deliveryId ? { deliveryId: job.deliveryId } : undefined;
  // a recheck takes over from the run of the same head in flight: that one's results are dropped
  if (force) await coordination.queue.cancel(checkJobId(job.pull), "superseded by a recheck");
  return coordination.queue.enqueue({ kind: "check", id: checkJobId(job.pull, force), data: job });
}

export async function enqueueTrack(coordination: Coordination, job: TrackJob): Promise<Enqueued> {
  return coordination.queue.enqueue({ kind: "track", id: trackJobId(job.repo, job.headSha), data: job });
}

export type RunCheck = (job: CheckJob, options: { signal: AbortSignal; beforePublish: () => Promise<void>; exclusive: boolean }) => Promise<CheckOutcome>;

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
        // a cancelled job was superseded: by a newer head, or by a recheck of this one (which then owns the check run)
        const controller = new AbortController();
        const onAbort = () => void coordination.heads.get(key).then((h) => controller.abort(new SupersededError(h ?? job.pull.headSha)), () => controller.abort(new SupersededError(job.pull.headSha)));
        if (context.signal.aborted) onAbort();
        else context.signal.addEventListener("abort", onAbort, { once: true });
        const outcome = await runCheck(job, {
          signal: controller.signal,
          exclusive: coordination.queue.backend === "redis",
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

export type RunTrack = (job: TrackJob) => Promise<TrackingSummary>;

/** The worker side of a sweep: one sweep per repository at a time, across every worker. */
export function trackJobHandler(coordination: Coordination, runTrack: RunTrack, options: { lockTtlMs?: number } = {}) {
  return async (job: TrackJob): Promise<TrackingSummary> =>
    coordination.locks.withLock(`track:${job.repo.owner}/${job.repo.repo}`.toLowerCase(), () => runTrack(job), { ...(options.lockTtlMs ? { ttlMs: options.lockTtlMs } : {}) });
}
