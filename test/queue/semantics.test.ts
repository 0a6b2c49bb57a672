/**
 * The job model's semantics, the same on both back ends: ids deduplicate (also for a while after a
 * job finished), a failed id is free again, concurrency is bounded, cancellation aborts a running
 * job and drops a waiting one, a rate-limited job goes back without using an attempt, retries back
 * off, the rate limits and locks hold across instances.
 */
import { afterEach, describe, expect, it } from "vitest";
import { JobCancelledError, RateLimitedError, WorkerClosingError, type JobContext } from "../../src/queue/index.js";
import { BACKENDS, coordinationPool, REDIS_URL, redisAnswers, waitFor } from "./redis-env.js";

const available = await redisAnswers();
if (!available) console.warn(`Redis at ${REDIS_URL} does not answer: the Redis back-end tests are skipped (.ci/run starts it)`);

const pool = coordinationPool();
afterEach(() => pool.cleanup());

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe.each(BACKENDS)("the job model (%s back end)", (backend) => {
  const skip = backend === "redis" && !available;

  it.skipIf(skip)("joins an id that is waiting, running or finished; a failed id runs again", async () => {
    const [a, b] = pool.make(backend, 2);
    let runs = 0;
    let fail = true;
    a!.queue.work("track", async (data: { n: number }) => {
      runs++;
      if (fail) throw new Error("first sweep fails");
      return data.n;
    }, { concurrency: 1 });
    const spec = (n: number) => ({ kind: "track" as const, id: "track:o/r@abc", data: { n }, attempts: 1 });
    const first = await a!.queue.enqueue(spec(1));
    expect(first.created).toBe(true);
    await expect(first.finished()).rejects.toThrow(/first sweep fails/);
    fail = false;
    const again = await b!.queue.enqueue(spec(2));
    expect(again.created).toBe(true);
    expect(await again.finished()).toBe(2);
    // finished: a late redelivery joins its result instead of running again
    const late = await b!.queue.enqueue(spec(3));
    expect(late.created).toBe(false);
    expect(await late.finished()).toBe(2);
    expect(runs).toBe(2);
  });

  it.skipIf(skip)("a job that asks not to be joined once finished runs again under the same id", async () => {
    const [c] = pool.make(backend, 1);
    let runs = 0;
    c!.queue.work("track", async () => ++runs, { concurrency: 1 });
    const spec = { kind: "track" as const, id: "track:o/r@latest", data: {}, joinFinished: false };
    expect(await (await c!.queue.enqueue(spec)).finished()).toBe(1);
    const second = await c!.queue.enqueue(spec);
    expect(second.created).toBe(true);
    expect(await second.finished()).toBe(2);
  });

  it.skipIf(skip)("20 concurrent enqueues of one id from two instances make one job", async () => {
    const [a, b] = pool.make(backend, 2);
    let runs = 0;
    const release = deferred();
    a!.queue.work("check", async () => {
      runs++;
      await release.promise;
      return "done";
    }, { concurrency: 4 });
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a! : b!).queue.enqueue({ kind: "check", id: "check:o/r#1@abc", data: {} })));
    expect(all.filter((e) => e.created)).toHaveLength(1);
    release.resolve();
    expect(await Promise.all(all.map((e) => e.finished()))).toEqual(Array(20).fill("done"));
    expect(runs).toBe(1);
  });

  it.skipIf(skip)("runs at most `concurrency` jobs of a kind at once per worker", async () => {
    const [c] = pool.make(backend, 1);
    let running = 0;
    let peak = 0;
    c!.queue.work("verify", async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
    }, { concurrency: 2 });
    const jobs = await Promise.all(Array.from({ length: 8 }, (_, i) => c!.queue.enqueue({ kind: "verify", id: `verify:x/${i}`, data: {} })));
    await Promise.all(jobs.map((j) => j.finished()));
    expect(peak).toBe(2);
  });

  it.skipIf(skip)("cancelling aborts a running job wherever it runs and drops a waiting one", async () => {
    const [a, b] = pool.make(backend, 2);
    const started = deferred();
    let reason: unknown;
    a!.queue.work("check", async (_data, context: JobContext) => {
      started.resolve();
      await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
      reason = context.signal.reason;
      throw context.signal.reason;
    }, { concurrency: 1 });
    const running = await a!.queue.enqueue({ kind: "check", id: "check:o/r#1@old", data: {}, attempts: 1 });
    const waiting = await a!.queue.enqueue({ kind: "check", id: "check:o/r#2@old", data: {}, attempts: 1 });
    await started.promise;
    // another instance cancels both (a newer head arrived there)
    expect(await b!.queue.cancel("check:o/r#2@old", "superseded")).toBe(true);
    expect(await b!.queue.cancel("check:o/r#1@old", "superseded")).toBe(true);
    await expect(running.finished()).rejects.toBeDefined();
    expect(reason).toBeInstanceOf(JobCancelledError);
    expect((reason as Error).message).toBe("superseded");
    expect(await b!.queue.cancel("check:o/r#9@none")).toBe(false);
    void waiting;
  });

  it.skipIf(skip)("a rate-limited job goes back to the queue without using an attempt and runs after the pause", async () => {
    const [c] = pool.make(backend, 1);
    const calls: number[] = [];
    c!.queue.work("track", async (_data, context: JobContext) => {
      calls.push(Date.now());
      if (calls.length === 1) throw new RateLimitedError(300);
      return context.attempt;
    }, { concurrency: 1, limiter: { max: 100, durationMs: 1000 } });
    const job = await c!.queue.enqueue({ kind: "track", id: "track:o/r@1", data: {}, attempts: 1 });
    expect(await job.finished()).toBe(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(250);
  });

  it.skipIf(skip)("retries a failed attempt with backoff, then succeeds", async () => {
    const [c] = pool.make(backend, 1);
    const attempts: number[] = [];
    c!.queue.work("verify", async (_data, context: JobContext) => {
      attempts.push(context.attempt);
      if (context.attempt < 3) throw new Error("transient");
      return "ok";
    }, { concurrency: 1 });
    const job = await c!.queue.enqueue({ kind: "verify", id: "verify:r/1", data: {}, attempts: 3 });
    expect(await job.finished()).toBe("ok");
    expect(attempts).toEqual([1, 2, 3]);
  });

  it.skipIf(skip)("drained() waits for every job, including backoffs and flows", async () => {
    const [c] = pool.make(backend, 1);
    let done = 0;
    c!.queue.work("verify", async (_d, context: JobContext) => {
      if (context.attempt === 1) throw new Error("once");
      done++;
    }, { concurrency: 2 });
    c!.queue.work("aggregate", async () => void done++, { concurrency: 1 });
    await c!.queue.enqueueFlow({ parent: { kind: "aggregate", id: "aggregate:d", data: {} }, children: [1, 2].map((n) => ({ kind: "verify" as const, id: `verify:d/${n}`, data: {} })) });
    await c!.queue.drained({ timeoutMs: 15_000 });
    expect(done).toBe(3);
  });

  it.skipIf(skip)("a graceful close past its deadline aborts running jobs as interrupted, not cancelled", async () => {
    const [a, b] = pool.make(backend, 2);
    const reasons: unknown[] = [];
    const started = deferred();
    let runs = 0;
    const handler = async (_d: unknown, context: JobContext) => {
      runs++;
      if (runs > 1) return "finished elsewhere";
      started.resolve();
      await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
      reasons.push(context.signal.reason);
      throw context.signal.reason;
    };
    a!.queue.work("check", handler, { concurrency: 1 });
    const job = await b!.queue.enqueue({ kind: "check", id: "check:o/r#5@abc", data: {}, attempts: 1 });
    await started.promise;
    await a!.queue.close({ graceful: true, timeoutMs: 100 });
    expect(reasons[0]).toBeInstanceOf(WorkerClosingError);
    if (backend === "redis") {
      // handed back: another worker runs it, and the interrupted run cost no attempt (attempts: 1)
      expect((reasons[0] as WorkerClosingError).handedBack).toBe(true);
      b!.queue.work("check", handler, { concurrency: 1 });
      expect(await job.finished()).toBe("finished elsewhere");
    } else {
      expect((reasons[0] as WorkerClosingError).handedBack).toBe(false);
      await expect(job.finished()).rejects.toBeInstanceOf(WorkerClosingError);
    }
  });

  it.skipIf(skip)("rate limits hold across instances: a sliding window per key", async () => {
    const [a, b] = pool.make(backend, 2);
    const limits = [{ max: 3, windowMs: 400 }, { max: 5, windowMs: 60_000 }];
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await (i % 2 ? a! : b!).rates.tryTake("installation:1", limits));
    expect(results.slice(0, 3).every((r) => r.granted)).toBe(true);
    const refused = results[3]!;
    expect(refused.granted).toBe(false);
    expect(!refused.granted && refused.retryInMs).toBeGreaterThan(0);
    expect(!refused.granted && refused.retryInMs).toBeLessThanOrEqual(400);
    // another key has its own windows
    expect((await a!.rates.tryTake("installation:2", limits)).granted).toBe(true);
    await new Promise((r) => setTimeout(r, 420));
    expect((await a!.rates.tryTake("installation:1", limits)).granted).toBe(true);
    expect((await b!.rates.tryTake("installation:1", limits)).granted).toBe(true);
    // the hourly window is full now (5 grants)
    const hourly = await a!.rates.tryTake("installation:1", limits);
    expect(hourly.granted).toBe(false);
    expect(!hourly.granted && hourly.retryInMs).toBeGreaterThan(50_000);
  });

  it.skipIf(skip)("a lock admits one holder at a time across instances, with growing fencing tokens", async () => {
    const [a, b] = pool.make(backend, 2);
    let inside = 0;
    let peak = 0;
    const tokens: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? a! : b!).locks.withLock("pull:o/r#1", async (fence) => {
          peak = Math.max(peak, ++inside);
          tokens.push(fence.token);
          await fence.assertHeld();
          await new Promise((r) => setTimeout(r, 10));
          inside--;
        }, { ttlMs: 5000 }),
      ),
    );
    expect(peak).toBe(1);
    expect([...tokens].sort((x, y) => x - y)).toEqual(tokens);
  });
});
