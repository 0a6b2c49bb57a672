import { describe, expect, it } from "vitest";
import { gitApplyCheck } from "../../src/review/git-apply-check.js";
import { defaultDeps, reviewChange } from "../../src/review/index.js";
import { combinedDiff } from "../../src/review/patch-text.js";
import { memoryRepo } from "../../src/repo/index.js";
import { baseFiles, demoHeadEdits, replaceOnce, withEdits } from "./repo-fixture.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("git apply --check on every offered fix", () => {
  it("accepts a patch that applies to the pre-images, and says why git refuses one that does not", async () => {
    const edits = [{ path: "base/comps/x/x.comp.toml", before: enc("[components.x]\n"), after: enc("[components.x]\nspec = { type = \"upstream\" }\n") }];
    const patch = combinedDiff(edits);
    expect(await gitApplyCheck(patch, edits)).toBeUndefined();
    const stale = [{ ...edits[0]!, before: enc("[components.y]\n") }];
    expect(await gitApplyCheck(patch, stale)).toMatch(/git apply refuses it/);
  });

  it("is run on what the head holds, not on what the fix was made from", async () => {
    const edits = [{ path: "base/comps/x/fix.patch", after: enc("--- a\n+++ b\n") }];
    const patch = combinedDiff(edits);
    expect(await gitApplyCheck(patch, edits, memoryRepo({ "azldev.toml": "" }))).toBeUndefined();
    // the head already has a file there: git would not create it
    expect(await gitApplyCheck(patch, edits, memoryRepo({ "base/comps/x/fix.patch": "other\n" }))).toMatch(/git apply refuses it: .*already exists/);
  });

  it("refuses, before staging anything, a path below a link or submodule of the head and a path no fix may write", async () => {
    const head = memoryRepo({ "azldev.toml": "" }, { symlinks: { "specs/s/systemd": "/home/user" }, submodules: { "vendor/lib": "a".repeat(40) } });
    const through = [{ path: "specs/s/systemd/authorized_keys", after: enc("key\n") }];
    expect(await gitApplyCheck(combinedDiff(through), through, head)).toMatch(/specs\/s\/systemd is a symbolic link on the branch/);
    const inside = [{ path: "vendor/lib/x", after: enc("x\n") }];
    expect(await gitApplyCheck(combinedDiff(inside), inside, head)).toMatch(/vendor\/lib is a submodule/);
    for (const path of [".github/workflows/x.yml", "specs/x/.Git/config"]) {
      const edits = [{ path, after: enc("x\n") }];
      expect(await gitApplyCheck(combinedDiff(edits), edits, head), path).toMatch(/where a fix may not write/);
    }
  });

  it("a fix git refuses is offered unverified, with git's reason", async () => {
    const base = baseFiles();
    const head = withEdits(base, demoHeadEdits());
    const deps = { ...(await defaultDeps()), checkPatch: async () => "git apply refuses it: patch does not apply" };
    const result = await reviewChange({ base: memoryRepo(base), head: memoryRepo(head) }, { deps });
    expect(result.fix).toMatchObject({ verified: false });
    expect(result.fix?.note).toContain("git apply refuses it");
    const real = await reviewChange({ base: memoryRepo(base), head: memoryRepo(head) });
    expect(real.fix?.verified).toBe(true);
  });

  it("each component's part of the fix is checked on its own as well", async () => {
    const base = baseFiles();
    const ACL = "specs/a/acl/acl.spec";
    const head = withEdits(base, { ...demoHeadEdits(), [ACL]: replaceOnce(base[ACL] as string, "Summary: Access control list utilities", "Summary: Access control list tools") });
    const refuseAclAlone = async (patch: string) => (patch.includes("base/comps/acl/") && !patch.includes("base/comps/systemd/") ? "git apply refuses it: error: patch failed" : undefined);
    const result = await reviewChange({ base: memoryRepo(base), head: memoryRepo(head) }, { deps: { ...(await defaultDeps()), checkPatch: refuseAclAlone } });
    expect(result.fix?.verified).toBe(true);
    const proposals = result.findings.filter((f) => f.fix?.patch);
    const acl = proposals.filter((f) => f.component === "acl");
    const systemd = proposals.filter((f) => f.component === "systemd");
    expect(acl.length).toBeGreaterThan(0);
    expect(systemd.length).toBeGreaterThan(0);
    for (const f of acl) expect(f.fix).toMatchObject({ verified: false, note: expect.stringContaining("On its own: git apply refuses it") });
    for (const f of systemd) expect(f.fix?.verified).toBe(true);
  });
});
