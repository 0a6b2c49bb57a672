/**
 * Fan-out of a distro-wide change through the app, on both back ends: the report is published at
 * once on a run that stays in progress; verification jobs (one per batch, on two app instances)
 * re-render the deferred components; a parent completes the same run with their verdicts. A newer
 * head ends the older run neutral; a batch that fails for good leaves its components unverified.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { FAN_OUT_MARKER, FAN_OUT_SECTION_MAX_BYTES, fanOutResultSection, withFanOutProgress, withFanOutSection } from "../../src/github/fan-out-summary.js";
import { aggregateHandler, gatherVerdicts, type AggregateJob } from "../../src/github/fan-out.js";
import type { Octokit as OctokitType } from "../../src/github/octokit.js";
import { inProcessCoordination } from "../../src/queue/index.js";
import type { Finding } from "../../src/review/types.js";
import { Octokit } from "@octokit/rest";
import { byteLength, CHECK_TEXT_MAX_BYTES } from "../../src/report/markdown-text.js";
import { MemoryUpstream } from "../../src/upstream/memory.js";
import type { UpstreamRequest } from "../../src/upstream/types.js";
import { demoBase, demoHead } from "../github/demo-fixture.js";
import { fakeReview } from "../github/fake-review.js";
import { createHarness } from "../github/harness.js";
import { BACKENDS, coordinationPool, REDIS_URL, redisAnswers, waitFor } from "./redis-env.js";

const available = await redisAnswers();
if (!available) console.warn(`Redis at ${REDIS_URL} does not answer: the Redis back-end tests are skipped (.ci/run starts it)`);

const pool = coordinationPool();
afterEach(() => pool.cleanup());

const DEFERRED = ["acl", "libfido2", "systemd"];

function demoPull() {
  const github = new FakeGitHub();
  const base = github.commit(demoBase(), { branch: "main" });
  const head = github.commit(demoHead(), { parents: [base] });
  github.openPull({ number: 12, base, head, headRef: "distro-default" });
  return { github, head };
}

/** The fake review, reporting the three demo components as reached only through a shared default. */
function deferringReview() {
  const review = fakeReview();
  return Object.assign(async (input: Parameters<typeof review>[0]) => ({ ...(await review(input)), deferred: DEFERRED }), { inputs: review.inputs });
}

describe.each(BACKENDS)("fan-out of a distro-wide change (%s back end)", (backend) => {
  const skip = backend === "redis" && !available;

  it.skipIf(skip)("publishes the report on a run left in progress, verifies one batch per job on two instances, completes the same run", async () => {
    const { github } = demoPull();
    const upstream = new MemoryUpstream({});
    const coords = pool.make(backend, 2);
    const apps = await Promise.all(coords.map((coordination) => createHarness(deferringReview(), github, { coordination, upstream, fanOutBatchSize: 1 })));
    await apps[0]!.deliver("pull_request", github.pullRequestPayload(12, "opened"), "delivery-fan-out");
    await waitFor(() => github.checkRuns[0]?.status === "completed", 30_000, "the aggregated check run");
    expect(github.checkRuns).toHaveLength(1);
    const run = github.checkRuns[0]!;
    // the report went out first, on a run still in progress, with the progress line under it
    const patches = github.callsTo("PATCH", `/repos/${github.fullName}/check-runs/${run.id}`).map((c) => c.body);
    const report = patches.find((b) => b.output?.summary?.includes("0 / 3 components verified…"));
    expect(report).toMatchObject({ status: "in_progress" });
    expect(report.output.annotations.length).toBeGreaterThan(0);
    // then one completion, by the parent, with the verdicts of both
    const completions = patches.filter((b) => b.status === "completed");
    expect(completions).toHaveLength(1);
    const summary = run.output.summary!;
    expect(summary.indexOf(FAN_OUT_MARKER)).toBeGreaterThan(0);
    const counts = /3 \/ 3 components verified one by one: (\d+) clean, (\d+) not re-rendered, (\d+) unverified/.exec(summary);
    expect(counts).not.toBeNull();
    expect(counts!.slice(1).map(Number).reduce((a, b) => a + b, 0)).toBe(3);
    // no upstream trees in this test: each component is unverified, with the reason
    expect(summary).toContain("- `systemd` — preparing sources for `systemd`: no upstream tree for systemd");
    // the report's own failures keep the check failed, whatever the batches found
    expect(run.conclusion).toBe("failure");
    // the render-deferred message says the app verifies them, not the user
    expect(github.comments).toHaveLength(1);
  });

  it.skipIf(skip)("a newer head while the batches run: the older run ends neutral as superseded, only the newer one gets verdicts", async () => {
    const { github, head: older } = demoPull();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // the older head's batches wait in the upstream until the newer head arrived
    const memory = new MemoryUpstream({});
    const upstream = {
      description: "gated",
      fetch: async (request: UpstreamRequest) => {
        await held;
        return memory.fetch(request);
      },
    };
    const coords = pool.make(backend, 2);
    const apps = await Promise.all(coords.map((coordination) => createHarness(deferringReview(), github, { coordination, upstream, fanOutBatchSize: 1 })));
    const first = apps[0]!.deliver("pull_request", github.pullRequestPayload(12, "opened"), "push-1");
    await waitFor(() => github.checkRuns.some((r) => r.head_sha === older && (r.output.summary ?? "").includes("components verified…")), 20_000, "the older report");
    const newer = github.commit({ ...demoHead(), "README.md": "second push\n" }, { parents: [older] });
    github.movePullHead(12, newer);
    const second = apps[1]!.deliver("pull_request", github.pullRequestPayload(12, "synchronize"), "push-2");
    await waitFor(() => github.checkRuns.some((r) => r.head_sha === newer), 20_000, "the newer check run");
    release();
    await Promise.all([first, second]);
    await waitFor(() => github.checkRuns.length === 2 && github.checkRuns.every((r) => r.status === "completed"), 30_000, "both runs to end");
    const oldRun = github.checkRuns.find((r) => r.head_sha === older)!;
    const newRun = github.checkRuns.find((r) => r.head_sha === newer)!;
    expect(oldRun.conclusion).toBe("neutral");
    expect(oldRun.output.title).toBe("Superseded by a newer commit");
    expect(oldRun.output.summary).not.toContain("verified one by one");
    expect(newRun.output.summary).toContain("3 / 3 components verified one by one");
  });
});

describe("the parent's verdict", () => {
  async function aggregate(children: { results: unknown[]; failed: string[] }, policy: AggregateJob["policy"], conclusion: AggregateJob["conclusion"] = "success") {
    const github = new FakeGitHub();
    const base = github.commit(demoBase(), { branch: "main" });
    const head = github.commit(demoHead(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    const octokit = new Octokit({ request: { fetch: github.fetch } }) as never as OctokitType;
    const repo = { owner: "azl", repo: "distro" };
    const { data } = await octokit.request("POST /repos/{owner}/{repo}/check-runs", { ...repo, name: "specwarden", head_sha: head, status: "in_progress", output: { title: "1 warning", summary: withFanOutProgress("## report", 0, 3) } });
    const coordination = inProcessCoordination();
    const pull = { repo, number: 12, headSha: head, baseSha: base, sameRepo: true };
    const job: AggregateJob = { installationId: 1, pull, checkRunId: Number(data.id), flow: "f", total: 3, batches: { "verify:f/0": ["a", "b"], "verify:f/1": ["c"] }, conclusion, title: "1 warning", offerFix: false, policy };
    const outcome = await aggregateHandler(coordination, { octokitFor: async () => octokit })(job, { id: "aggregate:f", attempt: 1, signal: new AbortController().signal, children: async () => children });
    return { outcome, run: github.checkRuns[0]! };
  }
  const stale: Finding = { rule: "render-stale", level: "failure", path: "specs/b/b", component: "b", message: "b is not what its comps produce" };
  const results = [{ components: [{ name: "a", status: "clean" }, { name: "b", status: "drift", reason: "Release differs" }], findings: [stale] }, { components: [{ name: "c", status: "clean" }], findings: [] }];

  it("fails the check for a component not re-rendered, keeping the report above the verdicts", async () => {
    const { outcome, run } = await aggregate({ results, failed: [] }, {});
    expect(outcome).toMatchObject({ status: "completed", conclusion: "failure", clean: 2, drift: 1, unverified: 0 });
    expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(run.output.title).toBe("1 warning; 1 component(s) not re-rendered");
    expect(run.output.summary!.startsWith("## report\n\n" + FAN_OUT_MARKER)).toBe(true);
    expect(run.output.summary).toContain("- `b` — Release differs");
  });

  it("follows the repository's policy: a waived component does not fail it; a failed batch makes it neutral, never failed", async () => {
    const waived = await aggregate({ results, failed: [] }, { waivers: [{ component: "b", rule: "render-stale", reason: "rebuilt by the release team" }] });
    expect(waived.outcome.conclusion).toBe("success");
    const lost = await aggregate({ results: [results[0]], failed: ["verify:f/1"] }, { ruleLevels: { "render-stale": "warning" } });
    expect(lost.outcome).toMatchObject({ conclusion: "neutral", unverified: 1 });
    // never better than the report's own conclusion
    const reportFailed = await aggregate({ results: [results[1]], failed: [] }, {}, "failure");
    expect(reportFailed.outcome.conclusion).toBe("failure");
  });
});

describe("the fan-out's verdicts and section", () => {
  it("counts a batch that failed for good as unverified components, never as failed", () => {
    const gathered = gatherVerdicts(
      { batches: { "verify:f/0": ["a", "b"], "verify:f/1": ["c"] } },
      { results: [{ components: [{ name: "a", status: "clean" }, { name: "b", status: "drift", reason: "Release differs" }], findings: [] }], failed: ["verify:f/1"] },
    );
    expect(gathered.components.map((c) => [c.name, c.status])).toEqual([
      ["a", "clean"],
      ["b", "drift"],
      ["c", "unverified"],
    ]);
    const section = fanOutResultSection({ total: 3, components: gathered.components });
    expect(section).toContain("3 / 3 components verified one by one: 1 clean, 1 not re-rendered, 1 unverified.");
    expect(section).toContain("- `c` — its verification job failed after its retries");
  });

  it("escapes names and reasons from the repository and keeps the whole summary within GitHub's limit", () => {
    const hostile = Array.from({ length: 5_000 }, (_, i) => ({ name: `x${i}\`<img src=x>`, status: "unverified" as const, reason: `@someone <b>${"y".repeat(300)}` }));
    const section = fanOutResultSection({ total: 5_000, components: hostile });
    // a name is a code span (literal to GitHub), a reason is escaped text
    expect(section).toContain("- ``x0`<img src=x>`` — @\u200bsomeone &lt;b&gt;");
    expect(section).not.toContain("<b>");
    expect(section).toContain("@\u200bsomeone");
    expect(section).toContain("… and 4,960 more");
    const report = `## ❌ report\n\n${"z".repeat(CHECK_TEXT_MAX_BYTES - FAN_OUT_SECTION_MAX_BYTES - 64)}`;
    const summary = withFanOutSection(withFanOutProgress(report, 10, 5_000), section);
    expect(byteLength(summary)).toBeLessThanOrEqual(CHECK_TEXT_MAX_BYTES);
    expect(summary.startsWith(report)).toBe(true);
    expect(summary.split(FAN_OUT_MARKER)).toHaveLength(2);
  });
});
