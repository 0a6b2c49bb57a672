// Patch inventory and offline verdicts over a generated distro repository: 2,000 components with
// rendered specs carrying inherited Patch tags (URLs, conditionals, %patchlist, explicit %patch
// lines) and 200 distro patches vendored through overlays — plus the corpus sample when present.
// Also times the 500-patch reconciliation budget: how many content-creating requests a first sweep
// needs and how long GitHub's secondary limit makes it take. Target: inventory ≤ 2 s on 2 cores.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadProject } from "../dist/azldev/index.js";
import { memoryRepo, openRepo } from "../dist/repo/index.js";
import { inventory, trackPatches } from "../dist/tracking/index.js";
import { ContentPacer } from "../dist/github/tracking/index.js";

const TARGET_MS = 2000;
const COMPONENTS = 2000;
const RUNS = 3;

function spec(name, i) {
  const patches = [];
  patches.push(`Patch0:         ${name}-build.patch`);
  patches.push(`# https://bugzilla.redhat.com/show_bug.cgi?id=${2000000 + i}`);
  patches.push(`# Drop when glibc-2.${40 + (i % 5)} is available.`);
  patches.push(`Patch1:         https://github.com/example/${name}/pull/${i}.patch`);
  patches.push(`%if 0%{?fedora} < 40`);
  patches.push(`Patch2:         ${name}-old-fedora.patch`);
  patches.push(`%endif`);
  const explicit = i % 3 === 0;
  return `%global forgeurl https://github.com/example/${name}
%bcond tests 1
Name:           ${name}
Version:        ${1 + (i % 9)}.${i % 17}
Release:        1%{?dist}
Summary:        Generated component ${i}
License:        MIT
URL:            %{forgeurl}
Source0:        %{forgeurl}/archive/v%{version}/%{name}-%{version}.tar.gz
${patches.join("\n")}
${i % 10 === 0 ? `Patch3: ${name}-distro.patch\n` : ""}
%description
Generated.

%prep
${explicit ? "%setup -q\n%patch -P0 -p1\n%patch -P1 -p1\n%patch -P2 -p1" : "%autosetup -p1"}
${explicit && i % 10 === 0 ? "%patch -P3 -p1\n" : ""}
%build
%make_build

%files
%license LICENSE
`;
}

function generated() {
  const files = {
    "azldev.toml": `includes = ["distro.toml", "base/comps/components.toml"]\n[project]\ndefault-distro = { name = "azurelinux" }\nrendered-specs-dir = "specs"\n`,
    "distro.toml": `[distros.azurelinux]\ndefault-version = "4.0"\n[distros.azurelinux.versions.'4.0']\nrelease-ver = "4.0"\n[distros.azurelinux.versions.'4.0'.default-component-config]\nspec = { type = "upstream", upstream-distro = { name = "fedora", version = "43" } }\n[distros.fedora]\ndefault-version = "43"\n[distros.fedora.versions.43]\nrelease-ver = "43"\n`,
    "base/comps/components.toml": `includes = ["**/*.comp.toml"]\n`,
  };
  const bare = [];
  for (let i = 0; i < COMPONENTS; i++) {
    const name = `pkg${String(i).padStart(5, "0")}`;
    const dir = `specs/${name[0]}/${name}`;
    files[`${dir}/${name}.spec`] = spec(name, i);
    const diff = `--- a/src/main.c\n+++ b/src/main.c\n@@ -1,3 +1,3 @@\n int main(void) {\n-\treturn ${i};\n+\treturn 0;\n }\n`;
    files[`${dir}/${name}-build.patch`] = diff;
    files[`${dir}/${i}.patch`] = `From ${"a".repeat(40)} Mon Sep 17 00:00:00 2001\nSubject: [PATCH] fix ${i}\n\n---\n${diff}`;
    if (i % 10 === 0) {
      const patch = `Description: distro fix ${i}\nForwarded: no\n${diff}`;
      files[`base/comps/${name}/${name}-distro.patch`] = patch;
      files[`${dir}/${name}-distro.patch`] = patch;
      files[`base/comps/${name}/${name}.comp.toml`] =
        `[components.${name}]\n\n# Remove once upstream ships ${2 + (i % 3)}.0.\n[[components.${name}.overlays]]\ndescription = "distro fix"\ntype = "patch-add"\nsource = "${name}-distro.patch"\n` +
        (i % 3 === 0 ? `\n[[components.${name}.overlays]]\ntype = "spec-append-lines"\nsection = "%prep"\nlines = ["%patch -P3 -p1"]\n` : "");
    } else {
      bare.push(`[components.${name}]`);
    }
  }
  files["base/comps/bare.comp.toml"] = `${bare.join("\n")}\n`;
  return memoryRepo(files);
}

async function time(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

export async function run() {
  const lines = [];
  const repo = generated();
  const project = await loadProject(repo);
  const samples = [];
  let inv;
  for (let k = 0; k < RUNS; k++) {
    const { ms, result } = await time(() => inventory(project, repo));
    samples.push(ms);
    inv = result;
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  const distro = inv.patches.filter((p) => p.origin === "distro").length;
  lines.push(`inventory, ${COMPONENTS} components, ${inv.patches.length} patches (${distro} vendored): median ${median.toFixed(0)} ms over ${RUNS} runs (target ≤ ${TARGET_MS} ms) ${median <= TARGET_MS ? "OK" : "SLOW"}`);
  const { ms: verdictMs, result: verdicts } = await time(() => trackPatches(inv, {}));
  const counts = {};
  for (const v of verdicts) counts[v.verdict] = (counts[v.verdict] ?? 0) + 1;
  lines.push(`offline verdicts: ${verdictMs.toFixed(0)} ms (${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ")})`);

  // the secondary-limit budget for a first sweep of 500 per-patch issues (+2 labels, +1 dashboard)
  let now = 0;
  const pacer = new ContentPacer({ clock: { now: () => now, sleep: async (ms) => void (now += ms) } });
  for (let k = 0; k < 503; k++) await pacer.take();
  lines.push(`first sweep of 500 patch issues: 503 content-creating requests, paced over ${(now / 60000).toFixed(1)} min (≤ ${pacer.perMinute}/min, ≤ ${pacer.perHour}/h); a rerun with no change makes none`);

  const corpus = resolve(process.env.SPECWARDEN_CORPUS ?? join(dirname(fileURLToPath(import.meta.url)), "../../shared/corpus"), "azl4-sample");
  if (existsSync(corpus)) {
    const sample = await openRepo(corpus);
    const sampleProject = await loadProject(sample);
    const { ms, result } = await time(() => inventory(sampleProject, sample));
    lines.push(`corpus sample: ${result.patches.length} patches in ${result.components.length} components (${result.patches.filter((p) => p.origin === "distro").length} vendored) in ${ms.toFixed(0)} ms`);
    await sample.close?.();
  } else {
    lines.push("corpus sample: not present, skipped");
  }
  return lines;
}
