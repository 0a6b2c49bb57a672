/**
 * The Redis back end: BullMQ queues and workers (job ids for deduplication, retries with exponential
 * backoff, stalled-job recovery when a worker dies, rate limiters), a Redis lock per key with a
 * fencing token, the newest-head registry, and cancellation of a running job in whichever process
 * runs it (a pub/sub message every worker listens to). Every key lives under one prefix, so several
 * deployments (or test runs) can share a Redis.
 */
import { randomUUID } from "node:crypto";
import { FlowProducer, Queue, QueueEvents, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { JOB_KINDS, LockLostError, LockTimeoutError, type Counters, type Coordination, type Enqueued, type Fence, type JobHandler, type JobKind, type JobQueue, type JobSpec, type KeyedLock, type LatestHeads, type QueueDepth, type WorkOptions } from "./types.js";

export interface RedisCoordinationOptions {
  url: string;
  /** key prefix of everything this deployment stores (default "specwarden") */
  prefix?: string;
  /** a worker that stops renewing its job lock for this long is presumed dead (default 30 s) */
  lockDurationMs?: number;
  /** how often workers look for jobs of dead workers (default 30 s) */
  stalledIntervalMs?: number;
}

interface Payload<T = unknown> {
  /** the logical job id (`check:owner/repo#7@sha`): BullMQ ids may not hold `:` */
  id: string;
  nonce: string;
  data: T;
}

/** BullMQ refuses ids with one `:`; the logical id maps one-to-one onto one without. */
export const bullJobId = (id: string): string => id.replace(/\|/g, "||").replace(/:/g, "|");

class BullMqQueue implements JobQueue {
  readonly backend = "redis" as const;
  readonly #queues = new Map<JobKind, Queue>();
  readonly #events = new Map<JobKind, QueueEvents>();
  readonly #workers: Worker[] = [];
  /** connections made for BullMQ's workers and event streams: BullMQ leaves connections it did not create open */
  readonly #owned: Redis[] = [];
  #subscriber: Redis | undefined;

  constructor(
    readonly connection: Redis,
    readonly prefix: string,
    readonly options: RedisCoordinationOptions,
  ) {
    for (const kind of JOB_KINDS) this.#queues.set(kind, new Queue(kind, { connection, prefix }));
  }

  #own(connection: Redis): Redis {
    this.#owned.push(connection);
    return connection;
  }

  #queue(kind: JobKind): Queue {
    return this.#queues.get(kind) as Queue;
  }

  #queueEvents(kind: JobKind): QueueEvents {
    let events = this.#events.get(kind);
    if (!events) {
      events = new QueueEvents(kind, { connection: this.#own(this.connection.duplicate()), prefix: this.prefix });
      this.#events.set(kind, events);
    }
    return events;
  }

  #jobOptions(spec: JobSpec<unknown>) {
    return {
      jobId: bullJobId(spec.id),
      attempts: spec.attempts ?? 3,
      backoff: { type: "exponential" as const, delay: 1000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600, count: 10_000 },
    };
  }

  async enqueueFlow<P, C>(flow: { parent: JobSpec<P>; children: JobSpec<C>[] }): Promise<Enqueued> {
    const producer = new FlowProducer({ connection: this.connection, prefix: this.prefix });
    const nonce = randomUUID();
    try {
      await producer.add({
        name: flow.parent.kind,
        queueName: flow.parent.kind,
        data: { id: flow.parent.id, nonce, data: flow.parent.data } satisfies Payload<P>,
        opts: this.#jobOptions(flow.parent as JobSpec<unknown>),
        children: flow.children.map((c) => ({
          name: c.kind,
          queueName: c.kind,
          data: { id: c.id, nonce, data: c.data } satisfies Payload<C>,
          // a child that fails for good leaves its components unverified; the parent still runs
          opts: { ...this.#jobOptions(c as JobSpec<unknown>), ignoreDependencyOnFailure: true },
        })),
      });
    } finally {
      await producer.close();
    }
    const queue = this.#queue(flow.parent.kind);
    const jobId = bullJobId(flow.parent.id);
    const stored = await queue.getJob(jobId);
    const events = this.#queueEvents(flow.parent.kind);
    await events.waitUntilReady();
    return {
      id: flow.parent.id,
      created: (stored?.data as Payload | undefined)?.nonce === nonce,
      finished: async () => {
        const job = await queue.getJob(jobId);
        return job ? job.waitUntilFinished(events) : undefined;
      },
    };
  }

  async enqueue<T>(spec: JobSpec<T>): Promise<Enqueued> {
    const queue = this.#queue(spec.kind);
    const jobId = bullJobId(spec.id);
    const nonce = randomUUID();
    const events = this.#queueEvents(spec.kind);
    await events.waitUntilReady();
    await queue.add(spec.kind, { id: spec.id, nonce, data: spec.data } satisfies Payload<T>, {
      jobId,
      attempts: spec.attempts ?? 3,
      backoff: { type: "exponential", delay: 1000 },
      // finished jobs stay a while: a late redelivery of the same head joins instead of running again
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600, count: 10_000 },
    });
    // adding an id that exists is a no-op in BullMQ; the stored nonce tells who created it
    const stored = await queue.getJob(jobId);
    const created = (stored?.data as Payload | undefined)?.nonce === nonce;
    return {
      id: spec.id,
      created,
      finished: async () => {
        const job = await queue.getJob(jobId);
        if (!job) return undefined;
        return job.waitUntilFinished(events);
      },
    };
  }

  work<T>(kind: JobKind, handler: JobHandler<T>, options: WorkOptions): void {
    const worker = new Worker(
      kind,
      async (job: Job, _token?: string, signal?: AbortSignal) => {
        const payload = job.data as Payload<T>;
        return handler(payload.data, {
          id: payload.id,
          attempt: job.attemptsMade + 1,
          signal: signal ?? new AbortController().signal,
          children: async () => {
            const values = await job.getChildrenValues();
            const ignored = await job.getIgnoredChildrenFailures();
            // keys are `<prefix>:<queue>:<bull id>`; the bull id maps back to the logical one
            const logical = (key: string) => key.slice(key.indexOf(":", key.indexOf(":") + 1) + 1).replace(/\|\||\|/g, (m) => (m === "||" ? "|" : ":"));
            return { results: Object.values(values), failed: Object.keys(ignored).map(logical) };
          },
        });
      },
      {
        connection: this.#own(this.connection.duplicate({ maxRetriesPerRequest: null })),
        prefix: this.prefix,
        concurrency: options.concurrency,
        ...(options.limiter ? { limiter: { max: options.limiter.max, duration: options.limiter.durationMs } } : {}),
        lockDuration: this.options.lockDurationMs ?? 30_000,
        stalledInterval: this.options.stalledIntervalMs ?? 30_000,
        maxStalledCount: 2,
      },
    );
    // a job's failure is the job's outcome (retried, then failed); the worker itself keeps running
    worker.on("error", () => undefined);
    this.#workers.push(worker);
    this.#listenForCancel();
  }

  #listenForCancel(): void {
    if (this.#subscriber) return;
    const subscriber = this.connection.duplicate();
    this.#subscriber = subscriber;
    void subscriber.subscribe(`${this.prefix}:cancel`);
    subscriber.on("message", (_channel: string, jobId: string) => {
      for (const worker of this.#workers) worker.cancelJob(jobId, "cancelled");
    });
  }

  async cancel(id: string, reason = "cancelled"): Promise<boolean> {
    const jobId = bullJobId(id);
    for (const kind of JOB_KINDS) {
      const job = await this.#queue(kind).getJob(jobId);
      if (!job) continue;
      const state = await job.getState();
      if (state === "waiting" || state === "delayed" || state === "prioritized") {
        await job.remove().catch(() => undefined);
        return true;
      }
      if (state === "active") {
        await this.connection.publish(`${this.prefix}:cancel`, jobId);
        return true;
      }
      return false;
    }
    void reason;
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

  async close(options: { graceful?: boolean } = {}): Promise<void> {
    // graceful: running jobs finish; otherwise they are left to the stalled-job check of another worker
    await Promise.allSettled(this.#workers.map((w) => w.close(!options.graceful)));
    await Promise.allSettled([...this.#events.values()].map((e) => e.close()));
    await Promise.allSettled([...this.#queues.values()].map((q) => q.close()));
    await this.#subscriber?.quit().catch(() => undefined);
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
    const token = await this.redis.incr(`${this.prefix}:fence:${key}`);
    const value = `${token}:${randomUUID()}`;
    const deadline = Date.now() + waitMs;
    while ((await this.redis.set(lockKey, value, "PX", ttlMs, "NX")) !== "OK") {
      if (Date.now() > deadline) throw new LockTimeoutError(key, waitMs);
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
    }
    // keep the lock while the work runs; a process that dies stops renewing and the lock expires
    const renew = setInterval(() => void this.redis.eval(RENEW, 1, lockKey, value, ttlMs).catch(() => undefined), Math.max(50, ttlMs / 3));
    renew.unref();
    const fence: Fence = {
      token,
      assertHeld: async () => {
        if ((await this.redis.get(lockKey)) !== value) throw new LockLostError(key);
      },
    };
    try {
      return await fn(fence);
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, lockKey, value).catch(() => undefined);
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

export function redisCoordination(options: RedisCoordinationOptions): Coordination {
  const prefix = options.prefix ?? "specwarden";
  if (prefix.includes(":")) throw new Error(`the queue prefix may not contain ':' (got ${JSON.stringify(prefix)})`);
  const connection = new Redis(options.url, { maxRetriesPerRequest: null, connectionName: `${prefix}-app` });
  const queue = new BullMqQueue(connection, prefix, options);
  return {
    queue,
    locks: new RedisLocks(connection, prefix),
    heads: new RedisHeads(connection, prefix),
    counters: new RedisCounters(connection, prefix),
    close: async (closeOptions) => {
      await queue.close(closeOptions);
      await connection.quit().catch(() => undefined);
    },
  };
}
