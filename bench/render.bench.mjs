// Native render throughput: 500 generated components (two thirds upstream from local dist-git
// trees served by --upstream DIR, one third local specs), each with build macros, overlays (search
// and replace, added tags, a vendored patch, a loose-file overlay), check skipping, %autorelease /
// %autochangelog and a file filter to apply. Reports components/s and peak memory.
// Target: ≥ 200 components/s on a 2-core machine.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { loadProject } from "../dist/azldev/index.js";
import { renderComponents } from "../dist/render/index.js";
import { memoryRepo, openRepo } from "../dist/repo/index.js";
import { directoryUpstream, memoryUpstream } from "../dist/upstream/index.js";

const COMPONENTS = 500;
const TARGET = 200;

function spec(name, i) {
  return `%global forgeurl https://example.org/${name}
%bcond_without docs

Name:           ${name}
Version:        ${1 + (i % 7)}.${i % 13}
Release:        ${i % 3 === 0 ? "%autorelease" : `${1 + (i % 5)}%{?dist}`}
Summary:        Generated package ${i}

License:        MIT
URL:            %{forgeurl}
Source0:        %{forgeurl}/releases/%{name}-%{version}.tar.gz
Source1:        ${name}.conf
Patch0:         ${name}-fix-build.patch
Patch1:         https://github.com/example/${name}/pull/${i}.patch#/${name}-pr${i}.patch

BuildRequires:  gcc
BuildRequires:  make
%if %{with docs}
BuildRequires:  pandoc
%endif

%description
Generated package number ${i}.

%package        devel
Summary:        Development files for %{name}
Requires:       %{name}%{?_isa} = %{version}-%{release}

%description    devel
Headers for %{name}.

%prep
%autosetup -p1

%build
%configure --enable-feature-x --disable-static
%make_build

%install
%make_install
install -Dpm 0644 %{SOURCE1} %{buildroot}%{_sysconfdir}/${name}.conf

%check
make check

%files
%license COPYING
%config(noreplace) %{_sysconfdir}/${name}.conf
%{_bindir}/${name}

%files devel
%{_includedir}/${name}.h

%changelog
${i % 3 === 0 ? "%autochangelog" : `* Mon Jan 05 2026 Gen Erator <gen@example.org> - ${1 + (i % 7)}.${i % 13}-1\n- Generated`}
`;
}

function compToml(name, i, local) {
  return `[components.${name}]
spec = ${local ? `{ type = "local", path = "${name}.spec" }` : `{ type = "upstream" }`}

[components.${name}.build]
with = ["feature${i % 4}"]
defines = { gen_index = "${i}" }
check = { skip = ${i % 2 === 0}, skip_reason = "Generated tests need a network." }

[[components.${name}.overlays]]
type = "spec-search-replace"
section = "%build"
regex = "--enable-feature-x"
replacement = "--enable-feature-x --with-distro=testlinux"

[[components.${name}.overlays]]
type = "spec-add-tag"
tag = "Requires"
value = "${name}-config"

[[components.${name}.overlays]]
type = "patch-add"
source = "${local ? "patches/" : ""}${name}-distro.patch"

[[components.${name}.overlays]]
type = "file-prepend-lines"
file = "${name}.conf"
lines = ["# Managed by the distro."]
`;
}

export function generate(root, COMPONENTS_ = COMPONENTS) {
  const repo = join(root, "repo");
  const upstream = join(root, "dist-git");
  mkdirSync(join(repo, "base/comps"), { recursive: true });
  writeFileSync(join(repo, "azldev.toml"), 'includes = ["distro.toml", "base/comps/**/*.comp.toml"]\n\n[project]\ndefault-distro = { name = "fedora" }\nrendered-specs-dir = "specs"\n');
  writeFileSync(
    join(repo, "distro.toml"),
    '[distros.fedora]\ndefault-version = "43"\ndist-git-base-uri = "https://src.example.org/rpms/$pkg.git"\nlookaside-base-uri = "https://src.example.org/lookaside/$pkg/$filename"\n\n[distros.fedora.versions.43]\nrelease-ver = "43"\ndist-git-branch = "f43"\n',
  );
  const names = [];
  for (let i = 0; i < COMPONENTS_; i++) {
    const name = `gen${String(i).padStart(4, "0")}`;
    names.push(name);
    const local = i % 3 === 2;
    const comp = join(repo, "base/comps", name);
    mkdirSync(comp, { recursive: true });
    writeFileSync(join(comp, `${name}.comp.toml`), compToml(name, i, local));
    mkdirSync(join(comp, "patches"), { recursive: true });
    writeFileSync(join(comp, local ? `patches/${name}-distro.patch` : `${name}-distro.patch`), `--- a/src/main.c\n+++ b/src/main.c\n@@ -1 +1 @@\n-int distro = 0;\n+int distro = 1;\n`);
    const tree = local ? comp : join(upstream, name);
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, `${name}.spec`), spec(name, i));
    writeFileSync(join(tree, `${name}.conf`), `setting = ${i}\n`);
    writeFileSync(join(tree, `${name}-fix-build.patch`), `--- a/Makefile\n+++ b/Makefile\n@@ -1 +1 @@\n-CFLAGS=-O0\n+CFLAGS=-O2\n`);
    writeFileSync(join(tree, `${name}-pr${i}.patch`), `--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n`);
    writeFileSync(join(tree, "README.md"), `# ${name}\n`);
    if (!local) writeFileSync(join(tree, "sources"), `SHA512 (${name}-1.0.tar.gz) = ${"ab".repeat(64)}\n`);
  }
  return { repo, upstream, names };
}

function readTree(dir, prefix = "", files = {}) {
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) readTree(dir, path, files);
    else files[path] = readFileSync(join(dir, path));
  }
  return files;
}

async function measure(repo, upstream, names) {
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 100);
  const cpuMs = (since) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const project = await loadProject(repo);
  const loaded = performance.now();
  const loadCpuMs = cpuMs(cpuStart);
  const cpuLoaded = process.cpuUsage();
  const renders = await renderComponents({ project, repo, names, upstream, concurrency: 8, now: new Date("2026-05-01T00:00:00Z") });
  const done = performance.now();
  const renderCpuMs = cpuMs(cpuLoaded);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  return { loadMs: loaded - start, renderMs: done - loaded, loadCpuMs, renderCpuMs, renders, peakRss };
}

export async function run() {
  const root = mkdtempSync(join(tmpdir(), "specwarden-render-bench-"));
  try {
    const { repo: repoDir, upstream: upstreamDir, names } = generate(root);
    const disk = await openRepo(repoDir);
    const fromDisk = await measure(disk, directoryUpstream(upstreamDir), names);
    await disk.close?.();
    const trees = Object.fromEntries(names.filter((_, i) => i % 3 !== 2).map((name) => [name, readTree(join(upstreamDir, name))]));
    const fromMemory = await measure(memoryRepo(readTree(repoDir)), memoryUpstream(trees), names);
    const failed = [...fromDisk.renders, ...fromMemory.renders].filter((r) => r.status !== "ok");
    const rate = (m) => names.length / (m.renderMs / 1000);
    // CPU time of the whole process (libuv's threads included): what the render costs when the shared machine does not give it a whole core
    const cpuRate = (m) => names.length / (m.renderCpuMs / 1000);
    const verdict = (r) => (r >= TARGET ? "OK" : "BELOW TARGET");
    const lines = [
      `components: ${names.length} (${names.length - Math.floor(names.length / 3)} upstream, ${Math.floor(names.length / 3)} local), ${failed.length} failed, ${cpus().length} CPUs`,
      `from disk (--repo DIR --upstream DIR), first in the process (cold JIT): config load ${fromDisk.loadMs.toFixed(0)} ms (${fromDisk.loadCpuMs.toFixed(0)} ms CPU), render ${fromDisk.renderMs.toFixed(0)} ms (${fromDisk.renderCpuMs.toFixed(0)} ms CPU) → ${rate(fromDisk).toFixed(0)} components/s, ${cpuRate(fromDisk).toFixed(0)} per CPU-second (target ≥ ${TARGET}/s) ${verdict(rate(fromDisk))}` +
        (rate(fromDisk) < TARGET && cpuRate(fromDisk) >= TARGET ? " (CPU within target: the machine is contended)" : ""),
      `in memory (repo and upstream trees in memory): config load ${fromMemory.loadMs.toFixed(0)} ms (${fromMemory.loadCpuMs.toFixed(0)} ms CPU), render ${fromMemory.renderMs.toFixed(0)} ms (${fromMemory.renderCpuMs.toFixed(0)} ms CPU) → ${rate(fromMemory).toFixed(0)} components/s ${verdict(rate(fromMemory))}`,
      `peak RSS: ${(Math.max(fromDisk.peakRss, fromMemory.peakRss) / 1024 / 1024).toFixed(0)} MiB (max RSS reported by the OS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB)`,
    ];
    if (failed.length > 0) lines.push(`first failure: ${failed[0].component}: ${failed[0].error}`);
    return lines;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
