/**
 * One job model for the app, two back ends: an in-process queue (the default: `npm start` on one
 * machine needs nothing else) and BullMQ on Redis (with `REDIS_URL`: several app replicas and worker
 * processes share the queues). Both give the same semantics: a job id deduplicates (a redelivery or a
 * second replica's delivery joins the job already there), each kind runs with bounded concurrency, a
 * job can be cancelled (its handler's signal aborts), and failed attempts are retried with backoff.
 */

/**
 * `check`: review one pull request head; `track`: a tracking sweep of one repository; `verify`: one
 * batch of the components a distro-wide change reaches (a child of a fan-out); `aggregate`: the
 * parent that gathers a fan-out's batches into the one check run.
 */
export type JobKind = "check" | "track" | "verify" | "aggregate";
export const JOB_KINDS: readonly JobKind[] = ["check", "track", "verify", "aggregate"];

export interface JobSpec<T> {
  kind: JobKind;
  /** the deduplication key, e.g. `check:owner/repo#7@<head sha>` */
  id: string;
  data: T;
  /** attempts in all (default 3); retries back off exponentially */
  attempts?: number;
  /**
   * Whether a finished job keeps its id for a while (an hour), so that a late redelivery joins its
   * result instead of running again (default true). False for jobs whose id names "the latest"
   * of something, such as a scheduled sweep: once finished, the same id runs again.
   */
  joinFinished?: boolean;
}

/**
 * Thrown by a handler when the service it calls asks to wait (GitHub's secondary limits): the job
 * goes back to the queue without using an attempt, and no job of its kind starts anywhere for
 * `retryAfterMs` (BullMQ's queue rate limit; in process, a pause of that kind).
 */
export class RateLimitedError extends Error {
  constructor(
    readonly retryAfterMs: number,
    message = `rate limited for ${retryAfterMs} ms`,
  ) {
    super(message);
    this.name = "RateLimitedError";
  }
}

export interface JobContext {
  id: string;
  /** 1 for the first attempt */
  attempt: number;
  /** aborts when the job is cancelled (a newer head) or the worker shuts down */
  signal: AbortSignal;
  /** a flow's parent: its children's results, and the ids of the children that failed for good */
  children(): Promise<{ results: unknown[]; failed: string[] }>;
}

export type JobHandler<T = unknown> = (data: T, context: JobContext) => Promise<unknown>;

export interface WorkOptions {
  concurrency: number;
  /** at most `max` jobs of this kind start per `durationMs` across every worker (BullMQ's limiter) */
  limiter?: { max: number; durationMs: number };
}

export interface Enqueued {
  id: string;
  /** false when a job with this id already existed and this call joined it */
  created: boolean;
  /** settles when the job has finished (completed: its result; failed for good: its error) */
  finished(): Promise<unknown>;
}

export interface CloseOptions {
  graceful?: boolean;
  timeoutMs?: number;
}

/**
 * A running job's signal aborts with this reason when its worker shuts down (not when the job is
 * cancelled): the job's work is not superseded, only interrupted. `handedBack`: the job returns to
 * the queue and another worker runs it again (Redis); in process nobody will.
 */
export class WorkerClosingError extends Error {
  constructor(readonly handedBack: boolean) {
    super(handedBack ? "the worker is shutting down; the job goes back to the queue" : "the worker is shutting down");
    this.name = "WorkerClosingError";
  }
}

/** A job's signal aborts with this reason when the job is cancelled (a newer head, a recheck). */
export class JobCancelledError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "JobCancelledError";
  }
}

export interface QueueDepth {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface JobQueue {
  readonly backend: "in-process" | "redis";
  enqueue<T>(spec: JobSpec<T>): Promise<Enqueued>;
  /**
   * A fan-out: the children run (retried with backoff; one that fails for good does not hold the
   * parent back), then the parent, which reads their results. Returns the parent.
   */
  enqueueFlow<P, C>(flow: { parent: JobSpec<P>; children: JobSpec<C>[] }): Promise<Enqueued>;
  /** runs jobs of `kind` in this process */
  work<T>(kind: JobKind, handler: JobHandler<T>, options: WorkOptions): void;
  /** cancels a waiting job, or aborts a running one wherever it runs; true when there was one */
  cancel(id: string, reason?: string): Promise<boolean>;
  depths(): Promise<Record<JobKind, QueueDepth>>;
  /** age in ms of the oldest job still waiting, per kind */
  oldestWaitingMs(): Promise<Partial<Record<JobKind, number>>>;
  /** the back end answers (Redis PING) */
  ping(): Promise<boolean>;
  /** resolves once no job waits, runs, backs off or waits for its children (tests, shutdown, benches) */
  drained(options?: { timeoutMs?: number }): Promise<void>;
  /**
   * Stops taking jobs. `graceful`: running jobs finish first — for at most `timeoutMs`, after which
   * they are aborted with a WorkerClosingError and, on Redis, handed back to the queue for another
   * worker. Not graceful: they are aborted at once.
   */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * A lock per key across processes, with a fencing token: the token grows with every acquisition, so
 * a holder whose lock expired (a paused process) can tell before it writes that someone else holds it.
 */
export interface KeyedLock {
  withLock<T>(key: string, fn: (fence: Fence) => Promise<T>, options?: { ttlMs?: number; waitMs?: number }): Promise<T>;
}

export interface Fence {
  readonly token: number;
  /** throws LockLostError when the lock is no longer held with this token */
  assertHeld(): Promise<void>;
}

export class LockLostError extends Error {
  constructor(key: string) {
    super(`the lock on ${key} was lost (expired and taken by another holder)`);
    this.name = "LockLostError";
  }
}

export class LockTimeoutError extends Error {
  constructor(key: string, waitMs: number) {
    super(`the lock on ${key} was not free within ${waitMs} ms`);
    this.name = "LockTimeoutError";
  }
}

/** The newest head seen per pull request, shared by every replica. */
export interface LatestHeads {
  set(pull: string, headSha: string): Promise<void>;
  get(pull: string): Promise<string | undefined>;
}

/** Small shared counters and rate gates (fan-out progress, bounded-rate updates). */
export interface Counters {
  incrBy(key: string, by: number): Promise<number>;
  /** true for the first caller in every `ttlMs` window: who may update a progress display now */
  claim(key: string, ttlMs: number): Promise<boolean>;
}

export interface WindowLimit {
  max: number;
  windowMs: number;
}

/**
 * Sliding-window rate limits shared by every process of the back end (GitHub's content-creation
 * limits hold per account, whichever replica or worker writes).
 */
export interface RateLimits {
  /** takes one slot under every limit at once, or says how long to wait before asking again */
  tryTake(key: string, limits: readonly WindowLimit[]): Promise<{ granted: true } | { granted: false; retryInMs: number }>;
}

/** Everything the app needs to run past one process. */
export interface Coordination {
  queue: JobQueue;
  locks: KeyedLock;
  heads: LatestHeads;
  counters: Counters;
  rates: RateLimits;
  /** where the back end reports connection and worker errors (they never stop a worker) */
  setLog?(log: { warn(obj: object, msg?: string): void }): void;
  close(options?: CloseOptions): Promise<void>;
}
