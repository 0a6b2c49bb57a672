// Whole-process timings of the CLI on the real Azure Linux tree, next to the floor `node -e 0`, so
// the ratio can be compared across machines. Needs SPECWARDEN_REAL_REPO (a bare mirror of
// microsoft/azurelinux); without it the benchmark says so and measures nothing.
//
// Targets: components --json ≤ 0.5 s, check of a one-component PR ≤ 0.6 s, patches --json ≤ 2 s.
// The CLI caches loaded projects by commit under SPECWARDEN_CACHE_DIR: the first run of each
// command fills it (reported as "cold"), the median is over the warm runs that follow.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../dist/cli/main.js");
const REF = process.env.SPECWARDEN_REAL_REF ?? "tomls/base/main";
// softhsm: "Set manual release calculation for macro-based Release tag", one component
const PAIR = ["c9f568b381~1", "c9f568b381"];
const RUNS = 5;

function time(args, env) {
  const started = process.hrtime.bigint();
  try {
    execFileSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "ignore"], maxBuffer: 1 << 30 });
  } catch (error) {
    // exit status 1 (findings) is a result, not a failure of the benchmark
    if (error.status !== 1) throw error;
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function run() {
  const repo = process.env.SPECWARDEN_REAL_REPO;
  if (!repo) return ["SPECWARDEN_REAL_REPO is not set: no real-tree figures (point it at a bare mirror of microsoft/azurelinux)"];
  const cache = mkdtempSync(join(tmpdir(), "specwarden-bench-real-"));
  const env = { ...process.env, SPECWARDEN_CACHE_DIR: cache };
  try {
    const floor = median(Array.from({ length: RUNS }, () => time(["-e", "0"], env)));
    const commands = [
      ["components --json", [cli, "components", "--repo", repo, "--ref", REF, "--json"], 0.5],
      ["check, one-component PR (softhsm c9f568b381)", [cli, "check", "--repo", repo, "--base", PAIR[0], "--head", PAIR[1], "--offline", "--json"], 0.6],
      ["patches --json", [cli, "patches", "--repo", repo, "--ref", REF, "--json"], 2],
    ];
    const lines = [`floor (node -e 0): ${floor.toFixed(3)} s`];
    for (const [name, args, target] of commands) {
      const cold = time(args, env);
      const warm = median(Array.from({ length: RUNS }, () => time(args, env)));
      lines.push(`${name}: ${warm.toFixed(3)} s warm median (${(warm / floor).toFixed(1)}× floor), ${cold.toFixed(3)} s cold; target ≤ ${target} s${warm <= target ? "" : " — not met"}`);
    }
    return lines;
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
