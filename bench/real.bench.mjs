// Whole-process timings of the CLI on the real Azure Linux tree, next to the floor `node -e 0`, so
// the ratio can be compared across machines. Needs SPECWARDEN_REAL_REPO (a bare mirror of
// microsoft/azurelinux); without it the benchmark says so and measures nothing.
//
// Targets: components --json ≤ 0.5 s, check of a one-component PR ≤ 0.6 s (including the verified
// fix), patches --json ≤ 2 s; the app's warm path for the same PR ≤ 100 ms of compute.
// The CLI caches loaded projects under SPECWARDEN_CACHE_DIR: the first run of each command fills it
// (reported as "cold"), the median is over the warm runs that follow.
//
// Two one-component PRs: softhsm's release calculation (c9f568b381, a comp.toml change that needs
// the upstream, so no fix), and a hand edit of softhsm's rendered spec on top of REF, which fails
// with a fix that the check verifies. The second is written into a scratch repository that borrows
// the mirror's objects (objects/info/alternates): the mirror itself is never written.
//
// The app's warm path runs in this process through the engine the app uses (GitHubRepoView over a
// git object reader, here the mirror read through git; the process-wide project and object caches):
// the second review of the same PR, after a first one warmed the caches.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../dist/cli/main.js");
const REF = process.env.SPECWARDEN_REAL_REF ?? "tomls/base/main";
// softhsm: "Set manual release calculation for macro-based Release tag", one component
const PAIR = ["c9f568b381~1", "c9f568b381"];
const RUNS = 5;

function gitIn(gitDir, args, input) {
  return execFileSync("git", [`--git-dir=${gitDir}`, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    ...(input !== undefined ? { input } : {}),
    env: { ...process.env, GIT_AUTHOR_NAME: "bench", GIT_AUTHOR_EMAIL: "bench@example.invalid", GIT_COMMITTER_NAME: "bench", GIT_COMMITTER_EMAIL: "bench@example.invalid", GIT_INDEX_FILE: join(gitDir, "bench-index") },
  }).trim();
}

const EDITED = "specs/s/softhsm/softhsm.spec";

/** A scratch repository with branches `base` (REF) and `hand-edit` (a line added to the rendered spec by hand). */
function handEditRepository(mirror, scratch) {
  const gitDir = join(scratch, "hand-edit.git");
  execFileSync("git", ["init", "-q", "--bare", gitDir]);
  mkdirSync(join(gitDir, "objects", "info"), { recursive: true });
  writeFileSync(join(gitDir, "objects", "info", "alternates"), `${resolve(mirror, "objects")}\n`);
  const base = gitIn(mirror, ["rev-parse", `${REF}^{commit}`]);
  const spec = gitIn(gitDir, ["cat-file", "blob", `${base}:${EDITED}`]);
  const edited = spec.replace(/^(BuildRequires: systemd-rpm-macros)$/m, "$1\nBuildRequires: gnutls-devel");
  if (edited === spec) throw new Error(`${EDITED} at ${REF} has no line to edit`);
  const blob = gitIn(gitDir, ["hash-object", "-w", "--stdin"], `${edited}\n`);
  gitIn(gitDir, ["read-tree", base]);
  gitIn(gitDir, ["update-index", "--cacheinfo", `100644,${blob},${EDITED}`]);
  const head = gitIn(gitDir, ["commit-tree", "-p", base, "-m", "hand edit of the rendered spec", gitIn(gitDir, ["write-tree"])]);
  gitIn(gitDir, ["update-ref", "refs/heads/base", base]);
  gitIn(gitDir, ["update-ref", "refs/heads/hand-edit", head]);
  return { gitDir, base, head };
}

/** The app's GitObjectReader over a local repository: trees with `git ls-tree`, blobs with `git cat-file`. */
function localGitReader(gitDir) {
  return {
    async getTree(treeish, recursive) {
      const sha = gitIn(gitDir, ["rev-parse", `${treeish}^{tree}`]);
      const out = execFileSync("git", [`--git-dir=${gitDir}`, "ls-tree", ...(recursive ? ["-r", "-t"] : []), "-z", "--long", sha], { maxBuffer: 1 << 30 });
      const tree = [];
      for (const record of out.toString("utf8").split("\0")) {
        if (!record) continue;
        const tab = record.indexOf("\t");
        const [mode, type, oid, size] = record.slice(0, tab).split(/ +/);
        tree.push({ path: record.slice(tab + 1), mode, type, sha: oid, ...(/^\d+$/.test(size) ? { size: Number(size) } : {}) });
      }
      return { sha, tree, truncated: false };
    },
    async getBlob(sha) {
      return new Uint8Array(execFileSync("git", [`--git-dir=${gitDir}`, "cat-file", "blob", sha], { maxBuffer: 1 << 30 }));
    },
  };
}

/** The app's review of one PR, twice: the second one's wall time is compute (every object is cached). */
async function appWarmPath(gitDir, base, head) {
  const { GitHubRepoView } = await import("../dist/github/repo-view.js");
  const { reviewChange } = await import("../dist/review/index.js");
  const reader = localGitReader(gitDir);
  const changedPaths = gitIn(gitDir, ["diff-tree", "-r", "-z", "--name-only", "--no-renames", base, head]).split("\0").filter(Boolean);
  const review = async () => {
    const view = (commitSha) => new GitHubRepoView({ owner: "microsoft", repo: "azurelinux", commitSha, reader });
    const started = process.hrtime.bigint();
    const result = await reviewChange({ base: view(base), head: view(head), changedPaths, noUpstreamReason: "upstream trees are not fetched (bench)" });
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
  };
  const first = await review();
  const warm = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    last = await review();
    warm.push(last.ms);
  }
  return { first: first.ms, warm: median(warm), verdict: last.result.verdict, verified: last.result.fix?.verified };
}

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
    const edit = handEditRepository(repo, cache);
    const commands = [
      ["components --json", [cli, "components", "--repo", repo, "--ref", REF, "--json"], 0.5],
      ["check, one-component PR (softhsm c9f568b381)", [cli, "check", "--repo", repo, "--base", PAIR[0], "--head", PAIR[1], "--offline", "--json"], 0.6],
      ["check, one-component PR with a verified fix (hand edit of softhsm.spec)", [cli, "check", "--repo", edit.gitDir, "--base", "base", "--head", "hand-edit", "--offline", "--json"], 0.6],
      ["patches --json", [cli, "patches", "--repo", repo, "--ref", REF, "--json"], 2],
    ];
    const lines = [`floor (node -e 0): ${floor.toFixed(3)} s`];
    for (const [name, args, target] of commands) {
      const cold = time(args, env);
      const warm = median(Array.from({ length: RUNS }, () => time(args, env)));
      lines.push(`${name}: ${warm.toFixed(3)} s warm median (${(warm / floor).toFixed(1)}× floor), ${cold.toFixed(3)} s cold; target ≤ ${target} s${warm <= target ? "" : " — not met"}`);
    }
    for (const [name, pr] of [
      ["softhsm c9f568b381", { gitDir: repo, base: gitIn(repo, ["merge-base", PAIR[0], PAIR[1]]), head: gitIn(repo, ["rev-parse", PAIR[1]]) }],
      ["hand edit of softhsm.spec, verified fix", edit],
    ]) {
      const app = await appWarmPath(pr.gitDir, pr.base, pr.head);
      lines.push(`app warm path, ${name} (in process): ${app.warm.toFixed(1)} ms median compute, ${app.first.toFixed(0)} ms first (verdict ${app.verdict}${app.verified !== undefined ? `, fix verified: ${app.verified}` : ""}); target ≤ 100 ms${app.warm <= 100 ? "" : " — not met"}`);
    }
    return lines;
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
