import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { runRender } from "../../src/cli/commands/render.js";
import { cleanLeftovers, LOCK_FILE, lockOutputRoot } from "../../src/render/confined-output.js";

/**
 * `render` is the command that writes. A hostile repository decides component names, the
 * rendered-specs dir and which directories are committed as links; none of that may make it write
 * outside its output root. Every case runs on real directories and checks that what lies outside is
 * byte-identical afterwards.
 */

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "specwarden-hostile-"));
  roots.push(root);
  return root;
}

function io(cwd: string): CliIO & { out: string; err: string } {
  const sink = {
    out: "",
    err: "",
    cwd,
    isTTY: false,
    env: {},
    stdout(text: string) {
      sink.out += text;
    },
    stderr(text: string) {
      sink.err += text;
    },
  };
  return sink;
}

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** Every file below `dir` (links included, never followed) with a hash of its bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (prefix: string): void => {
    for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) out[path] = "link";
      else if (entry.isDirectory()) walk(path);
      else out[path] = createHash("sha256").update(readFileSync(join(dir, path))).digest("hex");
    }
  };
  walk("");
  return out;
}

const AZLDEV = '[project]\ndefault-distro = { name = "azurelinux" }\n[distros.azurelinux]\ndefault-version = "4.0"\n[distros.azurelinux.versions.\'4.0\']\nrelease-ver = "4.0"\n';

function localComponent(name: string): string {
  return `[components.${JSON.stringify(name)}]\nspec = { type = "local", path = "base/comps/tool/tool.spec" }\n`;
}

const SPEC = "Name: tool\nVersion: 1\nRelease: 1%{?dist}\nSummary: t\nLicense: MIT\nSource0: authorized_keys\n\n%description\nt\n\n%files\n\n%changelog\n";

describe("render never writes outside its output", () => {
  it("a committed `specs` link to another directory: refused, the target stays byte-identical", async () => {
    const root = tempRoot();
    const outside = join(root, "home");
    write(outside, { ".ssh/id_rsa": "PRIVATE", ".ssh/authorized_keys": "mine", "t/tool/keep": "x" });
    const before = snapshot(outside);
    const repo = join(root, "repo");
    write(repo, { "azldev.toml": AZLDEV + localComponent("tool") + localComponent(".ssh"), "base/comps/tool/tool.spec": SPEC, "base/comps/tool/authorized_keys": "attacker" });
    symlinkSync(outside, join(repo, "specs"));
    const sink = io(root);
    const code = await main(["render", "--repo", repo, "--all"], sink);
    expect(code).toBe(2);
    expect(sink.err).toContain(`${join(repo, "specs")} is a symbolic link; render never writes through one`);
    // the hidden name is refused by the loader on its own
    expect(sink.err).toMatch(/component name "\.ssh" is not a safe file name \(starts with '\.'\)/);
    expect(snapshot(outside)).toEqual(before);
  });

  it("a committed letter-dir link inside the rendered tree: that component fails, nothing outside changes", async () => {
    const root = tempRoot();
    const outside = join(root, "elsewhere");
    write(outside, { "tool/secret": "keep" });
    const before = snapshot(outside);
    const repo = join(root, "repo");
    write(repo, { "azldev.toml": AZLDEV + localComponent("tool"), "base/comps/tool/tool.spec": SPEC, "base/comps/tool/authorized_keys": "k", "specs/README": "x" });
    symlinkSync(outside, join(repo, "specs/t"));
    const sink = io(root);
    expect(await runRender(["--repo", repo, "--all", "--json"], sink)).toBe(0);
    const [row] = JSON.parse(sink.out) as { status: string; error: string }[];
    expect(row?.status).toBe("error");
    expect(row?.error).toContain("is a symbolic link; render never writes through one");
    expect(snapshot(outside)).toEqual(before);
  });

  it("rendered-specs-dir = '..' with a component named .git: refused at load, .git untouched", async () => {
    const root = tempRoot();
    const repo = join(root, "repo");
    write(repo, {
      "azldev.toml": 'includes = ["base/project.toml"]\n' + AZLDEV,
      // paths in an included file are relative to it
      "base/project.toml": "[project]\nrendered-specs-dir = '..'\n" + localComponent(".git").replace("base/comps", "comps") + localComponent("tool").replace("base/comps", "comps"),
      "base/comps/tool/tool.spec": SPEC,
      "base/comps/tool/authorized_keys": "k",
    });
    execFileSync("git", ["init", "-q", repo]);
    const gitBefore = snapshot(join(repo, ".git"));
    const sink = io(root);
    await runRender(["--repo", repo, "--all"], sink);
    expect(sink.err).toContain("cannot hold rendered specs: it is the repository root; the default is kept");
    expect(sink.err).toMatch(/component name "\.git" is not a safe file name/);
    expect(snapshot(join(repo, ".git"))).toEqual(gitBefore);
    // the default rendered-specs dir was used for the one safe component
    expect(existsSync(join(repo, "specs/t/tool/tool.spec"))).toBe(true);
  });

  it("--out that resolves to the file system root, the working directory or the repository root is refused", async () => {
    const root = tempRoot();
    const repo = join(root, "repo");
    write(repo, { "azldev.toml": AZLDEV + localComponent("tool"), "base/comps/tool/tool.spec": SPEC, "base/comps/tool/authorized_keys": "k" });
    const before = snapshot(repo);
    for (const [out, what] of [
      ["//.", "the file system root"],
      ["./.", "the working directory"],
      [`${repo}/./`, "the repository root"],
      [`${repo}/.git/x`, "inside a .git directory"],
    ] as const) {
      const sink = io(root);
      const code = await main(["render", "--repo", repo, "--all", "--out", out], sink);
      expect(code, out).toBe(2);
      expect(sink.err, out).toContain(what);
    }
    expect(snapshot(repo)).toEqual(before);
    expect(existsSync("/t/tool")).toBe(false);
  });

  it("a bare repository read at a revision is never written into without --out", async () => {
    const root = tempRoot();
    const work = join(root, "work");
    write(work, { "azldev.toml": AZLDEV + localComponent("tool"), "base/comps/tool/tool.spec": SPEC, "base/comps/tool/authorized_keys": "k" });
    execFileSync("git", ["init", "-q", work]);
    execFileSync("git", ["-C", work, "add", "-A"]);
    execFileSync("git", ["-C", work, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "x"]);
    const bare = join(root, "bare.git");
    execFileSync("git", ["clone", "-q", "--bare", work, bare]);
    const before = snapshot(bare);
    const sink = io(root);
    expect(await main(["render", "--repo", bare, "--ref", "HEAD", "--all"], sink)).toBe(2);
    expect(sink.err).toContain("has no work tree to write the render of HEAD into: pass --out DIR");
    expect(snapshot(bare)).toEqual(before);
    // with --out it renders there
    const out = join(root, "out");
    expect(await main(["render", "--repo", bare, "--ref", "HEAD", "--all", "--out", out], io(root))).toBe(0);
    expect(readFileSync(join(out, "t/tool/authorized_keys"), "utf8")).toBe("k");
  });
});

describe("crash-safe output", () => {
  it("leftovers of an interrupted render are removed by the next run", async () => {
    const root = tempRoot();
    const repo = join(root, "repo");
    write(repo, {
      "azldev.toml": AZLDEV + localComponent("tool"),
      "base/comps/tool/tool.spec": SPEC,
      "base/comps/tool/authorized_keys": "k",
      "specs/t/.tool.specwarden-new-0123456789ab/tool.spec": "half",
      "specs/t/.tool.specwarden-old-0123456789ab/tool.spec": "old",
    });
    const sink = io(root);
    expect(await runRender(["--repo", repo, "--all"], sink)).toBe(0);
    expect(sink.err).toContain("left by an interrupted render");
    expect(readdirSync(join(repo, "specs/t")).sort()).toEqual(["tool"]);
    expect(await cleanLeftovers(join(repo, "specs"))).toEqual([]);
  });

  it("one render per output root: a live lock is waited for, then refused with its owner; a dead owner's lock is taken over", async () => {
    const root = tempRoot();
    const unlock = await lockOutputRoot(root);
    await expect(lockOutputRoot(root, { waitMs: 150, pollMs: 20 })).rejects.toThrow(`another render (pid ${process.pid}) is writing to ${root}`);
    await unlock();
    expect(existsSync(join(root, LOCK_FILE))).toBe(false);
    // a lock left by a process that no longer exists
    const dead = execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).toString();
    writeFileSync(join(root, LOCK_FILE), `${dead}\n2026-01-01T00:00:00Z\n`);
    const again = await lockOutputRoot(root, { waitMs: 150, pollMs: 20 });
    expect(readFileSync(join(root, LOCK_FILE), "utf8").split("\n")[0]).toBe(String(process.pid));
    await again();
    // a lock file planted as a link is refused, never written through
    symlinkSync(join(root, "target"), join(root, LOCK_FILE));
    await expect(lockOutputRoot(root, { waitMs: 0 })).rejects.toThrow(/ELOOP|symbolic link/);
    expect(existsSync(join(root, "target"))).toBe(false);
  });

  it("two renders into one directory at once both finish, one after the other", async () => {
    const root = tempRoot();
    const repo = join(root, "repo");
    write(repo, { "azldev.toml": AZLDEV + localComponent("tool"), "base/comps/tool/tool.spec": SPEC, "base/comps/tool/authorized_keys": "k" });
    const out = join(root, "out");
    const [a, b] = await Promise.all([runRender(["--repo", repo, "--all", "--out", out], io(root)), runRender(["--repo", repo, "--all", "--out", out], io(root))]);
    expect([a, b]).toEqual([0, 0]);
    expect(readdirSync(join(out, "t"))).toEqual(["tool"]);
    expect(lstatSync(join(out, "t/tool")).isDirectory()).toBe(true);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });
});

describe("no false green", () => {
  it("every command on a directory without azldev.toml says so once, with exit status 2", async () => {
    const root = tempRoot();
    write(root, { "a/README": "x", "b/README": "y" });
    for (const args of [["components", "--repo", root], ["patches", "--repo", root], ["track", "--offline", "--repo", root], ["render", "--repo", root, "--all"], ["check", "--base", join(root, "a"), "--head", join(root, "b")]]) {
      const sink = io(root);
      expect(await main(args, sink), args.join(" ")).toBe(2);
      expect(sink.err.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(sink.err).toContain("is not a distro repository: it has no azldev.toml at its root");
      expect(sink.err).toMatch(new RegExp(`^specwarden ${args[0]}: (?!specwarden)`));
      expect(sink.out).toBe("");
    }
  });
});
