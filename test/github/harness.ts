/** Drives the real Probot app against the in-memory GitHub. */
import { generateKeyPairSync } from "node:crypto";
import { Probot, ProbotOctokit } from "probot";
import { specwardenApp } from "../../src/github/app.js";
import type { CheckOutcome, ReviewChange } from "../../src/github/check-pull-request.js";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { createCaches } from "../../src/github/repo-view.js";

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
  github: FakeGitHub;
  outcomes: CheckOutcome[];
  deliver(name: string, payload: unknown, id?: string): Promise<void>;
}

let deliveries = 0;

export async function createHarness(
  review: ReviewChange,
  github = new FakeGitHub(),
  options: { tracking?: boolean; Octokit?: typeof ProbotOctokit; baseUrl?: string } = {},
): Promise<Harness> {
  const probot = new Probot({
    appId: github.appId,
    privateKey: testPrivateKey(),
    secret: WEBHOOK_SECRET,
    logLevel: "fatal",
    Octokit: options.Octokit ?? ProbotOctokit.defaults((o: object) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })),
    request: { fetch: github.fetch },
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
  });
  const outcomes: CheckOutcome[] = [];
  await probot.load(specwardenApp({ review, tracking: options.tracking ?? false, caches: createCaches(), onCheck: (o) => outcomes.push(o) }));
  return {
    probot,
    github,
    outcomes,
    deliver: (name, payload, id) => probot.receive({ id: id ?? `delivery-${++deliveries}`, name, payload } as never),
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
