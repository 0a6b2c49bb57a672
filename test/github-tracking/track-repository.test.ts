import { describe, expect, it } from "vitest";
import { ContentPacer, trackRepository, readPatchMarker, readState, type PatchIssueState } from "../../src/github/tracking/index.js";
import { memoryForge } from "../../src/tracking/index.js";
import { fixtureForge } from "../tracking/forge-fixture.js";
import { fakeClock, fixtureFiles, trackingGitHub } from "./setup.js";

const BOT = "specwarden[bot]";

async function sweep(env: ReturnType<typeof trackingGitHub>, forge = fixtureForge(), headSha?: string) {
  return trackRepository(env.octokit, { owner: "azl", repo: "distro" }, { botLogin: BOT, forge, pacer: new ContentPacer({ clock: fakeClock() }), ...(headSha ? { headSha } : {}) });
}

describe("trackRepository against an in-memory GitHub", () => {
  it("creates one dashboard and one issue per distro patch that needs a decision, and a drop PR when opted in", async () => {
    const env = trackingGitHub();
    const summary = await sweep(env);
    expect(summary.status).toBe("tracked");
    expect(summary.patches).toBe(8);
    const patchIssues = env.issues.issues.filter((i) => i.labels.includes("specwarden:upstream-tracking"));
    expect(patchIssues.map((i) => readPatchMarker(i.body)).sort()).toEqual([
      "libfoo|distro|libfoo-default-ciphers.patch",
      "netlabel|distro|netlabel-long-labels.patch",
      "unitd|distro|unitd-tmpfiles-label.patch",
    ]);
    const netlabel = patchIssues.find((i) => i.body.includes("netlabel-long-labels.patch"));
    expect(netlabel?.title).toBe("Downstream patch netlabel/netlabel-long-labels.patch: released upstream — droppable at 2.1");
    expect(netlabel?.body).toContain("(b) PR #42 merged as m42 into main");
    const dashboards = env.issues.issues.filter((i) => i.labels.includes("specwarden:patch-dashboard"));
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]?.body).toContain("## Released upstream — droppable now (2)");
    expect(dashboards[0]?.body).toContain("## Fixed elsewhere — the drop condition is another package (1)");
    expect(dashboards[0]?.body).toContain("## In review upstream (1)");

    // merged and released → droppable → a drop PR (opted in), linked from the issue state
    const pulls = [...env.github.pulls.values()];
    expect(pulls.map((p) => p.head.ref).sort()).toEqual(["specwarden/drop/netlabel-netlabel-long-labels.patch", "specwarden/drop/unitd-unitd-tmpfiles-label.patch"]);
    const netlabelPull = pulls.find((p) => p.head.ref.includes("netlabel")) as { head: { sha: string }; number: number };
    const files = env.github.filesAt(netlabelPull.head.sha);
    expect(files["base/comps/netlabel/netlabel-long-labels.patch"]).toBeUndefined();
    expect(files["specs/n/netlabel/netlabel-long-labels.patch"]).toBeUndefined();
    expect(files["base/comps/netlabel/netlabel.comp.toml"]).toBe("[components.netlabel]\n");
    expect(files["specs/n/netlabel/netlabel.spec"]).not.toContain("Patch0");
    expect(files["specs/n/netlabel/netlabel.spec"]).toContain("%autosetup -p1");
    expect(readState<PatchIssueState>(netlabel?.body)?.dropPull).toBe(netlabelPull.number);
    const unitdPull = pulls.find((p) => p.head.ref.includes("unitd")) as { head: { sha: string } };
    const unitdFiles = env.github.filesAt(unitdPull.head.sha);
    expect(unitdFiles["base/comps/unitd/unitd.comp.toml"]).toBe("[components.unitd]\n");
    expect(unitdFiles["specs/u/unitd/unitd.spec"]).not.toContain("Patch100");
    // nothing goes to the search API
    expect(env.github.calls.filter((c) => c.path.includes("/search"))).toEqual([]);
    expect(env.github.calls.some((c) => c.method === "GET" && c.path === "/repos/azl/distro/issues" && c.query.creator === BOT && c.query.state === "all")).toBe(true);
  });

  it("a rerun with nothing new writes nothing: no duplicate issues, comments or pull requests", async () => {
    const env = trackingGitHub();
    await sweep(env);
    const issuesBefore = env.issues.issues.length;
    const writesBefore = env.github.writes.length;
    const commentsBefore = env.github.comments.length;
    const summary = await sweep(env);
    expect(env.issues.issues).toHaveLength(issuesBefore);
    expect(env.github.comments).toHaveLength(commentsBefore);
    expect(env.github.writes.length).toBe(writesBefore);
    expect(summary).toMatchObject({ created: [], updated: [], commented: [], closed: [], pulls: [], writes: 0, dashboard: { action: "unchanged" } });
  });

  it("comments once on a state change and edits only the bodies that changed", async () => {
    const env = trackingGitHub();
    await sweep(env);
    // upstream merges and releases the declined change after all
    const changed = memoryForge({
      "github.com/example/netlabel": { commits: { a1: [], b2: ["a1"], m42: ["b2"], c3: ["m42"] }, refs: { "v2.0": "a1", "v2.1": "c3" }, changes: { 42: { url: "https://github.com/example/netlabel/pull/42", state: "merged", mergeCommit: "m42" } } },
      "github.com/example/unitd": {
        commits: { u1: [], m77: ["u1"], u2: ["m77"] },
        refs: { "v258.3": "u1", "v258.4": "u2" },
        changes: { 77: { url: "https://github.com/example/unitd/pull/77", state: "merged", mergeCommit: "m77" }, 80: { url: "https://github.com/example/unitd/pull/80", state: "open" } },
      },
    });
    const summary = await sweep(env, changed);
    const unitd = env.issues.issues.find((i) => i.body.includes("unitd-tmpfiles-label.patch") && i.labels.includes("specwarden:upstream-tracking"));
    expect(summary.commented).toEqual([unitd?.number]);
    expect(env.issues.commentsOn(unitd?.number as number)).toEqual(["specwarden: **fixed-elsewhere → released** (rung b). PR #77 is merged and released in v258.4 (packaged 258.4)"]);
    expect(summary.updated).toContain(unitd?.number);
    const again = await sweep(env, changed);
    expect(again.commented).toEqual([]);
    expect(again.writes).toBe(0);
  });

  it("closes the issue once when the patch leaves the tree, and ignores issues it did not create", async () => {
    const env = trackingGitHub();
    const human = env.issues.addIssue({ title: "netlabel patch notes", body: "<!-- specwarden:patch bmV0bGFiZWx8ZGlzdHJvfG5ldGxhYmVsLWxvbmctbGFiZWxzLnBhdGNo -->", labels: ["specwarden:upstream-tracking"] });
    await sweep(env);
    expect(human.body).toBe("<!-- specwarden:patch bmV0bGFiZWx8ZGlzdHJvfG5ldGxhYmVsLWxvbmctbGFiZWxzLnBhdGNo -->");
    const files = fixtureFiles();
    delete files["base/comps/libfoo/libfoo-default-ciphers.patch"];
    delete files["specs/l/libfoo/libfoo-default-ciphers.patch"];
    files["base/comps/libfoo/libfoo.comp.toml"] = "[components.libfoo]\n";
    files["specs/l/libfoo/libfoo.spec"] = (files["specs/l/libfoo/libfoo.spec"] as string).replace("Patch3: libfoo-default-ciphers.patch\n", "").replace("%patch -P3 -p1\n", "");
    const next = env.github.commit({ ...files, ".github/specwarden.yml": "tracking:\n  drop-pull-requests: true\n" }, { parents: [env.head], branch: "main" });
    const summary = await sweep(env, fixtureForge(), next);
    const libfoo = env.issues.issues.find((i) => i.body.includes("libfoo-default-ciphers.patch") && i.user.login === BOT && i.labels.includes("specwarden:upstream-tracking"));
    expect(summary.closed).toEqual([libfoo?.number]);
    expect(libfoo).toMatchObject({ state: "closed", state_reason: "completed" });
    expect(env.issues.commentsOn(libfoo?.number as number)).toEqual(["specwarden: this patch is no longer in the repository; closing."]);
    const again = await sweep(env, fixtureForge(), next);
    expect(again.closed).toEqual([]);
    expect(again.writes).toBe(0);
  });

  it("does nothing without a tracking section, and reports an invalid one", async () => {
    const off = trackingGitHub("rules:\n  render-stale: warning\n");
    expect(await sweep(off)).toMatchObject({ status: "disabled" });
    expect(off.github.writes).toEqual([]);
    const bad = trackingGitHub("tracking:\n  per-patch-issues: sometimes\n");
    const summary = await sweep(bad);
    expect(summary.status).toBe("invalid-config");
    expect(summary.reason).toContain("per-patch-issues must be actionable, all or none");
    expect(bad.github.writes).toEqual([]);
  });

  it("opens no drop PR unless the repository opts in", async () => {
    const env = trackingGitHub("tracking: {}\n");
    await sweep(env);
    expect(env.github.pulls.size).toBe(0);
    expect(env.issues.issues.filter((i) => i.labels.includes("specwarden:upstream-tracking"))).toHaveLength(3);
  });
});

describe("issue policy", () => {
  it("per-patch-issues: none keeps only the dashboard; all opens one per vendored patch", async () => {
    const none = trackingGitHub("tracking:\n  per-patch-issues: none\n");
    await sweep(none);
    expect(none.issues.issues.map((i) => i.labels)).toEqual([["specwarden:patch-dashboard"]]);
    const all = trackingGitHub("tracking:\n  per-patch-issues: all\n  labels: { patch: upstream-patch }\n");
    await sweep(all);
    expect(all.issues.issues.filter((i) => i.labels.includes("upstream-patch"))).toHaveLength(3);
    expect(all.issues.labels.has("upstream-patch")).toBe(true);
  });

  it("leaves an issue a person closed closed, and stays quiet on it", async () => {
    const env = trackingGitHub("tracking: {}\n");
    await sweep(env);
    const netlabel = env.issues.issues.find((i) => i.title.includes("netlabel-long-labels.patch"));
    if (!netlabel) throw new Error("no issue");
    netlabel.state = "closed";
    const changed = memoryForge({
      "github.com/example/netlabel": { commits: { a1: [] }, refs: { "v2.1": "a1" }, changes: { 42: { url: "https://github.com/example/netlabel/pull/42", state: "open" } } },
    });
    const summary = await sweep(env, changed);
    expect(netlabel.state).toBe("closed");
    expect(summary.commented).not.toContain(netlabel.number);
    expect(summary.reopened).toEqual([]);
    expect(env.issues.commentsOn(netlabel.number)).toEqual([]);
  });
});

describe("drop pull requests without contents: write", () => {
  it("keeps tracking and says on the dashboard why no drop PR was opened", async () => {
    const env = trackingGitHub();
    env.github.contentsWrite = false;
    const summary = await sweep(env);
    expect(summary.status).toBe("tracked");
    expect(summary.pulls).toEqual([]);
    expect(env.issues.issues.filter((i) => i.labels.includes("specwarden:upstream-tracking"))).toHaveLength(3);
    const dashboard = env.issues.issues.find((i) => i.labels.includes("specwarden:patch-dashboard"));
    expect(dashboard?.body).toContain("it needs the \\`contents: write\\` permission");
    // one refused write, not one per droppable patch
    expect(env.github.calls.filter((c) => c.status === 403)).toHaveLength(1);
  });
});

describe("upstream outages", () => {
  it("do not flip issues to unknown or comment; the next good sweep finds nothing to say", async () => {
    const env = trackingGitHub("tracking: {}\n");
    await sweep(env);
    const netlabel = env.issues.issues.find((i) => i.title.includes("netlabel-long-labels.patch"));
    const before = netlabel?.body;
    const down = fixtureForge();
    down.change = async () => {
      throw new Error("HTTP 503 Service Unavailable");
    };
    down.tags = async () => {
      throw new Error("HTTP 503 Service Unavailable");
    };
    const summary = await sweep(env, down);
    expect(summary.commented).toEqual([]);
    expect(netlabel?.body).toBe(before);
    const dashboard = env.issues.issues.find((i) => i.labels.includes("specwarden:patch-dashboard"));
    expect(dashboard?.body).toContain("upstream could not be queried");
    const back = await sweep(env);
    expect(back.commented).toEqual([]);
    expect(netlabel?.body).toBe(before);
  });
});
