/**
 * The in-process back end: the same job model without Redis. Jobs of a kind run with bounded
 * concurrency; an id that is waiting or running is joined, not added; a finished id can be enqueued
 * again (a recheck). Locks and the newest-head registry are maps in memory.
 */
import { LockTimeoutError, type Counters, type Coordination, type Enqueued, type Fence, type JobHandler, type JobKind, type JobQueue, type JobSpec, type KeyedLock, type LatestHeads, type QueueDepth, type WorkOptions } from "./types.js";

interface Entry {
  spec: JobSpec<unknown>;
  state: "waiting" | "active";
  enqueuedAt: number;
  controller: AbortController;
  done: Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const BACKOFF_MS = 200;

export class InProcessQueue implements JobQueue {
  readonly backend = "in-process" as const;
  readonly #jobs = new Map<string, Entry>();
  readonly #waiting: Record<JobKind, string[]> = { check: [], track: [], verify: [], aggregate: [] };
  /** flow parents: their children's settled results, in order */
  readonly #flows = new Map<string, Promise<{ results: unknown[]; failed: string[] }>>();
  readonly #workers = new Map<JobKind, { handler: JobHandler; options: WorkOptions; running: number; started: number[] }>();
  readonly #failed: Record<JobKind, number> = { check: 0, track: 0, verify: 0, aggregate: 0 };
  #closed = false;

  async enqueue<T>(spec: JobSpec<T>): Promise<Enqueued> {
    const existing = this.#jobs.get(spec.id);
    if (existing) return { id: spec.id, created: false, finished: () => existing.done };
    if (this.#closed) throw new Error("the queue is closed");
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => undefined);
    const entry: Entry = { spec: spec as JobSpec<unknown>, state: "waiting", enqueuedAt: Date.now(), controller: new AbortController(), done, resolve, reject };
    this.#jobs.set(spec.id, entry);
    this.#waiting[spec.kind].push(spec.id);
    this.#pump(spec.kind);
    return { id: spec.id, created: true, finished: () => done };
  }

  async enqueueFlow<P, C>(flow: { parent: JobSpec<P>; children: JobSpec<C>[] }): Promise<Enqueued> {
    const existing = this.#jobs.get(flow.parent.id);
    if (existing) return { id: flow.parent.id, created: false, finished: () => existing.done };
    const children = await Promise.all(flow.children.map((c) => this.enqueue(c)));
    const settled = Promise.allSettled(children.map((c) => c.finished())).then((all) => ({
      results: all.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])),
      failed: all.flatMap((r, i) => (r.status === "rejected" ? [flow.children[i]!.id] : [])),
    }));
    this.#flows.set(flow.parent.id, settled);
    // the parent waits for every child, then queues like any job
    let resolveParent!: (e: Enqueued) => void;
    const parent = new Promise<Enqueued>((r) => (resolveParent = r));
    void settled.then(async () => resolveParent(await this.enqueue(flow.parent)));
    return { id: flow.parent.id, created: true, finished: async () => (await parent).finished() };
  }

  work<T>(kind: JobKind, handler: JobHandler<T>, options: WorkOptions): void {
    this.#workers.set(kind, { handler: handler as JobHandler, options, running: 0, started: [] });
    this.#pump(kind);
  }

  #pump(kind: JobKind): void {
    const worker = this.#workers.get(kind);
    if (!worker || this.#closed) return;
    while (worker.running < worker.options.concurrency && this.#waiting[kind].length > 0) {
      const limiter = worker.options.limiter;
      if (limiter) {
        const now = Date.now();
        worker.started = worker.started.filter((t) => now - t < limiter.durationMs);
        if (worker.started.length >= limiter.max) {
          setTimeout(() => this.#pump(kind), limiter.durationMs - (now - (worker.started[0] as number))).unref();
          return;
        }
        worker.started.push(now);
      }
      const id = this.#waiting[kind].shift() as string;
      const entry = this.#jobs.get(id);
      if (!entry) continue;
      worker.running++;
      entry.state = "active";
      void this.#run(entry, worker.handler).finally(() => {
        worker.running--;
        this.#pump(kind);
      });
    }
  }

  async #run(entry: Entry, handler: JobHandler): Promise<void> {
    const attempts = entry.spec.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        const flow = this.#flows.get(entry.spec.id);
        const result = await handler(entry.spec.data, {
          id: entry.spec.id,
          attempt,
          signal: entry.controller.signal,
          children: async () => (flow ? await flow : { results: [], failed: [] }),
        });
        this.#flows.delete(entry.spec.id);
        this.#jobs.delete(entry.spec.id);
        entry.resolve(result);
        return;
      } catch (error) {
        if (attempt >= attempts || entry.controller.signal.aborted) {
          this.#jobs.delete(entry.spec.id);
          this.#failed[entry.spec.kind]++;
          entry.reject(error);
          return;
        }
        await new Promise((r) => setTimeout(r, BACKOFF_MS * 2 ** (attempt - 1)));
      }
    }
  }

  async cancel(id: string, reason = "cancelled"): Promise<boolean> {
    const entry = this.#jobs.get(id);
    if (!entry) return false;
    entry.controller.abort(new Error(reason));
    if (entry.state === "waiting") {
      const list = this.#waiting[entry.spec.kind];
      list.splice(list.indexOf(id), 1);
      this.#jobs.delete(id);
      entry.reject(new Error(reason));
    }
    return true;
  }

  async depths(): Promise<Record<JobKind, QueueDepth>> {
    const depth = (kind: JobKind): QueueDepth => ({
      waiting: this.#waiting[kind].length,
      active: [...this.#jobs.values()].filter((e) => e.spec.kind === kind && e.state === "active").length,
      delayed: 0,
      failed: this.#failed[kind],
    });
    return { check: depth("check"), track: depth("track"), verify: depth("verify"), aggregate: depth("aggregate") };
  }

  async oldestWaitingMs(): Promise<Partial<Record<JobKind, number>>> {
    const out: Partial<Record<JobKind, number>> = {};
    for (const kind of ["check", "track", "verify", "aggregate"] as const) {
      const first = this.#waiting[kind][0];
      const entry = first ? this.#jobs.get(first) : undefined;
      if (entry) out[kind] = Date.now() - entry.enqueuedAt;
    }
    return out;
  }

  async ping(): Promise<boolean> {
    return !this.#closed;
  }

  async close(options: { graceful?: boolean } = {}): Promise<void> {
    this.#closed = true;
    const active = [...this.#jobs.values()].filter((e) => e.state === "active");
    if (!options.graceful) for (const e of active) e.controller.abort(new Error("the worker is shutting down"));
    await Promise.allSettled(active.map((e) => e.done));
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

export function inProcessCoordination(): Coordination {
  const queue = new InProcessQueue();
  return { queue, locks: new InProcessLocks(), heads: new InProcessHeads(), counters: new InProcessCounters(), close: (options) => queue.close(options) };
}
