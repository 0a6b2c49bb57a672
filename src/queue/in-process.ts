/**
 * The in-process back end: the same job model without Redis. Jobs of a kind run with bounded
 * concurrency; an id that is waiting, running or finished within the last hour is joined, not added
 * (BullMQ keeps finished jobs as long); a failed id can be enqueued again. Locks, the newest-head
 * registry, counters and rate limits are maps in memory.
 */
import {
  JOB_KINDS,
  JobCancelledError,
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

interface Entry {
  spec: JobSpec<unknown>;
  /** "delayed": backing off before its next attempt */
  state: "waiting" | "active" | "delayed";
  enqueuedAt: number;
  attemptsMade: number;
  controller: AbortController;
  done: Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface WorkerSlot {
  handler: JobHandler;
  options: WorkOptions;
  running: number;
  /** start times within the limiter's window */
  started: number[];
}

/** First retry after this long, doubling with every attempt (BullMQ's exponential backoff, scaled down). */
const BACKOFF_MS = 200;
/** How long, and how many, finished jobs keep their ids (BullMQ's removeOnComplete of the Redis back end). */
export const KEEP_FINISHED_MS = 3_600_000;
const KEEP_FINISHED_MAX = 10_000;

const emptyByKind = <T>(make: () => T): Record<JobKind, T> => Object.fromEntries(JOB_KINDS.map((k) => [k, make()])) as Record<JobKind, T>;

export class InProcessQueue implements JobQueue {
  readonly backend = "in-process" as const;
  /** waiting, running and backing-off jobs */
  readonly #jobs = new Map<string, Entry>();
  /** finished jobs still joined by their id, oldest first */
  readonly #finished = new Map<string, { at: number; done: Promise<unknown> }>();
  readonly #waiting = emptyByKind<string[]>(() => []);
  /** flow parents: their children's settled results, in order */
  readonly #flows = new Map<string, Promise<{ results: unknown[]; failed: string[] }>>();
  /** flow parents whose children still run: a second enqueue of the same flow joins */
  readonly #flowParents = new Map<string, Promise<Enqueued>>();
  readonly #workers = new Map<JobKind, WorkerSlot>();
  readonly #failed = emptyByKind(() => 0);
  readonly #pausedUntil = emptyByKind(() => 0);
  readonly #timers = new Set<NodeJS.Timeout>();
  #idleWaiters: (() => void)[] = [];
  #closed = false;

  async enqueue<T>(spec: JobSpec<T>): Promise<Enqueued> {
    const joined = this.#joinable(spec.id);
    if (joined) return joined;
    if (this.#closed) throw new Error("the queue is closed");
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => undefined);
    const entry: Entry = { spec: spec as JobSpec<unknown>, state: "waiting", enqueuedAt: Date.now(), attemptsMade: 0, controller: new AbortController(), done, resolve, reject };
    this.#jobs.set(spec.id, entry);
    this.#waiting[spec.kind].push(spec.id);
    this.#pump(spec.kind);
    return { id: spec.id, created: true, finished: () => done };
  }

  #joinable(id: string): Enqueued | undefined {
    const existing = this.#jobs.get(id);
    if (existing) return { id, created: false, finished: () => existing.done };
    const finished = this.#finished.get(id);
    if (finished && Date.now() - finished.at < KEEP_FINISHED_MS) return { id, created: false, finished: () => finished.done };
    return undefined;
  }

  async enqueueFlow<P, C>(flow: { parent: JobSpec<P>; children: JobSpec<C>[] }): Promise<Enqueued> {
    const id = flow.parent.id;
    const joined = this.#joinable(id);
    if (joined) return joined;
    const pending = this.#flowParents.get(id);
    if (pending) return { id, created: false, finished: async () => (await pending).finished() };
    if (this.#closed) throw new Error("the queue is closed");
    const children = await Promise.all(flow.children.map((c) => this.enqueue(c)));
    const settled = Promise.allSettled(children.map((c) => c.finished())).then((all) => ({
      results: all.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])),
      failed: all.flatMap((r, i) => (r.status === "rejected" ? [flow.children[i]!.id] : [])),
    }));
    this.#flows.set(id, settled);
    // the parent waits for every child, then queues like any job
    const parent = settled.then(() => this.enqueue(flow.parent));
    this.#flowParents.set(id, parent);
    void parent
      .catch(() => this.#flows.delete(id))
      .finally(() => {
        this.#flowParents.delete(id);
        this.#notifyIfIdle();
      });
    return { id, created: true, finished: async () => (await parent).finished() };
  }

  work<T>(kind: JobKind, handler: JobHandler<T>, options: WorkOptions): void {
    this.#workers.set(kind, { handler: handler as JobHandler, options, running: 0, started: [] });
    this.#pump(kind);
  }

  #later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  #pump(kind: JobKind): void {
    const worker = this.#workers.get(kind);
    if (!worker || this.#closed) return;
    while (worker.running < worker.options.concurrency && this.#waiting[kind].length > 0) {
      const now = Date.now();
      if (this.#pausedUntil[kind] > now) {
        this.#later(this.#pausedUntil[kind] - now, () => this.#pump(kind));
        return;
      }
      const limiter = worker.options.limiter;
      if (limiter) {
        worker.started = worker.started.filter((t) => now - t < limiter.durationMs);
        if (worker.started.length >= limiter.max) {
          this.#later(limiter.durationMs - (now - (worker.started[0] as number)), () => this.#pump(kind));
          return;
        }
        worker.started.push(now);
      }
      const id = this.#waiting[kind].shift() as string;
      const entry = this.#jobs.get(id);
      if (!entry) continue;
      worker.running++;
      entry.state = "active";
      void this.#attempt(entry, worker.handler).finally(() => {
        worker.running--;
        this.#pump(kind);
      });
    }
  }

  async #attempt(entry: Entry, handler: JobHandler): Promise<void> {
    const { spec } = entry;
    entry.attemptsMade++;
    const flow = this.#flows.get(spec.id);
    try {
      const result = await handler(spec.data, {
        id: spec.id,
        attempt: entry.attemptsMade,
        signal: entry.controller.signal,
        children: async () => (flow ? await flow : { results: [], failed: [] }),
      });
      this.#settle(entry, { value: result });
    } catch (error) {
      const aborted = entry.controller.signal.aborted;
      if (error instanceof RateLimitedError && !aborted && !this.#closed) {
        // back to the front of the queue, without using an attempt; the whole kind pauses
        entry.attemptsMade--;
        this.#pausedUntil[spec.kind] = Math.max(this.#pausedUntil[spec.kind], Date.now() + error.retryAfterMs);
        entry.state = "waiting";
        this.#waiting[spec.kind].unshift(spec.id);
        return;
      }
      if (entry.attemptsMade >= (spec.attempts ?? 3) || aborted || this.#closed) {
        this.#settle(entry, { error });
        return;
      }
      entry.state = "delayed";
      this.#later(BACKOFF_MS * 2 ** (entry.attemptsMade - 1), () => {
        if (this.#jobs.get(spec.id) !== entry || entry.state !== "delayed") return;
        entry.state = "waiting";
        this.#waiting[spec.kind].push(spec.id);
        this.#pump(spec.kind);
      });
    }
  }

  #settle(entry: Entry, outcome: { value: unknown } | { error: unknown }): void {
    const { id, kind } = entry.spec;
    if (this.#jobs.get(id) === entry) this.#jobs.delete(id);
    const list = this.#waiting[kind];
    if (list.includes(id)) list.splice(list.indexOf(id), 1);
    if ("error" in outcome) {
      this.#flows.delete(id);
      this.#failed[kind]++;
      entry.reject(outcome.error);
    } else {
      this.#flows.delete(id);
      if (entry.spec.joinFinished !== false) this.#remember(id, entry.done);
      entry.resolve(outcome.value);
    }
    this.#notifyIfIdle();
  }

  #remember(id: string, done: Promise<unknown>): void {
    this.#finished.delete(id);
    this.#finished.set(id, { at: Date.now(), done });
    const cutoff = Date.now() - KEEP_FINISHED_MS;
    for (const [key, value] of this.#finished) {
      if (this.#finished.size <= KEEP_FINISHED_MAX && value.at >= cutoff) break;
      this.#finished.delete(key);
    }
  }

  #notifyIfIdle(): void {
    if (this.#jobs.size > 0 || this.#flowParents.size > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  async cancel(id: string, reason = "cancelled"): Promise<boolean> {
    const entry = this.#jobs.get(id);
    if (!entry) return false;
    entry.controller.abort(new JobCancelledError(reason));
    // a running job ends when its handler sees the signal; one not running ends now
    if (entry.state !== "active") this.#settle(entry, { error: new JobCancelledError(reason) });
    return true;
  }

  async depths(): Promise<Record<JobKind, QueueDepth>> {
    const entries = [...this.#jobs.values()];
    const count = (kind: JobKind, state: Entry["state"]) => entries.filter((e) => e.spec.kind === kind && e.state === state).length;
    return Object.fromEntries(
      JOB_KINDS.map((kind) => [kind, { waiting: this.#waiting[kind].length, active: count(kind, "active"), delayed: count(kind, "delayed"), failed: this.#failed[kind] }]),
    ) as Record<JobKind, QueueDepth>;
  }

  async oldestWaitingMs(): Promise<Partial<Record<JobKind, number>>> {
    const out: Partial<Record<JobKind, number>> = {};
    for (const kind of JOB_KINDS) {
      let oldest: number | undefined;
      for (const id of this.#waiting[kind]) {
        const at = this.#jobs.get(id)?.enqueuedAt;
        if (at !== undefined && (oldest === undefined || at < oldest)) oldest = at;
      }
      if (oldest !== undefined) out[kind] = Date.now() - oldest;
    }
    return out;
  }

  async ping(): Promise<boolean> {
    return !this.#closed;
  }

  drained(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#jobs.size === 0 && this.#flowParents.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs;
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => reject(new Error(`jobs still running after ${timeoutMs} ms`)), timeoutMs);
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(options: CloseOptions = {}): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    // nothing can hand waiting jobs to another process: they end, and a redelivery runs them again
    for (const entry of [...this.#jobs.values()]) if (entry.state !== "active") this.#settle(entry, { error: new Error("the queue closed before the job ran") });
    const active = [...this.#jobs.values()];
    const abort = () => {
      for (const e of active) e.controller.abort(new WorkerClosingError(false));
    };
    // not graceful: abort and go, as BullMQ's forced close does (a handler deaf to its signal is left behind)
    if (!options.graceful) return abort();
    const finished = Promise.allSettled(active.map((e) => e.done));
    if (options.timeoutMs !== undefined) {
      // past the deadline jobs are aborted; one deaf to its signal is given five more seconds, then left
      const timer = setTimeout(abort, options.timeoutMs);
      const giveUp = new Promise((r) => setTimeout(r, options.timeoutMs! + 5_000).unref());
      await Promise.race([finished, giveUp]);
      clearTimeout(timer);
    } else await finished;
  }
}

export class InProcessLocks implements KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();
  #fence = 0;
  async withLock<T>(key: string, fn: (fence: Fence) => Promise<T>, options: { waitMs?: number } = {}): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    const waitMs = options.waitMs ?? 10 * 60_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([previous.catch(() => undefined), new Promise((_, reject) => (timer = setTimeout(() => reject(new LockTimeoutError(key, waitMs)), waitMs)))]);
    } catch (error) {
      release();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    const token = ++this.#fence;
    try {
      return await fn({ token, assertHeld: async () => undefined });
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

export class InProcessHeads implements LatestHeads {
  readonly #heads = new Map<string, string>();
  async set(pull: string, headSha: string): Promise<void> {
    this.#heads.set(pull, headSha);
  }
  async get(pull: string): Promise<string | undefined> {
    return this.#heads.get(pull);
  }
}

export class InProcessCounters implements Counters {
  readonly #values = new Map<string, number>();
  readonly #claims = new Map<string, number>();
  async incrBy(key: string, by: number): Promise<number> {
    const value = (this.#values.get(key) ?? 0) + by;
    this.#values.set(key, value);
    return value;
  }
  async claim(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    if ((this.#claims.get(key) ?? 0) > now) return false;
    this.#claims.set(key, now + ttlMs);
    return true;
  }
}

/** Sliding windows over the grant times of each key; `now` is injectable for tests. */
export class InProcessRates implements RateLimits {
  readonly #granted = new Map<string, number[]>();
  constructor(readonly now: () => number = Date.now) {}
  async tryTake(key: string, limits: readonly WindowLimit[]): Promise<{ granted: true } | { granted: false; retryInMs: number }> {
    const now = this.now();
    const longest = Math.max(0, ...limits.map((l) => l.windowMs));
    const times = (this.#granted.get(key) ?? []).filter((t) => t > now - longest);
    let retryInMs = 0;
    for (const limit of limits) {
      const inWindow = times.filter((t) => t > now - limit.windowMs);
      if (inWindow.length >= limit.max) retryInMs = Math.max(retryInMs, (inWindow[inWindow.length - limit.max] as number) + limit.windowMs - now);
    }
    if (retryInMs > 0) {
      this.#granted.set(key, times);
      return { granted: false, retryInMs };
    }
    times.push(now);
    this.#granted.set(key, times);
    return { granted: true };
  }
}

export function inProcessCoordination(): Coordination {
  const queue = new InProcessQueue();
  return {
    queue,
    locks: new InProcessLocks(),
    heads: new InProcessHeads(),
    counters: new InProcessCounters(),
    rates: new InProcessRates(),
    close: (options) => queue.close(options),
  };
}
