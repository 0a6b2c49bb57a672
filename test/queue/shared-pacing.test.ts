/**
 * GitHub's content-creation limits hold per account: sweeps in different workers take their write
 * slots from one window per installation (Redis, or the in-process rates), and GitHub's own "retry
 * later" answers pause the tracking queue instead of using up a sweep's attempts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { rateLimitedBy } from "../../src/github/jobs.js";
import { ContentPacer } from "../../src/github/tracking/index.js";
import { InProcessRates, RateLimitedError } from "../../src/queue/index.js";
import { fakeClock } from "../github-tracking/setup.js";
import { coordinationPool, REDIS_URL, redisAnswers } from "./redis-env.js";

const available = await redisAnswers();
if (!available) console.warn(`Redis at ${REDIS_URL} does not answer: the Redis back-end tests are skipped (.ci/run starts it)`);

const pool = coordinationPool();
afterEach(() => pool.cleanup());

describe("content pacing shared by every worker of an installation", () => {
  it("two sweeps' pacers on one installation share one window (in process, with a fake clock)", async () => {
    const clock = fakeClock(0);
    const rates = new InProcessRates(clock.now);
    const shared = { rates, key: "content:77" };
    const a = new ContentPacer({ perMinute: 3, perHour: 100, clock, shared });
    const b = new ContentPacer({ perMinute: 3, perHour: 100, clock, shared });
    const other = new ContentPacer({ perMinute: 3, perHour: 100, clock, shared: { rates, key: "content:78" } });
    for (const pacer of [a, b, a]) await pacer.take();
    expect(clock.now()).toBe(0);
    await b.take();
    // the fourth write of the installation waits for the first to leave the minute
    expect(clock.now()).toBe(60_000);
    expect(b.waitedMs).toBe(60_000);
    // another installation has its own window
    await other.take();
    expect(other.waitedMs).toBe(0);
  });

  it.skipIf(!available)("on Redis: processes that pace the same installation never exceed the window together", async () => {
    const [x, y] = pool.make("redis", 2);
    const taken: number[] = [];
    const sleeps: number[] = [];
    const clock = { now: () => Date.now(), sleep: async (ms: number) => void sleeps.push(ms) };
    // a sleep that returns at once: the pacer asks again, and Redis keeps refusing until the window moves
    const pacers = [x!, y!].map((c) => new ContentPacer({ perMinute: 4, perHour: 100, clock, shared: { rates: c.rates, key: "content:1" } }));
    const race = Promise.all(Array.from({ length: 4 }, (_, i) => pacers[i % 2]!.take().then(() => taken.push(i))));
    await race;
    expect(taken).toHaveLength(4);
    // a fifth take from either process is refused with the time until the first grant leaves the minute
    const answer = await x!.rates.tryTake("content:1", [{ max: 4, windowMs: 60_000 }]);
    expect(answer.granted).toBe(false);
    expect(!answer.granted && answer.retryInMs).toBeGreaterThan(55_000);
    expect(sleeps).toEqual([]);
  });
});

describe("GitHub's 'retry later' as a queue rate limit", () => {
  const failure = (status: number, headers: Record<string, string>, message = "Forbidden") => Object.assign(new Error(message), { status, response: { headers } });

  it("reads retry-after, an exhausted primary limit, or the secondary-limit message; other errors are not limits", () => {
    expect(rateLimitedBy(failure(403, { "retry-after": "30" }))?.retryAfterMs).toBe(30_000);
    expect(rateLimitedBy(failure(429, { "retry-after": "5" }))).toBeInstanceOf(RateLimitedError);
    expect(rateLimitedBy(failure(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000" }), 940_000)?.retryAfterMs).toBe(60_000);
    expect(rateLimitedBy(failure(403, {}, "You have exceeded a secondary rate limit"))?.retryAfterMs).toBe(60_000);
    expect(rateLimitedBy(failure(403, {}, "Resource not accessible by integration"))).toBeUndefined();
    expect(rateLimitedBy(failure(500, { "retry-after": "1" }))).toBeUndefined();
    expect(rateLimitedBy(new Error("socket hang up"))).toBeUndefined();
  });
});
