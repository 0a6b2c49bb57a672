import { describe, expect, it } from "vitest";
import { STICKY_MARKER } from "../../src/github/markdown.js";
import { FakeGitHub } from "../../src/github/fake-github.js";
import {
  baseFiles,
  demoHeadFiles,
  fixedHeadFiles,
  HAND_PATCH_LINE_NUMBER,
  PATCH_NAME,
} from "./demo-repo.js";
import { fakeReview } from "./fake-review.js";
import { commentPayload, createHarness } from "./harness.js";

const SPEC = "specs/s/systemd/systemd.spec";

async function demoPullRequest(options: { fork?: boolean; config?: string } = {}) {
  const github = new FakeGitHub();
  const defaultBranchFiles = options.config === undefined ? baseFiles() : { ...baseFiles(), ".github/specwarden.yml": options.config };
  const base = github.commit(defaultBranchFiles, { branch: "main" });
  const head = github.commit({ ...demoHeadFiles(), ...(options.config === undefined ? {} : { ".github/specwarden.yml": options.config }) }, { parents: [base] });
  github.openPull({ number: 12, base, head, headRef: "vendor-watchdog-patch", fork: options.fork ?? false });
  const review = fakeReview();
  const harness = await createHarness(review, github);
  return { ...harness, review, base, head };
}

describe("pull_request: the demo PR (vendored systemd patch + hand-written Patch line)", () => {
  it("reports a failing check with annotations, one sticky comment and an anchored review", async () => {
    const { github, deliver, head, review } = await demoPullRequest();
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));

    // check run: created in_progress on the head SHA at once, with the PR number in external_id
    const created = github.callsTo("POST", "/repos/azl/distro/check-runs");
    expect(created).toHaveLength(1);
    expect(created[0]!.body).toMatchObject({ name: "specwarden", head_sha: head, status: "in_progress", external_id: `pr:12:${head}` });
    expect(github.checkRuns).toHaveLength(1);
    const run = github.checkRuns[0]!;
    expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(run.output.title).toBe("2 failures");
    expect(run.output.summary).toContain("vendored-patch-in-rendered-tree");
    expect(run.output.text).toContain(`+++ b/base/comps/systemd/${PATCH_NAME}`);
    expect(run.annotations).toEqual([
      expect.objectContaining({ path: `specs/s/systemd/${PATCH_NAME}`, start_line: 1, annotation_level: "failure" }),
      expect.objectContaining({ path: SPEC, start_line: HAND_PATCH_LINE_NUMBER, end_line: HAND_PATCH_LINE_NUMBER, annotation_level: "failure" }),
    ]);
    expect(run.actions).toEqual([expect.objectContaining({ identifier: "apply-fix" })]);

    // the engine saw both sides through the GitHub RepoView, with the PR's changed paths
    expect(review.inputs).toHaveLength(1);
    expect(review.inputs[0]!.changedPaths).toEqual([SPEC, `specs/s/systemd/${PATCH_NAME}`].sort());
    expect(review.inputs[0]!.head.description).toBe(`github:azl/distro@${head.slice(0, 7)}`);

    // one sticky comment by the app, with the hidden marker and the fix as a patch
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body.startsWith(STICKY_MARKER)).toBe(true);
    expect(github.comments[0]!.body).toContain("```diff");
    expect(github.comments[0]!.body).toContain("/specwarden fix");

    // one review on the head commit; the fake rejects anchors outside hunks, so these all anchored
    expect(github.reviews).toHaveLength(1);
    expect(github.reviews[0]).toMatchObject({ commit_id: head, event: "COMMENT" });
    expect(github.reviews[0]!.comments).toEqual([
      { path: SPEC, line: HAND_PATCH_LINE_NUMBER, side: "RIGHT", body: expect.stringMatching(/\n```suggestion\n```$/) },
    ]);

    // reads went through trees and blobs, never the diff media type; nothing unexpected was called
    expect(github.calls.filter((c) => c.accept?.includes("diff"))).toEqual([]);
    expect(github.calls.filter((c) => c.status === 404 && !c.path.endsWith("specwarden.yml"))).toEqual([]);
    expect(github.callsTo("GET", /\/git\/trees\//).every((c) => c.query.recursive === "1")).toBe(true);
  });

  it("changes nothing when the same webhook is delivered again", async () => {
    const { github, deliver, outcomes } = await demoPullRequest();
    const payload = github.pullRequestPayload(12, "opened");
    await deliver("pull_request", payload, "delivery-a");
    const writes = github.writes.length;
    const calls = github.calls.length;
    // the same head's job finished a moment ago: both deliveries join it, and nothing runs again
    await deliver("pull_request", payload, "delivery-a");
    await deliver("pull_request", github.pullRequestPayload(12, "reopened"), "delivery-b");
    expect(github.calls).toHaveLength(calls);
    expect(github.writes).toHaveLength(writes);
    expect(github.checkRuns).toHaveLength(1);
    expect(github.comments).toHaveLength(1);
    expect(github.reviews).toHaveLength(1);
    expect(outcomes.map((o) => o.status)).toEqual(["published"]);
  });

  it("a replica that did not run the job finds the completed check run and changes nothing", async () => {
    const { github, deliver } = await demoPullRequest();
    const payload = github.pullRequestPayload(12, "opened");
    await deliver("pull_request", payload, "delivery-a");
    const writes = github.writes.length;
    // a second replica with its own in-process queue: nothing shared but GitHub
    const other = await createHarness(fakeReview(), github);
    await other.deliver("pull_request", payload, "delivery-a");
    expect(github.writes).toHaveLength(writes);
    expect(other.outcomes.map((o) => o.status)).toEqual(["already-checked"]);
  });

  it("flips the check to success and the sticky comment to resolved when a fixed head is pushed", async () => {
    const { github, deliver, head } = await demoPullRequest();
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    const stickyId = github.comments[0]!.id;
    const fixed = github.commit(fixedHeadFiles(), { parents: [head] });
    github.movePullHead(12, fixed);
    await deliver("pull_request", github.pullRequestPayload(12, "synchronize", { before: head, after: fixed }));

    const latest = github.checkRuns.find((r) => r.head_sha === fixed)!;
    expect(latest).toMatchObject({ status: "completed", conclusion: "success" });
    expect(latest.output.title).toBe("No problems found");
    expect(latest.annotations).toEqual([]);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.id).toBe(stickyId);
    expect(github.comments[0]!.body).toContain("Resolved");
    expect(github.comments[0]!.body).toContain(fixed.slice(0, 7));
    expect(github.reviews).toHaveLength(1);

    // a second clean run leaves the resolved comment alone
    const edits = github.callsTo("PATCH", /\/issues\/comments\//).length;
    await deliver("issue_comment", commentPayload(github, "/specwarden recheck", "maintainer"));
    expect(github.callsTo("PATCH", /\/issues\/comments\//)).toHaveLength(edits);
  });

  it("ignores an edit that does not change the base", async () => {
    const { github, deliver } = await demoPullRequest();
    await deliver("pull_request", github.pullRequestPayload(12, "edited", { changes: { title: { from: "old" } } }));
    expect(github.calls).toEqual([]);
    await deliver("pull_request", github.pullRequestPayload(12, "edited", { changes: { base: { ref: { from: "f42" }, sha: { from: "0".repeat(40) } } } }));
    expect(github.checkRuns).toHaveLength(1);
  });
});

describe("app loading", () => {
  it("loads with the tracking module enabled (registered when present) and still checks PRs", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    const { deliver } = await createHarness(fakeReview(), github, { tracking: true });
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    expect(github.checkRuns[0]).toMatchObject({ head_sha: head, conclusion: "failure" });
  });
});

describe("GitHub Enterprise Server", () => {
  it("talks to the GHE API base URL (what GHE_HOST / GHE_PROTOCOL configure)", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    const urls: string[] = [];
    const fetchSpy = github.fetch;
    Object.defineProperty(github, "fetch", {
      value: (input: string | URL | Request, init?: RequestInit) => {
        urls.push(String(input));
        return fetchSpy(input, init);
      },
    });
    await createHarness(fakeReview(), github, { baseUrl: "https://ghe.example.com/api/v3" }).then((h) =>
      h.deliver("pull_request", github.pullRequestPayload(12, "opened")),
    );
    expect(urls.length).toBeGreaterThan(5);
    expect(urls.every((u) => u.startsWith("https://ghe.example.com/api/v3/"))).toBe(true);
    expect(github.checkRuns[0]).toMatchObject({ conclusion: "failure" });
  });
});
