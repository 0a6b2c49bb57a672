import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { parseRenderArgs, runRender } from "../../src/cli/commands/render.js";
import { writeRenders, RENDER_FAILED_TEXT, type ComponentRender } from "../../src/render/index.js";
import { buildFixtureRepos, type FixtureRepos } from "../render/fixture-repos.js";

function fakeIO(cwd: string, isTTY = false): CliIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    cwd,
    isTTY,
    env: { HOME: cwd },
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

const NOW = new Date("2026-05-01T12:00:00Z");
let fixture: FixtureRepos;
// --upstream DIR serves the fixture's dist-git repositories (the real directory source).
const deps = () => ({ now: NOW });
const upstreamArgs = () => ["--upstream", fixture.distGitDir];

beforeAll(() => {
  fixture = buildFixtureRepos();
});
afterAll(() => fixture?.cleanup());

function listTree(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listTree(dir, path) : [path];
  });
}

describe("specwarden render: arguments", () => {
  it("parses the documented options", () => {
    expect(parseRenderArgs(["--repo", "r", "--ref=main", "--upstream", "u", "--out", "o", "--check", "--json", "a", "b"])).toEqual({
      repo: "r",
      ref: "main",
      upstream: "u",
      out: "o",
      check: true,
      json: true,
      all: false,
      names: ["a", "b"],
      concurrency: 4,
    });
  });

  it("rejects bad combinations with exit status 2", async () => {
    for (const args of [
      ["render", "--all"],
      ["render", "--repo", "r"],
      ["render", "--repo", "r", "--all", "x"],
      ["render", "--repo", "r", "--all", "--out", "/"],
      ["render", "--repo", "r", "--all", "--out", "../elsewhere"],
      ["render", "--repo", "r", "--all", "--frobnicate"],
      ["render", "--repo", "r", "--all", "--concurrency", "0"],
    ]) {
      const io = fakeIO(fixture.root);
      expect(await main(args, io)).toBe(2);
      expect(io.err).toMatch(/^specwarden render: /);
    }
  });

  it("names an unknown component", async () => {
    const io = fakeIO(fixture.root);
    expect(await main(["render", "--repo", fixture.projectDir, "nope"], io)).toBe(2);
    expect(io.err).toContain("unknown component 'nope'");
  });
});

describe("specwarden render: writing", () => {
  it("--all --out --json prints azldev's array, writes every component and leaves no temp dirs", async () => {
    const out = join(fixture.root, "out-json");
    const io = fakeIO(fixture.root);
    const code = await runRender(["--repo", fixture.projectDir, ...upstreamArgs(), "--all", "--out", out, "--json"], io, deps());
    expect(code).toBe(0);
    const rows = JSON.parse(io.out) as Record<string, unknown>[];
    expect(rows.map((r) => r["component"])).toEqual([...rows.map((r) => r["component"] as string)].sort());
    const widget = rows.find((r) => r["component"] === "widget");
    expect(Object.keys(widget ?? {})).toEqual(["component", "outputDir", "status", "changed"]);
    expect(widget).toEqual({ component: "widget", outputDir: join(out, "w/widget"), status: "ok", changed: true });
    const ghost = rows.find((r) => r["component"] === "ghost");
    expect(Object.keys(ghost ?? {})).toEqual(["component", "outputDir", "status", "error", "changed"]);
    expect(ghost?.["status"]).toBe("error");
    expect(readFileSync(join(out, "g/ghost/RENDER_FAILED"), "utf8")).toBe(RENDER_FAILED_TEXT);
    expect(listTree(out, "g/gadget-ng")).toEqual(["g/gadget-ng/extras/gadget.conf", "g/gadget-ng/gadget-ng.spec", "g/gadget-ng/gadget-pr33.patch", "g/gadget-ng/sources"].map((p) => p.slice(0)).sort());
    expect(listTree(out).some((p) => p.includes(".specwarden-"))).toBe(false);

    const again = fakeIO(fixture.root);
    expect(await runRender(["--repo", fixture.projectDir, ...upstreamArgs(), "--all", "--out", out, "--json"], again, deps())).toBe(0);
    const second = JSON.parse(again.out) as { component: string; changed: boolean }[];
    expect(second.filter((r) => r.changed).map((r) => r.component)).toEqual([]);
  });

  it("shows a progress bar on a terminal", async () => {
    const io = fakeIO(fixture.root, true);
    await runRender(["--repo", fixture.projectDir, ...upstreamArgs(), "--all", "--out", join(fixture.root, "out-tty")], io, deps());
    expect(io.err).toMatch(/\r\[#+ *\] \d+\/\d+ components/);
    expect(io.err).toContain("failed to render");
  });
});

describe("specwarden render without --upstream", () => {
  it("clones from the distro's dist-git URLs into the cache dir (a local file:// mirror when allowed)", async () => {
    const out = join(fixture.root, "out-dist-git");
    const io = fakeIO(fixture.root);
    io.env["XDG_CACHE_HOME"] = join(fixture.root, "cache");
    expect(await runRender(["--repo", fixture.projectDir, "--out", out, "--json", "--allow-local-upstream", "widget", "oldbranch"], io, deps())).toBe(0);
    const rows = JSON.parse(io.out) as { component: string; status: string; error?: string }[];
    expect(rows.map((r) => [r.component, r.status])).toEqual([
      ["oldbranch", "error"],
      ["widget", "ok"],
    ]);
    expect(rows[0]?.error).toMatch(/f42/);
    expect(readFileSync(join(out, "w/widget/widget.spec"), "utf8")).toContain("release_number = 5;");
    expect(existsSync(join(fixture.root, "cache/specwarden/dist-git"))).toBe(true);
  });
});

describe("specwarden render --check", () => {
  it("passes on a fresh render, names a hand-edited component and writes nothing", async () => {
    const io = fakeIO(fixture.root);
    expect(await runRender(["--repo", fixture.projectDir, ...upstreamArgs(), "--all"], io, deps())).toBe(0);
    const env = { PATH: process.env.PATH, HOME: fixture.root, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
    execFileSync("git", ["add", "-A"], { cwd: fixture.projectDir, env });
    execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@x", "commit", "-q", "-m", "Render"], { cwd: fixture.projectDir, env });

    const clean = fakeIO(fixture.root);
    expect(await runRender(["--repo", fixture.projectDir, ...upstreamArgs(), "--all", "--check"], clean, deps())).toBe(0);
    const atRef = fakeIO(fixture.root);
    expect(await runRender(["--repo", fixture.projectDir, ...upstreamArgs(), "--ref", "HEAD", "--check", "hello-local", "widget"], atRef, deps())).toBe(0);

    const specPath = join(fixture.projectDir, "specs/h/hello-local/hello-local.spec");
    const edited = readFileSync(specPath, "utf8").replace("BuildRequires:  make\n", "BuildRequires:  make\nBuildRequires:  cmake\n");
    writeFileSync(specPath, edited);
    const drift = fakeIO(fixture.root);
    expect(await runRender(["--repo", fixture.projectDir, ...upstreamArgs(), "--all", "--check", "--json"], drift, deps())).toBe(1);
    expect(drift.err).toContain("rendered output is stale: 1 component(s) differ: hello-local");
    expect(drift.err).toMatch(/hello-local: hello-local.spec differs \(1 content, 0 bookkeeping hunk\(s\)\)/);
    const rows = JSON.parse(drift.out) as { component: string; changed: boolean }[];
    expect(rows.filter((r) => r.changed).map((r) => r.component)).toEqual(["hello-local"]);
    expect(readFileSync(specPath, "utf8")).toBe(edited);
  });
});

describe("specwarden render --check without the upstream trees", () => {
  it("reports upstream components as not verified, never as stale, and does not pass", async () => {
    const empty = mkdtempSync(join(tmpdir(), "specwarden-no-upstream-"));
    const io = fakeIO(fixture.root);
    expect(await runRender(["--repo", fixture.projectDir, "--upstream", empty, "--check", "widget"], io, deps())).toBe(2);
    expect(io.err).toMatch(/^widget: not verified: /m);
    expect(io.err).toContain("not verified: the upstream of 1 component(s) could not be read: widget");
    expect(io.err).not.toContain("rendered output is stale");
  });
});

describe("output writer", () => {
  it("links the URL-escaped alias next to a component whose name escapes", async () => {
    const out = mkdtempSync(join(tmpdir(), "specwarden-alias-"));
    const render: ComponentRender = {
      component: "libxml++",
      outputDir: "specs/l/libxml++",
      status: "ok",
      files: new Map([["libxml++.spec", new TextEncoder().encode("Name: libxml++\n")]]),
    };
    const rows = await writeRenders([render], { outDir: out, displayOutDir: out });
    expect(rows).toEqual([{ component: "libxml++", outputDir: join(out, "l/libxml++"), status: "ok", changed: true }]);
    expect(readlinkSync(join(out, "l/libxml%2B%2B"))).toBe("libxml++");
    expect(existsSync(join(out, "l/libxml++/libxml++.spec"))).toBe(true);
  });
});
