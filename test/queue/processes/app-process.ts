/**
 * One process of a deployment, for the multi-process tests: `SPECWARDEN_ROLE=app` serves the
 * webhook endpoint and only enqueues (`serve --no-workers`), `worker` runs the jobs (`specwarden
 * worker`). Both talk to the test's in-memory GitHub over HTTP (GITHUB_URL) and to the real Redis
 * under the test's key prefix. Tells its parent over IPC when it is ready (with its URL) and every
 * check it finished.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, Probot, ProbotOctokit } from "probot";
import { specwardenApp } from "../../../src/github/app.js";
import { createCaches } from "../../../src/github/repo-view.js";
import { redisCoordination } from "../../../src/queue/index.js";
import { fakeReview } from "../../github/fake-review.js";

const env = process.env;
const role = env["SPECWARDEN_ROLE"];
const number = (name: string): number | undefined => (env[name] ? Number(env[name]) : undefined);

const coordination = redisCoordination({
  url: env["REDIS_URL"] as string,
  prefix: env["SPECWARDEN_QUEUE_PREFIX"] as string,
  backoffMs: 100,
  ...(number("TEST_LOCK_DURATION_MS") ? { lockDurationMs: number("TEST_LOCK_DURATION_MS") } : {}),
  ...(number("TEST_STALLED_INTERVAL_MS") ? { stalledIntervalMs: number("TEST_STALLED_INTERVAL_MS") } : {}),
});
const probot = new Probot({
  appId: Number(env["APP_ID"]),
  privateKey: env["PRIVATE_KEY"] as string,
  secret: env["WEBHOOK_SECRET"] as string,
  baseUrl: env["GITHUB_URL"] as string,
  logLevel: "fatal",
  // the user agent names this process, so that the test's GitHub can tell who sent a request
  Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, userAgent: `specwarden-test/${env["TEST_PROCESS_NAME"]}`, retry: { enabled: false }, throttle: { enabled: false } })),
});
const app = specwardenApp({
  review: fakeReview(),
  coordination,
  workers: role === "worker",
  tracking: false,
  caches: createCaches(),
  ...(number("TEST_PULL_LOCK_TTL_MS") ? { lockTtlMs: number("TEST_PULL_LOCK_TTL_MS") } : {}),
  onCheck: (outcome) => process.send?.({ outcome: { status: outcome.status, checkRunId: outcome.checkRunId } }),
});

if (role === "app") {
  const middleware = await createNodeMiddleware(app, { probot });
  const server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.send?.({ ready: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks` });
} else {
  await probot.load(app);
  process.send?.({ ready: "worker" });
}

process.on("SIGTERM", () => void coordination.close({ graceful: true, timeoutMs: 2000 }).finally(() => process.exit(0)));
