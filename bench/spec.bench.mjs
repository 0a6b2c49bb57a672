// Spec parse throughput (MB/s) over the corpus sample's specs, or over generated specs of the
// same shape when the corpus is absent. Target: ≥ 50 MB/s on the 2-core reference machine.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { listSourcesAndPatches, parseSpec } from "../dist/spec/index.js";

const TARGET_MBS = 50;
const here = dirname(fileURLToPath(import.meta.url));
const corpus = process.env.SPECWARDEN_CORPUS ?? resolve(here, "../../shared/corpus");

function corpusSpecs() {
  const root = join(corpus, "azl4-sample");
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (name.endsWith(".spec")) out.push(readFileSync(path, "utf8"));
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

function generatedSpecs(count) {
  const specs = [];
  for (let i = 0; i < count; i++) {
    const lines = [`%global forgeurl https://example.org/pkg${i}`, `Name:           pkg${i}`, "Version:        1.2.3", "Release:        1%{?dist}", "Summary:        Generated package", "License:        MIT", "URL:            %{forgeurl}", "Source0:        %{url}/archive/v%{version}/%{name}-%{version}.tar.gz"];
    for (let p = 0; p < 20; p++) lines.push(`Patch${p}:        000${p}-fix-thing-${p}.patch`);
    lines.push("%if %{with tests}", "BuildRequires:  python3-pytest", "%endif", "BuildRequires:  gcc", "", "%description", "A generated package used to measure parsing.", "");
    for (const sub of ["devel", "libs", "doc"]) lines.push(`%package ${sub}`, `Summary: ${sub}`, `Requires: %{name}%{?_isa} = %{version}-%{release}`, "", `%description ${sub}`, `${sub} files.`, "");
    lines.push("%prep", "%autosetup -p1", "", "%build", "%configure --disable-static", "%make_build", "", "%install", "%make_install", "", "%check", "make check", "");
    lines.push("%files", "%license COPYING", "%{_bindir}/pkg*", "", "%files devel", "%{_includedir}/*", "", "%changelog");
    for (let c = 0; c < 40; c++) lines.push(`* Mon Jan 0${(c % 9) + 1} 2024 Someone <someone@example.org> - 1.2.${c}-1`, `- Change number ${c}`, "");
    specs.push(lines.join("\n") + "\n");
  }
  return specs;
}

export async function run() {
  let specs = corpusSpecs();
  const source = specs.length > 0 ? `corpus sample (${specs.length} specs)` : "generated specs (corpus absent)";
  if (specs.length === 0) specs = generatedSpecs(200);
  const bytes = specs.reduce((n, s) => n + Buffer.byteLength(s, "utf8"), 0);

  // Warm up the JIT, then measure for at least ~1 s.
  for (let i = 0; i < 10; i++) for (const s of specs) parseSpec(s);
  // Wall time is what a user sees; CPU time (this process only) is what the parser costs when the
  // machine is shared and the process does not get a whole core.
  let rounds = 0;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < 1e9 || rounds < 5) {
    for (const s of specs) parseSpec(s);
    rounds++;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  const cpu = process.cpuUsage(cpuStart);
  const mbs = (bytes * rounds) / 1e6 / (elapsed / 1e9);
  const cpuMbs = (bytes * rounds) / 1e6 / ((cpu.user + cpu.system) / 1e6);

  let listed = 0;
  const listStart = process.hrtime.bigint();
  for (const s of specs) listed += listSourcesAndPatches(parseSpec(s)).length;
  const listMs = Number(process.hrtime.bigint() - listStart) / 1e6;

  return [
    `input: ${source}, ${(bytes / 1e6).toFixed(2)} MB`,
    `parseSpec: ${mbs.toFixed(1)} MB/s wall, ${cpuMbs.toFixed(1)} MB/s per CPU-second, over ${rounds} rounds (target ≥ ${TARGET_MBS} MB/s: ${mbs >= TARGET_MBS ? "met" : cpuMbs >= TARGET_MBS ? "met in CPU time; wall time slowed by a busy machine" : "NOT met"})`,
    `listSourcesAndPatches: ${listed} entries from ${specs.length} specs in ${listMs.toFixed(1)} ms (parse included)`,
  ];
}
