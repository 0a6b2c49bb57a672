/**
 * The hostile inputs of the threat model, each as a pull request checked by the CLI as it ships
 * (dist/cli/main.js, built by `npm run build` — CI builds before testing) under a 1 GiB heap: every
 * run ends with a verdict, never with the process killed or out of memory. Skipped without a build.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/cli/main.js");
const demoBase = resolve(dirname(fileURLToPath(import.meta.url)), "../../fixtures/demo/base");
const built = existsSync(cli);

let dir: string;
const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" }, maxBuffer: 64 * 1024 * 1024 });

beforeAll(() => {
  if (!built) return;
  dir = mkdtempSync(join(tmpdir(), "specwarden-hostile-"));
  cpSync(demoBase, dir, { recursive: true });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "base");
});
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

function hostileBranch(name: string, edit: () => void): void {
  git("checkout", "-q", "-B", name, "main");
  edit();
  git("add", "-A");
  git("commit", "-qm", name);
  git("checkout", "-q", "main");
}

function check(branch: string): { status: number | null; signal: string | null; json?: { verdict: string; findings: { rule: string }[] }; ms: number } {
  const started = Date.now();
  const r = spawnSync(process.execPath, ["--max-old-space-size=1024", cli, "check", "--repo", dir, "--base", "main", "--head", branch, "--offline", "--json"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { status: r.status, signal: r.signal, json, ms: Date.now() - started };
}

const COMP = "base/comps/systemd/systemd.comp.toml";
const SPEC = "specs/s/systemd/systemd.spec";

describe.skipIf(!built)("hostile pull requests under a 1 GiB heap (the CLI as built)", () => {
  it("six tiny search-and-replace overlays that would multiply the spec: overlay-failed at the overlay, no blow-up", () => {
    hostileBranch("grow", () => {
      const overlays = Array.from({ length: 6 }, () => `\n[[components.systemd.overlays]]\ntype = "spec-search-replace"\nregex = '(?m)^'\nreplacement = "${"\\n".repeat(10)}"\n`).join("");
      writeFileSync(join(dir, COMP), readFileSync(join(dir, COMP), "utf8") + overlays);
    });
    const r = check("grow");
    expect(r.signal).toBeNull();
    expect([0, 1]).toContain(r.status);
    expect(r.json?.findings.map((f) => f.rule)).toContain("overlay-failed");
  }, 130_000);

  it("comp.toml files of 7.6 MB each: refused at their include, the check goes on", () => {
    hostileBranch("big-toml", () => {
      const big = `[components.huge]\n${"# padding padding padding padding padding padding padding padding\n".repeat(118_000)}`;
      for (let i = 0; i < 4; i++) writeFileSync(join(dir, `base/comps/huge${i}.comp.toml`), big.replace("huge", `huge${i}`));
    });
    const r = check("big-toml");
    expect(r.signal).toBeNull();
    expect([0, 1]).toContain(r.status);
    expect(r.json?.findings.map((f) => f.rule)).toContain("config-invalid");
  }, 130_000);

  it("a 150,000-line hand edit of a rendered spec and 150,000 nested %if: a verdict, not a crash", () => {
    hostileBranch("huge-edit", () => {
      const spec = readFileSync(join(dir, SPEC), "utf8");
      const nested = `${"%if 1\n".repeat(75_000)}${"%endif\n".repeat(75_000)}`;
      writeFileSync(join(dir, SPEC), spec + Array.from({ length: 150_000 }, (_, i) => `# hand edit ${i}`).join("\n") + "\n" + nested);
    });
    const r = check("huge-edit");
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.json?.findings.map((f) => f.rule)).toContain("rendered-file-edited");
  }, 130_000);
});

describe.skipIf(!built)("the memory ceiling (SPECWARDEN_MAX_MEMORY_MB)", () => {
  it("stops a command over it with exit status 2 and the reason; 0 turns it off", () => {
    const over = spawnSync(process.execPath, [cli, "components", "--repo", demoBase], { encoding: "utf8", env: { ...process.env, SPECWARDEN_MAX_MEMORY_MB: "5" } });
    expect(over.status).toBe(2);
    expect(over.stderr).toMatch(/over the ceiling of 5 MiB/);
    const off = spawnSync(process.execPath, [cli, "components", "--repo", demoBase], { encoding: "utf8", env: { ...process.env, SPECWARDEN_MAX_MEMORY_MB: "0" } });
    expect(off.status).toBe(0);
  });
});
