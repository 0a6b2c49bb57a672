// Overlay throughput (overlays applied per second) replaying the azldev oracle cases of the corpus
// (each case: one spec, its overlay list), or a generated workload when the corpus is absent.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { OverlayError, applyOverlays } from "../dist/overlays/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const corpus = process.env.SPECWARDEN_CORPUS ?? resolve(here, "../../shared/corpus");

function oracleWorkload() {
  const file = join(corpus, "azldev-oracle-sample.jsonl");
  const root = join(corpus, "azl4-sample");
  if (!existsSync(file) || !existsSync(root)) return [];
  const cache = new Map();
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l))
    .map((c) => {
      if (!cache.has(c.spec)) cache.set(c.spec, readFileSync(join(root, c.spec), "utf8"));
      return { spec: cache.get(c.spec), overlays: c.overlays };
    });
}

function generatedWorkload() {
  const spec = ["Name: gen", "Version: 1", "Release: 1", "Source0: gen.tgz", "Patch0: a.patch", "", "%description", "d", ""];
  for (let i = 0; i < 30; i++) spec.push(`%package sub${i}`, `Summary: s${i}`, "", `%description sub${i}`, "x", "", `%files sub${i}`, `/usr/lib/sub${i}`, "");
  spec.push("%prep", "%autosetup -p1", "", "%build", "make", "", "%files", "/usr/bin/gen", "", "%changelog", "- x", "");
  const text = spec.join("\n");
  const overlays = [
    { type: "spec-set-tag", tag: "Release", value: "2" },
    { type: "spec-insert-tag", tag: "Source9999", value: "gen.azl.macros" },
    { type: "spec-search-replace", regex: "^make$", replacement: "make -j1" },
    { type: "spec-append-lines", section: "%prep", lines: ["%patch -P1 -p1"] },
    { type: "patch-add", source: "fix.patch" },
    { type: "spec-remove-subpackage", package: "sub7" },
  ];
  return Array.from({ length: 200 }, () => ({ spec: text, overlays }));
}

export async function run() {
  let work = oracleWorkload();
  const source = work.length > 0 ? `oracle cases (${work.length})` : "generated workload (corpus absent)";
  if (work.length === 0) work = generatedWorkload();
  const overlaysPerRound = work.reduce((n, w) => n + w.overlays.length, 0);
  const once = () => {
    for (const w of work) {
      try {
        applyOverlays({ spec: w.spec }, w.overlays, { specOnly: true });
      } catch (error) {
        if (!(error instanceof OverlayError)) throw error;
      }
    }
  };
  once();
  let rounds = 0;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < 1e9 || rounds < 3) {
    once();
    rounds++;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  const cpu = process.cpuUsage(cpuStart);
  const perSecond = (overlaysPerRound * rounds) / (elapsed / 1e9);
  const perCpuSecond = (overlaysPerRound * rounds) / ((cpu.user + cpu.system) / 1e6);
  return [
    `input: ${source}, ${overlaysPerRound} overlays per round`,
    `applyOverlays: ${Math.round(perSecond)} overlays/s wall, ${Math.round(perCpuSecond)} per CPU-second (${((elapsed / 1e6) / (rounds * work.length)).toFixed(2)} ms wall per component)`,
  ];
}
