import { Octokit } from "@octokit/core";
import { describe, expect, it } from "vitest";
import { applyFix, FixApplyError } from "../../src/github/apply-fix.js";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { pushFix } from "../../src/github/fix-commit.js";
import { octokitGitReader } from "../../src/github/git-reader.js";
import { createCaches, GitHubRepoView } from "../../src/github/repo-view.js";
import { combinedDiff } from "../../src/review/patch-text.js";

const enc = (s: string) => new TextEncoder().encode(s);
const write = (path: string) => `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+x\n`;

describe("the app's fix commit: paths", () => {
  it("keeps systemd's escaped unit names (a backslash is a file name character) and upstream dot files inside rendered trees", async () => {
    for (const path of ["base/comps/systemd/run-vmblock\\x2dfuse.mount", "specs/k/kwin/.gitignore", "specs/d/dejavu-fonts/.fmf/version"]) {
      const patch = combinedDiff([{ path, after: enc("[Mount]\n") }]);
      expect([...(await applyFix(patch, async () => undefined)).keys()]).toEqual([path]);
    }
  });

  it("refuses traversal, absolute paths, writes into .git in any spelling and top-level dot entries", async () => {
    await expect(applyFix(write("../outside"), async () => undefined)).rejects.toThrow();
    for (const path of ["sub/.git/config", ".git/hooks/post-checkout", "specs/x/.GIT/config", "specs/x/.git./config", "specs/x/.git /config"]) {
      await expect(applyFix(write(path), async () => undefined), path).rejects.toThrow(/\.git directory/);
    }
    for (const path of [".github/workflows/run.yml", ".gitmodules", ".gitattributes"]) {
      await expect(applyFix(write(path), async () => undefined), path).rejects.toThrow(/top-level dot entry/);
    }
    await expect(applyFix(`--- /dev/null\n+++ /etc/passwd\n@@ -0,0 +1 @@\n+x\n`, async () => undefined)).rejects.toThrow();
    // a binary patch is held to the same rules
    const binary = combinedDiff([{ path: ".github/workflows/x.bin", after: new Uint8Array([0, 1]) }]);
    await expect(applyFix(binary, async () => undefined)).rejects.toThrow(/top-level dot entry/);
  });
});

describe("the app's fix commit: bytes", () => {
  const latin1 = new Uint8Array([...enc("From: Jos"), 0xe9, ...enc("\n")]);

  it("a binary patch gives exactly its bytes, after checking the pre-image it was made from", async () => {
    const patch = combinedDiff([
      { path: "base/comps/x/latin1.patch", after: latin1 },
      { path: "specs/x/x/x.spec", before: enc("Name: x\n"), after: new Uint8Array([...enc("# "), 0xff, 10]) },
    ]);
    const changes = await applyFix(patch, async (path) => (path === "specs/x/x/x.spec" ? enc("Name: x\n") : undefined));
    expect(changes.get("base/comps/x/latin1.patch")).toEqual(latin1);
    expect(changes.get("specs/x/x/x.spec")).toEqual(new Uint8Array([...enc("# "), 0xff, 10]));
    // the branch moved: the pre-image's blob id no longer matches
    await expect(applyFix(patch, async (path) => (path === "specs/x/x/x.spec" ? "Name: y\n" : undefined))).rejects.toThrow(FixApplyError);
    await expect(applyFix(patch, async (path) => (path === "specs/x/x/x.spec" ? "Name: y\n" : undefined))).rejects.toThrow(/no longer applies/);
  });

  it("a text diff never rewrites a file that is not UTF-8 on the branch", async () => {
    const patch = combinedDiff([{ path: "specs/x/x/x.spec", before: enc("a\n"), after: enc("b\n") }]);
    await expect(applyFix(patch, async () => new Uint8Array([0xff, 10]))).rejects.toThrow(/not UTF-8 text/);
  });
});

describe("the app's fix commit on a branch", () => {
  function branch(files: Record<string, string | Uint8Array | { content: string; mode: string }>) {
    const github = new FakeGitHub();
    const headSha = github.commit(files, { branch: "topic" });
    const octokit = new Octokit({ request: { fetch: github.fetch } }) as never;
    const head = new GitHubRepoView({ owner: "azl", repo: "distro", commitSha: headSha, reader: octokitGitReader(octokit, { owner: "azl", repo: "distro" }), caches: createCaches() });
    const target = { repo: { owner: "azl", repo: "distro" }, number: 7, headSha, headRef: "topic", sameRepo: true };
    return { github, octokit, head, target };
  }

  it("never writes through a committed symbolic link, nor over one", async () => {
    const { octokit, head, target, github } = branch({
      "azldev.toml": "[project]\n",
      "specs/s/systemd": { content: "../../../home/user", mode: "120000" },
      "specs/a/acl/acl.spec": { content: "/etc/passwd", mode: "120000" },
    });
    const through = await pushFix(octokit, target, combinedDiff([{ path: "specs/s/systemd/authorized_keys", after: enc("ssh-ed25519 AAAA\n") }]), head);
    expect(through).toMatchObject({ kind: "refused" });
    expect(through.kind === "refused" && through.reason).toMatch(/specs\/s\/systemd is a symbolic link on the branch/);
    const over = await pushFix(octokit, target, combinedDiff([{ path: "specs/a/acl/acl.spec", after: enc("Name: acl\n") }]), head);
    expect(over.kind === "refused" && over.reason).toMatch(/it is a symbolic link on the branch/);
    expect(github.callsTo("POST", "/repos/azl/distro/git/blobs")).toHaveLength(0);
  });

  it("commits the bytes of a binary patch as they are", async () => {
    const { octokit, head, target, github } = branch({ "azldev.toml": "[project]\n" });
    const latin1 = new Uint8Array([...enc("From: Jos"), 0xe9, ...enc("\n")]);
    const result = await pushFix(octokit, target, combinedDiff([{ path: "base/comps/x/latin1.patch", after: latin1 }]), head);
    expect(result.kind).toBe("committed");
    const commit = result.kind === "committed" ? result.commitSha : "";
    const entry = github.flatten(github.commits.get(commit)?.tree ?? "").get("base/comps/x/latin1.patch");
    expect(new Uint8Array(github.blobs.get(entry?.sha ?? "") ?? [])).toEqual(latin1);
  });
});
