/**
 * A small project laid out like Azure Linux 4.0: azldev.toml → distro/*.distro.toml + base/project.toml
 * → comps/components.toml (bare entries) + comps/<name>/<name>.comp.toml. Tests add or replace files.
 */
import { loadProject, type Project } from "../../src/azldev/index.js";
import { memoryRepo } from "../../src/repo/index.js";

export const BASE_FILES: Record<string, string> = {
  "azldev.toml": `# Top-level configuration file.
includes = ["distro/distro.toml", "base/project.toml"]
`,
  "distro/distro.toml": `includes = ["*.distro.toml"]
`,
  "distro/azurelinux.distro.toml": `[distros.azurelinux]
description = "Azure Linux"
default-version = "4.0-stage2"

[distros.azurelinux.versions.'4.0-stage2']
description = "Azure Linux 4.0 Stage2"
release-ver = "4.0"

[distros.azurelinux.versions.'4.0-stage2'.default-component-config]
# NOTE: keep in sync with stage1
spec = { type = "upstream", upstream-distro = { name = "fedora", version = "43", snapshot = "2026-02-24T00:00:00-08:00" } }
`,
  "distro/fedora.distro.toml": `[distros.fedora]
description = "Fedora Linux"
default-version = "43"
dist-git-base-uri = "https://src.fedoraproject.org/rpms/$pkg.git"
lookaside-base-uri = "https://src.fedoraproject.org/repo/pkgs/$pkg/$filename/$hashtype/$hash/$filename"

[distros.fedora.versions.43]
release-ver = "43"
dist-git-branch = "f43"

[distros.fedora.versions.rawhide]
release-ver = "rawhide"
dist-git-branch = "rawhide"
`,
  "base/project.toml": `includes = ["comps/components.toml"]

[project]
description = 'azurelinux-base'
default-distro = { name = "azurelinux" }
rendered-specs-dir = '../specs'
`,
  "base/comps/components.toml": `includes = ["**/*.comp.toml"]

# Components imported from Fedora with no per-component modifications.
[components.curl]
[components.jq]
`,
  "base/comps/dnf5/dnf5.comp.toml": `[components.dnf5]

[components.dnf5.build]
without = ["plugin_rhsm"]

[[components.dnf5.overlays]]
description = "Report that the dnf5 package provides tdnf for compatibility"
type = "spec-add-tag"
tag = "Provides"
value = "tdnf = %{version}-%{release}"

[[components.dnf5.overlays]]
description = "Include the tdnf compat symlink in the package"
type = "spec-append-lines"
section = "%files"
lines = ["%{_bindir}/tdnf"]
`,
};

export function repoWith(files: Record<string, string | null>, symlinks: Record<string, string> = {}) {
  const merged: Record<string, string> = { ...BASE_FILES };
  for (const [path, text] of Object.entries(files)) {
    if (text === null) delete merged[path];
    else merged[path] = text;
  }
  return memoryRepo(merged, { symlinks });
}

export async function load(files: Record<string, string | null> = {}, symlinks: Record<string, string> = {}): Promise<Project> {
  return loadProject(repoWith(files, symlinks));
}

/** Errors as `file:line:column: message` strings, for readable assertions. */
export function errorLines(project: Project): string[] {
  return project.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.severity === "warning" ? "warning: " : ""}${e.message}`);
}
