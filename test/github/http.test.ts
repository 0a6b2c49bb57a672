import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, Probot, ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { specwardenApp } from "../../src/github/app.js";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { createCaches } from "../../src/github/repo-view.js";
import { inProcessCoordination } from "../../src/queue/index.js";
import { baseFiles, demoHeadFiles } from "./demo-repo.js";
import { fakeReview } from "./fake-review.js";
import { testPrivateKey, WEBHOOK_SECRET } from "./harness.js";

let server: Server | undefined;
// the app answers once it enqueued; a test waits for the queue to drain before it looks at GitHub
let coordination = inProcessCoordination();
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function startServer(github: FakeGitHub): Promise<string> {
  coordination = inProcessCoordination();
  const probot = new Probot({
    appId: github.appId,
    privateKey: testPrivateKey(),
    secret: WEBHOOK_SECRET,
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((options: object) => ({ ...options, retry: { enabled: false }, throttle: { enabled: false } })),
    request: { fetch: github.fetch },
  });
  const middleware = await createNodeMiddleware(specwardenApp({ review: fakeReview(), tracking: false, caches: createCaches(), coordination }), { probot });
  server = createServer((req, res) => {
    void middleware(req, res, () => {
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api/github/webhooks`;
}

function post(url: string, body: string, signature: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": "0b9c7a40-7c1f-11f0-8de9-0242ac120002",
      "x-hub-signature-256": signature,
    },
    body,
  });
}

function demo(): FakeGitHub {
  const github = new FakeGitHub();
  const base = github.commit(baseFiles(), { branch: "main" });
  const head = github.commit(demoHeadFiles(), { parents: [base] });
  github.openPull({ number: 12, base, head });
  return github;
}

describe("webhooks over HTTP", () => {
  it("runs the check for a correctly signed delivery", async () => {
    const github = demo();
    const url = await startServer(github);
    const body = JSON.stringify(github.pullRequestPayload(12, "opened"));
    const signature = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;
    const response = await post(url, body, signature);
    await coordination.queue.drained();
    expect(response.status).toBe(200);
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  it("rejects a delivery with a bad signature without calling GitHub", async () => {
    const github = demo();
    const url = await startServer(github);
    const body = JSON.stringify(github.pullRequestPayload(12, "opened"));
    const forged = `sha256=${createHmac("sha256", "not-the-secret").update(body).digest("hex")}`;
    const response = await post(url, body, forged);
    expect(response.status).toBe(400);
    expect(github.calls).toEqual([]);
    const unsigned = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": "x" }, body });
    expect(unsigned.status).toBe(400);
    expect(github.calls).toEqual([]);
  });
});
