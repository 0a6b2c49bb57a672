/**
 * The Redis back end: BullMQ queues and workers (job ids for deduplication, retries with exponential
 * backoff, stalled-job recovery when a worker dies, flows, rate limits), a Redis lock per key with a
 * fencing token, the newest-head registry, sliding-window rate limits, and cancellation of a running
 * job in whichever process runs it (a pub/sub message every worker listens to). Every key lives under
 * one prefix, so several deployments (or test runs) can share a Redis.
 */
import { randomUUID } from "node:crypto";
import { FlowProducer, Queue, QueueEvents, WaitingError, Worker, type Job, type JobsOptions } from "bullmq";
import { Redis } from "ioredis";
import {
  JOB_KINDS,
  JobCancelledError,
  LockLostError,
  LockTimeoutError,
  RateLimitedError,
  WorkerClosingError,
  type CloseOptions,
  type Coordination,
  type Counters,
  type Enqueued,
  type Fence,
  type JobHandler,
  type JobKind,
  type JobQueue,
  type JobSpec,
  type KeyedLock,
  type LatestHeads,
  type QueueDepth,
  type RateLimits,
  type WindowLimit,
  type WorkOptions,
} from "./types.js";

export interface QueueLog {
  warn(obj: object, msg?: string): void;
}

export interface RedisCoordinationOptions {
  url: string;
  /** key prefix of everything this deployment stores (default "specwarden"); no ':' */
  prefix?: string;
  /** a worker that stops renewing its job lock for this long is presumed dead (default 30 s) */
  lockDurationMs?: number;
  /** how often workers look for jobs of dead workers (default 30 s) */
  stalledIntervalMs?: number;
  /** first retry delay of a failed attempt, doubled on every further one (default 1 s) */
  backoffMs?: number;
  /** where connection and worker errors go (they never stop a worker) */
  log?: QueueLog;
}

interface Payload<T = unknown> {
  /** the logical job id (`check:owner/repo#7@sha`): BullMQ ids may not hold `:` */
  id: string;
  nonce: string;
  data: T;
}

/** BullMQ refuses ids with one `:`; the logical id maps one-to-one onto one without. */
export const bullJobId = (id: string): string => id.replace(/\|/g, "||").replace(/:/g, "|");
const logicalJobId = (bullId: string): string => bullId.replace(/\|\||\|/g, (m) => (m === "||" ? "|" : ":"));

/** Finished jobs keep their ids this long (seconds): a late redelivery joins instead of running again. */
const KEEP_COMPLETED_S = 3600;

class BullMqQueue implements JobQueue {
  readonly backend = "redis" as const;
  readonly #queues = new Map<JobKind, Queue>();
  readonly #events = new Map<JobKind, QueueEvents>();
  readonly #workers: Worker[] = [];
  /** the signals of the jobs running in this process, to abort them on shutdown */
  readonly #running = new Set<AbortController>();
  /** connections made for BullMQ's workers and event streams: BullMQ leaves connections it did not create open */
  readonly #owned: Redis[] = [];
  #subscriber: Redis | undefined;
  #flows: FlowProducer | undefined;

  constructor(
    readonly connection: Redis,
    readonly prefix: string,
    readonly options: RedisCoordinationOptions,
  ) {
    for (const kind of JOB_KINDS) this.#queues.set(kind, new Queue(kind, { connection, prefix }));
  }

  #own(connection: Redis): Redis {
    this.#owned.push(connection);
    connection.on("error", (error: unknown) => this.options.log?.warn({ err: error }, "redis connection error"));
    return connection;
  }

  #queue(kind: JobKind): Queue {
    return this.#queues.get(kind) as Queue;
  }

  async #queueEvents(kind: JobKind): Promise<QueueEvents> {
    let events = this.#events.get(kind);
    if (!events) {
      events = new QueueEvents(kind, { connection: this.#own(this.connection.duplicate()), prefix: this.prefix });
      this.#events.set(kind, events);
    }
    await events.waitUntilReady();
    return events;
  }

  #jobOptions(spec: JobSpec<unknown>): JobsOptions {
    return {
      jobId: bullJobId(spec.id),
      attempts: spec.attempts ?? 3,
      backoff: { type: "exponential", delay: this.options.backoffMs ?? 1000 },
      removeOnComplete: { age: KEEP_COMPLETED_S, count: 10_000 },
      removeOnFail: { age: 24 * 3600, count: 10_000 },
    };
  }

  #enqueued(kind: JobKind, id: string, created: boolean): Enqueued {
    const jobId = bullJobId(id);
    return {
      id,
      created,
      finished: async () => {
        const events = await this.#queueEvents(kind);
        const job = await this.#queue(kind).getJob(jobId);
        return job ? job.waitUntilFinished(events) : undefined;
      },
    };
  }

  /**
   * The job already stored under this id, unless it is one a new enqueue replaces: a job that failed
   * for good (its id is free again, as in process), or a finished one that asked not to be joined.
   */
  async #existing(spec: JobSpec<unknown>): Promise<Job | undefined> {
    const job = await this.#queue(spec.kind).getJob(bullJobId(spec.id));
    if (!job) return undefined;
    const state = await job.getState();
    const replace = state === "failed" || (state === "completed" && spec.joinFinished === false);
    if (!replace) return job;
    await job.remove().catch(() => undefined);
    return undefined;
  }

  async enqueue<T>(spec: JobSpec<T>): Promise<Enqueued> {
    const queue = this.#queue(spec.kind);
    const nonce = randomUUID();
    // subscribe before adding, so that a caller waiting for the result cannot miss its completion
    await this.#queueEvents(spec.kind);
    if (await this.#existing(spec as JobSpec<unknown>)) return this.#enqueued(spec.kind, spec.id, false);
    // adding an id that exists is a no-op in BullMQ; the stored nonce tells whose add created it
    await queue.add(spec.kind, { id: spec.id, nonce, data: spec.data } satisfies Payload<T>, this.#jobOptions(spec as JobSpec<unknown>));
    const stored = await queue.getJob(bullJobId(spec.id));
    return this.#enqueued(spec.kind, spec.id, (stored?.data as Payload | undefined)?.nonce === nonce);
  }

  async enqueueFlow<P, C>(flow: { parent: JobSpec<P>; children: JobSpec<C>[] }): Promise<Enqueued> {
    const { parent } = flow;
    await this.#queueEvents(parent.kind);
    if (await this.#existing(parent as JobSpec<unknown>)) return this.#enqueued(parent.kind, parent.id, false);
    this.#flows ??= new FlowProducer({ connection: this.connection, prefix: this.prefix });
    const nonce = randomUUID();
    await this.#flows.add({
      name: parent.kind,
      queueName: parent.kind,
      data: { id: parent.id, nonce, data: parent.data } satisfies Payload<P>,
      opts: this.#jobOptions(parent as JobSpec<unknown>),
      children: flow.children.map((c) => ({
        name: c.kind,
        queueName: c.kind,
        data: { id: c.id, nonce, data: c.data } satisfies Payload<C>,
        // a child that fails for good does not hold the parent back; the parent learns which one failed
        opts: { ...this.#jobOptions(c as JobSpec<unknown>), ignoreDependencyOnFailure: true },
      })),
    });
    const stored = await this.#queue(parent.kind).getJob(bullJobId(parent.id));
    return this.#enqueued(parent.kind, parent.id, (stored?.data as Payload | undefined)?.nonce === nonce);
  }

  work<T>(kind: JobKind, handler: JobHandler<T>, options: WorkOptions): void {
    const queue = this.#queue(kind);
    const processor = async (job: Job, token?: string, bullSignal?: AbortSignal) => {
      const payload = job.data as Payload<T>;
      // our own signal: its reason says whether the job was cancelled or its worker is shutting down
      const controller = new AbortController();
      const onCancel = () => controller.abort(new JobCancelledError(typeof bullSignal?.reason === "string" ? bullSignal.reason : "cancelled"));
      if (bullSignal?.aborted) onCancel();
      else bullSignal?.addEventListener("abort", onCancel, { once: true });
      this.#running.add(controller);
      try {
        return await handler(payload.data, {
          id: payload.id,
          attempt: job.attemptsMade + 1,
          signal: controller.signal,
          children: async () => {
            const values = await job.getChildrenValues();
            const ignored = await job.getIgnoredChildrenFailures();
            // keys are `<prefix>:<queue>:<bull id>`; neither prefix nor queue holds a ':'
            const logical = (key: string) => logicalJobId(key.slice(key.indexOf(":", key.indexOf(":") + 1) + 1));
            return { results: Object.values(values), failed: Object.keys(ignored).map(logical) };
          },
        });
      } catch (error) {
        if (error instanceof RateLimitedError && !controller.signal.aborted) {
          // back to the queue without using an attempt; no worker of this kind starts a job meanwhile
          await queue.rateLimit(error.retryAfterMs);
          throw Worker.RateLimitError();
        }
        if (controller.signal.reason instanceof WorkerClosingError && token) {
          // handed back: another worker runs it again, and it costs no attempt
          await job.moveToWait(token);
          throw new WaitingError();
        }
        throw error;
      } finally {
        bullSignal?.removeEventListener("abort", onCancel);
        this.#running.delete(controller);
      }
    };
    const worker = new Worker(kind, processor, {
      connection: this.#own(this.connection.duplicate({ maxRetriesPerRequest: null })),
      prefix: this.prefix,
      concurrency: options.concurrency,
      ...(options.limiter ? { limiter: { max: options.limiter.max, duration: options.limiter.durationMs } } : {}),
      lockDuration: this.options.lockDurationMs ?? 30_000,
      stalledInterval: this.options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 2,
    });
    // a job's failure is the job's outcome (retried, then failed); the worker itself keeps running
    worker.on("error", (error) => this.options.log?.warn({ err: error, queue: kind }, "queue worker error"));
    this.#workers.push(worker);
    this.#listenForCancel();
  }

  #listenForCancel(): void {
    if (this.#subscriber) return;
    const subscriber = this.#own(this.connection.duplicate());
    this.#subscriber = subscriber;
    void subscriber.subscribe(`${this.prefix}:cancel`).catch((error: unknown) => this.options.log?.warn({ err: error }, "cannot listen for cancelled jobs"));
    subscriber.on("message", (_channel: string, message: string) => {
      const { jobId, reason } = JSON.parse(message) as { jobId: string; reason: string };
      for (const worker of this.#workers) worker.cancelJob(jobId, reason);
    });
  }

  async cancel(id: string, reason = "cancelled"): Promise<boolean> {
    const jobId = bullJobId(id);
    for (const kind of JOB_KINDS) {
      const job = await this.#queue(kind).getJob(jobId);
      if (!job) continue;
      const state = await job.getState();
      if (state === "waiting" || state === "delayed" || state === "prioritized" || state === "waiting-children") {
        await job.remove().catch(() => undefined);
        return true;
      }
      if (state === "active") {
        // whichever worker runs it aborts its signal (a worker that misses this still meets the newest-head test)
        await this.connection.publish(`${this.prefix}:cancel`, JSON.stringify({ jobId, reason }));
        return true;
      }
      return false;
    }
    return false;
  }

  async depths(): Promise<Record<JobKind, QueueDepth>> {
    const out = {} as Record<JobKind, QueueDepth>;
    for (const kind of JOB_KINDS) {
      const c = await this.#queue(kind).getJobCounts("waiting", "prioritized", "active", "delayed", "failed");
      out[kind] = { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
    }
    return out;
  }

  async oldestWaitingMs(): Promise<Partial<Record<JobKind, number>>> {
    const out: Partial<Record<JobKind, number>> = {};
    for (const kind of JOB_KINDS) {
      // BullMQ pushes new jobs on the left: the oldest waiting one is at the end of the list
      const [oldest] = await this.#queue(kind).getWaiting(-1, -1);
      if (oldest) out[kind] = Date.now() - oldest.timestamp;
    }
    return out;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.connection.ping()) === "PONG";
    } catch {
      return false;
    }
  }

  async drained(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    for (;;) {
      let busy = 0;
      for (const kind of JOB_KINDS) {
        const c = await this.#queue(kind).getJobCounts("waiting", "prioritized", "active", "delayed", "waiting-children");
        busy += Object.values(c).reduce((a, b) => a + b, 0);
      }
      if (busy === 0) return;
      if (Date.now() > deadline) throw new Error(`jobs still running after ${options.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  #abortRunning(): void {
    for (const controller of this.#running) controller.abort(new WorkerClosingError(true));
  }

  async close(options: CloseOptions = {}): Promise<void> {
    if (!options.graceful) this.#abortRunning();
    const closing = Promise.allSettled(this.#workers.map((w) => w.close(!options.graceful)));
    if (options.graceful && options.timeoutMs !== undefined) {
      // past the deadline running jobs are handed back; a job that does not stop on its signal is left
      // to the stalled-job check of another worker once its lock expires
      const timer = setTimeout(() => this.#abortRunning(), options.timeoutMs);
      const giveUp = new Promise((r) => setTimeout(r, options.timeoutMs! + 5_000).unref());
      await Promise.race([closing, giveUp]);
      clearTimeout(timer);
    } else await closing;
    await Promise.allSettled([...this.#events.values()].map((e) => e.close()));
    await Promise.allSettled([...this.#queues.values()].map((q) => q.close()));
    await this.#flows?.close().catch(() => undefined);
    await Promise.allSettled(this.#owned.map((c) => c.quit()));
  }
}

const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

class RedisLocks implements KeyedLock {
  constructor(
    readonly redis: Redis,
    readonly prefix: string,
  ) {}

  async withLock<T>(key: string, fn: (fence: Fence) => Promise<T>, options: { ttlMs?: number; waitMs?: number } = {}): Promise<T> {
    const ttlMs = options.ttlMs ?? 60_000;
    const waitMs = options.waitMs ?? 10 * 60_000;
    const lockKey = `${this.prefix}:lock:${key}`;
    const deadline = Date.now() + waitMs;
    const held = randomUUID();
    while ((await this.redis.set(lockKey, held, "PX", ttlMs, "NX")) !== "OK") {
      if (Date.now() > deadline) throw new LockTimeoutError(key, waitMs);
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
    }
    // the fencing token grows with every acquisition: a later holder always has a larger one
    const token = await this.redis.incr(`${this.prefix}:fence:${key}`);
    // keep the lock while the work runs; a process that dies stops renewing and the lock expires
    const renew = setInterval(() => void this.redis.eval(RENEW, 1, lockKey, held, ttlMs).catch(() => undefined), Math.max(50, ttlMs / 3));
    renew.unref();
    const fence: Fence = {
      token,
      assertHeld: async () => {
        if ((await this.redis.get(lockKey)) !== held) throw new LockLostError(key);
      },
    };
    try {
      return await fn(fence);
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, lockKey, held).catch(() => undefined);
    }
  }
}

class RedisCounters implements Counters {
  constructor(
    readonly redis: Redis,
    readonly prefix: string,
  ) {}
  async incrBy(key: string, by: number): Promise<number> {
    const full = `${this.prefix}:count:${key}`;
    const value = await this.redis.incrby(full, by);
    await this.redis.expire(full, 7 * 24 * 3600);
    return value;
  }
  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:claim:${key}`, "1", "PX", ttlMs, "NX")) === "OK";
  }
}

class RedisHeads implements LatestHeads {
  constructor(
    readonly redis: Redis,
    readonly prefix: string,
  ) {}
  async set(pull: string, headSha: string): Promise<void> {
    await this.redis.set(`${this.prefix}:head:${pull}`, headSha, "EX", 7 * 24 * 3600);
  }
  async get(pull: string): Promise<string | undefined> {
    return (await this.redis.get(`${this.prefix}:head:${pull}`)) ?? undefined;
  }
}

/**
 * One sorted set of grant times per key, all windows checked and the grant recorded in one script,
 * on Redis's clock: every process of every host sees the same windows.
 */
const TAKE = `
local t = redis.call("time")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local longest = 0
local wait = 0
for i = 2, #ARGV, 2 do
  local max = tonumber(ARGV[i])
  local window = tonumber(ARGV[i + 1])
  if window > longest then longest = window end
  if redis.call("zcount", KEYS[1], "(" .. (now - window), "+inf") >= max then
    local nth = redis.call("zrevrangebyscore", KEYS[1], "+inf", "(" .. (now - window), "WITHSCORES", "LIMIT", max - 1, 1)
    local free = tonumber(nth[2]) + window - now
    if free > wait then wait = free end
  end
end
redis.call("zremrangebyscore", KEYS[1], "-inf", now - longest)
if wait > 0 then return wait end
redis.call("zadd", KEYS[1], now, ARGV[1])
redis.call("pexpire", KEYS[1], longest)
return 0`;

class RedisRates implements RateLimits {
  constructor(
    readonly redis: Redis,
    readonly prefix: string,
  ) {}
  async tryTake(key: string, limits: readonly WindowLimit[]): Promise<{ granted: true } | { granted: false; retryInMs: number }> {
    const args = limits.flatMap((l) => [String(l.max), String(l.windowMs)]);
    const wait = Number(await this.redis.eval(TAKE, 1, `${this.prefix}:rate:${key}`, randomUUID(), ...args));
    return wait > 0 ? { granted: false, retryInMs: wait } : { granted: true };
  }
}

/** Whether a Redis answers PING at `url` within `timeoutMs`; never retries and never throws. */
export async function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export function redisCoordination(options: RedisCoordinationOptions): Coordination {
  const prefix = options.prefix ?? "specwarden";
  if (prefix.includes(":")) throw new Error(`the queue prefix may not contain ':' (got ${JSON.stringify(prefix)})`);
  const connection = new Redis(options.url, { maxRetriesPerRequest: null, connectionName: `${prefix}-app` });
  // one sink for every connection's errors, replaceable once the app's logger exists
  let sink = options.log;
  const log: QueueLog = { warn: (obj, msg) => sink?.warn(obj, msg) };
  connection.on("error", (error: unknown) => log.warn({ err: error }, "redis connection error"));
  const queue = new BullMqQueue(connection, prefix, { ...options, log });
  return {
    setLog: (next) => {
      sink = next;
    },
    queue,
    locks: new RedisLocks(connection, prefix),
    heads: new RedisHeads(connection, prefix),
    counters: new RedisCounters(connection, prefix),
    rates: new RedisRates(connection, prefix),
    close: async (closeOptions) => {
      await queue.close(closeOptions);
      await connection.quit().catch(() => undefined);
    },
  };
}
