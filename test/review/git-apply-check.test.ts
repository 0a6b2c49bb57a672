import { describe, expect, it } from "vitest";
import { gitApplyCheck } from "../../src/review/git-apply-check.js";
import { defaultDeps, reviewChange } from "../../src/review/index.js";
import { combinedDiff } from "../../src/review/patch-text.js";
import { memoryRepo } from "../../src/repo/index.js";
import { baseFiles, demoHeadEdits, withEdits } from "./repo-fixture.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("git apply --check on every offered fix", () => {
  it("accepts a patch that applies to the pre-images, and says why git refuses one that does not", async () => {
    const edits = [{ path: "base/comps/x/x.comp.toml", before: enc("[components.x]\n"), after: enc("[components.x]\nspec = { type = \"upstream\" }\n") }];
    const patch = combinedDiff(edits);
    expect(await gitApplyCheck(patch, edits)).toBeUndefined();
    const stale = [{ ...edits[0]!, before: enc("[components.y]\n") }];
    expect(await gitApplyCheck(patch, stale)).toMatch(/git apply refuses it/);
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
});
