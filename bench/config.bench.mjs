// Full configuration load of a repository shaped like Azure Linux 4.0 at full size: 7,500
// components — one components.toml of bare `[components.X]` entries plus ~100 comp files with
// overlays (inline arrays and [[…overlays]] tables, patch files), a check-skip group of 182
// members, distro files, and package groups — held in memory so that only the loader is measured.
// Target: ≤ 0.5 s per load on 2 cores. Also loads the corpus sample when it is present.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadProject } from "../dist/azldev/index.js";
import { memoryRepo, openRepo } from "../dist/repo/index.js";

const TARGET_MS = 500;
const COMPONENTS = 7500;
const COMP_FILES = 100;
const RUNS = 5;

function name(i) {
  const stems = ["lib", "python-", "perl-", "rust-", "golang-", "ghc-", "texlive-", "", "nodejs-", "xorg-x11-"];
  return `${stems[i % stems.length]}pkg${String(i).padStart(5, "0")}`;
}

function compFile(component, i) {
  const lines = [`[components.${component}]`];
  if (i % 7 === 0) lines.push(`spec = { type = "upstream", upstream-distro = { name = "fedora", version = "rawhide" } }`);
  if (i % 11 === 0) lines.push(`release = { calculation = "manual" }`);
  if (i % 2 === 0) {
    lines.push(
      "# Inline overlay array",
      "overlays = [",
      `    { type = "spec-set-tag", tag = "Vendor", value = "Microsoft" },`,
      `    { type = "spec-search-replace", regex = '^BuildRequires:\\s+setup >= 2\\.15\\.0-3$', replacement = "BuildRequires:  setup >= 2.15.0-1" },`,
      `    { type = "file-add", file = "fix-${i}.patch", source = "fix-${i}.patch" },`,
      `    { type = "spec-insert-tag", tag = "Patch9999", value = "fix-${i}.patch" },`,
      "]",
    );
  } else {
    for (let k = 0; k < 6; k++) {
      lines.push(
        "",
        `[[components.${component}.overlays]]`,
        `description = "Overlay ${k} for ${component}: keep the upstream behaviour but drop the Fedora-only bits"`,
        k % 3 === 0 ? `type = "spec-append-lines"\nsection = "%files"\nlines = ["%{_bindir}/tool-${k}"]` : k % 3 === 1 ? `type = "patch-add"\nsource = "fix-${i}-${k}.patch"` : `type = "spec-remove-tag"\ntag = "BuildRequires"\nvalue = "xen-devel"`,
      );
    }
  }
  if (i % 3 === 0) lines.push("", `[components.${component}.build]`, `without = ["docs"]`, `defines = { "with_check" = "0" }`);
  return lines.join("\n") + "\n";
}

export function generateRepo() {
  const files = {
    "azldev.toml": `includes = ["distro/distro.toml", "base/project.toml"]\n`,
    "distro/distro.toml": `includes = ["*.distro.toml"]\n`,
    "distro/azurelinux.distro.toml": `[distros.azurelinux]
default-version = "4.0-stage2"

[distros.azurelinux.versions.'4.0-stage2']
release-ver = "4.0"

[distros.azurelinux.versions.'4.0-stage2'.default-component-config]
spec = { type = "upstream", upstream-distro = { name = "fedora", version = "43", snapshot = "2026-02-24T00:00:00-08:00" } }
`,
    "distro/fedora.distro.toml": `[distros.fedora]
default-version = "43"
dist-git-base-uri = "https://src.fedoraproject.org/rpms/$pkg.git"

[distros.fedora.versions.43]
release-ver = "43"
dist-git-branch = "f43"

[distros.fedora.versions.rawhide]
release-ver = "rawhide"
dist-git-branch = "rawhide"
`,
    "base/project.toml": `includes = ["comps/components.toml", "packages/packages.toml"]

[project]
default-distro = { name = "azurelinux" }
rendered-specs-dir = '../specs'
`,
  };
  const names = Array.from({ length: COMPONENTS }, (_, i) => name(i)).sort();
  const withFiles = new Set(names.filter((_, i) => i % Math.floor(COMPONENTS / COMP_FILES) === 0).slice(0, COMP_FILES));
  const bare = names.filter((n) => !withFiles.has(n));
  files["base/comps/components.toml"] =
    `includes = ["**/*.comp.toml", "component-check-disablement.toml"]\n\n# Components imported from Fedora with no per-component modifications.\n\n` +
    bare.map((n) => `[components.${n}]`).join("\n") +
    "\n";
  let i = 0;
  for (const component of withFiles) {
    files[`base/comps/${component}/${component}.comp.toml`] = compFile(component, i);
    files[`base/comps/${component}/fix-${i}.patch`] = `--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+${i}\n`;
    for (let k = 0; k < 6; k++) files[`base/comps/${component}/fix-${i}-${k}.patch`] = `--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+${k}\n`;
    i++;
  }
  const skipped = bare.filter((_, k) => k % 40 === 0).slice(0, 182);
  files["base/comps/component-check-disablement.toml"] = `[component-groups.check-skip-initial-failures]
description = "Components with check failures during initial distro bringup"
components = [
${skipped.map((n) => `    "${n}",`).join("\n")}
]

[component-groups.check-skip-initial-failures.default-component-config.build]
check = { skip = true, skip_reason = "Disabling checks for initial set of failures." }
`;
  files["base/packages/packages.toml"] = `[default-package-config]\npublish = { channel = "rpm-sdk" }\n\n[package-groups.base-packages]\npackages = [\n${names
    .slice(0, 3000)
    .map((n) => `    "${n}", # srpm: ${n}`)
    .join("\n")}\n]\n`;
  return files;
}

async function timeLoads(makeRepo, runs) {
  const wall = [];
  const cpu = [];
  let project;
  for (let r = 0; r < runs; r++) {
    const repo = await makeRepo();
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    project = await loadProject(repo);
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
    await repo.close?.();
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { project, first: wall[0], firstCpu: cpu[0], median: median(wall), medianCpu: median(cpu) };
}

/** The same repository with every TOML file's text made unique to `run`: nothing can be reused from an earlier load. */
function distinctCopy(files, run) {
  return Object.fromEntries(Object.entries(files).map(([path, text]) => [path, path.endsWith(".toml") ? `${text}# load ${run}\n` : text]));
}

export async function run() {
  const lines = [];
  const files = generateRepo();
  // Each load gets texts it has never seen (the loader shares decoded files between loads of the
  // same text, as for a change's base and head): this is the cost of a full cold load.
  let runIndex = 0;
  const { project, first, firstCpu, median, medianCpu } = await timeLoads(() => memoryRepo(distinctCopy(files, runIndex++)), RUNS);
  // The same texts again, as the head of a change that touches no config file sees them.
  const shared = await timeLoads(() => memoryRepo(distinctCopy(files, runIndex - 1)), RUNS);
  const errors = project.errors.filter((e) => e.severity === "error").length;
  const overlays = [...project.components.values()].reduce((n, c) => n + c.overlays.length, 0);
  lines.push(
    `config load, ${project.components.size} components / ${project.files.length} TOML files / ${overlays} overlays (memory RepoView); ${errors} errors`,
    `  first load (cold JIT, fresh process): ${first.toFixed(0)} ms wall, ${firstCpu.toFixed(0)} ms CPU`,
    `  median of ${RUNS} (each a different text, nothing reused): ${median.toFixed(0)} ms wall, ${medianCpu.toFixed(0)} ms CPU (target ≤ ${TARGET_MS} ms) ${median <= TARGET_MS ? "OK" : "SLOW"}` +
      (median > TARGET_MS && medianCpu <= TARGET_MS ? " (CPU within target: the machine is contended)" : ""),
    `  same files loaded again (decoded documents shared, e.g. the head of a change): median ${shared.median.toFixed(0)} ms wall, ${shared.medianCpu.toFixed(0)} ms CPU`,
  );

  const corpus = resolve(process.env.SPECWARDEN_CORPUS ?? join(dirname(fileURLToPath(import.meta.url)), "../../shared/corpus"));
  const sample = join(corpus, "azl4-sample");
  if (existsSync(sample)) {
    const result = await timeLoads(() => openRepo(sample), RUNS);
    lines.push(
      `config load, azl4-sample (directory, repeated: shared documents after the first): ${result.project.components.size} components / ${result.project.files.length} TOML files: ` +
        `median of ${RUNS} ${result.median.toFixed(1)} ms wall, ${result.medianCpu.toFixed(1)} ms CPU; ${result.project.errors.length} errors`,
    );
  } else {
    lines.push(`azl4-sample not found at ${sample}: skipped`);
  }
  return lines;
}
