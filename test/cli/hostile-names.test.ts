/**
 * File names a pull request can commit but no rendered file may have (a newline, a tab): `check`
 * reports them at their directory and goes on — never a crash, never a fix that names them — and
 * names git must quote (non-ASCII) are carried through the fix exactly.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { baseFiles } from "../review/repo-fixture.js";

let repo = "";
const git = (...args: string[]) =>
  execFileSync("git", args, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } }).toString();

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "specwarden-names-"));
  git("init", "-q", "-b", "main");
  for (const [path, content] of Object.entries(baseFiles())) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  git("add", "-A");
  git("commit", "-qm", "base");
  git("checkout", "-q", "-b", "names");
  writeFileSync(join(repo, "specs/s/systemd/evil\nPatch9: x.patch"), "x\n");
  writeFileSync(join(repo, "specs/s/systemd/tab\tname.patch"), "x\n");
  git("add", "-A");
  git("commit", "-qm", "names");
  git("checkout", "-q", "-b", "accent", "main");
  writeFileSync(join(repo, "specs/s/systemd/naïve fix.patch"), "--- a/x\n+++ b/x\n");
  // wired in by a hand-written line, as a vendored patch is
  const spec = join(repo, "specs/s/systemd/systemd.spec");
  writeFileSync(spec, (baseFiles()["specs/s/systemd/systemd.spec"] as string).replace("Patch:          https://github.com/systemd/systemd/pull/38769.patch\n", "Patch:          https://github.com/systemd/systemd/pull/38769.patch\nPatch:          naïve fix.patch\n"));
  git("add", "-A");
  git("commit", "-qm", "accent");
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

async function check(head: string): Promise<{ code: number; json: { findings: { rule: string; path: string; level: string; message: string; fix?: { patch?: string } }[]; fix?: { patch: string; verified: boolean } } }> {
  const io: CliIO & { out: string; err: string } = { out: "", err: "", stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t), cwd: repo, isTTY: false, env: {} };
  const code = await main(["check", "--repo", repo, "--base", "main", "--head", head, "--offline", "--json"], io);
  return { code, json: JSON.parse(io.out) };
}

describe("hostile file names in a rendered tree", () => {
  it("a newline or a tab in a name: a failure at the component's directory, no crash and no fix naming it", async () => {
    const { code, json } = await check("names");
    expect(code).toBe(1);
    const named = json.findings.filter((f) => f.message.includes("which no rendered file may have"));
    expect(named.map((f) => [f.path, f.level])).toEqual([
      ["specs/s/systemd", "failure"],
      ["specs/s/systemd", "failure"],
    ]);
    expect(named[0]?.message).toContain('the file name "evil\\nPatch9: x.patch" contains a control character');
    for (const f of json.findings) expect(f.path).not.toMatch(/[\n\t]/);
    expect(json.fix?.patch ?? "").not.toContain("Patch9");
  });

  it("a non-ASCII name with a space is quoted in the fix as git quotes it, and the fix is verified by git", async () => {
    const { json } = await check("accent");
    expect(json.fix?.verified).toBe(true);
    expect(json.fix?.patch).toContain('diff --git "a/base/comps/systemd/na\\303\\257ve fix.patch" "b/base/comps/systemd/na\\303\\257ve fix.patch"');
  });
});
