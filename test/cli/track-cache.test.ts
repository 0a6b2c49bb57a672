/**
 * `specwarden track` runs as separate processes, as a user or CI runs it, against the systemd-like
 * upstream (a git repository built by the test, served by a fake GitHub API), sharing one
 * SPECWARDEN_CACHE_DIR: the second run asks nothing new (every content answer a 304), and a clone's
 * history is read with `git log -p` once until its refs move. The `git` the processes run is a wrapper
 * on PATH that logs its arguments, so a history read is seen from outside.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeGitHub } from "../tracking/fake-github-api.js";
import type { SystemdUpstream } from "../tracking/systemd-fixture.js";
import { systemdScenario, type SystemdScenario } from "../tracking/systemd-scenario.js";

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, "../../src/cli/main.ts");
const TS_HOOKS = resolve(here, "../queue/processes/register.mjs");

let root: string;
let upstream: SystemdUpstream;
let api: FakeGitHub;
let distro: string;
let cache: string;
let wrapperDir: string;
let gitLog: string;

let scenario: SystemdScenario | undefined;

beforeAll(async () => {
  scenario = await systemdScenario("specwarden-track-cache-");
  ({ root, upstream, distro, api } = scenario);
  cache = join(root, "cache");
  // a `git` that records every invocation, then runs the real one
  wrapperDir = join(root, "bin");
  gitLog = join(root, "git-calls.log");
  mkdirSync(wrapperDir);
  const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
  writeFileSync(join(wrapperDir, "git"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${gitLog}'\nexec '${realGit}' "$@"\n`);
  chmodSync(join(wrapperDir, "git"), 0o755);
  writeFileSync(gitLog, "");
}, 60_000);
afterAll(async () => {
  await scenario?.close();
});

interface Output {
  verdicts: { file: string; verdict: string; rung: string; dropFrom?: string; evidence: { rung: string; summary: string }[] }[];
  upstreamRequests?: { requests: number; notModified: number };
}

interface Run {
  output: Output;
  /** what the fake API answered this run: path and status */
  asked: { path: string; status: number }[];
  /** `git log -p` passes over a clone's history this run */
  historyReads: number;
}

/** One `specwarden track --json` process (the TypeScript sources through module hooks, no memory ceiling thread). */
async function track(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const fromRequest = api.requests.length;
  const fromLog = readFileSync(gitLog, "utf8").length;
  const child = spawn(process.execPath, ["--import", TS_HOOKS, CLI, "track", "--json", "--github-api-url", api.url, ...args], {
    cwd: distro,
    env: { PATH: `${wrapperDir}:${process.env["PATH"] ?? ""}`, HOME: root, SPECWARDEN_CACHE_DIR: cache, SPECWARDEN_MAX_MEMORY_MB: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((done) => child.on("close", done));
  expect(code, stderr).toBe(0);
  const calls = readFileSync(gitLog, "utf8").slice(fromLog).split("\n");
  return {
    output: JSON.parse(stdout) as Output,
    asked: api.requests.slice(fromRequest),
    historyReads: calls.filter((line) => / log .*-p /.test(` ${line} `)).length,
  };
}

const verdictsOf = (o: Output) => o.verdicts.map((v) => [v.file, v.verdict, v.rung, v.dropFrom ?? null]);

describe("track keeps what upstream answered across runs (SPECWARDEN_CACHE_DIR)", () => {
  it("the GitHub API alone: at most 20 requests cold, then every content answer a 304; a token gets its own answers, and is never written", async () => {
    const cold = await track([]);
    expect(cold.asked.length).toBeGreaterThan(0);
    expect(cold.asked.length).toBeLessThanOrEqual(20);
    expect(cold.asked.every((r) => r.status === 200 || r.status === 404)).toBe(true);
    expect(cold.output.upstreamRequests).toEqual({ requests: cold.asked.length, notModified: 0 });

    const warm = await track([]);
    // the same questions, each conditional: no content (a 404 — a commit upstream does not know — has none)
    expect(warm.asked.map((r) => r.path).sort()).toEqual(cold.asked.map((r) => r.path).sort());
    expect(warm.asked.filter((r) => r.status !== 304 && r.status !== 404)).toEqual([]);
    expect(warm.asked.filter((r) => r.status === 304).length).toBe(cold.asked.filter((r) => r.status === 200).length);
    expect(warm.output.upstreamRequests).toEqual({ requests: warm.asked.length, notModified: cold.asked.filter((r) => r.status === 200).length });
    expect(verdictsOf(warm.output)).toEqual(verdictsOf(cold.output));
    expect(warm.output.verdicts.find((v) => v.file === "38922.patch")).toMatchObject({ verdict: "merged-unreleased", dropFrom: "258.7" });

    // answers fetched without a token do not serve a run with one (nor the reverse): a cold start
    const token = "ghp_specwardenTestToken0123456789abcdefXYZ";
    const withToken = await track([], { GITHUB_TOKEN: token });
    expect(withToken.asked.filter((r) => r.status === 304)).toEqual([]);
    const again = await track([], { GITHUB_TOKEN: token });
    expect(again.asked.filter((r) => r.status !== 304 && r.status !== 404)).toEqual([]);
    const answers = join(cache, "tracking", "answers-v1");
    const files = readdirSync(answers);
    expect(files.length).toBe(2 * cold.asked.filter((r) => r.status === 200).length);
    for (const file of files) expect(readFileSync(join(answers, file), "utf8")).not.toContain(token);
  }, 120_000);

  it("a local clone's history is read once, reused by the next process, and read again when a ref moves; the verdicts are those of the API alone, plus content evidence", async () => {
    const alone = await track([]);
    const first = await track(["--upstream-git", upstream.root]);
    const second = await track(["--upstream-git", upstream.root]);
    expect(first.historyReads).toBe(1);
    expect(second.historyReads).toBe(0);
    expect(verdictsOf(second.output)).toEqual(verdictsOf(first.output));
    expect(readdirSync(join(cache, "tracking", "history-v1"))).toHaveLength(1);
    // the API was asked only what the clone cannot answer, and answered "not modified"
    expect(second.asked.filter((r) => r.status !== 304 && r.status !== 404)).toEqual([]);

    // the clone's verdicts are the API's, plus content evidence
    const apiVerdicts = new Map(alone.output.verdicts.map((v) => [v.file, v]));
    for (const v of second.output.verdicts) {
      const byApi = apiVerdicts.get(v.file);
      if (byApi && byApi.verdict !== "unknown") expect([v.file, v.verdict, v.dropFrom]).toEqual([v.file, byApi.verdict, byApi.dropFrom]);
    }
    const series = second.output.verdicts.find((v) => v.file === "38922.patch");
    expect(series).toMatchObject({ verdict: "merged-unreleased", dropFrom: "258.7" });
    expect(series?.evidence.some((e) => e.rung === "c" && /whole series/.test(e.summary))).toBe(true);

    // a fetch moves a ref: the history is read again, and that index is kept too
    execFileSync("git", ["--git-dir", upstream.gitDir, "update-ref", "refs/heads/next", upstream.commits.runlevelsBack]);
    const moved = await track(["--upstream-git", upstream.root]);
    expect(moved.historyReads).toBe(1);
    expect(verdictsOf(moved.output)).toEqual(verdictsOf(first.output));
    expect(readdirSync(join(cache, "tracking", "history-v1"))).toHaveLength(2);
    expect((await track(["--upstream-git", upstream.root])).historyReads).toBe(0);

    // SPECWARDEN_TRACKING_CACHE=0: nothing reused, nothing kept
    const uncached = await track(["--upstream-git", upstream.root], { SPECWARDEN_TRACKING_CACHE: "0", SPECWARDEN_CACHE_DIR: join(root, "unused-cache") });
    expect(uncached.historyReads).toBe(1);
    expect(() => readdirSync(join(root, "unused-cache"))).toThrow();
  }, 180_000);
});
