/**
 * The review engine on the real Azure Linux 4.0 sample (read through SPECWARDEN_CORPUS, never
 * copied): hand edits of real rendered specs, and a new overlay on a spec that applies its patches
 * one by one. Skipped when the corpus is not there.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { openRepo } from "../../src/repo/index.js";
import type { RepoView } from "../../src/repo/types.js";
import { LayeredRepoView, reviewChange } from "../../src/review/index.js";
import { applyFix } from "../../src/github/apply-fix.js";

const corpus = process.env.SPECWARDEN_CORPUS ?? fileURLToPath(new URL("../../../shared/corpus", import.meta.url));
const sample = join(corpus, "azl4-sample");
const available = existsSync(join(sample, "azldev.toml"));
const encoder = new TextEncoder();

function layered(base: RepoView, edits: Record<string, string | Uint8Array | null>): LayeredRepoView {
  return new LayeredRepoView(base, new Map(Object.entries(edits).map(([p, c]) => [p, c === null || typeof c !== "string" ? c : encoder.encode(c)])));
}

async function fixedHead(base: RepoView, head: RepoView, edits: Record<string, string | null>, patch: string): Promise<LayeredRepoView> {
  const changes = await applyFix(patch, (path) => head.readText(path));
  const all: Record<string, string | Uint8Array | null> = { ...edits };
  for (const [path, content] of changes) all[path] = content;
  return layered(base, all);
}

describe.skipIf(!available)("review on the azl4 sample corpus", () => {
  const read = (path: string) => readFileSync(join(sample, path), "utf8");

  it("systemd: a vendored patch with a hand-written Patch line in %if %{without upstream} gets a verified overlay fix", async () => {
    const base = await openRepo(sample);
    const spec = read("specs/s/systemd/systemd.spec");
    const anchor = "Patch:          https://github.com/systemd/systemd/pull/38922.patch\n";
    expect(spec.split(anchor)).toHaveLength(2);
    const patchName = "0001-core-set-SYSTEMD_NSS_DYNAMIC_BYPASS-1-for-generators.patch";
    const edits = {
      "specs/s/systemd/systemd.spec": spec.replace(anchor, `${anchor}\n# Do not let generators wait for systemd-userdbd during early boot\nPatch:          ${patchName}\n`),
      [`specs/s/systemd/${patchName}`]: "From 1 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] core: set SYSTEMD_NSS_DYNAMIC_BYPASS=1 for generators\n---\n",
    };
    const head = layered(base, edits);
    const changedPaths = Object.keys(edits).sort();
    const result = await reviewChange({ base, head, changedPaths });
    expect(result.verdict).toBe("failure");
    expect(result.findings.filter((f) => f.level === "failure").map((f) => f.rule).sort()).toEqual(["rendered-file-edited", "vendored-patch-in-rendered-tree"]);
    expect(result.fix?.verified).toBe(true);
    expect(result.fix?.patch).toContain(`+++ b/base/comps/systemd/${patchName}`);
    // the fixed head, checked from scratch, has no failure left
    const fixed = await fixedHead(base, head, edits, result.fix?.patch as string);
    const again = await reviewChange({ base, head: fixed, changedPaths: [...changedPaths, "base/comps/systemd/systemd.comp.toml", `base/comps/systemd/${patchName}`].sort() });
    expect(again.findings.filter((f) => f.level === "failure")).toEqual([]);
    expect(again.components).toEqual([expect.objectContaining({ name: "systemd", status: "clean", method: "incremental" })]);
  });

  it("apache-ivy: a vendored patch wired with a Source tag and a patch command joins the component's inline overlays array, verified", async () => {
    const base = await openRepo(sample);
    const spec = read("specs/a/apache-ivy/apache-ivy.spec");
    const edits = {
      "specs/a/apache-ivy/apache-ivy.spec": spec
        .replace("Source5: remove-Pack200Packing-java.patch\n", "Source5: remove-Pack200Packing-java.patch\nSource6: fix-ivy-settings.patch\n")
        .replace("patch -p1 -l < %{SOURCE5}\n", "patch -p1 -l < %{SOURCE5}\npatch -p1 -l < %{SOURCE6}\n"),
      "specs/a/apache-ivy/fix-ivy-settings.patch": "From 1 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] Fix the ivy settings lookup\n---\n",
    };
    expect(edits["specs/a/apache-ivy/apache-ivy.spec"]).not.toBe(spec);
    const head = layered(base, edits);
    const changedPaths = Object.keys(edits).sort();
    const result = await reviewChange({ base, head, changedPaths });
    expect(result.fix?.verified).toBe(true);
    const fixed = await fixedHead(base, head, edits, result.fix?.patch as string);
    const comp = await fixed.readText("base/comps/apache-ivy/apache-ivy.comp.toml");
    expect(comp).not.toContain("[[components.apache-ivy.overlays]]");
    expect(comp).toContain('{ description = "Fix the ivy settings lookup", type = "file-add", file = "fix-ivy-settings.patch", source = "fix-ivy-settings.patch" },');
    expect(comp).toContain('{ description = "Register fix-ivy-settings.patch", type = "spec-add-tag", tag = "Source6", value = "fix-ivy-settings.patch" },');
    const again = await reviewChange({ base, head: fixed, changedPaths: [...changedPaths, "base/comps/apache-ivy/apache-ivy.comp.toml", "base/comps/apache-ivy/fix-ivy-settings.patch"].sort() });
    expect(again.findings.map((f) => f.rule)).toEqual(["patch-metadata-missing"]);
    expect(again.components).toEqual([expect.objectContaining({ name: "apache-ivy", status: "clean", method: "incremental" })]);
  });

  it("libspf2: a new patch-add on a spec with explicit %patch lines, not re-rendered: stale and never applied, fixed and verified", async () => {
    const base = await openRepo(sample);
    const comp = `${read("base/comps/libspf2/libspf2.comp.toml")}
[[components.libspf2.overlays]]
type = "patch-add"
description = "Fix a NULL dereference in the SPF macro expander (https://github.com/shevek/libspf2/pull/44)"
source = "fix-macro-expander-null-deref.patch"
`;
    const edits = {
      "base/comps/libspf2/libspf2.comp.toml": comp,
      "base/comps/libspf2/fix-macro-expander-null-deref.patch": "--- a/src/libspf2/spf_expand.c\n+++ b/src/libspf2/spf_expand.c\n@@ -1 +1 @@\n-a\n+b\n",
    };
    const head = layered(base, edits);
    const result = await reviewChange({ base, head, changedPaths: Object.keys(edits).sort() });
    const failures = result.findings.filter((f) => f.level === "failure");
    expect(failures.map((f) => f.rule).sort()).toEqual(["overlay-lint", "render-stale", "rendered-file-missing"]);
    expect(failures.find((f) => f.rule === "overlay-lint")?.message).toContain("%patch -P5 -p1");
    expect(result.components).toEqual([expect.objectContaining({ name: "libspf2", method: "incremental" })]);
    expect(result.fix?.verified).toBe(true);
    expect(result.fix?.patch).toContain("+%patch -P5 -p1");
    expect(result.fix?.patch).toContain("+Patch5: fix-macro-expander-null-deref.patch");
  });

  it("a comment in the real components.toml affects nothing", async () => {
    const base = await openRepo(sample);
    const edits = { "base/comps/components.toml": `# reviewed\n${read("base/comps/components.toml")}` };
    const result = await reviewChange({ base, head: layered(base, edits), changedPaths: Object.keys(edits) });
    expect(result).toEqual({ verdict: "success", components: [], findings: [] });
  });
});
