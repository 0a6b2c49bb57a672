/**
 * Every whole-repository command on the real Azure Linux tree: a bare mirror of
 * microsoft/azurelinux named by SPECWARDEN_REAL_REPO (branch tomls/base/main, 7,583 components).
 * Skipped when it is not set: CI has no mirror, and the repository is never copied here.
 *
 * The commands run as the CLI runs them (dist/cli/main.js, built by `npm run build`), offline, with a
 * private cache directory. A few large blobs are absent from the mirror: each must be that record's
 * error, never the end of the run.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const real = process.env.SPECWARDEN_REAL_REPO;
const ref = process.env.SPECWARDEN_REAL_REF ?? "tomls/base/main";
const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/cli/main.js");

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "specwarden-real-"));
  mkdirSync(join(scratch, "no-upstream"));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd: scratch, maxBuffer: 512 * 1024 * 1024, env: { ...process.env, SPECWARDEN_CACHE_DIR: join(scratch, "cache") } },
      (error, stdout, stderr) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(!real || !existsSync(cli))("whole-repository commands on the real Azure Linux tree", () => {
  const repo = (): string[] => ["--repo", real as string, "--ref", ref];
  let components: string[] = [];

  it("components --json lists every declared component", async () => {
    const { code, stdout } = await run(["components", ...repo(), "--json"]);
    expect(code).toBe(0);
    components = (JSON.parse(stdout) as { components: { name: string }[] }).components.map((c) => c.name);
    expect(components.length).toBeGreaterThan(7_000);
    expect(new Set(components).size).toBe(components.length);
  });

  it("patches --json accounts for every component, with the unreadable ones as problems", async () => {
    const { code, stdout } = await run(["patches", ...repo(), "--json"]);
    expect([0, 1]).toContain(code);
    const doc = JSON.parse(stdout) as { patches: unknown[]; components: { name: string; problems: string[]; referencedOnly?: boolean }[]; totals: { components: number; componentsWithProblems: number } };
    expect(doc.components.filter((c) => !c.referencedOnly).map((c) => c.name).sort()).toEqual([...components].sort());
    expect(doc.totals.components).toBe(components.length);
    expect(doc.patches.length).toBeGreaterThan(1_000);
    // a blob missing from the mirror is named as a problem of its component
    for (const c of doc.components.filter((x) => x.problems.length > 0)) expect(c.problems.join(" ")).not.toMatch(/URI malformed/);
  });

  it("track --offline completes", async () => {
    const { code, stderr } = await run(["track", ...repo(), "--offline", "--json"]);
    expect([0, 1], stderr).toContain(code);
  });

  it("render --check --all without upstream trees: every component is either compared or not verified, none aborts the run", async () => {
    const { code, stdout } = await run(["render", ...repo(), "--upstream", join(scratch, "no-upstream"), "--check", "--json", "--all"]);
    expect([1, 2]).toContain(code);
    const rows = JSON.parse(stdout) as { component: string; status: string; changed: boolean; verified?: false }[];
    expect(rows.map((r) => r.component).sort()).toEqual([...components].sort());
    // ok (compared), not verified (its upstream could not be read), drift, or a failure marker that
    // matches the committed one (azldev failed to render it too)
    for (const row of rows) expect(row.status === "ok" || row.verified === false || row.changed || row.status === "error", row.component).toBe(true);
    expect(rows.filter((r) => r.verified === false).length).toBeGreaterThan(7_000);
  });

  it("check of a one-component commit (softhsm's release calculation, c9f568b381) ends without failing a correct change", async () => {
    const { code, stdout } = await run(["check", "--repo", real as string, "--base", "c9f568b381~1", "--head", "c9f568b381", "--offline", "--json"]);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { verdict: string; components: { name: string }[] };
    expect(doc.verdict).not.toBe("failure");
    expect(doc.components.map((c) => c.name)).toEqual(["softhsm"]);
  });
});
