/**
 * The same project read through a directory, a git revision and memory gives the same components
 * and the same fingerprints: blob identities agree across RepoView implementations, so a PR's base
 * (git) and head (GitHub, directory) compare cleanly.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject, type Project } from "../../src/azldev/index.js";
import { memoryRepo, openRepo } from "../../src/repo/index.js";
import { BASE_FILES } from "./fixture.js";

const FILES: Record<string, string> = {
  ...BASE_FILES,
  "base/comps/dnf5/dnf5.comp.toml": `${BASE_FILES["base/comps/dnf5/dnf5.comp.toml"]}
[[components.dnf5.overlays]]
description = "Add the compat patch"
type = "patch-add"
source = "tdnf-compat.patch"
`,
  "base/comps/dnf5/tdnf-compat.patch": "--- a/dnf5.spec\n+++ b/dnf5.spec\n@@ -1 +1 @@\n-a\n+b\n",
  "base/comps/azurelinux-release/azurelinux-release.comp.toml": `[components.azurelinux-release]\nspec = { type = "local", path = "azurelinux-release.spec" }\n`,
  "base/comps/azurelinux-release/azurelinux-release.spec": "Name: azurelinux-release\nVersion: 4.0\n",
  "base/comps/azurelinux-release/90-default.preset": "enable sshd.service\n",
};

function fingerprints(project: Project): Record<string, string> {
  return Object.fromEntries([...project.components.values()].map((c) => [c.name, c.fingerprint]));
}

describe("RepoView implementations agree", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "specwarden-views-"));
    for (const [path, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.org", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.org" };
    execFileSync("git", ["init", "-q"], { cwd: dir, env });
    execFileSync("git", ["add", "-A"], { cwd: dir, env });
    execFileSync("git", ["commit", "-q", "-m", "fixture"], { cwd: dir, env });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("loads identical configurations and fingerprints from directory, git and memory", async () => {
    const fromMemory = await loadProject(memoryRepo(FILES));
    const directory = await openRepo(dir);
    const fromDirectory = await loadProject(directory);
    const git = await openRepo(dir, "HEAD");
    let fromGit: Project;
    try {
      fromGit = await loadProject(git);
    } finally {
      await git.close?.();
    }
    expect(fromMemory.errors).toEqual([]);
    expect(fromDirectory.errors).toEqual([]);
    expect(fromGit.errors).toEqual([]);
    expect(fingerprints(fromDirectory)).toEqual(fingerprints(fromMemory));
    expect(fingerprints(fromGit)).toEqual(fingerprints(fromMemory));
    // the local component's fingerprint covers every file of its directory
    expect(fromGit.components.get("azurelinux-release")?.fingerprint).toContain("base/comps/azurelinux-release/90-default.preset");
  });
});
