import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { FIXTURE_DISTRO, fakeIO } from "../tracking/helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("specwarden patches", () => {
  it("prints the inventory as JSON in the DESIGN.md shape", async () => {
    const io = fakeIO(FIXTURE_DISTRO);
    expect(await main(["patches", "--json"], io)).toBe(0);
    const out = JSON.parse(io.out) as { patches: Record<string, unknown>[] };
    expect(out.patches).toHaveLength(8);
    const first = out.patches[0] as Record<string, unknown>;
    expect(Object.keys(first).slice(0, 6)).toEqual(["component", "file", "origin", "wiring", "applied", "active"]);
    expect(out.patches.find((p) => p.file === "26.patch")).toMatchObject({
      component: "unitd",
      origin: "inherited",
      url: "https://github.com/example/unitd/pull/26.patch",
      wiring: "upstream-tag",
      applied: false,
      active: false,
      removalCriteria: [{ text: "Drop when dracut-060 is available.", conditions: [{ kind: "package-version", package: "dracut", operator: ">=", version: "060" }] }],
    });
    expect(out.patches.find((p) => p.file === "libfoo-default-ciphers.patch")).toMatchObject({ origin: "distro", wiring: "patch-add", applied: true, active: true });
  });

  it("prints a table, filters components and reads a git revision", async () => {
    const io = fakeIO(FIXTURE_DISTRO);
    expect(await main(["patches", "--component", "unitd"], io)).toBe(0);
    expect(io.out).toMatch(/^COMPONENT\s+PATCH\s+ORIGIN\s+WIRING\s+ACTIVE\s+APPLIED\s+CRITERIA$/m);
    expect(io.out).toMatch(/unitd\s+unitd-x86-firmware\.patch\s+inherited\s+upstream-tag\s+x86_64\s+autosetup/);
    expect(io.out).not.toContain("libfoo");
    expect(io.out).toContain("4 patches (1 vendored, 3 inherited) in 1 components; conditionals evaluated with %azl=4 %dist=.azl4 %fedora=43");

    const dir = mkdtempSync(join(tmpdir(), "specwarden-patches-"));
    dirs.push(dir);
    cpSync(FIXTURE_DISTRO, dir, { recursive: true });
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e.org", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e.org" } });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "fixture");
    rmSync(join(dir, "base/comps/libfoo"), { recursive: true });
    const atHead = fakeIO(dir);
    expect(await main(["patches", "--repo", dir, "--ref", "HEAD", "--json", "--component", "libfoo"], atHead)).toBe(0);
    expect((JSON.parse(atHead.out) as { patches: unknown[] }).patches).toHaveLength(3);
  });

  it("rejects unknown components and arguments with exit status 2", async () => {
    const io = fakeIO(FIXTURE_DISTRO);
    expect(await main(["patches", "--component", "nope"], io)).toBe(2);
    expect(io.err).toContain("unknown component nope");
    const bad = fakeIO(FIXTURE_DISTRO);
    expect(await main(["patches", "--frobnicate"], bad)).toBe(2);
    expect(bad.err).toContain("unknown option '--frobnicate'");
  });
});
