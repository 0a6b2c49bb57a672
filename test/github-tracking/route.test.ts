import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Probot, ProbotOctokit } from "probot";
import { specwardenApp } from "../../src/github/app.js";
import { createTrackingRoute, type TrackingSummary } from "../../src/github/tracking/index.js";
import { createCaches } from "../../src/github/repo-view.js";
import { inProcessCoordination } from "../../src/queue/index.js";
import { testPrivateKey } from "../github/harness.js";
import { trackingGitHub } from "./setup.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: ReturnType<typeof createTrackingRoute>): Promise<string> {
  server = createServer(async (req, res) => {
    if (!(await handler(req, res))) {
      res.writeHead(404);
      res.end("not mine");
    }
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("the cron route", () => {
  const runs: string[] = [];
  const route = (token: string | undefined) =>
    createTrackingRoute({
      token,
      run: async (repo) => {
        runs.push(`${repo.owner}/${repo.repo}`);
        return { repository: `${repo.owner}/${repo.repo}`, status: "tracked", patches: 3 } satisfies TrackingSummary;
      },
    });

  it("checks the bearer token before doing anything", async () => {
    runs.length = 0;
    const base = await serve(route("s3cret"));
    const post = (headers: Record<string, string>, body = '{"repository":"azl/distro"}', query = "") => fetch(`${base}/specwarden/track${query}`, { method: "POST", headers, body });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: "Bearer wrong" })).status).toBe(401);
    expect((await fetch(`${base}/specwarden/track`)).status).toBe(405);
    expect((await post({ authorization: "Bearer s3cret" }, '{"repository":"../etc"}')).status).toBe(400);
    expect((await post({ authorization: "Bearer s3cret" }, "{not json")).status).toBe(400);
    expect(runs).toEqual([]);
    const accepted = await post({ authorization: "Bearer s3cret" });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({ accepted: "azl/distro" });
    const waited = await post({ authorization: "Bearer s3cret" }, '{"repository":"azl/distro"}', "?wait=1");
    expect(waited.status).toBe(200);
    expect(await waited.json()).toMatchObject({ repository: "azl/distro", status: "tracked", patches: 3 });
    expect(runs).toEqual(["azl/distro", "azl/distro"]);
    // other paths are left to the next handler
    expect((await fetch(`${base}/elsewhere`, { method: "POST" })).status).toBe(404);
  });

  it("accepts a body an Express body parser already read, and the repository as a query parameter", async () => {
    runs.length = 0;
    const handler = route("s3cret");
    const answers: number[] = [];
    const res = () => ({ setHeader() {}, writeHead(status: number) { answers.push(status); }, end() {} });
    const parsed = { url: "/specwarden/track", method: "POST", headers: { authorization: "Bearer s3cret" }, body: { repository: "azl/distro" } };
    expect(await handler(parsed as never, res() as never)).toBe(true);
    const server = await serve(handler);
    const viaQuery = await fetch(`${server}/specwarden/track?repository=azl/other`, { method: "POST", headers: { authorization: "Bearer s3cret" } });
    answers.push(viaQuery.status);
    expect(answers).toEqual([202, 202]);
    expect(runs).toEqual(["azl/distro", "azl/other"]);
  });

  it("is disabled without a configured token", async () => {
    const base = await serve(route(undefined));
    const res = await fetch(`${base}/specwarden/track`, { method: "POST", headers: { authorization: "Bearer anything" }, body: '{"repository":"azl/distro"}' });
    expect(res.status).toBe(503);
  });
});

describe("the Probot app", () => {
  it("sweeps on a push to the default branch and serves the cron route", async () => {
    const env = trackingGitHub("tracking: {}\n");
    const handlers: ((req: any, res: any) => unknown)[] = [];
    // the push handler only enqueues the sweep: wait for the queue to drain
    const coordination = inProcessCoordination();
    const probot = new Probot({
      appId: env.github.appId,
      privateKey: testPrivateKey(),
      secret: "s",
      logLevel: "fatal",
      Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })),
      request: { fetch: env.issues.fetch },
    });
    process.env.SPECWARDEN_TRACKING_TOKEN = "cron-token";
    process.env.SPECWARDEN_TRACKING_OFFLINE = "1";
    const globalFetch = globalThis.fetch;
    globalThis.fetch = (() => Promise.reject(new Error("no network in tests"))) as never;
    try {
      await probot.load(specwardenApp({ review: async () => ({}) as never, caches: createCaches(), coordination }), { addHandler: (h: (req: any, res: any) => unknown) => handlers.push(h) } as never);
      await runPushes();
    } finally {
      delete process.env.SPECWARDEN_TRACKING_TOKEN;
      delete process.env.SPECWARDEN_TRACKING_OFFLINE;
      globalThis.fetch = globalFetch;
    }
    async function runPushes() {
      // /healthz first, then the tracking cron route
      expect(handlers).toHaveLength(2);
      // a push to another branch does nothing
      await probot.receive({ id: "p1", name: "push", payload: { ref: "refs/heads/feature", after: env.head, deleted: false, repository: env.github.repositoryPayload(), installation: { id: 77 } } } as never);
      await coordination.queue.drained();
      expect(env.issues.issues).toHaveLength(0);
      await probot.receive({ id: "p2", name: "push", payload: { ref: "refs/heads/main", after: env.head, deleted: false, repository: env.github.repositoryPayload(), installation: { id: 77 } } } as never);
      await coordination.queue.drained();
      expect(env.issues.issues.filter((i) => i.labels.includes("specwarden:patch-dashboard"))).toHaveLength(1);
      // offline: netlabel is unknown (not forwarded), unitd's label patch is fixed elsewhere, libfoo downstream-only
      const titles = env.issues.issues.filter((i) => i.labels.includes("specwarden:upstream-tracking")).map((i) => i.title).sort();
      expect(titles).toEqual([
        "Downstream patch libfoo/libfoo-default-ciphers.patch: unknown",
        "Downstream patch netlabel/netlabel-long-labels.patch: unknown",
        "Downstream patch unitd/unitd-tmpfiles-label.patch: fixed elsewhere — the drop condition is met",
      ]);
      // the cron route sweeps the installation's repository again: nothing changed, nothing written
      const writes = env.github.writes.length;
      const { Readable } = await import("node:stream");
      const req = Object.assign(Readable.from([Buffer.from('{"repository":"azl/distro"}')]), { url: "/specwarden/track?wait=1", method: "POST", headers: { authorization: "Bearer cron-token" } });
      let status = 0;
      let sent = "";
      const res = { setHeader() {}, writeHead(s: number) { status = s; }, end(b: string) { sent = b; } };
      expect(await handlers[1]?.(req, res)).toBe(true);
      expect(status).toBe(200);
      expect(JSON.parse(sent)).toMatchObject({ repository: "azl/distro", status: "tracked", writes: 0 });
      expect(env.github.writes.length).toBe(writes);
    }
  });
});
