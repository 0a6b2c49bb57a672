import { describe, expect, it } from "vitest";
import type { ReviewChangeInput } from "../../src/github/check-pull-request.js";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { SpecwardenOctokit } from "../../src/github/octokit-defaults.js";
import type { ReviewResult } from "../../src/review/types.js";
import { baseFiles, demoHeadFiles } from "./demo-repo.js";
import { fakeReview } from "./fake-review.js";
import { commentPayload, createHarness } from "./harness.js";

function manySpecs(count: number, version: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const name = `pkg${String(i).padStart(5, "0")}`;
    files[`specs/${name[0]}/${name}/${name}.spec`] = `# Do not edit manually; changes may be overwritten.\nName: ${name}\nVersion: ${version}\n`;
  }
  return files;
}

describe("large pull requests and trees", () => {
  it("gives the engine the complete list of a PR with more than 3,000 files", async () => {
    const github = new FakeGitHub();
    const base = github.commit({ ...baseFiles(), ...manySpecs(3_050, "1.0") }, { branch: "main" });
    const head = github.commit({ ...demoHeadFiles(), ...manySpecs(3_050, "1.1") }, { parents: [base] });
    github.openPull({ number: 40, base, head });
    const review = fakeReview();
    const { deliver, outcomes } = await createHarness(review, github);
    await deliver("pull_request", github.pullRequestPayload(40, "opened"));

    expect(outcomes[0]!.status).toBe("published");
    const paths = review.inputs[0]!.changedPaths!;
    expect(paths).toHaveLength(3_052);
    expect(paths).toContain("specs/p/pkg03049/pkg03049.spec");
    expect(paths).toContain("specs/s/systemd/systemd.spec");
    // compare (300 files) → PR files paginated to GitHub's 3,000 cap → tree comparison
    expect(github.callsTo("GET", /\/compare\//)).toHaveLength(1);
    expect(github.callsTo("GET", "/repos/azl/distro/pulls/40/files")).toHaveLength(30);
    // suggestions still anchor on files whose hunks were listed
    expect(github.reviews).toHaveLength(1);
    expect(github.checkRuns[0]!.conclusion).toBe("failure");
  });

  it("walks sub-trees lazily when the recursive tree of a 100,000-entry repo is truncated", async () => {
    const github = new FakeGitHub();
    const bulk: Record<string, string> = {};
    for (let d = 0; d < 1_000; d++) for (let f = 0; f < 100; f++) bulk[`vendor/d${d}/f${f}.txt`] = "x\n";
    const base = github.commit({ ...baseFiles(), ...bulk }, { branch: "main" });
    const head = github.commit({ ...demoHeadFiles(), ...bulk }, { parents: [base] });
    github.openPull({ number: 41, base, head });
    const review = fakeReview();
    const { deliver } = await createHarness(review, github);
    await deliver("pull_request", github.pullRequestPayload(41, "opened"));

    const treeCalls = github.callsTo("GET", /\/git\/trees\//);
    // one truncated recursive read per side, then only the directories on the way to what was read
    expect(treeCalls.filter((c) => c.query.recursive === "1")).toHaveLength(2);
    // root, specs, s, systemd on each side, plus base, comps, systemd on the head for the comp.toml:
    // 11 directories of the 1,000+ in the repository
    expect(treeCalls.filter((c) => c.query.recursive === undefined)).toHaveLength(11);
    expect(github.checkRuns[0]!.conclusion).toBe("failure");
    expect(github.checkRuns[0]!.annotations).toHaveLength(2);
    const listing = await review.inputs[0]!.head.list("specs/s/systemd");
    expect(listing.map((e) => e.path)).toContain("specs/s/systemd/systemd.spec");
  });
});

describe("failures end the check neutral", () => {
  it("with the production Octokit: retries a rate-limited request three times, then ends the check neutral", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    github.failWith = ({ method, path }) =>
      method === "GET" && path.includes("/compare/")
        ? {
            status: 403,
            message: "API rate limit exceeded for installation ID 77.",
            // the reset is already past, so the throttler retries at once
            headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) - 10) },
          }
        : undefined;
    const { deliver, outcomes } = await createHarness(fakeReview(), github, { Octokit: SpecwardenOctokit });
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    expect(github.callsTo("GET", /\/compare\//)).toHaveLength(4);
    expect(outcomes[0]!.status).toBe("error");
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(github.checkRuns[0]!.output.summary).toContain("API rate limit exceeded");
    // every call states the API version it was written against
    expect(github.calls.filter((c) => c.path.startsWith("/repos/")).every((c) => c.apiVersion === "2022-11-28")).toBe(true);
  });

  it("retries a transient 502 with the production Octokit and completes the check", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    let failures = 1;
    github.failWith = ({ method, path }) => (method === "GET" && path.includes("/git/blobs/") && failures-- > 0 ? { status: 502, message: "Bad Gateway" } : undefined);
    const { deliver } = await createHarness(fakeReview(), github, { Octokit: SpecwardenOctokit });
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  it("ends the check neutral with the reason when the GitHub API fails mid-run", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    github.failWith = ({ method, path }) => (method === "GET" && path.includes("/git/blobs/") ? { status: 502, message: "Bad Gateway" } : undefined);
    const { deliver, outcomes } = await createHarness(fakeReview(), github);
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));

    expect(outcomes[0]!.status).toBe("error");
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(github.checkRuns[0]!.output.summary).toContain("Bad Gateway");
    expect(github.comments).toEqual([]);
    expect(github.reviews).toEqual([]);
  });

  it("ends the check neutral when the review engine throws (e.g. upstream unreachable)", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    const failing = async (): Promise<ReviewResult> => {
      throw new Error("src.fedoraproject.org: connection timed out");
    };
    const { deliver } = await createHarness(failing, github);
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(github.checkRuns[0]!.output.summary).toContain("connection timed out");
  });

  it("reports an invalid repo config as a neutral check naming file and line", async () => {
    const github = new FakeGitHub();
    const config = "rules:\n  rendered-file-edited: failure\n  overlay-lint: loud\n";
    const base = github.commit({ ...baseFiles(), ".github/specwarden.yml": config }, { branch: "main" });
    const head = github.commit({ ...demoHeadFiles(), ".github/specwarden.yml": config }, { parents: [base] });
    github.openPull({ number: 12, base, head });
    const review = fakeReview();
    const { deliver, outcomes } = await createHarness(review, github);
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    expect(outcomes[0]!.status).toBe("invalid-config");
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(github.checkRuns[0]!.output.title).toBe("Invalid .github/specwarden.yml");
    expect(github.checkRuns[0]!.output.summary).toContain(".github/specwarden.yml:3");
    expect(github.checkRuns[0]!.output.summary).toContain("overlay-lint");
    expect(review.inputs).toEqual([]);
  });

  it("reads the config from the default branch only, so a PR cannot weaken its own check", async () => {
    const github = new FakeGitHub();
    const base = github.commit({ ...baseFiles(), ".github/specwarden.yml": "rules:\n  rendered-file-edited: failure\n" }, { branch: "main" });
    const weakened = "rules:\n  rendered-file-edited: off\n  vendored-patch-in-rendered-tree: off\n";
    const head = github.commit({ ...demoHeadFiles(), ".github/specwarden.yml": weakened }, { parents: [base] });
    github.openPull({ number: 12, base, head });
    const { deliver } = await createHarness(fakeReview(), github);
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    expect(github.checkRuns[0]!.conclusion).toBe("failure");
    expect(github.callsTo("GET", "/repos/azl/distro/contents/.github/specwarden.yml")[0]!.query).toEqual({});
  });

  it("applies rule levels and waivers from the config", async () => {
    const github = new FakeGitHub();
    const config = [
      "rules:",
      "  rendered-file-edited: warning",
      "suggestions: false",
      "waivers:",
      "  - component: systemd",
      "    rule: vendored-patch-in-rendered-tree",
      "    reason: upstream fix pending review, tracked in AZL-1234",
      "",
    ].join("\n");
    const base = github.commit({ ...baseFiles(), ".github/specwarden.yml": config }, { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    const review = fakeReview();
    const { deliver } = await createHarness(review, github);
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    expect(review.inputs[0]!.config?.waivers).toHaveLength(1);
    const run = github.checkRuns[0]!;
    expect(run.conclusion).toBe("success");
    expect(run.output.title).toBe("1 warning");
    expect(run.annotations.map((a) => a.annotation_level)).toEqual(["warning"]);
    expect(run.output.summary).toContain("AZL-1234");
    expect(github.reviews).toEqual([]);
  });
});

describe("a PR that policy leaves clean", () => {
  it("passes without a comment, a review or a fix when every finding is turned off", async () => {
    const github = new FakeGitHub();
    const config = "rules:\n  rendered-file-edited: off\n  vendored-patch-in-rendered-tree: off\n";
    const base = github.commit({ ...baseFiles(), ".github/specwarden.yml": config }, { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    const { deliver } = await createHarness(fakeReview(), github);
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    expect(github.checkRuns[0]).toMatchObject({ conclusion: "success", actions: [] });
    expect(github.checkRuns[0]!.output.text).toBeUndefined();
    expect(github.comments).toEqual([]);
    expect(github.reviews).toEqual([]);
  });
});

describe("concurrency", () => {
  it("drops the results of a run superseded by a newer head", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const first = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head: first });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let blobReached!: () => void;
    const reached = new Promise<void>((resolve) => (blobReached = resolve));
    let holding = true;
    github.beforeRespond = async ({ path }) => {
      if (holding && path.includes("/git/blobs/")) {
        holding = false;
        blobReached();
        await held;
      }
    };
    const { deliver, outcomes } = await createHarness(fakeReview(), github);
    const firstRun = deliver("pull_request", github.pullRequestPayload(12, "opened"));
    await reached;
    const second = github.commit({ ...demoHeadFiles(), "specs/s/systemd/inittab": "# changed again\n" }, { parents: [first] });
    github.movePullHead(12, second);
    const secondRun = deliver("pull_request", github.pullRequestPayload(12, "synchronize"));
    release();
    await Promise.all([firstRun, secondRun]);

    const byStatus = Object.fromEntries(outcomes.map((o) => [o.status, o]));
    expect(Object.keys(byStatus).sort()).toEqual(["published", "superseded"]);
    const old = github.checkRuns.find((r) => r.head_sha === first)!;
    expect(old).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(old.output.title).toBe("Superseded by a newer commit");
    expect(old.annotations).toEqual([]);
    const latest = github.checkRuns.find((r) => r.head_sha === second)!;
    expect(latest).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(github.reviews.map((r) => r.commit_id)).toEqual([second]);
    expect(github.comments).toHaveLength(1);
  });

  it("publishes nothing stale when another process already saw a newer head", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const first = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head: first });
    const payload = github.pullRequestPayload(12, "opened");
    const newer = github.commit(baseFiles(), { parents: [first] });
    const review = async (input: ReviewChangeInput) => {
      github.movePullHead(12, newer); // a push lands while this run is reviewing
      return fakeReview()(input);
    };
    const { deliver, outcomes } = await createHarness(review, github);
    await deliver("pull_request", payload);
    expect(outcomes[0]!.status).toBe("superseded");
    expect(github.checkRuns[0]).toMatchObject({ head_sha: first, conclusion: "neutral" });
    expect(github.comments).toEqual([]);
    expect(github.reviews).toEqual([]);
  });
});

describe("concurrency across processes and rechecks", () => {
  it("lets a recheck of the same head take over the run in flight without the old one touching the check", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reachedBlob!: () => void;
    const reached = new Promise<void>((resolve) => (reachedBlob = resolve));
    let holding = true;
    github.beforeRespond = async ({ path }) => {
      if (holding && path.includes("/git/blobs/")) {
        holding = false;
        reachedBlob();
        await held;
      }
    };
    const { deliver, outcomes } = await createHarness(fakeReview(), github);
    const first = deliver("pull_request", github.pullRequestPayload(12, "opened"));
    await reached;
    const recheck = deliver("issue_comment", commentPayload(github, "/specwarden recheck", "maintainer"));
    release();
    await Promise.all([first, recheck]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["published", "superseded"]);
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(github.callsTo("PATCH", /\/check-runs\//).filter((c) => c.body.conclusion === "neutral")).toEqual([]);
  });

  it("leaves a fresh in-progress run of another replica alone, and takes over a stale one", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    const { deliver, outcomes } = await createHarness(fakeReview(), github);
    github.checkRuns.push({
      id: 7,
      name: "specwarden",
      head_sha: head,
      status: "in_progress",
      conclusion: null,
      external_id: `pr:12:${head}`,
      started_at: new Date().toISOString(),
      app: { id: github.appId },
      output: {},
      annotations: [],
      actions: [],
    });
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    expect(outcomes[0]!.status).toBe("in-progress-elsewhere");
    expect(github.writes).toEqual([]);

    github.checkRuns[0]!.started_at = new Date(Date.now() - 3_600_000).toISOString();
    // the next replica to get a delivery (this one joined its own finished job) takes the stale run over
    const next = await createHarness(fakeReview(), github);
    await next.deliver("pull_request", github.pullRequestPayload(12, "opened"));
    expect(next.outcomes[0]!.status).toBe("published");
    expect(github.checkRuns).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ id: 7, status: "completed", conclusion: "failure" });
  });
});

describe("check run output", () => {
  it("sends annotations in batches of 50: the first with the completion, the rest as updates", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const head = github.commit({ ...baseFiles(), ...manySpecs(1, "1.0") }, { parents: [base] });
    github.openPull({ number: 12, base, head });
    const findings = Array.from({ length: 120 }, (_, i) => ({
      rule: "rendered-file-edited" as const,
      level: i < 10 ? ("failure" as const) : ("warning" as const),
      path: "specs/s/systemd/systemd.spec",
      line: i + 1,
      component: "systemd",
      message: `line ${i + 1} differs from the render`,
    }));
    const review = async (): Promise<ReviewResult> => ({ verdict: "failure", components: [{ name: "systemd", status: "drift" }], findings });
    const { deliver } = await createHarness(review, github);
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    const patches = github.callsTo("PATCH", /\/check-runs\//);
    expect(patches.map((c) => c.body.output?.annotations?.length ?? 0)).toEqual([50, 50, 20]);
    expect(patches[0]!.body).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(patches[0]!.body.output.annotations[0]).toMatchObject({ start_line: 1, annotation_level: "failure" });
    expect(github.checkRuns[0]!.annotations).toHaveLength(120);
    expect(github.checkRuns[0]!.output.title).toBe("10 failures, 110 warnings");
  });
});

describe("check run output when GitHub rejects annotations", () => {
  it("completes the check with its verdict and without annotations", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    const fetchAll = github.fetch;
    Object.defineProperty(github, "fetch", {
      value: async (input: string | URL | Request, init?: RequestInit) => {
        const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
        if (init?.method === "PATCH" && body?.output?.annotations) {
          return new Response(JSON.stringify({ message: "Validation Failed", errors: [{ resource: "CheckRun", code: "invalid", field: "annotations" }] }), { status: 422, headers: { "content-type": "application/json" } });
        }
        return fetchAll(input, init);
      },
    });
    const { deliver } = await createHarness(fakeReview(), github);
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "failure", annotations: [] });
    expect(github.checkRuns[0]!.output.summary).toContain("did not accept the line annotations");
  });
});

describe("reviews", () => {
  it("retries without inline comments when GitHub rejects the review with 422", async () => {
    const github = new FakeGitHub();
    const base = github.commit(baseFiles(), { branch: "main" });
    const head = github.commit(demoHeadFiles(), { parents: [base] });
    github.openPull({ number: 12, base, head });
    let rejected = false;
    github.failWith = ({ method, path }) => {
      if (method === "POST" && path.endsWith("/reviews") && !rejected) {
        rejected = true;
        return { status: 422, message: "Pull request review thread line must be part of the diff" };
      }
      return undefined;
    };
    const { deliver } = await createHarness(fakeReview(), github);
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    const posts = github.callsTo("POST", "/repos/azl/distro/pulls/12/reviews");
    expect(posts).toHaveLength(2);
    expect(posts[0]!.body.comments).toHaveLength(1);
    expect(posts[1]!.body.comments).toBeUndefined();
    expect(github.reviews).toHaveLength(1);
    expect(github.reviews[0]!.body).toContain("rendered-file-edited");
    expect(github.checkRuns[0]!.conclusion).toBe("failure");
  });
});
