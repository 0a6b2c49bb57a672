/**
 * An appended overlay that makes a Source/Patch tag name a file the base render does not hold:
 * the file comes from the upstream checkout, so the review renders it in full (offline: those files are
 * notices, the component unverified) and never calls it a vendored patch.
 */
import { describe, expect, it } from "vitest";
import { applyOverlays } from "../../src/overlays/index.js";
import { UpstreamError } from "../../src/upstream/types.js";
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

/**
 * Built like Azure Linux's gnulib change (ab0f8cace6): two Source URLs with a query string, whose
 * file names azldev's filter could not read, get `#/name` hints through spec-update-tag overlays; the
 * re-render brings back the two man pages the upstream checkout always had.
 */
describe("`#/name` hints that bring back two upstream files", () => {
  const GITWEB = "https://erislabs.net/gitweb/?p=gnulib.git;a=blob_plain;hb=HEAD;f=debian/manpages";
  const hinted = (spec: string) =>
    spec.replace(`Source1: ${GITWEB}/check-module.1`, `Source1: ${GITWEB}/check-module.1#/check-module.1`).replace(`Source2: ${GITWEB}/gnulib-tool.1`, `Source2: ${GITWEB}/gnulib-tool.1#/gnulib-tool.1`);
  const overlays = ["check-module.1", "gnulib-tool.1"]
    .map((file, i) => `\n[[components.acl.overlays]]\ndescription = "Name ${file} for the render's filter"\ntype = "spec-update-tag"\ntag = "Source${i + 1}"\nvalue = "${GITWEB}/${file}#/${file}"\n`)
    .join("");

  function change(prelude: string, addFiles: boolean) {
    const base = baseFiles();
    const spec = (base[ACL_SPEC] as string).replace(
      "Source0: https://download-mirror.savannah.gnu.org/releases/acl/acl-%{version}.tar.gz\n",
      `Source0: https://download-mirror.savannah.gnu.org/releases/acl/acl-%{version}.tar.gz\nSource1: ${GITWEB}/check-module.1\nSource2: ${GITWEB}/gnulib-tool.1\n`,
    );
    const before = withEdits(base, { [ACL_SPEC]: prelude + spec });
    const head = withEdits(before, {
      [ACL_COMP]: `${base[ACL_COMP]}${overlays}`,
      [ACL_SPEC]: prelude + hinted(spec),
      ...(addFiles ? { "specs/a/acl/check-module.1": ".TH CHECK-MODULE 1\n", "specs/a/acl/gnulib-tool.1": ".TH GNULIB-TOOL 1\n" } : {}),
    });
    return { before, head };
  }

  for (const [what, prelude] of [
    ["names the filter can read", ""],
    ["a %(...) that only rpm expands, so the filter cannot be decided here", "%global githead %(printf %%.7s 0123456789)\n"],
  ] as const) {
    it(`re-rendered: both files are the upstream's, unverified offline, never vendored (${what})`, async () => {
      const { before, head } = change(prelude, true);
      const result = await review(before, head);
      expect(rulesOf(result)).not.toContain("vendored-patch-in-rendered-tree");
      expect(rulesOf(result, "failure")).toEqual([]);
      expect(result.verdict).toBe("neutral");
      const acl = result.components.find((c) => c.name === "acl")!;
      expect(acl).toMatchObject({ status: "unverified", method: "incremental" });
      expect(acl.reason).toContain("now names check-module.1, gnulib-tool.1");
      const notices = result.findings.filter((f) => f.rule === "rendered-file-unexpected");
      expect(notices.map((f) => [f.path, f.level])).toEqual([
        ["specs/a/acl/check-module.1", "notice"],
        ["specs/a/acl/gnulib-tool.1", "notice"],
      ]);
    });
  }

  it("the rest of the component is still checked: a hand edit of the spec next to the hints fails", async () => {
    const { before, head } = change("", true);
    const edited = withEdits(head, { [ACL_SPEC]: (head[ACL_SPEC] as string).replace("BuildRequires: gawk\n", "BuildRequires: gawk\nBuildRequires: hand-added\n") });
    const result = await review(before, edited);
    expect(result.findings).toContainEqual(expect.objectContaining({ rule: "rendered-file-edited", level: "failure", path: ACL_SPEC }));
    expect(rulesOf(result)).not.toContain("vendored-patch-in-rendered-tree");
  });

  it("not re-rendered: the spec is stale, and the files the tags now name are pointed out, not demanded", async () => {
    const { before, head } = change("", false);
    const result = await review(before, withEdits(head, { [ACL_SPEC]: before[ACL_SPEC] as string }));
    expect(result.verdict).toBe("failure");
    expect(rulesOf(result, "failure")).toContain("render-stale");
    expect(result.findings.filter((f) => f.rule === "rendered-file-missing").map((f) => [f.path, f.level])).toEqual([
      ["specs/a/acl/check-module.1", "notice"],
      ["specs/a/acl/gnulib-tool.1", "notice"],
    ]);
  });

  it("with the upstream readable, the full render decides", async () => {
    const { before, head } = change("", true);
    const calls: string[] = [];
    const result = await review(before, head, {
      upstream: {
        description: "counting upstream",
        fetch: async (request) => {
          calls.push(request.component);
          throw new UpstreamError(request.component, "unreachable", "no such repository");
        },
      },
    });
    expect(calls).toContain("acl");
    expect(result.components.find((c) => c.name === "acl")).toMatchObject({ status: "unverified" });
    expect(result.components.find((c) => c.name === "acl")?.reason).toContain("no such repository");
    expect(rulesOf(result)).not.toContain("upstream-unavailable");
  });
});
