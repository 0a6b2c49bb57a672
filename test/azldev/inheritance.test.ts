/**
 * Effective component configuration: distro default → project default → groups (A→Z) → component,
 * merged with azldev's mergo rules (AZLDEV.md §1.6).
 */
import { describe, expect, it } from "vitest";
import { BASE_FILES, errorLines, load } from "./fixture.js";

const GROUPS = `[component-groups.zz-late]
components = ["dnf5"]

[component-groups.zz-late.default-component-config]
overlays = [{ type = "spec-add-tag", tag = "Provides", value = "from-zz" }]
build = { with = ["zz"], defines = { shared = "zz", only_zz = "1" } }

[component-groups.aa-early]
components = ["dnf5", "curl"]

[component-groups.aa-early.default-component-config]
overlays = [{ type = "spec-add-tag", tag = "Provides", value = "from-aa" }]
build = { with = ["aa"], defines = { shared = "aa" }, check = { skip = true, skip_reason = "flaky in mock" } }
render = { skip-file-filter = true }
`;

const PROJECT_DEFAULT = `includes = ["**/*.comp.toml", "groups.toml"]
[components.curl]
[components.jq]

[default-component-config]
overlays = [{ type = "spec-add-tag", tag = "Vendor", value = "Microsoft" }]
build = { with = ["project"] }
`;

describe("layer order", () => {
  it("stacks distro, project, groups sorted by name, then the component", async () => {
    const project = await load({
      "distro/azurelinux.distro.toml": `[distros.azurelinux]
default-version = "4.0-stage2"

[distros.azurelinux.versions.'4.0-stage2']
release-ver = "4.0"

[distros.azurelinux.versions.'4.0-stage2'.default-component-config]
spec = { type = "upstream", upstream-distro = { name = "fedora", version = "43", snapshot = "2026-02-24T00:00:00-08:00" } }
overlays = [{ type = "spec-add-tag", tag = "Distribution", value = "Azure Linux" }]
`,
      "base/comps/components.toml": PROJECT_DEFAULT,
      "base/comps/groups.toml": GROUPS,
    });
    expect(project.errors).toEqual([]);
    const dnf5 = project.components.get("dnf5");
    expect(dnf5?.groups).toEqual(["aa-early", "zz-late"]);
    expect(dnf5?.overlays.map((o) => o.value)).toEqual([
      "Azure Linux",
      "Microsoft",
      "from-aa",
      "from-zz",
      "tdnf = %{version}-%{release}",
      undefined, // the spec-append-lines overlay
    ]);
    expect(dnf5?.overlays.map((o) => o.via)).toEqual(["default", "default", "default", "default", "inline", "inline"]);
    expect(dnf5?.overlays[0]?.origin).toEqual({ file: "distro/azurelinux.distro.toml", line: 9, column: 13 });
    expect(dnf5?.build.with).toEqual(["project", "aa", "zz"]);
    expect(dnf5?.build.without).toEqual(["plugin_rhsm"]);
    // later group wins per key
    expect(dnf5?.build.defines).toEqual({ shared: "zz", only_zz: "1" });
    expect(dnf5?.build.check).toEqual({ skip: true, skipReason: "flaky in mock" });
    expect(dnf5?.render.skipFileFilter).toBe(true);

    const curl = project.components.get("curl");
    expect(curl?.groups).toEqual(["aa-early"]);
    expect(curl?.overlays.map((o) => o.value)).toEqual(["Azure Linux", "Microsoft", "from-aa"]);
    const jq = project.components.get("jq");
    expect(jq?.groups).toEqual([]);
    expect(jq?.build).toEqual({ with: ["project"], without: [], defines: {}, undefines: [], check: { skip: false }, emitUpstreamProvenance: false });
  });
});

describe("merge rules", () => {
  it("a later false cannot switch an inherited true off; an empty string does not override", async () => {
    // curl declared both as a bare entry and in its own comp file: a duplicate
    const project = await load({
      "base/comps/components.toml": PROJECT_DEFAULT,
      "base/comps/groups.toml": GROUPS,
      "base/comps/curl/curl.comp.toml": `[components.curl]
render = { skip-file-filter = false }
release = { calculation = "" }

[components.curl.build]
check = { skip = false }
defines = { shared = "" }
`,
    });
    const fixed = await load({
      "base/comps/components.toml": PROJECT_DEFAULT.replace("[components.curl]\n", ""),
      "base/comps/groups.toml": GROUPS,
      "base/comps/curl/curl.comp.toml": `[components.curl]
render = { skip-file-filter = false }
release = { calculation = "" }

[components.curl.build]
check = { skip = false }
defines = { shared = "" }
`,
    });
    expect(errorLines(project)).toEqual([expect.stringContaining("duplicate component: curl")]);
    expect(fixed.errors).toEqual([]);
    const curl = fixed.components.get("curl");
    expect(curl?.render.skipFileFilter).toBe(true);
    expect(curl?.build.check).toEqual({ skip: true, skipReason: "flaky in mock" });
    expect(curl?.release.calculation).toBe("auto");
    expect(curl?.build.defines).toEqual({ shared: "aa" });
  });

  it("pins a version while keeping the inherited snapshot; upstream-name keeps fedora 43; local keeps the distro ref", async () => {
    const project = await load({
      "base/comps/bash/bash.comp.toml": `[components.bash]
# Need build fixes in rawhide
spec = { type = "upstream", upstream-distro = { name = "fedora", version = "rawhide" } }
`,
      "base/comps/azurelinux-rpm-config/azurelinux-rpm-config.comp.toml": `[components.azurelinux-rpm-config]
spec = { type = "upstream", upstream-name = "redhat-rpm-config" }
`,
      "base/comps/azurelinux-release/azurelinux-release.comp.toml": `[components.azurelinux-release]
spec = { type = "local", path = "azurelinux-release.spec" }
`,
      "base/comps/azurelinux-release/azurelinux-release.spec": "Name: azurelinux-release\n",
    });
    expect(project.errors).toEqual([]);
    const snapshot = "2026-02-24T00:00:00-08:00";
    expect(project.components.get("bash")?.spec).toEqual({ type: "upstream", upstreamDistro: { name: "fedora", version: "rawhide", snapshot } });
    expect(project.components.get("azurelinux-rpm-config")?.spec).toEqual({
      type: "upstream",
      upstreamName: "redhat-rpm-config",
      upstreamDistro: { name: "fedora", version: "43", snapshot },
    });
    expect(project.components.get("azurelinux-release")?.spec).toEqual({
      type: "local",
      path: "base/comps/azurelinux-release/azurelinux-release.spec",
      upstreamDistro: { name: "fedora", version: "43", snapshot },
    });
  });

  it("resolves paths against the file that declares them, including defaults from another directory", async () => {
    const project = await load({
      "base/comps/components.toml": `includes = ["**/*.comp.toml", "../shared/defaults.toml"]
[components.curl]
`,
      "base/shared/defaults.toml": `[default-component-config]
overlays = [{ type = "file-add", file = "vendor.conf", source = "files/vendor.conf" }]
`,
      "base/shared/files/vendor.conf": "vendor=azl\n",
    });
    expect(project.errors).toEqual([]);
    expect(project.components.get("curl")?.overlays[0]?.source).toBe("base/shared/files/vendor.conf");
  });

  it("replaces a distro version defined again as a whole", async () => {
    const project = await load({
      "distro/zz-override.distro.toml": `[distros.fedora.versions.43]
release-ver = "43"
`,
    });
    expect(project.errors).toEqual([]);
    expect(project.distros["fedora"]?.versions["43"]).toEqual({ name: "43", releaseVer: "43" });
    expect(project.distros["fedora"]?.distGitBaseUri).toBe("https://src.fedoraproject.org/rpms/$pkg.git");
  });
});

describe("spec discovery by component groups", () => {
  it("adds local-spec components named after the spec file, minus excluded paths", async () => {
    const project = await load({
      "base/comps/components.toml": `includes = ["**/*.comp.toml"]
[components.curl]

[component-groups.local-specs]
specs = ["../SPECS/**/*.spec"]
excluded-paths = ["../SPECS/experimental/**"]

[component-groups.local-specs.default-component-config]
build = { with = ["local"] }
`,
      "base/SPECS/zlib/zlib.spec": "Name: zlib\n",
      "base/SPECS/zlib/zlib.patch": "--- a\n+++ b\n",
      "base/SPECS/tools/mytool.spec": "Name: mytool\n",
      "base/SPECS/experimental/wip.spec": "Name: wip\n",
    });
    expect(project.errors).toEqual([]);
    expect([...project.components.keys()]).toEqual(["curl", "dnf5", "mytool", "zlib"]);
    const zlib = project.components.get("zlib");
    expect(zlib?.spec).toMatchObject({ type: "local", path: "base/SPECS/zlib/zlib.spec" });
    expect(zlib?.groups).toEqual(["local-specs"]);
    expect(zlib?.build.with).toEqual(["local"]);
    expect(zlib?.configDir).toBe("base/SPECS/zlib");
    expect(zlib?.declaredAt).toBeUndefined();
  });
});

describe("fingerprints", () => {
  const DNF5 = BASE_DNF5();

  it("are equal after a comment-only or description-only change", async () => {
    const before = await load();
    const after = await load({
      "base/comps/dnf5/dnf5.comp.toml": DNF5.replace("[components.dnf5.build]", "# Disable RedHat subscription manager plugin\n[components.dnf5.build]").replace(
        'description = "Report that the dnf5 package provides tdnf for compatibility"',
        'description = "Provide tdnf"',
      ),
    });
    expect(after.errors).toEqual([]);
    expect(after.components.get("dnf5")?.fingerprint).toBe(before.components.get("dnf5")?.fingerprint);
    expect(after.components.get("dnf5")?.overlays[0]?.origin.line).not.toBe(before.components.get("dnf5")?.overlays[0]?.origin.line);
  });

  it("change for the edited component only when its overlays change", async () => {
    const before = await load();
    const after = await load({ "base/comps/dnf5/dnf5.comp.toml": DNF5.replace('lines = ["%{_bindir}/tdnf"]', 'lines = ["%{_bindir}/tdnf", "%{_bindir}/yum"]') });
    expect(after.components.get("dnf5")?.fingerprint).not.toBe(before.components.get("dnf5")?.fingerprint);
    expect(after.components.get("curl")?.fingerprint).toBe(before.components.get("curl")?.fingerprint);
  });

  it("change for every component when the distro default changes", async () => {
    const before = await load();
    const after = await load({
      "distro/azurelinux.distro.toml": BASE_AZL().replace('snapshot = "2026-02-24T00:00:00-08:00"', 'snapshot = "2026-03-10T00:00:00-08:00"'),
    });
    for (const name of before.components.keys()) {
      expect(after.components.get(name)?.fingerprint, name).not.toBe(before.components.get(name)?.fingerprint);
    }
  });

  it("change when the upstream distro's branch changes, and when an overlay source file's content changes", async () => {
    const withPatch = {
      "base/comps/dnf5/dnf5.comp.toml": DNF5 + `\n[[components.dnf5.overlays]]\ntype = "patch-add"\nsource = "fix.patch"\n`,
      "base/comps/dnf5/fix.patch": "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
    };
    const before = await load(withPatch);
    expect(before.errors).toEqual([]);
    const patched = await load({ ...withPatch, "base/comps/dnf5/fix.patch": "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+c\n" });
    expect(patched.components.get("dnf5")?.fingerprint).not.toBe(before.components.get("dnf5")?.fingerprint);
    expect(patched.components.get("jq")?.fingerprint).toBe(before.components.get("jq")?.fingerprint);

    const branch = await load({ ...withPatch, "distro/fedora.distro.toml": BASE_FEDORA().replace('dist-git-branch = "f43"', 'dist-git-branch = "f43-azl"') });
    expect(branch.components.get("jq")?.fingerprint).not.toBe(before.components.get("jq")?.fingerprint);
  });

  it("change for a local component when any file of its directory changes", async () => {
    const files = {
      "base/comps/azurelinux-repos/azurelinux-repos.comp.toml": `[components.azurelinux-repos]\nspec = { type = "local", path = "azurelinux-repos.spec" }\n`,
      "base/comps/azurelinux-repos/azurelinux-repos.spec": "Name: azurelinux-repos\n",
      "base/comps/azurelinux-repos/azurelinux-split.repo.in": "[base]\n",
    };
    const before = await load(files);
    const after = await load({ ...files, "base/comps/azurelinux-repos/azurelinux-split.repo.in": "[base]\nenabled=1\n" });
    expect(before.errors).toEqual([]);
    expect(after.components.get("azurelinux-repos")?.fingerprint).not.toBe(before.components.get("azurelinux-repos")?.fingerprint);
  });
});

function BASE_DNF5(): string {
  return BASE_FILES["base/comps/dnf5/dnf5.comp.toml"] as string;
}
function BASE_AZL(): string {
  return BASE_FILES["distro/azurelinux.distro.toml"] as string;
}
function BASE_FEDORA(): string {
  return BASE_FILES["distro/fedora.distro.toml"] as string;
}
