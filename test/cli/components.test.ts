import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/commands/components.js";
import { main } from "../../src/cli/main.js";
import type { CliIO } from "../../src/cli/io.js";
import { SAMPLE } from "../azldev/helpers.js";
import { BASE_FILES } from "../azldev/fixture.js";

function fakeIO(cwd: string): CliIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    cwd,
    isTTY: false,
    env: {},
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, {
    cwd,
    env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.org", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.org" },
  })
    .toString()
    .trim();

describe("specwarden components", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "specwarden-components-"));
    writeTree(dir, BASE_FILES);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the DESIGN.md JSON shape for the repo given with --repo", async () => {
    const io = fakeIO("/");
    expect(await run(["--repo", dir, "--json"], io)).toBe(0);
    expect(io.err).toBe("");
    const json = JSON.parse(io.out) as { components: Array<Record<string, unknown>> };
    expect(json.components.map((c) => c["name"])).toEqual(["curl", "dnf5", "jq"]);
    expect(json.components[1]).toEqual({
      name: "dnf5",
      spec: { type: "upstream", upstreamDistro: { name: "fedora", version: "43", snapshot: "2026-02-24T00:00:00-08:00" } },
      overlays: 2,
      groups: [],
      renderedDir: "specs/d/dnf5",
    });
  });

  it("defaults --repo to the working directory and prints a readable table", async () => {
    const io = fakeIO(dir);
    expect(await run([], io)).toBe(0);
    const lines = io.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^COMPONENT\s+SPEC\s+OVERLAYS\s+GROUPS\s+RENDERED DIR$/);
    expect(lines[2]).toMatch(/^dnf5\s+upstream fedora\/43\s+2\s+-\s+specs\/d\/dnf5$/);
    expect(lines.at(-1)).toBe("3 components in . (7 config files)");
  });

  it("prints config errors as file:line:column and exits 1", async () => {
    const broken = mkdtempSync(join(tmpdir(), "specwarden-components-bad-"));
    try {
      writeTree(broken, {
        ...BASE_FILES,
        "base/comps/x/x.comp.toml": `[components.x]\n\n[[components.x.overlays]]\ntype = "spec-add-tag"\ntag = "Provides"\n`,
        "base/comps/y/y.comp.toml": "[components.y\n",
      });
      const io = fakeIO(broken);
      expect(await run(["--json"], io)).toBe(2);
      const errors = io.err.trimEnd().split("\n");
      expect(errors[0]).toBe(
        "base/comps/x/x.comp.toml:3:1: invalid overlay 1 for component `x`: overlay type `spec-add-tag` requires `value` field: (no description)",
      );
      expect(errors[1]).toMatch(/^base\/comps\/y\/y\.comp\.toml:1:\d+: invalid TOML: /);
      expect(errors[2]).toBe("specwarden components: 2 configuration errors");
      // the valid components are still listed
      expect((JSON.parse(io.out) as { components: unknown[] }).components).toHaveLength(4);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it("reads a git revision with --ref", async () => {
    const repo = mkdtempSync(join(tmpdir(), "specwarden-components-git-"));
    try {
      git(repo, "init", "-q");
      writeTree(repo, BASE_FILES);
      git(repo, "add", "-A");
      git(repo, "commit", "-q", "-m", "base");
      const base = git(repo, "rev-parse", "HEAD");
      writeFileSync(join(repo, "base/comps/components.toml"), `includes = ["**/*.comp.toml"]\n[components.curl]\n[components.jq]\n[components.zstd]\n`);
      const io = fakeIO(repo);
      expect(await run(["--ref", base, "--json"], io)).toBe(0);
      expect((JSON.parse(io.out) as { components: Array<{ name: string }> }).components.map((c) => c.name)).toEqual(["curl", "dnf5", "jq"]);
      const worktree = fakeIO(repo);
      expect(await run(["--json"], worktree)).toBe(0);
      expect((JSON.parse(worktree.out) as { components: Array<{ name: string }> }).components.map((c) => c.name)).toContain("zstd");
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it("reports usage mistakes through the dispatcher with exit 2", async () => {
    const io = fakeIO(dir);
    expect(await main(["components", "--frobnicate"], io)).toBe(2);
    expect(io.err).toContain("unknown option '--frobnicate'");
    const missing = fakeIO(dir);
    expect(await main(["components", "--repo"], missing)).toBe(2);
    expect(missing.err).toContain("--repo needs a value");
    const help = fakeIO(dir);
    expect(await main(["components", "--help"], help)).toBe(0);
    expect(help.out).toContain("usage: specwarden components");
  });

  it("fails with exit 2 when the repository does not exist", async () => {
    const io = fakeIO(dir);
    expect(await main(["components", "--repo", join(dir, "nope")], io)).toBe(2);
    expect(io.err).toMatch(/^specwarden components: /);
  });

  it.skipIf(!existsSync(SAMPLE))("lists the azl4 sample with no errors", async () => {
    const io = fakeIO("/");
    expect(await run(["--repo", SAMPLE, "--json"], io)).toBe(0);
    expect(io.err).toBe("");
    const json = JSON.parse(io.out) as { components: Array<{ name: string; spec: { type: string; upstreamName?: string }; renderedDir: string }> };
    expect(json.components.find((c) => c.name === "azurelinux-rpm-config")?.spec.upstreamName).toBe("redhat-rpm-config");
    expect(json.components.filter((c) => c.spec.type === "local").map((c) => c.name)).toEqual([
      "azurelinux-release",
      "azurelinux-repos",
      "azurelinux-stage1-compat",
    ]);
    for (const c of json.components) expect(existsSync(join(SAMPLE, c.renderedDir)), c.name).toBe(true);
  });
});
