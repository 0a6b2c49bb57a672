import { describe, expect, it } from "vitest";
import { memoryRepo } from "../../src/repo/index.js";
import { loadProject } from "../../src/azldev/index.js";
import { inventory } from "../../src/tracking/index.js";
import { fixtureInventory } from "./helpers.js";

describe("inventory of the fixture distro", () => {
  it("finds distro and inherited patches with their wiring", async () => {
    const { inv, project } = await fixtureInventory();
    expect(project.errors.filter((e) => e.severity === "error")).toEqual([]);
    const rows = inv.patches.map((p) => [p.component, p.file, p.origin, p.wiring]);
    expect(rows).toEqual([
      ["libfoo", "libfoo-default-ciphers.patch", "distro", "patch-add"],
      ["libfoo", "libfoo-gcc15.patch", "inherited", "upstream-tag"],
      ["libfoo", "libfoo-tests.patch", "inherited", "upstream-tag"],
      ["netlabel", "netlabel-long-labels.patch", "distro", "patch-add"],
      ["unitd", "unitd-tmpfiles-label.patch", "distro", "file-add+patch-tag"],
      ["unitd", "26.patch", "inherited", "upstream-tag"],
      ["unitd", "80.patch", "inherited", "upstream-tag"],
      ["unitd", "unitd-x86-firmware.patch", "inherited", "upstream-tag"],
    ]);
    expect(inv.macros).toEqual({ azl: "4", dist: ".azl4", fedora: "43" });
    expect(inv.components.map((c) => [c.name, c.version])).toEqual([
      ["libfoo", "1.4"],
      ["netlabel", "2.1"],
      ["selinux-policy", "42.5"],
      ["unitd", "258.4"],
    ]);
  });

  it("evaluates conditionals with the distro's macros and per architecture", async () => {
    const { inv } = await fixtureInventory();
    const byFile = new Map(inv.patches.map((p) => [p.file, p]));
    const dracut = byFile.get("26.patch");
    expect(dracut?.active).toBe(false);
    expect(dracut?.applied).toBe(false);
    expect(dracut?.condition).toBe("%if 0%{?fedora} < 40 && 0%{?rhel} < 10");
    // %bcond upstream 0 → %{without upstream} is true
    expect(byFile.get("80.patch")?.active).toBe(true);
    expect(byFile.get("80.patch")?.applied).toBe(true);
    const firmware = byFile.get("unitd-x86-firmware.patch");
    expect(firmware?.active).toBe(true);
    expect(firmware?.activeArches).toEqual(["x86_64"]);
    expect(firmware?.condition).toBe("%ifarch x86_64");
    // with Fedora 42 macros the dracut patch would not be active either; with Fedora 39 it is
    const old = await fixtureInventory({ macros: { fedora: "39" } });
    expect(old.inv.patches.find((p) => p.file === "26.patch")?.active).toBe(true);
  });

  it("knows how %prep applies each patch", async () => {
    const { inv } = await fixtureInventory();
    const cipher = inv.patches.find((p) => p.file === "libfoo-default-ciphers.patch");
    expect(cipher?.applied).toBe(true);
    expect(cipher?.application).toMatchObject({ method: "%patch", text: "%patch -P3 -p1" });
    expect(inv.patches.find((p) => p.file === "netlabel-long-labels.patch")?.application?.method).toBe("autosetup");
  });

  it("collects removal criteria, references, metadata and headers", async () => {
    const { inv } = await fixtureInventory();
    const label = inv.patches.find((p) => p.file === "unitd-tmpfiles-label.patch");
    expect(label?.removalCriteria).toEqual([
      {
        text: "Drop when selinux-policy >= 42.3 is available.",
        conditions: [{ kind: "package-version", package: "selinux-policy", operator: ">=", version: "42.3" }],
        urls: [],
        location: "base/comps/unitd/unitd.comp.toml:5",
      },
    ]);
    expect(label?.references.map((r) => r.url)).toContain("https://github.com/example/unitd/pull/77");
    expect(label?.headers?.dep3?.forwarded).toBe("https://github.com/example/unitd/pull/77");
    const netlabel = inv.patches.find((p) => p.file === "netlabel-long-labels.patch");
    expect(netlabel?.metadata).toMatchObject({ "upstream-status": "upstreamable" });
    expect(netlabel?.headers?.subjects).toEqual(["parser: accept labels longer than 64 bytes"]);
    expect(netlabel?.headers?.commits).toEqual(["3b2f0c1d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c"]);
    expect(netlabel?.patchIds).toHaveLength(1);
    expect(netlabel?.references[0]).toMatchObject({ kind: "github-pull", owner: "example", repo: "netlabel", number: 42 });
    const dracut = inv.patches.find((p) => p.file === "26.patch");
    expect(dracut?.url).toBe("https://github.com/example/unitd/pull/26.patch");
    expect(dracut?.removalCriteria[0]?.conditions).toEqual([{ kind: "package-version", package: "dracut", operator: ">=", version: "060" }]);
  });

  it("states the exact drop action", async () => {
    const { inv } = await fixtureInventory();
    const cipher = inv.patches.find((p) => p.file === "libfoo-default-ciphers.patch");
    expect(cipher?.drop.overlays.map((o) => [o.type, o.action, o.location.file])).toEqual([
      ["patch-add", "remove", "base/comps/libfoo/libfoo.comp.toml"],
      ["spec-append-lines", "remove", "base/comps/libfoo/libfoo.comp.toml"],
    ]);
    expect(cipher?.drop.files).toEqual(["base/comps/libfoo/libfoo-default-ciphers.patch"]);
    const label = inv.patches.find((p) => p.file === "unitd-tmpfiles-label.patch");
    expect(label?.drop.overlays.map((o) => [o.type, o.action])).toEqual([
      ["file-add", "remove"],
      ["spec-add-tag", "remove"],
    ]);
    const pending = inv.patches.find((p) => p.file === "80.patch");
    expect(pending?.drop.addOverlay?.toml).toBe(
      '[[components.unitd.overlays]]\ndescription = "Drop 80.patch"\ntype = "spec-remove-tag"\ntag = "Patch"\nvalue = "https://github.com/example/unitd/pull/80.patch"',
    );
    const gcc = inv.patches.find((p) => p.file === "libfoo-gcc15.patch");
    expect(gcc?.drop.addOverlay?.toml).toContain('type = "patch-remove"\nfile = "libfoo-gcc15.patch"');
    // %patch -P1 stays after the tag goes: the action removes it too
    expect(gcc?.drop.addOverlay?.toml).toContain('regex = "^%patch -P1 -p1$"');
  });

  it("reports a vendored patch that nothing applies and one that no tag names", async () => {
    const repo = memoryRepo({
      "azldev.toml": '[project]\ndefault-distro = { name = "azurelinux" }\nrendered-specs-dir = "specs"\n[distros.azurelinux]\ndefault-version = "4.0"\n[distros.azurelinux.versions.\'4.0\']\nrelease-ver = "4.0"\n' +
        '[components.tool]\nspec = { type = "local", path = "base/comps/tool/tool.spec" }\n' +
        '[[components.tool.overlays]]\ntype = "patch-add"\nsource = "base/comps/tool/fix.patch"\n' +
        '[[components.tool.overlays]]\ntype = "file-add"\nfile = "stray.patch"\nsource = "base/comps/tool/stray.patch"\n',
      "base/comps/tool/tool.spec": "Name: tool\nVersion: 1\n",
      "base/comps/tool/fix.patch": "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
      "base/comps/tool/stray.patch": "--- a/y\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n",
      "specs/t/tool/tool.spec": "Name: tool\nVersion: 1\nRelease: 1\nSource0: tool-1.tar.gz\nPatch0: fix.patch\n\n%description\nx\n\n%prep\n%setup -q\n\n%files\n",
      "specs/t/tool/fix.patch": "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
    });
    const project = await loadProject(repo);
    const inv = await inventory(project, repo);
    const fix = inv.patches.find((p) => p.file === "fix.patch");
    expect(fix).toMatchObject({ origin: "distro", wiring: "patch-add", active: true, applied: false });
    expect(fix?.problems).toEqual(["Patch0 is declared but %prep never applies it"]);
    const stray = inv.patches.find((p) => p.file === "stray.patch");
    expect(stray).toMatchObject({ wiring: "file-add+unreferenced", applied: false });
    expect(stray?.problems[0]).toContain("no Source or Patch tag");
  });

  it("names patch files by spec's rule: rename fragments behind unknown macros, query strings, sub-directories", async () => {
    const patch = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
    const repo = memoryRepo({
      "azldev.toml": '[project]\ndefault-distro = { name = "azurelinux" }\nrendered-specs-dir = "specs"\n[distros.azurelinux]\ndefault-version = "4.0"\n[distros.azurelinux.versions.\'4.0\']\nrelease-ver = "4.0"\n' +
        '[components.tool]\nspec = { type = "local", path = "base/comps/tool/tool.spec" }\n' +
        '[[components.tool.overlays]]\ntype = "file-add"\nfile = "tool-local.patch"\nsource = "base/comps/tool/tool-local.patch"\n' +
        '[[components.tool.overlays]]\ntype = "spec-add-tag"\ntag = "Patch3"\nvalue = "./tool-local.patch"\n',
      "base/comps/tool/tool.spec": "Name: tool\nVersion: 1\n",
      "base/comps/tool/tool-local.patch": patch,
      "specs/t/tool/tool.spec": [
        "Name: tool",
        "Version: 1.2",
        "Release: 1%{?dist}",
        "URL: https://github.com/example/tool",
        "Source0: %{url}/archive/v%{version}/tool-%{version}.tar.gz",
        "Patch0: %{forgeurl}/pull/12.patch#/tool-pr12.patch",
        "Patch1: https://github.com/example/tool/blob/main/fix-build.patch?raw=true",
        "Patch2: patches/tool-paths.patch",
        "Patch3: ./tool-local.patch",
        "",
        "%description",
        "x",
        "",
        "%prep",
        "%autosetup -p1",
        "",
        "%files",
        "",
      ].join("\n"),
      "specs/t/tool/patches/tool-paths.patch": patch,
      "specs/t/tool/tool-local.patch": patch,
    });
    const inv = await inventory(await loadProject(repo), repo);
    expect(inv.patches.map((p) => [p.file, p.origin, p.wiring])).toEqual([
      ["tool-local.patch", "distro", "file-add+patch-tag"],
      ["tool-pr12.patch", "inherited", "upstream-tag"],
      ["fix-build.patch", "inherited", "upstream-tag"],
      ["patches/tool-paths.patch", "inherited", "upstream-tag"],
    ]);
    // the file sits in a sub-directory of the rendered dir, where rpm looks for it
    expect(inv.patches.find((p) => p.file === "patches/tool-paths.patch")?.renderedPath).toBe("specs/t/tool/patches/tool-paths.patch");
  });
});

describe("inventory read budget", () => {
  it("reads only vendored patch files and skips components without patches when asked", async () => {
    const { FIXTURE_DISTRO } = await import("./helpers.js");
    const { openRepo } = await import("../../src/repo/index.js");
    const repo = await openRepo(FIXTURE_DISTRO);
    const reads: string[] = [];
    const counting = { ...repo, description: repo.description, readFile: repo.readFile.bind(repo), stat: repo.stat.bind(repo), list: repo.list.bind(repo), readText: async (p: string) => (reads.push(p), repo.readText(p)) };
    const project = await loadProject(repo);
    reads.length = 0;
    const inv = await inventory(project, counting, { readPatches: "distro", skipPatchless: true });
    // selinux-policy has no patches; its version is read only because unitd's removal criterion names it
    expect(inv.components.map((c) => [c.name, c.referencedOnly ?? false])).toEqual([["libfoo", false], ["netlabel", false], ["unitd", false], ["selinux-policy", true]]);
    expect(inv.patches).toHaveLength(8);
    expect(reads.filter((p) => p.endsWith(".spec")).sort()).toEqual(["specs/l/libfoo/libfoo.spec", "specs/n/netlabel/netlabel.spec", "specs/s/selinux-policy/selinux-policy.spec", "specs/u/unitd/unitd.spec"]);
    expect(reads.filter((p) => /\.(patch|diff)$/.test(p)).sort()).toEqual([
      "base/comps/libfoo/libfoo-default-ciphers.patch",
      "base/comps/netlabel/netlabel-long-labels.patch",
      "base/comps/unitd/unitd-tmpfiles-label.patch",
    ]);
    expect(inv.patches.find((p) => p.file === "80.patch")?.patchIds).toBeUndefined();
    expect(inv.patches.find((p) => p.file === "netlabel-long-labels.patch")?.patchIds).toHaveLength(1);
  });
});

describe("untrusted files", () => {
  it("reports a vendored patch that is a symlink instead of reading it", async () => {
    const files = {
      "azldev.toml": '[project]\ndefault-distro = { name = "azurelinux" }\nrendered-specs-dir = "specs"\n[distros.azurelinux]\ndefault-version = "4.0"\n[distros.azurelinux.versions.\'4.0\']\nrelease-ver = "4.0"\n' +
        '[components.tool]\nspec = { type = "local", path = "base/comps/tool/tool.spec" }\n[[components.tool.overlays]]\ntype = "patch-add"\nsource = "base/comps/tool/fix.patch"\n',
      "base/comps/tool/tool.spec": "Name: tool\nVersion: 1\n",
      "specs/t/tool/tool.spec": "Name: tool\nVersion: 1\nRelease: 1\nPatch0: fix.patch\n\n%description\nx\n\n%prep\n%autosetup -p1\n\n%files\n",
      "specs/t/tool/fix.patch": "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
    };
    const repo = memoryRepo(files, { symlinks: { "base/comps/tool/fix.patch": "/etc/passwd" } });
    const inv = await inventory(await loadProject(repo), repo);
    const fix = inv.patches.find((p) => p.file === "fix.patch");
    expect(fix?.applied).toBe(true);
    expect(fix?.problems.some((m) => m.startsWith("base/comps/tool/fix.patch:"))).toBe(true);
    expect(fix?.patchIds).toBeUndefined();
  });
});
