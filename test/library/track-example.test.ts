/** The library example of docs/tracking.md §6, run as written against the fixture distro. */
import { describe, expect, it } from "vitest";
import { combineForges, githubForge, inventory, loadProject, localGitForge, openRepo, patchId, rpmvercmp, trackPatches } from "../../src/index.js";
import { FIXTURE_DISTRO } from "../tracking/helpers.js";

describe("docs/tracking.md's library example", () => {
  it("runs: inventory, composed forges, verdicts", async () => {
    const repo = await openRepo(FIXTURE_DISTRO);
    const project = await loadProject(repo);
    const inv = await inventory(project, repo);
    // an unreachable API root: the clone directory has nothing, so every question fails over to it and is answered "unknown"
    const forge = combineForges([localGitForge("/nonexistent/upstreams"), githubForge({ apiUrl: "http://127.0.0.1:9", timeoutMs: 500, conditionalCache: null })]);
    const verdicts = await trackPatches(inv, { forge, readText: (p) => repo.readText(p) });
    expect(verdicts.length).toBe(inv.patches.length);
    expect(verdicts.every((v) => typeof v.verdict === "string" && typeof v.reason === "string")).toBe(true);
    expect(patchId("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")).toMatch(/^[0-9a-f]{40}$/);
    expect(rpmvercmp("258~rc3", "258")).toBe(-1);
  }, 30_000);
});
