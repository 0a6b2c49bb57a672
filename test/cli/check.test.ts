import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCheckArgs } from "../../src/cli/commands/check.js";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { baseFiles, demoHeadEdits, replaceOnce, withEdits, type Files } from "../review/repo-fixture.js";

function captureIO(cwd: string): CliIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
    cwd,
    isTTY: false,
    env: {},
  };
  return io;
}

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function writeTree(dir: string, files: Files): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

function gitIn(dir: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.org", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.org" },
  }).toString();
}

const base = baseFiles();
const ACL_SPEC = "specs/a/acl/acl.spec";

describe("specwarden check --repo PATH --base REV --head REV", () => {
  let repo = "";
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), "specwarden-check-"));
    roots.push(repo);
    gitIn(repo, "init", "-q", "-b", "main");
    writeTree(repo, base);
    gitIn(repo, "add", "-A");
    gitIn(repo, "commit", "-q", "-m", "base");
    // the PR branch: the demo incident
    gitIn(repo, "checkout", "-q", "-b", "systemd-nss-bypass");
    writeTree(repo, demoHeadEdits());
    gitIn(repo, "add", "-A");
    gitIn(repo, "commit", "-q", "-m", "systemd: vendor the NSS bypass patch");
    // main moves on with an unrelated change after the branch point
    gitIn(repo, "checkout", "-q", "main");
    writeTree(repo, { [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "%configure --disable-static", "%configure --disable-static --enable-nls") });
    gitIn(repo, "commit", "-q", "-am", "acl: hand edit on main (drift that is not the PR's)");
    // a clean branch: only a TOML comment
    gitIn(repo, "checkout", "-q", "-b", "comment-only", "systemd-nss-bypass~1");
    writeTree(repo, { "base/comps/acl/acl.comp.toml": `# reviewed\n${base["base/comps/acl/acl.comp.toml"]}` });
    gitIn(repo, "commit", "-q", "-am", "acl: comment");
  });

  it("reports the PR's findings as markdown and exits 1; main's own drift is not the PR's", async () => {
    const io = captureIO(repo);
    const code = await main(["check", "--repo", ".", "--base", "main", "--head", "systemd-nss-bypass", "--offline"], io);
    expect(io.err).toBe("");
    expect(code).toBe(1);
    expect(io.out).toMatch(/^## ❌/);
    expect(io.out).toContain("main (");
    expect(io.out).toContain("vendored-patch-in-rendered-tree");
    expect(io.out).not.toContain("acl");
    expect(io.out).toContain("### Fix (verified by re-rendering)");
  });

  it("--json prints DESIGN.md's document", async () => {
    const io = captureIO(repo);
    expect(await main(["check", "--repo", repo, "--base", "main", "--head", "systemd-nss-bypass", "--json", "--offline"], io)).toBe(1);
    const doc = JSON.parse(io.out);
    expect(doc.verdict).toBe("failure");
    expect(doc.components).toEqual([expect.objectContaining({ name: "systemd", status: "drift" })]);
    expect(doc.fix.patch).toContain("diff --git a/base/comps/systemd/systemd.comp.toml");
  });

  it("exits 0 on a clean change", async () => {
    const io = captureIO(repo);
    expect(await main(["check", "--repo", repo, "--base", "main", "--head", "comment-only", "--json", "--offline"], io)).toBe(0);
    expect(JSON.parse(io.out)).toEqual({ verdict: "success", components: [], findings: [] });
  });

  it("--offline: an overlay changed without a re-render fails as stale, and says what could not be shown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "specwarden-offline-"));
    roots.push(dir);
    const comp = base["base/comps/acl/acl.comp.toml"] as string;
    writeTree(join(dir, "base"), base);
    writeTree(join(dir, "head"), withEdits(base, { "base/comps/acl/acl.comp.toml": replaceOnce(comp, "%make_build check", "%make_build check VERBOSE=1") }));
    const io = captureIO(dir);
    expect(await main(["check", "--base", "base", "--head", "head", "--json", "--offline"], io)).toBe(1);
    const report = JSON.parse(io.out);
    expect(report.verdict).toBe("failure");
    expect(report.components).toEqual([expect.objectContaining({ name: "acl", status: "drift" })]);
    expect(report.findings).toEqual([expect.objectContaining({ rule: "render-stale", level: "failure", path: "base/comps/acl/acl.comp.toml", line: 3 })]);
    expect(report.findings[0].message).toMatch(/a changed spec-append-lines overlay at base\/comps\/acl\/acl.comp.toml:3 /);
    expect(report.findings[0].message).toContain("could not be shown: upstream trees are not fetched (--offline)");
  });

  it("follows the base's .github/specwarden.yml (rule levels)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "specwarden-config-"));
    roots.push(dir);
    writeTree(join(dir, "base"), { ...base, ".github/specwarden.yml": "rules:\n  rendered-file-edited: warning\n  vendored-patch-in-rendered-tree: warning\n" });
    writeTree(join(dir, "head"), withEdits({ ...base, ".github/specwarden.yml": "rules: {}\n" }, demoHeadEdits()));
    const io = captureIO(dir);
    expect(await main(["check", "--base", "base", "--head", "head", "--json", "--offline"], io)).toBe(0);
    expect(JSON.parse(io.out).findings.every((f: { level: string }) => f.level !== "failure")).toBe(true);
  });

  it("prints the report under the base's waivers as the app posts it: waived findings listed, not failed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "specwarden-waiver-"));
    roots.push(dir);
    const config = [
      "rules:",
      "  rendered-file-edited: warning",
      "waivers:",
      "  - component: systemd",
      "    rule: vendored-patch-in-rendered-tree",
      "    reason: the patch is being moved to base/comps in a follow-up",
      "",
    ].join("\n");
    writeTree(join(dir, "base"), { ...base, ".github/specwarden.yml": config });
    writeTree(join(dir, "head"), withEdits({ ...base, ".github/specwarden.yml": config }, demoHeadEdits()));
    const io = captureIO(dir);
    expect(await main(["check", "--base", "base", "--head", "head", "--markdown", "--offline"], io)).toBe(0);
    expect(io.err).toBe("");
    expect(io.out).toMatch(/^## ✅ [^\n]*\n\n\d+ warnings?(, \d+ notices?)?\n\n/);
    expect(io.out).not.toContain("- ❌");
    expect(io.out).toContain("### Waived\n\n- waived `vendored-patch-in-rendered-tree` for systemd: the patch is being moved to base/comps in a follow-up");
    expect(io.out).not.toContain("### Fix");
    expect(io.out.endsWith("\n\n<sub>base → head</sub>\n")).toBe(true);
  });
});

describe("specwarden check --base DIR --head DIR", () => {
  it("compares two directories", async () => {
    const dir = mkdtempSync(join(tmpdir(), "specwarden-dirs-"));
    roots.push(dir);
    writeTree(join(dir, "before"), base);
    writeTree(join(dir, "after"), withEdits(base, demoHeadEdits()));
    const io = captureIO(dir);
    expect(await main(["check", "--base", "before", "--head", "after", "--markdown", "--offline"], io)).toBe(1);
    expect(io.out).toContain("rendered-file-edited");
  });

  it("exits 2 on a missing directory or a bad revision", async () => {
    const io = captureIO(tmpdir());
    expect(await main(["check", "--base", "/nonexistent/a", "--head", "/nonexistent/b"], io)).toBe(2);
    expect(io.err).toContain("is not a directory");
    const io2 = captureIO(tmpdir());
    expect(await main(["check", "--repo", tmpdir(), "--base", "main", "--head", "nope"], io2)).toBe(2);
  });
});

describe("argument parsing", () => {
  it("accepts both forms and --opt=value", () => {
    expect(parseCheckArgs(["--repo", "r", "--base", "a", "--head=b", "--json"])).toEqual({ repo: "r", base: "a", head: "b", format: "json" });
    expect(parseCheckArgs(["--base", "x", "--head", "y", "--upstream", "u"])).toEqual({ base: "x", head: "y", upstream: "u", format: "markdown" });
    expect(parseCheckArgs(["--help"])).toBe("help");
    expect(parseCheckArgs(["--base", "x", "--head", "y", "--offline"])).toEqual({ base: "x", head: "y", offline: true, format: "markdown" });
    expect(() => parseCheckArgs(["--base", "x", "--head", "y", "--offline", "--upstream", "u"])).toThrow(/mutually exclusive/);
  });

  it("usage errors exit 2 with a message", async () => {
    for (const [args, message] of [
      [["--base", "a"], "--base and --head are required"],
      [["--base", "a", "--head", "b", "--json", "--markdown"], "mutually exclusive"],
      [["--base", "a", "--head", "b", "--frob"], "unknown option '--frob'"],
      [["--base", "a", "--base", "c", "--head", "b"], "--base given twice"],
      [["--head", "b", "--base"], "--base needs a value"],
    ] as const) {
      const io = captureIO(tmpdir());
      expect(await main(["check", ...args], io)).toBe(2);
      expect(io.err).toContain(message);
    }
  });

  it("--help prints the usage and exits 0", async () => {
    const io = captureIO(tmpdir());
    expect(await main(["check", "--help"], io)).toBe(0);
    expect(io.out).toContain("specwarden check --repo PATH --base REV --head REV");
  });
});
