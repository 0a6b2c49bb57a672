/** Drives the real Probot app against the in-memory GitHub: through `probot.receive`, or over HTTP. */
import { createHmac, generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, Probot, ProbotOctokit } from "probot";
import { specwardenApp } from "../../src/github/app.js";
import type { CheckOutcome, ReviewChange } from "../../src/github/check-pull-request.js";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { createCaches } from "../../src/github/repo-view.js";
import { inProcessCoordination } from "../../src/queue/in-process.js";
import type { Coordination } from "../../src/queue/types.js";
import type { UpstreamForge } from "../../src/tracking/forge.js";
import type { UpstreamSource } from "../../src/upstream/types.js";

export const WEBHOOK_SECRET = "specwarden-test-secret";

let cachedKey: string | undefined;
export function testPrivateKey(): string {
  cachedKey ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  }).privateKey;
  return cachedKey;
}

export interface Harness {
  probot: Probot;
  coordination: Coordination;
  github: FakeGitHub;
  outcomes: CheckOutcome[];
  deliver(name: string, payload: unknown, id?: string): Promise<void>;
}

let deliveries = 0;

function testProbot(github: FakeGitHub, options: { Octokit?: typeof ProbotOctokit; baseUrl?: string } = {}): Probot {
  return new Probot({
    appId: github.appId,
    privateKey: testPrivateKey(),
    secret: WEBHOOK_SECRET,
    logLevel: "fatal",
    Octokit: options.Octokit ?? ProbotOctokit.defaults((o: object) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })),
    request: { fetch: github.fetch },
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
  });
}

/** `review` undefined: the app's default, the real review engine. */
export async function createHarness(
  review: ReviewChange | undefined,
  github = new FakeGitHub(),
  options: { tracking?: boolean; Octokit?: typeof ProbotOctokit; baseUrl?: string; upstream?: UpstreamSource; upstreamForge?: UpstreamForge; coordination?: Coordination; workers?: boolean; lockTtlMs?: number; fanOutBatchSize?: number } = {},
): Promise<Harness> {
  const probot = testProbot(github, options);
  const outcomes: CheckOutcome[] = [];
  // webhook handlers only enqueue: in process, a delivery is done once the queue has drained
  const coordination = options.coordination ?? inProcessCoordination();
  await probot.load(
    specwardenApp({
      ...(review ? { review } : {}),
      ...(options.upstream ? { upstream: options.upstream } : {}),
      ...(options.upstreamForge ? { upstreamForge: options.upstreamForge } : {}),
      coordination,
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.lockTtlMs ? { lockTtlMs: options.lockTtlMs } : {}),
      ...(options.fanOutBatchSize ? { fanOutBatchSize: options.fanOutBatchSize } : {}),
      tracking: options.tracking ?? false,
      caches: createCaches(),
      onCheck: (o) => outcomes.push(o),
    }),
  );
  return {
    probot,
    github,
    outcomes,
    coordination,
    deliver: async (name, payload, id) => {
      await probot.receive({ id: id ?? `delivery-${++deliveries}`, name, payload } as never);
      if (coordination.queue.backend === "in-process") await coordination.queue.drained();
    },
  };
}

/** An issue_comment.created payload on a pull request. */
export function commentPayload(github: FakeGitHub, body: string, login: string, issue = 12): any {
  return {
    action: "created",
    issue: { number: issue, pull_request: { url: `https://api.github.com/repos/${github.fullName}/pulls/${issue}` }, user: { login: "maintainer" } },
    comment: { id: 555, body, user: { login, type: "User" } },
    repository: github.repositoryPayload(),
    installation: { id: 77 },
    sender: { login, type: "User" },
  };
}

export interface Delivery {
  event: string;
  /** X-GitHub-Delivery; GitHub keeps it when a delivery is redelivered */
  id: string;
  body: string;
  signature: string;
}

/** A webhook delivery as GitHub sends it: the JSON body signed with the webhook secret. */
export function signedDelivery(event: string, payload: unknown, id: string, secret = WEBHOOK_SECRET): Delivery {
  const body = JSON.stringify(payload);
  return { event, id, body, signature: `sha256=${createHmac("sha256", secret).update(body).digest("hex")}` };
}

export interface HttpApp {
  url: string;
  outcomes: CheckOutcome[];
  /** POSTs the delivery, waits for the app's answer (it answers once it enqueued) and for the jobs to run */
  post(delivery: Delivery): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The app as it runs in production: Probot's Node middleware on an HTTP server, verifying every
 * delivery's signature. `review` undefined: the app's default, the real review engine.
 */
export async function startHttpApp(github: FakeGitHub, options: { review?: ReviewChange; tracking?: boolean } = {}): Promise<HttpApp> {
  const probot = testProbot(github);
  const outcomes: CheckOutcome[] = [];
  const coordination = inProcessCoordination();
  const middleware = await createNodeMiddleware(
    specwardenApp({ ...(options.review ? { review: options.review } : {}), coordination, tracking: options.tracking ?? false, caches: createCaches(), onCheck: (o) => outcomes.push(o) }),
    { probot },
  );
  const server: Server = createServer((req, res) => {
    void middleware(req, res, () => {
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
  return {
    url,
    outcomes,
    post: async (delivery) => {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": delivery.event,
          "x-github-delivery": delivery.id,
          "x-hub-signature-256": delivery.signature,
        },
        body: delivery.body,
      });
      // the app answered once it enqueued; the jobs run after
      await coordination.queue.drained();
      return response;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
