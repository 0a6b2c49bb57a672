import { describe, expect, it } from "vitest";
import {
  BODY_LIMIT,
  DASHBOARD_MARKER,
  encodeState,
  parseTrackingConfig,
  patchIssueState,
  patchMarker,
  readPatchMarker,
  readState,
  removeTomlOverlay,
  renderDashboard,
  renderPatchIssue,
} from "../../src/github/tracking/index.js";
import { trackPatches, type PatchVerdict } from "../../src/tracking/index.js";
import { fixtureForge } from "../tracking/forge-fixture.js";
import { fixtureInventory } from "../tracking/helpers.js";

async function fixtureVerdicts(): Promise<PatchVerdict[]> {
  const { inv, repo } = await fixtureInventory();
  return trackPatches(inv, { forge: fixtureForge(), readText: (p) => repo.readText(p) });
}

describe("issue bodies", () => {
  it("render deterministically, with the marker and the state block", async () => {
    const verdicts = await fixtureVerdicts();
    const again = await fixtureVerdicts();
    const a = renderDashboard({ verdicts, issues: new Map(), problems: [] });
    const b = renderDashboard({ verdicts: again, issues: new Map(), problems: [] });
    expect(a.body).toBe(b.body);
    expect(a.body.startsWith(DASHBOARD_MARKER)).toBe(true);
    expect(a.state.counts).toEqual({ released: 2, "fixed-elsewhere": 1, pending: 1, inactive: 1, unknown: 3 });
    expect(readState(a.body)).toEqual(a.state);
    const netlabel = verdicts.find((v) => v.file === "netlabel-long-labels.patch") as PatchVerdict;
    const body = renderPatchIssue(netlabel, patchIssueState(netlabel));
    expect(readPatchMarker(body)).toBe(netlabel.key);
    expect(readState(body)).toMatchObject({ key: netlabel.key, verdict: "released", rung: "b", droppable: true, packagedVersion: "2.1" });
    expect(body).toContain("### How to drop it");
    expect(body).toContain("- remove the `patch-add` overlay at `base/comps/netlabel/netlabel.comp.toml:5`");
    expect(body).toContain("- delete `base/comps/netlabel/netlabel-long-labels.patch`");
  });

  it("escapes what comes from the repository and upstream", async () => {
    const [base] = await fixtureVerdicts();
    const hostile: PatchVerdict = { ...(base as PatchVerdict), component: "evil<script>", reason: "see @octocat and <img src=x> | [link](javascript:alert(1))", links: ["javascript:alert(1)"], evidence: [{ rung: "b", summary: "**bold** <b>", url: "javascript:x" }] };
    const body = renderPatchIssue(hostile, patchIssueState(hostile));
    // inside code spans markup is inert text; outside them nothing raw may remain
    const outsideCode = (text: string) => text.replace(/`[^`]*`/g, "");
    expect(body).toContain("`evil<script>`");
    expect(outsideCode(body)).not.toContain("<script>");
    expect(body).not.toContain("<img");
    expect(body).not.toMatch(/[^\\]\]\(javascript:/);
    expect(body).toContain("\\[link\\](javascript:alert(1))");
    expect(body).toContain("@\u200boctocat");
    const dash = renderDashboard({ verdicts: [hostile], issues: new Map(), problems: ["bad <b>config</b>"] }).body;
    expect(outsideCode(dash)).not.toContain("<script>");
    expect(dash).toContain("bad &lt;b&gt;config&lt;/b&gt;");
  });

  it("keeps the dashboard under GitHub's body limit and says what it left out", async () => {
    const [base] = await fixtureVerdicts();
    const many = Array.from({ length: 3000 }, (_, k) => ({ ...(base as PatchVerdict), key: `c${k}|inherited|p${k}.patch`, component: `component-${k}`, file: `a-rather-long-patch-file-name-number-${k}.patch`, origin: "inherited" as const }));
    const { body } = renderDashboard({ verdicts: many, issues: new Map(), problems: [] });
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(body).toMatch(/_\d+ more patches are not listed/);
    expect(readState(body)).toMatchObject({ counts: { [base?.verdict as string]: 3000 } });
  });
});

describe("hidden state", () => {
  it("round-trips keys that would break an HTML comment", () => {
    const key = "comp--x|distro|a -->b.patch";
    expect(patchMarker(key)).not.toContain("-->b");
    expect(readPatchMarker(`text\n${patchMarker(key)}\nmore`)).toBe(key);
    expect(readState(`x ${encodeState({ v: 1, note: "-- -->" })}`)).toEqual({ v: 1, note: "-- -->" });
    expect(readState("<!-- specwarden:state !!! -->")).toBeUndefined();
    expect(readPatchMarker("no marker")).toBeUndefined();
  });
});

describe("tracking config", () => {
  it("is opt-in, validated, with defaults", () => {
    expect(parseTrackingConfig(undefined).enabled).toBe(false);
    expect(parseTrackingConfig({})).toMatchObject({ enabled: true, perPatchIssues: "actionable", dropPullRequests: false });
    expect(parseTrackingConfig({ enabled: false }).enabled).toBe(false);
    expect(parseTrackingConfig({ "per-patch-issues": "all", "drop-pull-requests": true, labels: { patch: "upstream" }, macros: { fedora: 43 }, arches: ["x86_64"] })).toMatchObject({
      perPatchIssues: "all",
      dropPullRequests: true,
      labels: { patch: "upstream", dashboard: "specwarden:patch-dashboard" },
      macros: { fedora: "43" },
      arches: ["x86_64"],
    });
    expect(() => parseTrackingConfig({ "per-patch-issue": "all" })).toThrow('unknown key "per-patch-issue"');
    expect(() => parseTrackingConfig({ "drop-pull-requests": "yes" })).toThrow("drop-pull-requests must be true or false");
    expect(() => parseTrackingConfig({ labels: { patch: "a,b" } })).toThrow("labels.patch");
    expect(() => parseTrackingConfig({ macros: { "bad name": "1" } })).toThrow("not a valid rpm macro name");
  });
});

describe("removeTomlOverlay", () => {
  it("cuts a [[…overlays]] table with its comment, or a one-line inline table", () => {
    const toml = "[components.x]\n\n# first\n[[components.x.overlays]]\ntype = \"patch-add\"\nsource = \"a.patch\"\n\n# second\n[[components.x.overlays]]\ntype = \"spec-add-tag\"\ntag = \"BuildRequires\"\nvalue = \"gcc\"\n";
    expect(removeTomlOverlay(toml, 4)).toBe("[components.x]\n\n# second\n[[components.x.overlays]]\ntype = \"spec-add-tag\"\ntag = \"BuildRequires\"\nvalue = \"gcc\"\n");
    expect(removeTomlOverlay(toml, 9)).toBe("[components.x]\n\n# first\n[[components.x.overlays]]\ntype = \"patch-add\"\nsource = \"a.patch\"\n");
    const inline = '[components.y]\noverlays = [\n    { type = "file-add", file = "a.patch", source = "a.patch" },\n    { type = "spec-add-tag", tag = "Source4", value = "a.patch" },\n]\n';
    expect(removeTomlOverlay(inline, 3)).toBe('[components.y]\noverlays = [\n    { type = "spec-add-tag", tag = "Source4", value = "a.patch" },\n]\n');
    expect(removeTomlOverlay('[c]\noverlays = [\n  { type = "x",\n    file = "y" },\n]\n', 3)).toBeUndefined();
  });
});

describe("inherited patches on the dashboard", () => {
  it("are not counted as this repository's to drop, and say that they leave with the upstream spec", async () => {
    const { renderDashboard } = await import("../../src/github/tracking/render.js");
    const base = { component: "systemd", origin: "inherited" as const, verdict: "released" as const, rung: "b" as const, reason: "in v258.4", droppable: true, evidence: [], links: [], criteria: [], conflicts: [], actionable: false, wiring: "upstream-tag" as const, drop: { summary: "add a patch-remove overlay", overlays: [], files: [] } };
    const verdicts = [
      { ...base, key: "a", file: "0001-a.patch" },
      { ...base, key: "b", file: "0002-b.patch", origin: "distro" as const, wiring: "patch-add" as const, actionable: true },
    ];
    const { body } = renderDashboard({ verdicts, issues: new Map(), problems: [] });
    expect(body).toContain("**1** of this repository's patches can be dropped");
    expect(body).toContain("1 inherited patch could go too (already upstream at the packaged version, or never applied): nothing to do here");
    expect(body).toContain("disappear when the upstream dist-git drops them");
  });

  it("say which upstream spec and snapshot they come with, count apart, and show the overlay that drops one now", async () => {
    const { renderDashboard } = await import("../../src/github/tracking/render.js");
    const from = { distro: "fedora", version: "43", branch: "f43", snapshot: "2026-02-24T00:00:00-08:00", name: "systemd" };
    const base = { component: "systemd", origin: "inherited" as const, rung: "b" as const, evidence: [], links: [], criteria: [], conflicts: [], actionable: false, wiring: "upstream-tag" as const, inheritedFrom: from };
    const drop = { summary: "add a spec-remove-tag overlay", overlays: [], files: [], addOverlay: { file: "base/comps/systemd/systemd.comp.toml", toml: '[[components.systemd.overlays]]\ntype = "spec-remove-tag"\ntag = "Patch"\nvalue = "https://github.com/systemd/systemd/pull/1.patch"\n' } };
    const verdicts = [
      { ...base, key: "a", file: "1.patch", verdict: "released" as const, reason: "in v258.4", droppable: true, drop },
      { ...base, key: "b", file: "2.patch", verdict: "merged-unreleased" as const, reason: "from 259", droppable: false, dropFrom: "259", drop },
      { ...base, key: "c", file: "3.patch", origin: "distro" as const, wiring: "patch-add" as const, verdict: "pending" as const, reason: "open", droppable: false, actionable: false, drop: { summary: "x", overlays: [], files: [] } },
    ];
    const { body } = renderDashboard({ verdicts, issues: new Map(), problems: [] });
    expect(body).toContain("**1** vendored by this repository, **2** inherited from upstream specs (Fedora 43 (f43) at the snapshot 2026-02-24T00:00:00-08:00)");
    expect(body).toMatch(/\| this repository \| 0 \| 0 \| 0 \| 0 \| 1 \| 0 \| 0 \|/);
    expect(body).toMatch(/\| inherited \| 1 \| 0 \| 0 \| 1 \| 0 \| 0 \| 0 \|/);
    // the droppable one carries the overlay; the one waiting for 259 does not
    expect(body.match(/<details><summary>drop it now<\/summary>/g)).toHaveLength(1);
    expect(body).toContain('type = "spec-remove-tag"');
    expect(body).toContain("Add to `base/comps/systemd/systemd.comp.toml`:");
  });
});
