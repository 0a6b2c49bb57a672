/**
 * Past one process, against the real Redis (and the same scenarios on the in-process back end): many
 * deliveries of one head give exactly one check run, sticky comment and review; a newer head wins;
 * a worker that dies mid-job is replaced; a sweep interrupted by a dropped Redis connection resumes
 * without duplicating an issue.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProbotOctokit } from "probot";
import { FakeGitHub } from "../../src/github/fake-github.js";
import type { Octokit } from "../../src/github/octokit.js";
import { STICKY_MARKER } from "../../src/github/markdown.js";
import { checkJobId, enqueueTrack, fenceWrites, trackJobHandler, type RunTrack } from "../../src/github/jobs.js";
import { trackRepository } from "../../src/github/tracking/index.js";
import { ContentPacer } from "../../src/github/tracking/pacer.js";
import { inProcessCoordination, redisCoordination, type Coordination } from "../../src/queue/index.js";
import { fakeClock, trackingGitHub } from "../github-tracking/setup.js";
import { baseFiles, demoHeadFiles } from "../github/demo-repo.js";
import { fakeReview } from "../github/fake-review.js";
import { createHarness, type Harness } from "../github/harness.js";
import { dropPrefix, killConnections, REDIS_URL, redisAnswers, testPrefix, waitFor } from "./redis-env.js";

const available = await redisAnswers();
if (!available) console.warn(`Redis at ${REDIS_URL} does not answer: the Redis back-end tests are skipped (.ci/run starts it)`);

const open: Coordination[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((c) => c.close()));
  await Promise.allSettled(prefixes.splice(0).map((p) => dropPrefix(p)));
});

type Backend = "redis" | "in-process";
function coordinations(backend: Backend, count: number, options: { lockDurationMs?: number; stalledIntervalMs?: number } = {}): Coordination[] {
  if (backend === "in-process") {
    const one = inProcessCoordination();
    open.push(one);
    return [one];
  }
  const prefix = testPrefix();
  prefixes.push(prefix);
  const out = Array.from({ length: count }, () => redisCoordination({ url: REDIS_URL, prefix, ...options }));
  open.push(...out);
  return out;
}

function demoPull() {
  const github = new FakeGitHub();
  const base = github.commit(baseFiles(), { branch: "main" });
  const head = github.commit(demoHeadFiles(), { parents: [base] });
  github.openPull({ number: 12, base, head, headRef: "vendor-watchdog-patch" });
  return { github, base, head };
}

async function apps(github: FakeGitHub, coords: Coordination[], review = fakeReview()): Promise<Harness[]> {
  return Promise.all(coords.map((coordination) => createHarness(review, github, { coordination })));
}

async function settled(coords: Coordination[]): Promise<void> {
  await waitFor(async () => {
    const d = await coords[0]!.queue.depths();
    return d.check.waiting + d.check.active + d.check.delayed === 0;
  }, 20_000, "the check queue to drain");
}

const backends: Backend[] = ["in-process", "redis"];

describe.each(backends)("exactly one result per head (%s back end)", (backend) => {
  it.skipIf(backend === "redis" && !available)("50 concurrent deliveries of one head through two app processes and two workers: one check run, one sticky comment, one review", async () => {
    const { github } = demoPull();
    const coords = coordinations(backend, 2);
    const harnesses = await apps(github, coords);
    const payload = github.pullRequestPayload(12, "synchronize");
    await Promise.all(Array.from({ length: 50 }, (_, i) => harnesses[i % harnesses.length]!.deliver("pull_request", payload, `delivery-${i}`)));
    await settled(coords);
    await waitFor(() => github.checkRuns.some((r) => r.status === "completed"), 20_000, "the check run to complete");
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(github.comments.filter((c) => c.body.startsWith(STICKY_MARKER))).toHaveLength(1);
    expect(github.reviews).toHaveLength(1);
    const published = harnesses.flatMap((h) => h.outcomes).filter((o) => o.status === "published");
    expect(published).toHaveLength(1);
  });

  it.skipIf(backend === "redis" && !available)("two heads pushed in quick succession: only the newer head's result is published", async () => {
    const { github } = demoPull();
    const newer = github.commit({ ...demoHeadFiles(), "README.md": "second push\n" }, { parents: [github.pulls.get(12)!.head.sha] });
    const older = github.pulls.get(12)!.head.sha;
    // the older head's review is slow: the newer push arrives while it runs
    const review = fakeReview();
    let releaseOlder!: () => void;
    const olderHeld = new Promise<void>((r) => (releaseOlder = r));
    const slow = Object.assign(async (input: Parameters<typeof review>[0]) => {
      if ((input.head as { commitSha?: string }).commitSha === older) await olderHeld;
      return review(input);
    }, { inputs: review.inputs });
    const coords = coordinations(backend, 2);
    const harnesses = await apps(github, coords, slow);
    const first = harnesses[0]!.deliver("pull_request", github.pullRequestPayload(12, "synchronize"), "push-1");
    await waitFor(() => review.inputs.length > 0 || github.checkRuns.length > 0, 10_000, "the older head's check to start");
    github.movePullHead(12, newer);
    const second = harnesses[harnesses.length - 1]!.deliver("pull_request", github.pullRequestPayload(12, "synchronize"), "push-2");
    setTimeout(releaseOlder, 200);
    await Promise.all([first, second]);
    await settled(coords);
    await waitFor(() => github.checkRuns.some((r) => r.head_sha === newer && r.status === "completed"), 20_000, "the newer head's check");
    const olderRuns = github.checkRuns.filter((r) => r.head_sha === older);
    for (const run of olderRuns) expect(run.conclusion === "neutral" || run.status !== "completed").toBe(true);
    expect(github.reviews.every((r) => r.commit_id === newer)).toBe(true);
    const sticky = github.comments.filter((c) => c.body.startsWith(STICKY_MARKER));
    expect(sticky).toHaveLength(1);
    expect(sticky[0]!.body).toContain(newer.slice(0, 7));
    expect(sticky[0]!.body).not.toContain(`head ${older.slice(0, 7)}`);
  });
});

describe.skipIf(!available)("a worker that dies mid-job (Redis)", () => {
  it("the job is picked up again by another worker and the check completes", async () => {
    const { github } = demoPull();
    // short lock and stalled-check intervals so that the dead worker's job is recovered within a second
    const [dying, surviving] = coordinations("redis", 2, { lockDurationMs: 500, stalledIntervalMs: 300 });
    let hang = true;
    github.beforeRespond = async ({ method, path }) => {
      // the first worker freezes right before it creates the check run, and never comes back
      if (hang && method === "POST" && path.endsWith("/check-runs")) {
        hang = false;
        await killProcess();
        await new Promise(() => undefined);
      }
    };
    const dyingApp = await createHarness(fakeReview(), github, { coordination: dying!, lockTtlMs: 500 });
    const killProcess = async () => {
      // what a killed process leaves behind: no more lock renewals, no more job-lock extensions
      await dying!.close();
    };
    await dyingApp.deliver("pull_request", github.pullRequestPayload(12, "opened"), "delivery-1");
    await waitFor(() => !hang, 10_000, "the first worker to freeze");
    const survivor = await createHarness(fakeReview(), github, { coordination: surviving!, lockTtlMs: 500 });
    await waitFor(() => github.checkRuns.some((r) => r.status === "completed"), 20_000, "the recovered job to complete");
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(survivor.outcomes.map((o) => o.status)).toEqual(["published"]);
  });
});

describe("a process that dies mid-job (in-process back end)", () => {
  it("its queue dies with it; the restarted process takes the abandoned check run over on the next delivery and completes it", async () => {
    const { github } = demoPull();
    let frozen = false;
    github.beforeRespond = async ({ method, path }) => {
      // the process hangs (and is then gone) right before it posts the review: its check run stays in progress
      if (!frozen && method === "POST" && path.endsWith("/pulls/12/reviews")) {
        frozen = true;
        await new Promise(() => undefined);
      }
    };
    const [dead] = coordinations("in-process", 1);
    const dying = await createHarness(fakeReview(), github, { coordination: dead! });
    void dying.deliver("pull_request", github.pullRequestPayload(12, "opened"), "delivery-1");
    await waitFor(() => frozen, 10_000, "the first process to hang");
    expect(github.checkRuns).toEqual([expect.objectContaining({ status: "in_progress" })]);
    // nothing shared survives an in-process queue: another process cannot tell a dead run from a live
    // one, so it takes the run over once it is older than the takeover window (10 minutes)
    github.checkRuns[0]!.started_at = new Date(Date.now() - 11 * 60_000).toISOString();
    const [fresh] = coordinations("in-process", 1);
    const restarted = await createHarness(fakeReview(), github, { coordination: fresh! });
    await restarted.deliver("pull_request", github.pullRequestPayload(12, "opened"), "delivery-1");
    expect(restarted.outcomes.map((o) => o.status)).toEqual(["published"]);
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(github.reviews).toHaveLength(1);
    expect(github.comments.filter((c) => c.body.startsWith(STICKY_MARKER))).toHaveLength(1);
  });
});

describe.each(backends)("a tracking sweep that loses its connection (%s back end)", (backend) => {
  it.skipIf(backend === "redis" && !available).each([
    ["the sweep carries on once Redis answers again", false],
    ["the GitHub request in flight fails with it: the sweep is retried", true],
  ])("Redis drops mid-sweep — %s — and no issue is created twice", async (_name, requestFails) => {
    const env = trackingGitHub();
    const [coord] = coordinations(backend, 1);
    let dropped = 0;
    let posts = 0;
    let runs = 0;
    /** a fresh client per job, as the app authenticates one per job */
    const octokitForJob = () => {
      const octokit = new ProbotOctokit({ auth: { token: "ghs_test" }, request: { fetch: env.issues.fetch }, retry: { enabled: false }, throttle: { enabled: false } } as never) as unknown as Octokit;
      octokit.hook.before("request", async (options: { method?: string; url?: string }) => {
        if (options.method !== "POST" || !/\/issues$/.test(options.url ?? "") || ++posts !== 3 || dropped > 0) return;
        dropped++;
        // every connection of this deployment is closed from the server side, as a Redis restart does
        if (backend === "redis") expect(await killConnections(prefixes[prefixes.length - 1]!)).toBeGreaterThan(0);
        if (requestFails) env.github.failWith = () => ((env.github.failWith = undefined), { status: 502, message: "Bad Gateway" });
      });
      return octokit;
    };
    const repo = { owner: "azl", repo: "distro" };
    // the sweep's writes take their slots from the shared windows and prove the repository's lock first
    const sweep: RunTrack = (_job, run) => {
      runs++;
      const pacer = new ContentPacer({ shared: { rates: coord!.rates, key: "content:77" } });
      return trackRepository(fenceWrites(octokitForJob(), () => run.fence.assertHeld()), repo, { botLogin: "specwarden[bot]", offline: true, headSha: env.head, defaultBranch: "main", pacer });
    };
    coord!.queue.work("track", trackJobHandler(coord!, sweep), { concurrency: 1 });
    const job = await enqueueTrack(coord!, { repo, headSha: env.head });
    const summary = (await job.finished()) as { status: string };
    expect(summary.status).toBe("tracked");
    expect(dropped).toBe(1);
    expect(runs).toBe(requestFails ? 2 : 1);
    const titles = env.issues.issues.map((i) => i.title);
    expect(titles.length).toBeGreaterThan(3);
    expect(new Set(titles).size).toBe(titles.length);
    // every issue was created once: a second sweep finds everything in place
    expect(env.github.callsTo("POST", /\/issues$/).filter((c) => c.status === 201)).toHaveLength(titles.length);
    const again = await trackRepository(env.octokit, repo, { botLogin: "specwarden[bot]", offline: true, headSha: env.head, defaultBranch: "main", pacer: new ContentPacer({ clock: fakeClock() }) });
    expect(again.created).toEqual([]);
  }, 30_000);
});

describe("job ids", () => {
  it("name the repository, pull request and head", () => {
    expect(checkJobId({ repo: { owner: "Azl", repo: "Distro" }, number: 7, headSha: "abc" })).toBe("check:azl/distro#7@abc");
  });
});

describe.each(backends)("a flow whose child fails for good (%s back end)", (backend) => {
  it.skipIf(backend === "redis" && !available)("still runs the parent, which learns which child failed", async () => {
    const [coord] = coordinations(backend, 1);
    coord!.queue.work("verify", async (data: { n: number }) => {
      if (data.n === 2) throw new Error("this batch cannot be rendered");
      return { n: data.n };
    }, { concurrency: 2 });
    coord!.queue.work("aggregate", async (_data, context) => context.children(), { concurrency: 1 });
    const flow = await coord!.queue.enqueueFlow({
      parent: { kind: "aggregate", id: "aggregate:t", data: {} },
      children: [1, 2, 3].map((n) => ({ kind: "verify" as const, id: `verify:t/${n}`, data: { n }, attempts: 2 })),
    });
    const outcome = (await flow.finished()) as { results: { n: number }[]; failed: string[] };
    expect(outcome.results.map((r) => r.n).sort()).toEqual([1, 3]);
    expect(outcome.failed).toEqual(["verify:t/2"]);
  }, 30_000);
});
