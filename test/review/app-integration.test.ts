/**
 * The GitHub App driven by the real review engine: the demo PR of `fixtures/demo/`, delivered as a
 * webhook against the in-memory GitHub holding the same repository.
 */
import { describe, expect, it } from "vitest";
import { applyFix } from "../../src/github/apply-fix.js";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { STICKY_MARKER } from "../../src/github/markdown.js";
import { ProjectCache, reviewChange } from "../../src/review/index.js";
import { createHarness } from "../github/harness.js";
import { baseFiles, demoHeadEdits, withEdits } from "./repo-fixture.js";

const SPEC = "specs/s/systemd/systemd.spec";
const PATCH = "0001-core-set-SYSTEMD_NSS_DYNAMIC_BYPASS-1-for-generators.patch";

async function demoPull() {
  const github = new FakeGitHub();
  const baseTree = baseFiles();
  const headTree = withEdits(baseTree, demoHeadEdits());
  const base = github.commit(baseTree, { branch: "main" });
  const head = github.commit(headTree, { parents: [base] });
  github.openPull({ number: 7, base, head, headRef: "systemd-nss-bypass" });
  // the app's caches of GitHub objects are its own here, so are its loaded projects
  const projects = new ProjectCache();
  const harness = await createHarness((input) => reviewChange(input, { projects }), github);
  return { ...harness, base, head, headTree };
}

describe("the app with the real review engine", () => {
  it("fails the demo PR with annotations on the spec lines, one sticky comment with the fix, and anchored suggestions", async () => {
    const { github, deliver, head, headTree } = await demoPull();
    await deliver("pull_request", github.pullRequestPayload(7, "opened"));
    const run = github.checkRuns[0]!;
    expect(run).toMatchObject({ status: "completed", conclusion: "failure", head_sha: head });
    expect(run.output.title).toBe("3 failures");
    const specLines = (headTree[SPEC] as string).split("\n");
    const patchLine = specLines.indexOf(`Patch:          ${PATCH}`) + 1;
    expect(run.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: `specs/s/systemd/${PATCH}`, annotation_level: "failure" }),
        expect.objectContaining({ path: SPEC, start_line: patchLine - 3, end_line: patchLine, annotation_level: "failure" }),
        expect.objectContaining({ path: SPEC, start_line: specLines.findIndex((l) => l.includes("service-watchdog=5min")) + 1, annotation_level: "failure" }),
      ]),
    );
    expect(run.output.text).toContain(`+++ b/base/comps/systemd/${PATCH}`);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body.startsWith(STICKY_MARKER)).toBe(true);
    // the fake GitHub answers 422 for an anchor outside a hunk: posting means every suggestion anchored
    expect(github.reviews).toHaveLength(1);
    expect(github.reviews[0]!.comments).toEqual([expect.objectContaining({ path: SPEC, start_line: patchLine - 3, line: patchLine, side: "RIGHT" })]);
  });

  it("changes nothing on redelivery, and turns green once the offered fix is pushed", async () => {
    const { github, deliver, head, outcomes } = await demoPull();
    const payload = github.pullRequestPayload(7, "opened");
    await deliver("pull_request", payload, "d-1");
    const writes = github.writes.length;
    await deliver("pull_request", payload, "d-1");
    expect(github.writes).toHaveLength(writes);

    const fix = outcomes[0]!.result!.fix!;
    expect(fix.verified).toBe(true);
    const current = withEdits(baseFiles(), demoHeadEdits());
    const changes = await applyFix(fix.patch, async (path) => current[path]);
    const fixedTree: Record<string, string> = { ...current };
    for (const [path, content] of changes) {
      if (content === null) delete fixedTree[path];
      else fixedTree[path] = typeof content === "string" ? content : new TextDecoder().decode(content);
    }
    const fixed = github.commit(fixedTree, { parents: [head] });
    github.movePullHead(7, fixed);
    await deliver("pull_request", github.pullRequestPayload(7, "synchronize", { before: head, after: fixed }));
    const latest = github.checkRuns.find((r) => r.head_sha === fixed)!;
    // green; the new downstream patch still asks for its upstream status
    expect(latest).toMatchObject({ status: "completed", conclusion: "success" });
    expect(latest.output.title).toBe("1 warning");
    expect(latest.output.summary).toContain("patch-metadata-missing");

    // the maintainer fills in the metadata the fix left to fill in: nothing is left to report
    const comp = "base/comps/systemd/systemd.comp.toml";
    fixedTree[comp] = (fixedTree[comp] as string).replace(
      /# metadata = \{ category = "…", upstream-status = "…", bugs = \["https:\/\/…"\], commits = \["https:\/\/…"\] \}/,
      'metadata = { category = "azl-temp-workaround", upstream-status = "upstreamable", bugs = ["https://github.com/systemd/systemd/issues/39911"] }',
    );
    expect(fixedTree[comp]).toContain('metadata = { category = "azl-temp-workaround"');
    const documented = github.commit(fixedTree, { parents: [fixed] });
    github.movePullHead(7, documented);
    await deliver("pull_request", github.pullRequestPayload(7, "synchronize", { before: fixed, after: documented }));
    expect(github.checkRuns.find((r) => r.head_sha === documented)).toMatchObject({ conclusion: "success", output: expect.objectContaining({ title: "No problems found" }) });
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain("Resolved");
  });

  it("a one-component PR on a warm base costs at most 15 GitHub API calls with the real engine", async () => {
    const { github, deliver, base } = await demoPull();
    await deliver("pull_request", github.pullRequestPayload(7, "opened"));
    // a second PR on the same base: tokens, identity, base tree and blobs are warm
    const tree = withEdits(baseFiles(), { "specs/a/acl/acl.spec": baseFiles()["specs/a/acl/acl.spec"]!.replace("%configure --disable-static", "%configure --disable-static --enable-nls") });
    const head = github.commit(tree, { parents: [base] });
    github.openPull({ number: 8, base, head, headRef: "acl-nls" });
    const before = github.calls.length;
    await deliver("pull_request", github.pullRequestPayload(8, "opened"));
    const calls = github.calls.slice(before).filter((c) => !c.path.endsWith("/access_tokens"));
    expect(github.checkRuns.find((r) => r.head_sha === head)).toMatchObject({ conclusion: "failure" });
    expect(calls.length).toBeLessThanOrEqual(15);
  });
});
