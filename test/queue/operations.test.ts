import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { createHealthRoute } from "../../src/github/health.js";
import { inProcessCoordination, redisCoordination, type Coordination } from "../../src/queue/index.js";
import { fakeIO } from "../tracking/helpers.js";
import { dropPrefix, REDIS_URL, redisAnswers, testPrefix, waitFor } from "./redis-env.js";

const available = await redisAnswers();
const open: Coordination[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((c) => c.close()));
  await Promise.allSettled(prefixes.splice(0).map((p) => dropPrefix(p)));
});

async function get(handler: ReturnType<typeof createHealthRoute>, path: string): Promise<{ status: number; body: any }> {
  const server = createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    return { status: response.status, body: response.status === 404 ? undefined : await response.json() };
  } finally {
    server.close();
  }
}

describe("operations", () => {
  it("/healthz reports the in-process queue's depths and the oldest waiting job", async () => {
    const coordination = inProcessCoordination();
    open.push(coordination);
    await coordination.queue.enqueue({ kind: "track", id: "track:a/b@latest", data: {} });
    const { status, body } = await get(createHealthRoute(coordination.queue), "/healthz");
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "ok", backend: "in-process", queues: { track: { waiting: 1 } } });
    expect(body.oldestWaitingMs.track).toBeGreaterThanOrEqual(0);
    expect((await get(createHealthRoute(coordination.queue), "/other")).status).toBe(404);
  });

  it.skipIf(!available)("/healthz on Redis: reachable with depths, 503 once the connection is gone", async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const coordination = redisCoordination({ url: REDIS_URL, prefix });
    await coordination.queue.enqueue({ kind: "check", id: "check:a/b#1@abc", data: {} });
    const healthy = await get(createHealthRoute(coordination.queue), "/healthz");
    expect(healthy.status).toBe(200);
    expect(healthy.body).toMatchObject({ backend: "redis", reachable: true, queues: { check: { waiting: 1 } } });
    await coordination.close();
    const down = await get(createHealthRoute(coordination.queue), "/healthz");
    expect(down.status).toBe(503);
  });

  it.skipIf(!available)("graceful close lets a running job finish; the lock is released for the next holder", async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const coordination = redisCoordination({ url: REDIS_URL, prefix });
    let finished = false;
    coordination.queue.work("track", async () => {
      await new Promise((r) => setTimeout(r, 300));
      finished = true;
      return "done";
    }, { concurrency: 1 });
    await coordination.queue.enqueue({ kind: "track", id: "track:x/y@1", data: {} });
    await waitFor(async () => (await coordination.queue.depths()).track.active === 1, 10_000, "the job to start");
    await coordination.close({ graceful: true });
    expect(finished).toBe(true);
    const other = redisCoordination({ url: REDIS_URL, prefix });
    open.push(other);
    const tokens: number[] = [];
    await Promise.all([1, 2].map(() => other.locks.withLock("k", async (fence) => void tokens.push(fence.token), { ttlMs: 1000 })));
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBeGreaterThan(tokens[0]!);
  });

  it("`specwarden worker` needs REDIS_URL", async () => {
    const io = fakeIO(process.cwd(), {});
    expect(await main(["worker"], io)).toBe(2);
    expect(io.err).toMatch(/REDIS_URL/);
  });

  it("`specwarden serve --no-workers` needs REDIS_URL (nobody else would run the jobs); a bad shutdown timeout is refused", async () => {
    const noWorkers = fakeIO(process.cwd(), {});
    expect(await main(["serve", "--no-workers"], noWorkers)).toBe(2);
    expect(noWorkers.err).toMatch(/REDIS_URL/);
    const envOnly = fakeIO(process.cwd(), { SPECWARDEN_WORKERS: "0" });
    expect(await main(["serve"], envOnly)).toBe(2);
    const timeout = fakeIO(process.cwd(), { SPECWARDEN_SHUTDOWN_TIMEOUT: "soon" });
    expect(await main(["serve"], timeout)).toBe(2);
    expect(timeout.err).toMatch(/SPECWARDEN_SHUTDOWN_TIMEOUT/);
  });
});
