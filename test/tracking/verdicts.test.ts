import { describe, expect, it } from "vitest";
import { memoryForge, trackPatches, type PatchVerdict } from "../../src/tracking/index.js";
import { fixtureForge } from "./forge-fixture.js";
import { fixtureInventory } from "./helpers.js";

async function verdicts(forge = fixtureForge()) {
  const { inv, repo } = await fixtureInventory();
  const result = await trackPatches(inv, { forge, readText: (p) => repo.readText(p) });
  return { byFile: new Map(result.map((v) => [v.file, v] as [string, PatchVerdict])), result, forge };
}

describe("verdicts", () => {
  it("a merged PR whose merge commit is in the packaged tag is released and droppable (rung b)", async () => {
    const { byFile } = await verdicts();
    const v = byFile.get("netlabel-long-labels.patch");
    expect(v).toMatchObject({ verdict: "released", rung: "b", droppable: true, packagedVersion: "2.1", actionable: true });
    expect(v?.upstream).toEqual({ project: "example/netlabel", url: "https://github.com/example/netlabel", tag: "v2.1", from: "source0" });
    expect(v?.links).toContain("https://github.com/example/netlabel/pull/42");
    // the comp.toml still says "upstreamable": shown as a conflict, never used to decide
    expect(v?.conflicts[0]).toContain("not yet upstreamed");
    expect(v?.drop.files).toEqual(["base/comps/netlabel/netlabel-long-labels.patch"]);
  });

  it("a declined PR whose removal criterion names another package is fixed elsewhere", async () => {
    const { byFile } = await verdicts();
    const v = byFile.get("unitd-tmpfiles-label.patch");
    expect(v).toMatchObject({ verdict: "fixed-elsewhere", rung: "f", droppable: true });
    expect(v?.reason).toBe("the drop condition is another package: selinux-policy >= 42.3 — met");
    expect(v?.evidence.map((e) => e.summary)).toEqual(
      expect.arrayContaining([
        "PR #77 was closed without merging",
        'removal criterion "Drop when selinux-policy >= 42.3 is available.": selinux-policy 42.5 is packaged here, which meets selinux-policy >= 42.3',
        "none of the 1 file(s) has the change at v258.4: the series applies there as it is",
      ]),
    );
  });

  it("without a cross-package criterion a closed PR is declined", async () => {
    const { inv } = await fixtureInventory();
    const patch = inv.patches.find((p) => p.file === "unitd-tmpfiles-label.patch");
    if (!patch) throw new Error("fixture changed");
    patch.removalCriteria = [];
    const [v] = await trackPatches({ ...inv, patches: [patch] }, { forge: fixtureForge() });
    expect(v).toMatchObject({ verdict: "declined", rung: "b", droppable: false });
  });

  it("open PRs are pending, false conditionals inactive, and reverse-apply finds upstreamed content (rung d)", async () => {
    const { byFile } = await verdicts();
    expect(byFile.get("80.patch")).toMatchObject({ verdict: "pending", rung: "b", droppable: false, actionable: false });
    expect(byFile.get("26.patch")).toMatchObject({ verdict: "inactive", rung: "spec", droppable: true });
    const firmware = byFile.get("unitd-x86-firmware.patch");
    expect(firmware).toMatchObject({ verdict: "released", rung: "d", droppable: true });
    expect(firmware?.reason).toBe("upstream v258.4 already contains the whole change (packaged 258.4)");
  });

  it("a merge released only after the packaged version is droppable from that version", async () => {
    const forge = fixtureForge();
    const { inv } = await fixtureInventory();
    // package the previous release instead
    const netlabel = inv.components.find((c) => c.name === "netlabel");
    if (netlabel) netlabel.version = "2.0";
    const patch = inv.patches.find((p) => p.file === "netlabel-long-labels.patch");
    const [v] = await trackPatches({ ...inv, patches: patch ? [patch] : [] }, { forge });
    expect(v).toMatchObject({ verdict: "merged-unreleased", rung: "b", droppable: false, dropFrom: "2.1" });
    expect(v?.upstream?.tag).toBe("v2.0");
  });

  it("a merged PR in no release yet is merged-unreleased without a version", async () => {
    const forge = memoryForge({
      "github.com/example/netlabel": {
        commits: { a1: [], c3: ["a1"], m42: ["c3"] },
        refs: { "v2.0": "a1", "v2.1": "c3", main: "m42" },
        changes: { 42: { url: "https://github.com/example/netlabel/pull/42", state: "merged", mergeCommit: "m42" } },
      },
    });
    const { byFile } = await verdicts(forge);
    const v = byFile.get("netlabel-long-labels.patch");
    expect(v).toMatchObject({ verdict: "merged-unreleased", droppable: false, reason: "PR #42 is merged upstream but in no release yet" });
    expect(v?.dropFrom).toBeUndefined();
  });

  it("offline, only the spec, metadata and criteria decide", async () => {
    const { inv } = await fixtureInventory();
    const result = await trackPatches(inv, {});
    const byFile = new Map(result.map((v) => [v.file, v]));
    expect(byFile.get("26.patch")?.verdict).toBe("inactive");
    expect(byFile.get("unitd-tmpfiles-label.patch")).toMatchObject({ verdict: "fixed-elsewhere", droppable: true });
    expect(byFile.get("netlabel-long-labels.patch")).toMatchObject({ verdict: "unknown", reason: "not forwarded upstream yet" });
    expect(byFile.get("libfoo-default-ciphers.patch")).toMatchObject({ verdict: "unknown", reason: "downstream-only by its metadata", actionable: true });
  });

  it("records forge failures as evidence instead of failing the run", async () => {
    const forge = fixtureForge();
    forge.change = async () => {
      throw new Error("HTTP 502 upstream unavailable");
    };
    const { byFile } = await verdicts(forge);
    const v = byFile.get("80.patch");
    expect(v?.verdict).toBe("unknown");
    expect(v?.evidence.some((e) => e.error && e.summary.includes("HTTP 502"))).toBe(true);
  });

  it("asks for the tag list once per upstream project", async () => {
    const { forge } = await verdicts();
    expect(forge.calls.filter((c) => c === "tags example/unitd")).toHaveLength(1);
  });
});

describe("header claims", () => {
  it("an Applied-Upstream version decides when nothing stronger does, and is compared with the packaged version", async () => {
    const { inv } = await fixtureInventory();
    const patch = inv.patches.find((p) => p.file === "libfoo-default-ciphers.patch");
    if (!patch?.headers) throw new Error("fixture changed");
    patch.metadata = {};
    patch.headers.hints = [{ status: "upstreamed", source: "Applied-Upstream: 1.4", reference: "1.4" }];
    const [released] = await trackPatches({ ...inv, patches: [patch] }, {});
    expect(released).toMatchObject({ verdict: "released", rung: "f", droppable: true, reason: "the patch says it is upstream in 1.4 (Applied-Upstream: 1.4); packaged 1.4" });
    patch.headers.hints = [{ status: "upstreamed", source: "Applied-Upstream: 1.5", reference: "1.5" }];
    const [later] = await trackPatches({ ...inv, patches: [patch] }, {});
    expect(later).toMatchObject({ verdict: "merged-unreleased", dropFrom: "1.5", droppable: false });
  });
});

describe("release streams", () => {
  it("finds a backport in the packaged stable stream before the next mainline release", async () => {
    const { inv } = await fixtureInventory();
    const unitd = inv.components.find((c) => c.name === "unitd");
    if (unitd) unitd.version = "258.3";
    const patch = inv.patches.find((p) => p.file === "80.patch");
    if (!patch) throw new Error("fixture changed");
    // PR 80 merged on main (in 259) and backported to the 258 stream as its own commit (in 258.5)
    const forge = memoryForge({
      "github.com/example/unitd": {
        commits: { s258: [], s2581: ["s258"], s2583: ["s2581"], bp80: ["s2583"], s2585: ["bp80"], m80: ["s258"], s259: ["m80"] },
        refs: { v258: "s258", "v258.1": "s2581", "v258.3": "s2583", "v258.5": "s2585", "v259-rc1": "m80", v259: "s259" },
        changes: { 80: { url: "https://github.com/example/unitd/pull/80", state: "merged", mergeCommit: "m80" } },
      },
    });
    patch.headers = { ...(patch.headers as NonNullable<typeof patch.headers>), cherryPickedFrom: [], commits: [] };
    const [mainline] = await trackPatches({ ...inv, patches: [patch] }, { forge });
    // the merge commit itself is only on main: first released in 259 — 259-rc1 has it too, but people
    // drop patches at releases, not release candidates (the packaged 258.3 is not one)
    expect(mainline).toMatchObject({ verdict: "merged-unreleased", dropFrom: "259" });
    // with the backport commit named by a cherry-pick trailer, the stable stream answers first
    patch.headers = { ...(patch.headers as NonNullable<typeof patch.headers>), cherryPickedFrom: ["bp80"] };
    const [stable] = await trackPatches({ ...inv, patches: [patch] }, { forge });
    expect(stable).toMatchObject({ verdict: "merged-unreleased", rung: "b", dropFrom: "258.5" });
  });

  it("asks the newest tag before searching: a commit no release has costs one request per stream", async () => {
    const { inv } = await fixtureInventory();
    const patch = inv.patches.find((p) => p.file === "80.patch")!;
    const tags = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`v${200 + i}`, `t${i}`]));
    const commits: Record<string, string[]> = { pr: [] };
    for (let i = 0; i < 64; i++) commits[`t${i}`] = i ? [`t${i - 1}`] : [];
    const forge = memoryForge({ "github.com/example/unitd": { commits, refs: { ...tags, "v258.4": "t0" }, changes: {} } });
    patch.headers = { ...(patch.headers as NonNullable<typeof patch.headers>), cherryPickedFrom: [], commits: ["pr"] };
    patch.references = [];
    await trackPatches({ ...inv, patches: [patch] }, { forge });
    expect(forge.calls.filter((c) => c.startsWith("contains")).length).toBeLessThanOrEqual(3);
  });

  it("a GitHub issue link in a comment is not the upstream project unless Source0 agrees", async () => {
    const { inv } = await fixtureInventory();
    const patch = inv.patches.find((p) => p.file === "80.patch")!;
    patch.references = [{ kind: "github-issue", url: "https://github.com/coreos/fedora-coreos-tracker/issues/1", host: "github.com", owner: "coreos", repo: "fedora-coreos-tracker", number: 1 }];
    const [v] = await trackPatches({ ...inv, patches: [patch] }, {});
    expect(v?.upstream?.project).not.toBe("coreos/fedora-coreos-tracker");
  });
});

describe("rung g: the upstream issue", () => {
  it("open is pending, closed as completed says to check the release, closed as not planned decides nothing", async () => {
    const { inv } = await fixtureInventory();
    const patch = inv.patches.find((p) => p.file === "80.patch")!;
    const states: Record<number, { state: "open" | "closed"; reason?: string }> = { 1: { state: "open" }, 2: { state: "closed", reason: "completed" }, 3: { state: "closed", reason: "not_planned" } };
    const base = memoryForge({ "github.com/example/unitd": { commits: {}, refs: {}, changes: {} } });
    const forge = { ...base, issue: async (_p: unknown, n: number) => ({ url: `https://github.com/example/unitd/issues/${n}`, ...states[n]! }) };
    const verdictFor = async (n: number) => {
      patch.references = [{ kind: "github-issue", url: `https://github.com/example/unitd/issues/${n}`, host: "github.com", owner: "example", repo: "unitd", number: n }];
      patch.headers = { ...(patch.headers as NonNullable<typeof patch.headers>), commits: [], cherryPickedFrom: [], hints: [] };
      patch.removalCriteria = [];
      return (await trackPatches({ ...inv, patches: [patch] }, { forge }))[0]!;
    };
    expect(await verdictFor(1)).toMatchObject({ verdict: "pending", rung: "g" });
    expect(await verdictFor(2)).toMatchObject({ verdict: "merged-unreleased", rung: "g", droppable: false });
    expect((await verdictFor(3)).rung).not.toBe("g");
  });
});

describe("upstream attribution", () => {
  it("a pull request of another project than the package's source is a reference, not evidence", async () => {
    const { inv } = await fixtureInventory();
    const patch = inv.patches.find((p) => p.file === "80.patch")!;
    const component = inv.components.find((c) => c.name === patch.component)!;
    component.source0 = "https://github.com/example/unitd/archive/v258.4/unitd-258.4.tar.gz";
    patch.references = [{ kind: "github-pull", url: "https://github.com/other/lib/pull/9", host: "github.com", owner: "other", repo: "lib", number: 9 }];
    patch.removalCriteria = [];
    patch.headers = { ...(patch.headers as NonNullable<typeof patch.headers>), commits: [], cherryPickedFrom: [], hints: [] };
    const forge = memoryForge({
      "github.com/other/lib": { commits: { m: [] }, refs: { "v1.0": "m" }, changes: { 9: { url: "https://github.com/other/lib/pull/9", state: "merged", mergeCommit: "m" } } },
      "github.com/example/unitd": { commits: {}, refs: {}, changes: {} },
    });
    const [v] = await trackPatches({ ...inv, patches: [patch] }, { forge });
    expect(v?.upstream?.project).toBe("example/unitd");
    expect(v?.verdict).not.toBe("released");
    expect(v?.verdict).not.toBe("merged-unreleased");
    expect(v?.evidence.some((e) => /shown as a reference/.test(e.summary))).toBe(true);
    expect(forge.calls.some((c) => c.startsWith("change other/lib"))).toBe(false);
  });
});
