import { describe, expect, it } from "vitest";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { FIX_COMMIT_MESSAGE } from "../../src/github/fix-commit.js";
import { STICKY_MARKER } from "../../src/github/markdown.js";
import { baseFiles, COMP_TOML, demoHeadFiles, PATCH_NAME, BASE_SPEC } from "./demo-repo.js";
import { fakeReview } from "./fake-review.js";
import { commentPayload, createHarness } from "./harness.js";

async function demo(options: { fork?: boolean } = {}) {
  const github = new FakeGitHub();
  const base = github.commit(baseFiles(), { branch: "main" });
  const head = github.commit(demoHeadFiles(), { parents: [base] });
  github.openPull({ number: 12, base, head, headRef: "vendor-watchdog-patch", fork: options.fork ?? false });
  github.permissions.set("maintainer", "maintain");
  github.permissions.set("drive-by", "read");
  const review = fakeReview();
  const harness = await createHarness(review, github);
  return { ...harness, review, base, head };
}

function checkRunActionPayload(github: FakeGitHub, runId: number, headSha: string, login: string): any {
  const run = github.checkRuns.find((r) => r.id === runId)!;
  return {
    action: "requested_action",
    requested_action: { identifier: "apply-fix" },
    check_run: { id: run.id, name: run.name, head_sha: headSha, external_id: run.external_id, app: { id: github.appId }, pull_requests: [] },
    repository: github.repositoryPayload(),
    installation: { id: 77 },
    sender: { login, type: "User" },
  };
}

describe("/specwarden fix", () => {
  it("commits the verified fix to the PR branch for a user with write access", async () => {
    const { github, deliver, head } = await demo();
    await deliver("issue_comment", commentPayload(github, "Thanks!\n\n/specwarden fix\n", "maintainer"));

    const newHead = github.branches.get("vendor-watchdog-patch")!;
    expect(newHead).not.toBe(head);
    expect(github.commits.get(newHead)).toMatchObject({ parents: [head], message: FIX_COMMIT_MESSAGE });
    const files = github.filesAt(newHead);
    expect(files["specs/s/systemd/systemd.spec"]).toBe(BASE_SPEC);
    expect(files[`specs/s/systemd/${PATCH_NAME}`]).toBeUndefined();
    expect(files[`base/comps/systemd/${PATCH_NAME}`]).toBe(demoHeadFiles()[`specs/s/systemd/${PATCH_NAME}`]);
    expect(files["base/comps/systemd/systemd.comp.toml"]).toContain(`type = "patch-add"\nfile = "${PATCH_NAME}"`);
    expect(files["base/comps/systemd/systemd.comp.toml"]!.startsWith(COMP_TOML)).toBe(true);
    // the git data API sequence: blobs, one tree on the head's tree, one commit, fast-forward ref update
    expect(github.writes.map((c) => `${c.method} ${c.path.replace("/repos/azl/distro", "")}`)).toEqual([
      "POST /issues/comments/555/reactions",
      "POST /git/blobs",
      "POST /git/blobs",
      "POST /git/blobs",
      "POST /git/trees",
      "POST /git/commits",
      "PATCH /git/refs/heads/vendor-watchdog-patch",
      "POST /issues/12/comments",
    ]);
    expect(github.callsTo("PATCH", "/repos/azl/distro/git/refs/heads/vendor-watchdog-patch")[0]!.body).toEqual({ sha: newHead, force: false });
    expect(github.comments.at(-1)!.body).toContain(`committed to this branch as ${newHead.slice(0, 7)}`);

    // the push triggers synchronize, and the new head is clean
    await deliver("pull_request", github.pullRequestPayload(12, "synchronize"));
    expect(github.checkRuns.find((r) => r.head_sha === newHead)).toMatchObject({ conclusion: "success" });
  });

  it("politely refuses a user without write access and writes nothing to the repository", async () => {
    const { github, deliver, head } = await demo();
    await deliver("issue_comment", commentPayload(github, "/specwarden fix", "drive-by"));
    expect(github.branches.get("vendor-watchdog-patch")).toBe(head);
    expect(github.writes.filter((c) => c.path.includes("/git/"))).toEqual([]);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain("Sorry @drive-by, only people with write access");
  });

  it("applies the fix from the check run's Apply fix button", async () => {
    const { github, deliver, head } = await demo();
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    const run = github.checkRuns[0]!;
    expect(run.actions[0]).toMatchObject({ identifier: "apply-fix", label: "Apply fix" });
    await deliver("check_run", checkRunActionPayload(github, run.id, head, "maintainer"));
    const newHead = github.branches.get("vendor-watchdog-patch")!;
    expect(github.commits.get(newHead)!.parents).toEqual([head]);
  });

  it("opens a PR against the author's branch when the branch is protected", async () => {
    const { github, deliver, head } = await demo();
    github.protectedBranches.add("vendor-watchdog-patch");
    await deliver("issue_comment", commentPayload(github, "/specwarden fix", "maintainer"));
    expect(github.branches.get("vendor-watchdog-patch")).toBe(head);
    const opened = github.callsTo("POST", "/repos/azl/distro/pulls");
    expect(opened).toHaveLength(1);
    expect(opened[0]!.body).toMatchObject({ base: "vendor-watchdog-patch", head: `specwarden/fix-pr-12-${head.slice(0, 7)}` });
    expect(github.comments.at(-1)!.body).toContain("#13");
  });

  it("explains why nothing was pushed when the app may not write contents", async () => {
    const { github, deliver, head } = await demo();
    github.contentsWrite = false;
    await deliver("issue_comment", commentPayload(github, "/specwarden fix", "maintainer"));
    expect(github.branches.get("vendor-watchdog-patch")).toBe(head);
    expect(github.comments.at(-1)!.body).toContain("contents: write");
  });
});

describe("/specwarden fix edge cases", () => {
  it("refuses on a closed pull request", async () => {
    const { github, deliver, head } = await demo();
    github.pulls.get(12)!.state = "closed";
    await deliver("issue_comment", commentPayload(github, "/specwarden fix", "maintainer"));
    expect(github.branches.get("vendor-watchdog-patch")).toBe(head);
    expect(github.comments.at(-1)!.body).toContain("this pull request is closed");
  });

  it("answers on the PR when the fix fails on a GitHub error", async () => {
    const { github, deliver, head } = await demo();
    github.failWith = ({ method, path }) => (method === "POST" && path.endsWith("/git/trees") ? { status: 500, message: "Server Error" } : undefined);
    await deliver("issue_comment", commentPayload(github, "/specwarden fix", "maintainer")).catch(() => undefined);
    expect(github.branches.get("vendor-watchdog-patch")).toBe(head);
    expect(github.comments.at(-1)!.body).toContain("an error occurred");
  });
});

describe("fork pull requests", () => {
  it("checks a fork PR like any other, keyed by the PR number in external_id", async () => {
    const { github, deliver, head } = await demo({ fork: true });
    const payload = github.pullRequestPayload(12, "opened");
    expect(payload.pull_request.head.repo.full_name).toBe("contributor/distro");
    await deliver("pull_request", payload);
    expect(github.checkRuns[0]).toMatchObject({ head_sha: head, external_id: `pr:12:${head}`, conclusion: "failure" });
    expect(github.reviews).toHaveLength(1);
    // a fork's branch cannot be pushed to: no button, and the command explains why
    expect(github.checkRuns[0]!.actions).toEqual([]);
    await deliver("issue_comment", commentPayload(github, "/specwarden fix", "maintainer"));
    expect(github.writes.filter((c) => c.path.includes("/git/"))).toEqual([]);
    expect(github.comments.at(-1)!.body).toContain("comes from a fork");
  });
});

describe("/specwarden recheck and Re-run", () => {
  it("re-runs the check on the same head reusing its check run, sticky comment and review", async () => {
    const { github, deliver } = await demo();
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    await deliver("issue_comment", commentPayload(github, "/specwarden recheck", "drive-by"));
    expect(github.checkRuns).toHaveLength(1);
    // same findings, same text: the sticky comment is not edited
    expect(github.callsTo("PATCH", /\/issues\/comments\//)).toEqual([]);
    expect(github.callsTo("PATCH", /\/check-runs\//).filter((c) => c.body.status === "in_progress")).toHaveLength(1);
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(github.comments.filter((c) => c.body.startsWith(STICKY_MARKER))).toHaveLength(1);
    expect(github.reviews).toHaveLength(1);
    expect(github.reactions).toEqual([{ comment: 555, content: "eyes" }]);
  });

  it("re-runs from the Checks tab for a fork PR using external_id", async () => {
    const { github, deliver, head } = await demo({ fork: true });
    await deliver("pull_request", github.pullRequestPayload(12, "opened"));
    const run = github.checkRuns[0]!;
    await deliver("check_run", {
      ...checkRunActionPayload(github, run.id, head, "maintainer"),
      action: "rerequested",
      requested_action: undefined,
    });
    expect(github.callsTo("PATCH", `/repos/azl/distro/check-runs/${run.id}`).filter((c) => c.body.status === "in_progress")).toHaveLength(1);
    expect(github.checkRuns).toHaveLength(1);
  });

  it("ignores comments from bots and answers unknown commands", async () => {
    const { github, deliver } = await demo();
    const fromBot = commentPayload(github, "/specwarden recheck", "renovate[bot]");
    fromBot.sender.type = "Bot";
    await deliver("issue_comment", fromBot);
    expect(github.calls).toEqual([]);
    await deliver("issue_comment", commentPayload(github, "/specwarden waive everything", "maintainer"));
    expect(github.comments[0]!.body).toContain("Unknown command `waive`");
  });
});
