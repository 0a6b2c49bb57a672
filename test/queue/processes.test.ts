/**
 * A deployment of real processes on the real Redis: two app processes that receive webhooks and
 * only enqueue, two worker processes that run the jobs, all talking to one in-memory GitHub over
 * HTTP. 50 concurrent deliveries of one head through both apps give exactly one check run, sticky
 * comment and review; of two heads pushed in quick succession only the newer one's result is
 * published; a worker killed (SIGKILL) in the middle of a check is replaced by the other, which
 * completes it. (The same scenarios in one process, on both back ends: distributed.test.ts.)
 */
import { fork, type ChildProcess } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { STICKY_MARKER } from "../../src/github/markdown.js";
import { redisCoordination, type Coordination } from "../../src/queue/index.js";
import { baseFiles, demoHeadFiles } from "../github/demo-repo.js";
import { signedDelivery, testPrivateKey, WEBHOOK_SECRET } from "../github/harness.js";
import { dropPrefix, REDIS_URL, redisAnswers, testPrefix, waitFor } from "./redis-env.js";

const available = await redisAnswers();
if (!available) console.warn(`Redis at ${REDIS_URL} does not answer: the multi-process tests are skipped (.ci/run starts it)`);

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** One GitHub for every process; a test may hold a request (by method, path and the process that sent it). */
interface SharedGitHub {
  github: FakeGitHub;
  hold: ((call: { method: string; path: string; agent: string }) => Promise<void> | undefined) | undefined;
}

function serveGitHub(shared: SharedGitHub): Promise<{ url: string; server: Server }> {
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });
  const server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const method = req.method ?? "GET";
      const path = new URL(req.url ?? "/", "http://x").pathname;
      await shared.hold?.({ method, path, agent: String(req.headers["user-agent"] ?? "") });
      const headers = Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === "string"));
      const response = await shared.github.fetch(`http://github.test${req.url}`, { method, headers, ...(body ? { body } : {}) });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

interface Proc {
  name: string;
  child: ChildProcess;
  /** the webhook URL of an app process */
  url: string;
  outcomes: { status: string; checkRunId?: number }[];
}

function spawn(name: string, role: "app" | "worker", env: Record<string, string>): Promise<Proc> {
  const child = fork(here("./processes/app-process.ts"), [], {
    execArgv: ["--import", here("./processes/register.mjs")],
    env: { ...process.env, ...env, SPECWARDEN_ROLE: role, TEST_PROCESS_NAME: name },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const proc: Proc = { name, child, url: "", outcomes: [] };
  return new Promise((resolve, reject) => {
    child.on("message", (m: { ready?: string; outcome?: Proc["outcomes"][number] }) => {
      if (m.outcome) proc.outcomes.push(m.outcome);
      if (m.ready) {
        proc.url = m.ready;
        resolve(proc);
      }
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code} before it was ready: ${stderr.slice(-2000)}`)));
  });
}

function post(url: string, event: string, payload: unknown, id: string): Promise<Response> {
  const d = signedDelivery(event, payload, id);
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-github-event": d.event, "x-github-delivery": d.id, "x-hub-signature-256": d.signature }, body: d.body });
}

describe.skipIf(!available)("a deployment of two app processes and two workers on Redis", () => {
  const shared: SharedGitHub = { github: new FakeGitHub(), hold: undefined };
  const prefix = testPrefix();
  let server: Server;
  let apps: Proc[] = [];
  let workers: Proc[] = [];
  let observer: Coordination;

  beforeAll(async () => {
    const served = await serveGitHub(shared);
    server = served.server;
    const env = {
      REDIS_URL,
      SPECWARDEN_QUEUE_PREFIX: prefix,
      GITHUB_URL: served.url,
      APP_ID: String(shared.github.appId),
      PRIVATE_KEY: testPrivateKey(),
      WEBHOOK_SECRET,
      // short enough that a killed worker's job and locks are taken over within seconds
      TEST_LOCK_DURATION_MS: "1000",
      TEST_STALLED_INTERVAL_MS: "500",
      TEST_PULL_LOCK_TTL_MS: "1500",
    };
    [apps, workers] = await Promise.all([
      Promise.all(["app-a", "app-b"].map((n) => spawn(n, "app", env))),
      Promise.all(["worker-1", "worker-2"].map((n) => spawn(n, "worker", env))),
    ]);
    observer = redisCoordination({ url: REDIS_URL, prefix });
  }, 60_000);

  afterAll(async () => {
    for (const p of [...apps, ...workers]) p.child.kill("SIGKILL");
    await observer?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await dropPrefix(prefix);
  });

  /** A fresh pull request per test (the processes, and Redis's registry of heads, are shared). */
  function openPull(number: number) {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number, base, head, headRef: `topic-${number}` });
    shared.github = github;
    shared.hold = undefined;
    return { github, head };
  }

  const published = () => [...apps, ...workers].flatMap((p) => p.outcomes).filter((o) => o.status === "published");

  it("50 concurrent deliveries of one head: one check run, one sticky comment, one review", async () => {
    const before = published().length;
    const { github } = openPull(21);
    const payload = github.pullRequestPayload(21, "synchronize");
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(apps[i % 2]!.url, "pull_request", payload, `sync-21-${i}`)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await waitFor(() => github.checkRuns.some((r) => r.status === "completed"), 20_000, "the check run to complete");
    await observer.queue.drained({ timeoutMs: 20_000 });
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(github.comments.filter((c) => c.body.startsWith(STICKY_MARKER))).toHaveLength(1);
    expect(github.reviews).toHaveLength(1);
    expect(github.callsTo("POST", /\/check-runs$/)).toHaveLength(1);
    expect(published().length - before).toBe(1);
  }, 40_000);

  it("two heads pushed in quick succession: only the newer head's result is published", async () => {
    const { github, head: older } = openPull(22);
    // the older head's check is slow: its reads of the pull request wait until the newer push arrived
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    shared.hold = ({ method, path }) => (method === "GET" && path.endsWith("/pulls/22") ? released : undefined);
    await post(apps[0]!.url, "pull_request", github.pullRequestPayload(22, "synchronize"), "push-22-1");
    await waitFor(() => github.checkRuns.some((r) => r.head_sha === older), 20_000, "the older head's check to start");
    const newer = github.commit({ ...demoHeadFiles(), "README.md": "second push\n" }, { parents: [older] });
    github.movePullHead(22, newer);
    await post(apps[1]!.url, "pull_request", github.pullRequestPayload(22, "synchronize"), "push-22-2");
    setTimeout(release, 300);
    await waitFor(() => github.checkRuns.some((r) => r.head_sha === newer && r.status === "completed"), 20_000, "the newer head's check");
    await observer.queue.drained({ timeoutMs: 20_000 });
    for (const run of github.checkRuns.filter((r) => r.head_sha === older)) expect(run.conclusion === "neutral" || run.status !== "completed").toBe(true);
    expect(github.reviews.length).toBeGreaterThan(0);
    expect(github.reviews.every((r) => r.commit_id === newer)).toBe(true);
    const sticky = github.comments.filter((c) => c.body.startsWith(STICKY_MARKER));
    expect(sticky).toHaveLength(1);
    expect(sticky[0]!.body).toContain(newer.slice(0, 7));
    expect(sticky[0]!.body).not.toContain(`head ${older.slice(0, 7)}`);
  }, 40_000);

  it("a worker killed in the middle of a check: the other takes the job over and completes the check", async () => {
    const { github } = openPull(23);
    let victim: Proc | undefined;
    // whichever worker gets to post the review dies right there, before GitHub sees it
    shared.hold = ({ method, path, agent }) => {
      if (victim || method !== "POST" || !path.endsWith("/pulls/23/reviews")) return undefined;
      victim = workers.find((w) => agent.includes(`specwarden-test/${w.name}`));
      victim?.child.kill("SIGKILL");
      return new Promise<void>(() => undefined);
    };
    await post(apps[0]!.url, "pull_request", github.pullRequestPayload(23, "opened"), "open-23");
    await waitFor(() => victim !== undefined, 20_000, "a worker to reach the review");
    await waitFor(() => github.checkRuns[0]?.status === "completed", 30_000, "the survivor to complete the check");
    await observer.queue.drained({ timeoutMs: 20_000 });
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(github.reviews).toHaveLength(1);
    expect(github.comments.filter((c) => c.body.startsWith(STICKY_MARKER))).toHaveLength(1);
    const survivor = workers.find((w) => w !== victim)!;
    expect(survivor.outcomes.some((o) => o.status === "published" && o.checkRunId === github.checkRuns[0]!.id)).toBe(true);
  }, 60_000);
});
