/**
 * Re-renders over a stale base, as a bulk re-render of the real tree showed them: comps gained
 * overlays or vendored files in earlier changes that never re-rendered, or the upstream moved on;
 * a later change re-renders with no change to the comps. Its edits are the comps' output, not hand
 * edits — and a hand edit in the same change still fails.
 */
import { describe, expect, it } from "vitest";
import { applyOverlays } from "../../src/overlays/index.js";
import type { Finding, ReviewResult } from "../../src/review/types.js";
import { memoryUpstream } from "../../src/upstream/index.js";
import { baseFiles, demoHeadEdits, replaceOnce, review, withEdits, type Files } from "./repo-fixture.js";

const ACL_COMP = "base/comps/acl/acl.comp.toml";
const ACL_SPEC = "specs/a/acl/acl.spec";
const SYSTEMD_COMP = "base/comps/systemd/systemd.comp.toml";
const SYSTEMD_SPEC = "specs/s/systemd/systemd.spec";
const FIDO_SPEC = "specs/l/libfido2/libfido2.spec";
const base = baseFiles();

const failures = (result: ReviewResult): Finding[] => result.findings.filter((f) => f.level === "failure");

/** acl's comps with two overlays appended that its committed render never got (anaconda-webui's case). */
const staleAcl: Files = withEdits(base, {
  [ACL_COMP]: `${base[ACL_COMP]}
[[components.acl.overlays]]
description = "gawk is not needed to build"
type = "spec-remove-tag"
tag = "BuildRequires"
value = "gawk"

[[components.acl.overlays]]
description = "Distro wording"
type = "spec-search-replace"
regex = '^Summary: Access control list utilities$'
replacement = 'Summary: Access control list tools'
`,
});
const caughtUpSpec = replaceOnce(replaceOnce(base[ACL_SPEC] as string, "BuildRequires: gawk\n", ""), "Summary: Access control list utilities\n", "Summary: Access control list tools\n");

describe("a re-render over a base that lacked the comps' newest overlays", () => {
  it("is no hand edit: the edits are what the last overlays make of the base render", async () => {
    const result = await review(staleAcl, withEdits(staleAcl, { [ACL_SPEC]: caughtUpSpec }));
    expect(failures(result)).toEqual([]);
    expect(result.verdict).toBe("success");
    const notice = result.findings.find((f) => f.component === "acl" && f.path === "specs/a/acl");
    expect(notice?.message).toContain("its render on the base was stale");
    expect(notice?.message).toContain('"gawk is not needed to build" (base/comps/acl/acl.comp.toml:');
  });

  it("a hand edit in the same change still fails, at its own line only", async () => {
    const head = replaceOnce(caughtUpSpec, "BuildRequires: gcc\n", "BuildRequires: clang\n");
    const result = await review(staleAcl, withEdits(staleAcl, { [ACL_SPEC]: head }));
    const lines = head.split("\n");
    expect(failures(result)).toEqual([expect.objectContaining({ rule: "rendered-file-edited", path: ACL_SPEC, line: lines.indexOf("BuildRequires: clang") + 1 })]);
  });

  it("on a current base, the same hand edit as before fails as it always did", async () => {
    const head = replaceOnce(base[ACL_SPEC] as string, "BuildRequires: gcc\n", "BuildRequires: clang\n");
    const result = await review(base, withEdits(base, { [ACL_SPEC]: head }));
    expect(failures(result).map((f) => f.rule)).toEqual(["rendered-file-edited"]);
    expect(result.findings.some((f) => /stale/.test(f.message))).toBe(false);
  });
});

describe("a re-render over a base that lacked an overlay on an upstream file and one on the spec (iscsi-initiator-utils' case)", () => {
  const PATCH = "specs/a/acl/0001-acl-2.2.53-test-runwrapper.patch";
  const stale = withEdits(base, {
    [ACL_COMP]: `${base[ACL_COMP]}
[[components.acl.overlays]]
description = "Name the wrapper's real author"
type = "file-search-replace"
file = "0001-acl-2.2.53-test-runwrapper.patch"
regex = 'Kamil Dudka'
replacement = 'K. Dudka'

[[components.acl.overlays]]
description = "Distro wording"
type = "spec-search-replace"
regex = '^Summary: Access control list utilities$'
replacement = 'Summary: Access control list tools'
`,
  });

  it("both edits are the comps' output: the closest of the newest overlays' renders over every file the change touched", async () => {
    const head = withEdits(stale, {
      [PATCH]: replaceOnce(base[PATCH] as string, "Kamil Dudka", "K. Dudka"),
      [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "Summary: Access control list utilities\n", "Summary: Access control list tools\n"),
    });
    const result = await review(stale, head);
    expect(failures(result)).toEqual([]);
    expect(result.findings.find((f) => f.path === "specs/a/acl")?.message).toContain("its last 2 overlays");
  });
});

describe("a re-render over a base whose vendored files were edited in base/comps since", () => {
  const withCopy = (comps: string, rendered: string): Files =>
    withEdits(base, {
      [ACL_COMP]: `${base[ACL_COMP]}
[[components.acl.overlays]]
description = "Default configuration"
type = "file-add"
file = "acl-defaults.conf"
source = "acl-defaults.conf"
`,
      "base/comps/acl/acl-defaults.conf": comps,
      "specs/a/acl/acl-defaults.conf": rendered,
    });
  // the comps' copy was edited by an earlier change; the committed render still holds the old one
  const stale = withCopy("mode = strict\n", "mode = relaxed\n");

  it("taking the comps' current file is a re-render", async () => {
    const result = await review(stale, withEdits(stale, { "specs/a/acl/acl-defaults.conf": "mode = strict\n" }));
    expect(failures(result)).toEqual([]);
    expect(result.findings.find((f) => f.path === "specs/a/acl")?.message).toContain("the current content of acl-defaults.conf from base/comps");
  });

  it("writing anything else there is a hand edit", async () => {
    const result = await review(stale, withEdits(stale, { "specs/a/acl/acl-defaults.conf": "mode = lenient\n" }));
    expect(failures(result).map((f) => [f.rule, f.path])).toEqual([["rendered-file-edited", "specs/a/acl/acl-defaults.conf"]]);
  });
});

describe("a vendored patch staged with patch-add in an earlier change, rendered now (kdump-utils' case)", () => {
  const PATCH = "0001-core-set-SYSTEMD_NSS_DYNAMIC_BYPASS-1-for-generators.patch";
  const patchText = demoHeadEdits()[`specs/s/systemd/${PATCH}`] as string;
  const overlay = `
[[components.systemd.overlays]]
description = "Avoid a deadlock in early boot"
type = "patch-add"
source = "${PATCH}"
`;
  const stale = withEdits(base, { [SYSTEMD_COMP]: `${base[SYSTEMD_COMP]}${overlay}`, [`base/comps/systemd/${PATCH}`]: patchText });
  // what the overlay writes, by the overlay engine (checked against azldev's own editor elsewhere)
  const rendered = applyOverlays({ spec: base[SYSTEMD_SPEC] as string }, [{ type: "patch-add", source: PATCH, description: "Avoid a deadlock in early boot" }], {
    sourceFiles: { [PATCH]: patchText },
    component: "systemd",
  });

  it("the patch and its Patch tag arriving together are the comps' output, not a vendored patch", async () => {
    const head = withEdits(stale, { [SYSTEMD_SPEC]: rendered.spec, [`specs/s/systemd/${PATCH}`]: patchText });
    const result = await review(stale, head);
    expect(result.findings.filter((f) => f.rule === "vendored-patch-in-rendered-tree")).toEqual([]);
    expect(failures(result)).toEqual([]);
  });

  it("without the overlay in the comps it stays the seed case: vendored, and the Patch line hand-written", async () => {
    const head = withEdits(base, { [SYSTEMD_SPEC]: rendered.spec, [`specs/s/systemd/${PATCH}`]: patchText });
    const result = await review(base, head);
    expect(failures(result).map((f) => f.rule).sort()).toEqual(["rendered-file-edited", "vendored-patch-in-rendered-tree"]);
  });
});

describe("rpmautospec rewriting the whole generated changelog", () => {
  it("thousands of generated changelog lines and a new rpmautospec version are bookkeeping, not a hand edit", async () => {
    const history = Array.from({ length: 1_600 }, (_, i) => `* Mon Jan 01 2001 Packager <p@example.org> - 1.${i}-1\n- Entry ${i}\n`).join("\n");
    const spec = (base[FIDO_SPEC] as string).replace("## (rpmautospec version 0.8.3)", "## (rpmautospec version 0.8.4)").replace("## END: Generated by rpmautospec", `\n${history}## END: Generated by rpmautospec`);
    const result = await review(base, withEdits(base, { [FIDO_SPEC]: spec }));
    expect(failures(result)).toEqual([]);
    expect(result.findings.map((f) => f.level)).toEqual(["notice"]);
    expect(result.findings[0]?.message).toMatch(/only tool bookkeeping differs/);
  });
});

describe("a re-render that brings a newer upstream revision while the comps stay (perl-CryptX's case)", () => {
  // the newer Fedora revision: a new changelog entry and one changed line
  const newer = replaceOnce(
    replaceOnce(base[FIDO_SPEC] as string, "BuildRequires:  cmake\n", "BuildRequires:  cmake >= 3.20\n"),
    "## START: Generated by rpmautospec\n",
    "## START: Generated by rpmautospec\n* Sat Jan 17 2026 Fedora Release Engineering <releng@fedoraproject.org> - 1.16.0-4\n- Rebuilt for https://fedoraproject.org/wiki/Fedora_44_Mass_Rebuild\n\n",
  );

  it("offline the spec edits are not verified either way: notices, and the check neutral", async () => {
    const result = await review(base, withEdits(base, { [FIDO_SPEC]: newer }));
    expect(failures(result)).toEqual([]);
    expect(result.verdict).toBe("neutral");
    const edit = result.findings.find((f) => f.rule === "rendered-file-edited" && f.message.includes("is another upstream revision"));
    expect(edit?.message).toContain('"* Sat Jan 17 2026 Fedora Release Engineering');
  });

  it("with the upstream readable a full render decides: the upstream did not change that line, so it is a hand edit", async () => {
    const pristine = (base[FIDO_SPEC] as string)
      .split("\n")
      .slice(13)
      .join("\n")
      .replace(/## START: Generated by rpmautospec\n[\s\S]*## END: Generated by rpmautospec\n/, "%autochangelog\n");
    const upstream = memoryUpstream({ libfido2: { "libfido2.spec": pristine, sources: base["specs/l/libfido2/sources"] as string } });
    const result = await review(base, withEdits(base, { [FIDO_SPEC]: newer }), { upstream });
    expect(result.components).toEqual([expect.objectContaining({ name: "libfido2", method: "full" })]);
    expect(failures(result).map((f) => f.rule)).toContain("rendered-file-edited");
    expect(failures(result).find((f) => f.rule === "rendered-file-edited")?.message).toContain("cmake");
  });

  it("a patch that arrives with the newer upstream revision (and its Patch tag) is the upstream's, not verified", async () => {
    const spec = replaceOnce(newer, "BuildRequires:  cmake >= 3.20\n", "BuildRequires:  cmake >= 3.20\nPatch0:         fix-udev-rules.patch\n");
    const result = await review(base, withEdits(base, { [FIDO_SPEC]: spec, "specs/l/libfido2/fix-udev-rules.patch": "--- a/x\n+++ b/x\n" }));
    expect(failures(result)).toEqual([]);
    expect(result.verdict).toBe("neutral");
    expect(result.findings.find((f) => f.path === "specs/l/libfido2/fix-udev-rules.patch")?.message).toContain("arrives with another revision");
  });

  it("an earlier upstream revision's patch leaving with its Patch tag, and an unnamed file, are deletions the render makes", async () => {
    // the base render carried a patch of the later revision and a file nothing names
    const later = replaceOnce(newer, "BuildRequires:  cmake >= 3.20\n", "BuildRequires:  cmake >= 3.20\nPatch0:         fix-udev-rules.patch\n");
    const stale = withEdits(base, { [FIDO_SPEC]: later, "specs/l/libfido2/fix-udev-rules.patch": "--- a/x\n+++ b/x\n", "specs/l/libfido2/README.md": "# libfido2\n" });
    const result = await review(stale, withEdits(stale, { [FIDO_SPEC]: base[FIDO_SPEC] as string, "specs/l/libfido2/fix-udev-rules.patch": null, "specs/l/libfido2/README.md": null }));
    expect(failures(result)).toEqual([]);
    expect(result.findings.filter((f) => f.rule === "rendered-file-missing").map((f) => [f.path, f.level])).toEqual([
      ["specs/l/libfido2/README.md", "notice"],
      ["specs/l/libfido2/fix-udev-rules.patch", "notice"],
    ]);
  });

  it("a vendored patch wired by hand still fails when the same change adds a changelog entry", async () => {
    const demo = demoHeadEdits();
    const spec = replaceOnce(demo[SYSTEMD_SPEC] as string, "%changelog\n", "%changelog\n* Sat Jan 17 2026 Someone <s@example.org> - 258-2\n- Add a fix\n\n");
    const result = await review(base, withEdits(base, { ...demo, [SYSTEMD_SPEC]: spec }));
    expect(failures(result).map((f) => f.rule)).toContain("vendored-patch-in-rendered-tree");
  });
});

describe("a component that has no committed render on the base and gets none now", () => {
  const unrendered = Object.fromEntries(Object.entries(base).filter(([path]) => !path.startsWith("specs/a/acl/")));

  it("a change to its comps is not judged file by file against an empty dir: one notice, no failure", async () => {
    const head = withEdits(unrendered, { [ACL_COMP]: `${base[ACL_COMP]}\n[[components.acl.overlays]]\ntype = "spec-remove-tag"\ntag = "BuildRequires"\nvalue = "gawk"\n` });
    const result = await review(unrendered, head);
    expect(failures(result)).toEqual([]);
    expect(result.findings.filter((f) => f.component === "acl")).toEqual([
      expect.objectContaining({ rule: "rendered-file-missing", level: "notice", path: "specs/a/acl", message: expect.stringContaining("had none on the base either") }),
    ]);
  });

  it("a new component declared without its render still fails", async () => {
    const head = withEdits(base, { "base/comps/newpkg/newpkg.comp.toml": "[components.newpkg]\n" });
    const result = await review(base, head);
    expect(result.findings.filter((f) => f.component === "newpkg")).toEqual([expect.objectContaining({ rule: "render-stale", level: "failure", message: expect.stringContaining("newly declared") })]);
  });
});

describe("a repository that commits no rendered tree", () => {
  // Azure Linux's history before its first committed render: comps only, no specs/
  const compsOnly = Object.fromEntries(Object.entries(base).filter(([path]) => !path.startsWith("specs/")));

  it("config changes and new components are not render-stale; one notice says why, and new overlays are still linted", async () => {
    const head = withEdits(compsOnly, {
      [ACL_COMP]: `${base[ACL_COMP]}\n[[components.acl.overlays]]\ntype = "spec-remove-tag"\ntag = "BuildRequires"\nvalue = "gawk"\n`,
      "base/comps/newpkg/newpkg.comp.toml": "[components.newpkg]\n",
    });
    const result = await review(compsOnly, head);
    expect(failures(result)).toEqual([]);
    expect(result.verdict).toBe("success");
    expect(result.findings.find((f) => f.rule === "rendered-file-missing")?.message).toContain("holds no rendered tree (specs/ is absent before and after this change)");
    expect(result.findings.some((f) => f.rule === "overlay-lint" && f.component === "acl")).toBe(true);
  });

  it("the change that adds the first rendered tree is checked as usual", async () => {
    const result = await review(compsOnly, withEdits(compsOnly, { [ACL_SPEC]: base[ACL_SPEC] as string }));
    expect(result.findings.some((f) => f.message.includes("holds no rendered tree"))).toBe(false);
  });
});

describe("a re-render that committed azldev's failure marker", () => {
  it("is one warning at RENDER_FAILED and an unverified component, not a failure per file the marker replaced", async () => {
    const acl = Object.keys(base).filter((path) => path.startsWith("specs/a/acl/"));
    const edits: Record<string, string | null> = Object.fromEntries(acl.map((path) => [path, null]));
    edits["specs/a/acl/RENDER_FAILED"] = "Rendering failed. See azldev logs for details.\n";
    const result = await review(base, withEdits(base, edits));
    expect(failures(result)).toEqual([]);
    expect(result.verdict).toBe("neutral");
    expect(result.findings).toEqual([expect.objectContaining({ rule: "rendered-file-missing", level: "warning", path: "specs/a/acl/RENDER_FAILED" })]);
  });
});

describe("a newer azldev's macros file over a render that predates it (automake's case)", () => {
  const withBuild = withEdits(base, { [ACL_COMP]: `[components.acl.build]\nwithout = ["doc"]\n\n${base[ACL_COMP]}` });
  const spec = base[ACL_SPEC] as string;
  const wired = replaceOnce(
    replaceOnce(spec, "Summary: Access control list utilities\n", "# All Azure Linux specs with overlays include this macro file, irrespective of whether new macros have been added.\n%{load:%{_sourcedir}/acl.azl.macros}\n\nSummary: Access control list utilities\n"),
    "BuildRequires: gawk\n",
    "Source9999: acl.azl.macros\nBuildRequires: gawk\n",
  );
  const macros = "# Macros file automatically generated by azldev.\n# Do not edit manually; changes will be overwritten.\n%_without_doc 1\n";

  it("the macros file the build settings produce and its wiring are the tool's, not a vendored source", async () => {
    const result = await review(withBuild, withEdits(withBuild, { [ACL_SPEC]: wired, "specs/a/acl/acl.azl.macros": macros }));
    expect(failures(result)).toEqual([]);
    expect(result.findings.find((f) => f.path === "specs/a/acl/acl.azl.macros")?.message).toContain("azldev's macros file");
  });

  it("a macros file with other content, wired by hand, is vendored", async () => {
    const result = await review(withBuild, withEdits(withBuild, { [ACL_SPEC]: wired, "specs/a/acl/acl.azl.macros": `${macros}%_with_extras 1\n` }));
    expect(failures(result).map((f) => f.rule)).toContain("vendored-patch-in-rendered-tree");
  });
});

describe("the %check skip block over a render older than the build setting (perl-XML-DOM's case)", () => {
  const skipping = withEdits(base, { [ACL_COMP]: `[components.acl.build]\ncheck = { skip = true, skip_reason = "Disabling checks for initial set of failures." }\n\n${base[ACL_COMP]}` });

  it("is the tool's block, not a hand edit", async () => {
    const spec = replaceOnce(base[ACL_SPEC] as string, "%check\n", "%check\n# Check section disabled: Disabling checks for initial set of failures.\nexit 0\n\n");
    const result = await review(skipping, withEdits(skipping, { [ACL_SPEC]: spec }));
    expect(failures(result)).toEqual([]);
    expect(result.findings.map((f) => f.message).join("\n")).toContain("azldev %check skip block");
  });

  it("the same lines with another reason are a hand edit", async () => {
    const spec = replaceOnce(base[ACL_SPEC] as string, "%check\n", "%check\n# Check section disabled: flaky\nexit 0\n\n");
    const result = await review(skipping, withEdits(skipping, { [ACL_SPEC]: spec }));
    expect(failures(result).map((f) => f.rule)).toEqual(["rendered-file-edited"]);
  });
});

describe("a bulk re-render: more components re-rendered with unchanged comps than a check defers (26f4ea2faa's case)", () => {
  // libfido2 moved to another upstream revision without a changelog difference (fuse3, libpng); acl only in bookkeeping
  const moved = replaceOnce(base[FIDO_SPEC] as string, "BuildRequires:  cmake\n", "BuildRequires:  cmake >= 3.20\n");
  const edits = { [FIDO_SPEC]: moved, [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "Release: 5%{?dist}", "Release: 6%{?dist}") };

  it("unexplained edits of one of its renders are not verified either way: notices, the check neutral", async () => {
    const result = await review(base, withEdits(base, edits), { config: { deferAbove: 1 } });
    expect(failures(result)).toEqual([]);
    expect(result.verdict).toBe("neutral");
    expect(result.findings.find((f) => f.path === FIDO_SPEC && f.level === "notice")?.message).toContain("re-renders 2 components with no change to their comps");
  });

  it("the same edits in a change of a few components are a hand edit", async () => {
    const result = await review(base, withEdits(base, edits));
    expect(failures(result).map((f) => [f.rule, f.path])).toEqual([["rendered-file-edited", FIDO_SPEC]]);
  });
});
