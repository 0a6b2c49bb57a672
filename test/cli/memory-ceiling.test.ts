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

/** Loaded before the CLI: reports the process's peak resident memory when it exits. */
let peakReporter: string;
beforeAll(() => {
  if (!built) return;
  dir = mkdtempSync(join(tmpdir(), "specwarden-hostile-"));
  peakReporter = join(mkdtempSync(join(tmpdir(), "specwarden-peak-")), "peak.cjs");
  writeFileSync(peakReporter, 'process.on("exit", () => process.stderr.write(`\\npeak-rss-mib ${Math.round(process.resourceUsage().maxRSS / 1024)}\\n`));\n');
  cpSync(demoBase, dir, { recursive: true });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "base");
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (peakReporter) rmSync(dirname(peakReporter), { recursive: true, force: true });
});

function hostileBranch(name: string, edit: () => void): void {
  git("checkout", "-q", "-B", name, "main");
  edit();
  git("add", "-A");
  git("commit", "-qm", name);
  git("checkout", "-q", "main");
}

interface CheckRun {
  status: number | null;
  signal: string | null;
  stderr: string;
  json?: { verdict: string; findings: { rule: string }[] };
  /** the process's peak resident memory */
  peakMib: number;
}

/** `check` as a child process under a 1 GiB heap and the default ceiling (1,024 MiB resident) unless told otherwise. */
function check(branch: string, ceilingMb = "1024"): CheckRun {
  const r = spawnSync(process.execPath, ["--max-old-space-size=1024", "--require", peakReporter, cli, "check", "--repo", dir, "--base", "main", "--head", branch, "--offline", "--json"], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
    env: { ...process.env, SPECWARDEN_MAX_MEMORY_MB: ceilingMb },
  });
  let json;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  const peak = /peak-rss-mib (\d+)/.exec(r.stderr);
  return { status: r.status, signal: r.signal, stderr: r.stderr, json, peakMib: peak ? Number(peak[1]) : Number.NaN };
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
    expect(r.peakMib).toBeLessThan(1024);
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
    expect(r.peakMib).toBeLessThan(1024);
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
    expect(r.peakMib).toBeLessThan(1024);
    expect(r.status).toBe(1);
    expect(r.json?.findings.map((f) => f.rule)).toContain("rendered-file-edited");
  }, 130_000);
});

describe.skipIf(!built)("the memory ceiling (SPECWARDEN_MAX_MEMORY_MB)", () => {
  it("holds while the command computes without pause: loading 7.8 MB of component tables stops at a 150 MiB ceiling with status 2", () => {
    hostileBranch("many-tables", () => {
      for (let f = 0; f < 2; f++) {
        const tables: string[] = [];
        for (let i = 0, size = 0; size < 3_900_000; i++) {
          const table = `[components.c${f}x${i}]\nspec = { type = "upstream", upstream-name = "n${i}" }\n[[components.c${f}x${i}.overlays]]\ntype = "spec-add-tag"\ntag = "Requires"\nvalue = "x${i}"\n`;
          tables.push(table);
          size += table.length;
        }
        writeFileSync(join(dir, `base/comps/many${f}.comp.toml`), tables.join(""));
      }
    });
    const r = check("many-tables", "150");
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/over the ceiling of 150 MiB/);
    expect(r.json).toBeUndefined();
    // stopped near the ceiling, not after the whole run's ~700 MiB
    expect(r.peakMib).toBeLessThan(400);
  }, 130_000);

  it("stops a command over it with exit status 2 and the reason; 0 turns it off", () => {
    const over = spawnSync(process.execPath, [cli, "components", "--repo", demoBase], { encoding: "utf8", env: { ...process.env, SPECWARDEN_MAX_MEMORY_MB: "5" } });
    expect(over.status).toBe(2);
    expect(over.stderr).toMatch(/over the ceiling of 5 MiB/);
    const off = spawnSync(process.execPath, [cli, "components", "--repo", demoBase], { encoding: "utf8", env: { ...process.env, SPECWARDEN_MAX_MEMORY_MB: "0" } });
    expect(off.status).toBe(0);
  });
});
