/**
 * The seven systemd patches Azure Linux 4.0 inherits from Fedora, against a systemd-like upstream built
 * with git (see systemd-fixture.ts for what each commit does): the GitHub API alone, a local clone
 * alone (offline), and both — and what the API is asked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/azldev/index.js";
import { openRepo } from "../../src/repo/index.js";
import { combineForges, ConditionalCache, githubForge, inventory, localGitForge, trackPatches, type PatchVerdict, type UpstreamForge } from "../../src/tracking/index.js";
import type { FakeGitHub } from "./fake-github-api.js";
import type { SystemdUpstream } from "./systemd-fixture.js";
import { systemdScenario, type SystemdScenario } from "./systemd-scenario.js";

let root: string;
let upstream: SystemdUpstream;
let api: FakeGitHub;
let distro: string;

let scenario: SystemdScenario | undefined;

beforeAll(async () => {
  scenario = await systemdScenario("specwarden-systemd-");
  ({ root, upstream, distro, api } = scenario);
}, 60_000);
afterAll(async () => {
  await scenario?.close();
});

async function track(forge: UpstreamForge | undefined): Promise<Map<string, PatchVerdict>> {
  const repo = await openRepo(distro);
  const inv = await inventory(await loadProject(repo), repo);
  const verdicts = await trackPatches(inv, { ...(forge ? { forge } : {}), readText: (p) => repo.readText(p) });
  return new Map(verdicts.map((v) => [v.file, v]));
}

const apiForge = (cache = new ConditionalCache()) => githubForge({ apiUrl: api.url, conditionalCache: cache });
const REVERT_PRIVATE_TMP = "0001-Revert-units-use-PrivateTmp-disconnected-instead-of-.patch";
const REVERT_RUNLEVELS = "0001-Revert-units-drop-runlevel-0-6-.target.patch";

describe("systemd's inherited patches, GitHub API alone", () => {
  it("decides each one, and asks at most 20 requests on a cold cache and nothing new on a warm one", async () => {
    const cache = new ConditionalCache();
    const from = api.requests.length;
    const v = await track(apiForge(cache));
    const cold = api.requests.slice(from);

    // the squashed seven-commit series: the merge commit is first released in 259 (259-rc1 has it, but a
    // release candidate is not a release), its -x backport on the stable branch in 258.7
    expect(v.get("38922.patch")).toMatchObject({ verdict: "merged-unreleased", rung: "b", dropFrom: "258.7", droppable: false });
    expect(v.get("38922.patch")?.releases?.map((r) => [r.version, r.stream])).toEqual([
      ["258.7", "stable:258"],
      ["259", "main"],
    ]);
    expect(v.get("38922.patch")?.reason).toMatch(/258\.7 \(258\.x stable: stable backport [0-9a-f]{12} of [0-9a-f]{12}\) or 259 \(mainline/);
    // rebase-merged under a new id: first released in 259; the SELinux criterion is weaker evidence
    expect(v.get("38769.patch")).toMatchObject({ verdict: "merged-unreleased", rung: "b", dropFrom: "259" });
    expect(v.get("30846.patch")).toMatchObject({ verdict: "pending", rung: "b" });
    // closed unmerged, and the drop condition is another package (not packaged here)
    expect(v.get("38724.patch")).toMatchObject({ verdict: "fixed-elsewhere", droppable: false });
    expect(v.get("26494.patch")).toMatchObject({ verdict: "inactive", droppable: true });
    // Fedora's own reverts: nothing upstream, and the series applies at v258.4 as it is
    for (const file of [REVERT_PRIVATE_TMP, REVERT_RUNLEVELS]) {
      expect(v.get(file)).toMatchObject({ verdict: "unknown", upstream: { project: "systemd/systemd", tag: "v258.4", from: "source0" } });
      expect(v.get(file)?.evidence.some((e) => e.rung === "d" && /has the change at v258\.4: the series applies there as it is/.test(e.summary))).toBe(true);
    }
    // the Fedora CoreOS tracker issue in a comment is a reference, never asked about
    expect(v.get(REVERT_PRIVATE_TMP)?.links).toContain("https://github.com/coreos/fedora-coreos-tracker/issues/1857");
    expect(cold.some((r) => r.path.includes("fedora-coreos-tracker"))).toBe(false);

    // the budget: one tag listing, no containment question for a pull request's head commits
    expect(cold.length).toBeLessThanOrEqual(20);
    expect(cold.filter((r) => r.path.includes("/git/matching-refs/tags") || r.path.includes("/tags?"))).toHaveLength(1);
    const heads = Object.values(upstream.pulls).length;
    expect(heads).toBe(4);
    for (const patch of ["30846.patch", "38724.patch", "38769.patch", "38922.patch"]) {
      const fromShas = [...(upstream.patches[patch] as string).matchAll(/^From ([0-9a-f]{40}) /gm)].map((m) => m[1] as string);
      expect(cold.some((r) => fromShas.some((sha) => r.path.includes(sha))), patch).toBe(false);
    }

    // a second sweep with the same cache: every answer is a 304 (no rate limit)
    const again = api.requests.length;
    const warm = await track(apiForge(cache));
    const second = api.requests.slice(again);
    expect(second.length).toBe(cold.length);
    expect(second.filter((r) => r.status !== 304 && r.status !== 404)).toEqual([]);
    expect([...warm.values()].map((x) => [x.file, x.verdict, x.dropFrom])).toEqual([...v.values()].map((x) => [x.file, x.verdict, x.dropFrom]));
  });
});

describe("systemd's inherited patches, a local clone alone (offline)", () => {
  it("finds the squashed series by content, first released in 258.7 (stable backport) or 259 (mainline)", async () => {
    const v = await track(localGitForge(upstream.root));
    const series = v.get("38922.patch") as PatchVerdict;
    expect(series).toMatchObject({ verdict: "merged-unreleased", rung: "c", dropFrom: "258.7" });
    expect(series.releases?.map((r) => r.version)).toEqual(["258.7", "259"]);
    expect(series.evidence.some((e) => e.rung === "c" && e.summary.includes(upstream.commits.squash.slice(0, 12)) && /whole series/.test(e.summary))).toBe(true);
    expect(series.evidence.some((e) => e.summary.includes(`${upstream.commits.backport.slice(0, 12)} is a backport of ${upstream.commits.squash.slice(0, 12)}`))).toBe(true);
    // pull request state is not known offline, and the output says so
    expect(series.evidence.some((e) => /state of PR #38922 is not known here: no forge API was asked \(offline\)/.test(e.summary))).toBe(true);
    expect(v.get("30846.patch")).toMatchObject({ verdict: "unknown" });
    expect(v.get("30846.patch")?.evidence.some((e) => /not known here/.test(e.summary))).toBe(true);
    expect(v.get("30846.patch")?.reason).toBe("pull request state not asked (offline), and no content evidence in the local clone");
    // rebased under a new id: the same patch-id
    expect(v.get("38769.patch")).toMatchObject({ verdict: "merged-unreleased", rung: "c", dropFrom: "259" });
  });

  it("never calls the series partly upstream at v258.4, where none of it is: a hunk the series takes back is not counted", async () => {
    const v = await track(localGitForge(upstream.root));
    const series = v.get("38922.patch") as PatchVerdict;
    // rung d is not asked once a release is found; ask it directly at the packaged tag and at 258.7
    const { checkAgainstTree } = await import("../../src/tracking/index.js");
    const forge = localGitForge(upstream.root);
    const project = { forge: "github" as const, host: "github.com", path: "systemd/systemd" };
    const at = (tag: string) => (path: string) => forge.readFile(project, tag, path);
    const text = upstream.patches["38922.patch"] as string;
    const packaged = await checkAgainstTree(text, at("v258.4"));
    expect(packaged).toMatchObject({ state: "absent", present: 0 });
    expect(packaged.files.map((f) => f.state)).not.toContain("present");
    // the second commit's debug line, taken back by the seventh, counts nowhere: at 259 the whole change is there
    expect((await checkAgainstTree(text, at("v259"))).state).toBe("present");
    expect(series.verdict).toBe("merged-unreleased");
  });

  it("finds a change upstream made again with other content in the same commit by reverse-apply, in the first release that has it", async () => {
    const v = await track(localGitForge(upstream.root));
    // upstream brought the runlevel targets back in 259 (with a NEWS entry, so the patch-id differs)
    expect(v.get(REVERT_RUNLEVELS)).toMatchObject({ verdict: "merged-unreleased", rung: "d", dropFrom: "259" });
    // the PrivateTmp revert is nowhere upstream
    expect(v.get(REVERT_PRIVATE_TMP)).toMatchObject({ verdict: "unknown" });
  });
});

describe("systemd's inherited patches, a local clone and the API", () => {
  it("gives the verdicts of the API alone, plus content evidence, and asks the API only what a clone cannot answer", async () => {
    const alone = await track(apiForge());
    const from = api.requests.length;
    const both = await track(combineForges([localGitForge(upstream.root), apiForge()]));
    const asked = api.requests.slice(from);
    for (const [file, verdict] of alone) {
      const combined = both.get(file) as PatchVerdict;
      // what the API decided stays decided; the clone can only decide more (content the API cannot see)
      if (verdict.verdict !== "unknown") expect([file, combined.verdict, combined.dropFrom], file).toEqual([file, verdict.verdict, verdict.dropFrom]);
    }
    expect(both.get(REVERT_RUNLEVELS)).toMatchObject({ verdict: "merged-unreleased", rung: "d", dropFrom: "259" });
    expect(both.get("38922.patch")?.evidence.some((e) => e.rung === "c" && /whole series/.test(e.summary))).toBe(true);
    // pull request state, and commits the clone does not have (Fedora's own reverts): tags, containment,
    // files and backports come from the clone
    expect(asked.filter((r) => /\/pulls\/\d+$/.test(r.path))).toHaveLength(4);
    expect(asked.filter((r) => !/\/pulls\/\d+$/.test(r.path)).every((r) => r.status === 404 && r.path.includes("/compare/"))).toBe(true);
    expect(asked.length).toBe(6);
  });
});
