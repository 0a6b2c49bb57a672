/**
 * An appended overlay that makes a Source/Patch tag name a file the base render had filtered out:
 * the file comes from the upstream checkout, so the review falls back to a full render (offline: the
 * component is unverified) and never calls it a vendored patch.
 */
import { describe, expect, it } from "vitest";
import { applyOverlays } from "../../src/overlays/index.js";
import { baseFiles, review, rulesOf, withEdits } from "./repo-fixture.js";

const ACL_SPEC = "specs/a/acl/acl.spec";
const ACL_COMP = "base/comps/acl/acl.comp.toml";
const EXTRA = "acl-2.3.2-upstream-extra.patch";

describe("a tag that brings back an upstream file", () => {
  it("is a full render, not vendored-patch-in-rendered-tree, and offline the component is unverified", async () => {
    const base = baseFiles();
    const spec = applyOverlays({ spec: base[ACL_SPEC] as string }, [{ type: "spec-add-tag", tag: "Patch", value: EXTRA }]).spec;
    const head = withEdits(base, {
      [ACL_COMP]: `${base[ACL_COMP]}\n[[components.acl.overlays]]\ndescription = "Apply upstream's own fix that Fedora ships but does not apply"\ntype = "spec-add-tag"\ntag = "Patch"\nvalue = "${EXTRA}"\n`,
      [ACL_SPEC]: spec,
      [`specs/a/acl/${EXTRA}`]: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
    });
    const result = await review(base, head);
    expect(rulesOf(result)).not.toContain("vendored-patch-in-rendered-tree");
    expect(rulesOf(result, "failure")).toEqual([]);
    const acl = result.components.find((c) => c.name === "acl")!;
    expect(acl.status).toBe("unverified");
    expect(result.findings.map((f) => f.message).join("\n")).toContain("names acl-2.3.2-upstream-extra.patch");
    expect(acl.reason ?? "").toMatch(/names acl-2\.3\.2-upstream-extra\.patch, which the base render did not keep|upstream/);
  });
});
