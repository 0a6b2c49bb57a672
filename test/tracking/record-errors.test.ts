import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/azldev/index.js";
import { compareRender } from "../../src/render/index.js";
import type { ComponentRender } from "../../src/render/types.js";
import { memoryRepo, type RepoView } from "../../src/repo/index.js";
import { classifyUrl, inventory } from "../../src/tracking/index.js";

/**
 * Values found in the real Azure Linux 4.0 tree that the sample never had: each one is an error on
 * its own record, never the end of the whole run.
 */

const AZLDEV =
  '[project]\ndefault-distro = { name = "azurelinux" }\nrendered-specs-dir = "specs"\n[distros.azurelinux]\ndefault-version = "4.0"\n[distros.azurelinux.versions.\'4.0\']\nrelease-ver = "4.0"\n';

function localComponent(name: string): string {
  return `[components.${name}]\nspec = { type = "local", path = "base/comps/${name}/${name}.spec" }\n`;
}

/** A repository whose reads of some paths fail the way a partial clone's missing blobs do. */
function withMissingBlobs(repo: RepoView, missing: string[]): RepoView {
  const fail = (path: string): never => {
    throw new Error(`${path}: blob 71e93e104b14f45d1d5d5a19a7cd38a35ec62b78 is missing from the repository`);
  };
  return new Proxy(repo, {
    get(target, property, receiver) {
      if (property === "readText" || property === "readFile") {
        return async (path: string, ...rest: unknown[]) => {
          if (missing.includes(path)) fail(path);
          return (Reflect.get(target, property, receiver) as (p: string, ...r: unknown[]) => Promise<unknown>).call(target, path, ...rest);
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe("one unparseable value is that record's error", () => {
  it("a spec comment URL holding an unexpanded macro (linux-sgx) is a plain reference", async () => {
    // specs/l/linux-sgx/linux-sgx.spec:336 on tomls/base/main
    const raw = "https://github.com/berrange/linux-sgx/tree/dist-git-%{linux_sgx_version}-hostsw";
    expect(classifyUrl(raw)).toMatchObject({ kind: "other", host: "github.com" });
    expect(classifyUrl("https://github.com/o/r/pull/%zz.patch")).toMatchObject({ kind: "other" });
    // a well-formed escape still decodes
    expect(classifyUrl("https://github.com/o/r/commit/%61bc1234")).toMatchObject({ kind: "github-commit", sha: "abc1234" });

    const repo = memoryRepo({
      "azldev.toml": AZLDEV + localComponent("linux-sgx"),
      "base/comps/linux-sgx/linux-sgx.spec": "Name: linux-sgx\nVersion: 2.26\n",
      "specs/l/linux-sgx/linux-sgx.spec":
        "%global linux_sgx_version 2.26\nName: linux-sgx\nVersion: %{linux_sgx_version}\nRelease: 1\n" +
        `# Maintained in: ${raw}\nPatch0: 0001-fix.patch\n\n%description\nx\n\n%prep\n%autosetup -p1\n\n%files\n`,
      "specs/l/linux-sgx/0001-fix.patch": `From: A <a@example.org>\nSubject: fix\n\nSee ${raw}\n---\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n`,
    });
    const inv = await inventory(await loadProject(repo), repo);
    expect(inv.components.map((c) => [c.name, c.failed ?? false])).toEqual([["linux-sgx", false]]);
    expect(inv.patches.map((p) => p.file)).toEqual(["0001-fix.patch"]);
  });

  it("a spec whose blob is missing (texlive) is a problem of that component; the others are inventoried", async () => {
    const base = memoryRepo({
      "azldev.toml": AZLDEV + localComponent("texlive") + localComponent("tool"),
      "base/comps/texlive/texlive.spec": "Name: texlive\nVersion: 1\n",
      "base/comps/tool/tool.spec": "Name: tool\nVersion: 1\n",
      "specs/t/texlive/texlive.spec": "Name: texlive\nVersion: 1\nRelease: 1\nPatch0: a.patch\n",
      "specs/t/tool/tool.spec": "Name: tool\nVersion: 1\nRelease: 1\nPatch0: fix.patch\n\n%description\nx\n\n%prep\n%autosetup -p1\n\n%files\n",
      "specs/t/tool/fix.patch": "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
    });
    const repo = withMissingBlobs(base, ["specs/t/texlive/texlive.spec"]);
    const inv = await inventory(await loadProject(repo), repo);
    const texlive = inv.components.find((c) => c.name === "texlive");
    // the path is named once, not twice
    expect(texlive?.problems).toEqual(["specs/t/texlive/texlive.spec: blob 71e93e104b14f45d1d5d5a19a7cd38a35ec62b78 is missing from the repository"]);
    expect(inv.patches.map((p) => [p.component, p.file])).toEqual([["tool", "fix.patch"]]);
  });

  it("a component whose inventory throws is recorded as failed and the run goes on", async () => {
    const base = memoryRepo({
      "azldev.toml": AZLDEV + localComponent("broken") + localComponent("tool"),
      "base/comps/broken/broken.spec": "Name: broken\n",
      "base/comps/tool/tool.spec": "Name: tool\n",
      "specs/b/broken/other-name.spec": "Name: broken\n",
      "specs/t/tool/tool.spec": "Name: tool\nVersion: 1\n",
    });
    // a repository back end that hands back something other than a listing: nothing below the
    // record boundary guards against that, and nothing should have to
    const repo = new Proxy(base, {
      get(target, property, receiver) {
        if (property === "list") {
          return async (path: string, ...rest: unknown[]) => (path === "specs/b/broken" ? ({ entries: 1 } as unknown) : target.list(path, ...(rest as [])));
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const inv = await inventory(await loadProject(repo), repo);
    const broken = inv.components.find((c) => c.name === "broken");
    expect(broken?.failed).toBe(true);
    expect(broken?.problems).toHaveLength(1);
    expect(broken?.problems[0]).toMatch(/^could not be inventoried: /);
    expect(inv.components.find((c) => c.name === "tool")?.version).toBe("1");
  });

  it("a committed rendered file whose blob is missing (ipmitool's enterprise-numbers) is unreadable, the rest is compared", async () => {
    const base = memoryRepo({
      "specs/i/ipmitool/ipmitool.spec": "Name: ipmitool\n",
      "specs/i/ipmitool/enterprise-numbers": "x",
    });
    const repo = withMissingBlobs(base, ["specs/i/ipmitool/enterprise-numbers"]);
    const render = {
      component: "ipmitool",
      outputDir: "specs/i/ipmitool",
      status: "ok",
      files: new Map([
        ["ipmitool.spec", new TextEncoder().encode("Name: ipmitool\n")],
        ["enterprise-numbers", new TextEncoder().encode("x")],
      ]),
    } as unknown as ComponentRender;
    const comparison = await compareRender(render, repo);
    expect(comparison.clean).toBe(false);
    expect(comparison.files).toEqual([
      { path: "enterprise-numbers", status: "unreadable", reason: "specs/i/ipmitool/enterprise-numbers: blob 71e93e104b14f45d1d5d5a19a7cd38a35ec62b78 is missing from the repository" },
      { path: "ipmitool.spec", status: "identical" },
    ]);
  });
});
