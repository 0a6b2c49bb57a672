import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { baseFiles, demoHeadEdits, replaceOnce, review, rulesOf, withEdits, type Files } from "./repo-fixture.js";

const PATCH = "0001-core-set-SYSTEMD_NSS_DYNAMIC_BYPASS-1-for-generators.patch";
const SYSTEMD_SPEC = "specs/s/systemd/systemd.spec";
const ACL_SPEC = "specs/a/acl/acl.spec";
const ACL_COMP = "base/comps/acl/acl.comp.toml";

const base = baseFiles();
const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

function lineOf(text: string, needle: string): number {
  const index = text.split("\n").findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`no line with ${needle}`);
  return index + 1;
}

/** Writes files to a temp dir as a git repo and checks that `patch` applies with `git apply`. */
function gitApply(files: Files, patch: string): Files {
  const dir = mkdtempSync(join(tmpdir(), "specwarden-apply-"));
  tmp.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  writeFileSync(join(dir, "fix.patch"), patch);
  execFileSync("git", ["init", "-q"], { cwd: dir });
  execFileSync("git", ["apply", "--whitespace=nowarn", "fix.patch"], { cwd: dir });
  const out: Files = {};
  for (const path of new Set([...Object.keys(files), ...[...patch.matchAll(/^\+\+\+ b\/(.+)$/gm)].map((m) => m[1] as string)])) {
    try {
      out[path] = readFileSync(join(dir, path), "utf8");
    } catch {
      // deleted by the patch
    }
  }
  return out;
}

describe("the demo pull request: a vendored systemd patch wired by a hand-written Patch line", () => {
  const head = withEdits(base, demoHeadEdits());

  it("fails with the vendored patch and both hand edits on the right lines", async () => {
    const result = await review(base, head);
    expect(result.verdict).toBe("failure");
    expect(result.components).toEqual([expect.objectContaining({ name: "systemd", status: "drift", method: "unchanged" })]);
    const vendored = result.findings.find((f) => f.rule === "vendored-patch-in-rendered-tree");
    expect(vendored).toMatchObject({ level: "failure", path: `specs/s/systemd/${PATCH}`, component: "systemd" });
    const edits = result.findings.filter((f) => f.rule === "rendered-file-edited" && f.level === "failure");
    const headSpec = head[SYSTEMD_SPEC] as string;
    const patchLine = lineOf(headSpec, `Patch:          ${PATCH}`);
    expect(edits.map((f) => [f.line, f.endLine ?? f.line])).toEqual([
      [patchLine - 3, patchLine],
      [lineOf(headSpec, "-Dservice-watchdog=5min"), lineOf(headSpec, "-Dservice-watchdog=5min")],
    ]);
    expect(edits[0]?.message).toContain("hand-written `Patch:` line");
    expect(edits[1]?.message).toContain("-Dservice-watchdog=3min");
  });

  it("offers a verified fix that git applies: the patch under base/comps/systemd/, patch-add, a scoped search-replace, the re-rendered spec", async () => {
    const result = await review(base, head);
    expect(result.fix?.verified).toBe(true);
    const patch = result.fix?.patch as string;
    const fixed = gitApply(head, patch);
    expect(fixed[`base/comps/systemd/${PATCH}`]).toBe(head[`specs/s/systemd/${PATCH}`]);
    const comp = fixed["base/comps/systemd/systemd.comp.toml"] as string;
    expect(comp).toContain(`type = "patch-add"\nsource = "${PATCH}"`);
    expect(comp).toContain("description = \"Avoid a deadlock in early boot: generators must not wait for systemd-userdbd through nss-systemd while PID 1 is blocked on them.\"");
    expect(comp).toContain(`type = "spec-search-replace"\nsection = "%build"\nregex = '^        -Dservice-watchdog=3min$'\nreplacement = '        -Dservice-watchdog=5min'`);
    expect(comp).toMatch(/# metadata = \{ category = "…", upstream-status = "…"/);
    const spec = fixed[SYSTEMD_SPEC] as string;
    // patch-add numbers after the four bare Patch tags and appends to the main package's tags
    expect(spec).toContain(`Patch4: ${PATCH}\n%description\n`);
    expect(spec).not.toContain(`Patch:          ${PATCH}`);
    expect(spec).toContain("        -Dservice-watchdog=5min\n");
    // the fixed head is clean when checked again from scratch
    const again = await review(base, fixed);
    expect(rulesOf(again, "failure")).toEqual([]);
    expect(again.verdict).toBe("success");
    expect(again.components).toEqual([expect.objectContaining({ name: "systemd", status: "clean", method: "incremental" })]);
    // the new downstream patch still asks for its upstream status, as a warning
    expect(rulesOf(again, "warning")).toEqual(["patch-metadata-missing"]);
  });

  it("suggests, on head lines only, the deletion of the hand-written Patch line", async () => {
    const result = await review(base, head);
    const withSuggestion = result.findings.filter((f) => f.suggestion);
    expect(withSuggestion).toHaveLength(1);
    const s = withSuggestion[0]?.suggestion;
    const headLines = (head[SYSTEMD_SPEC] as string).split("\n");
    expect(s?.replacement).toEqual([]);
    expect(headLines.slice((s?.startLine ?? 0) - 1, s?.endLine)).toEqual([
      "",
      "# Avoid a deadlock in early boot: generators must not wait for systemd-userdbd",
      "# through nss-systemd while PID 1 is blocked on them.",
      `Patch:          ${PATCH}`,
    ]);
  });

  it("uses file-add with the hand-written tag when the component already wires patches that way", async () => {
    const comp = `${base["base/comps/systemd/systemd.comp.toml"]}
[[components.systemd.overlays]]
description = "Ship the Azure Linux inittab notice"
type = "file-add"
file = "azl-notice.patch"
source = "azl-notice.patch"
`;
    const b2 = withEdits(base, { "base/comps/systemd/systemd.comp.toml": comp, "base/comps/systemd/azl-notice.patch": "--- a/x\n+++ b/x\n" });
    const h2 = withEdits(b2, demoHeadEdits());
    const result = await review(b2, h2);
    const fixed = gitApply(h2, result.fix?.patch as string);
    const newComp = fixed["base/comps/systemd/systemd.comp.toml"] as string;
    expect(newComp).toContain(`type = "file-add"\nfile = "${PATCH}"`);
    expect(newComp).toContain(`type = "spec-add-tag"\ntag = "Patch"\nvalue = "${PATCH}"`);
    expect(result.fix?.verified).toBe(true);
  });
});

describe("patches copied from base/comps by an overlay", () => {
  const PATCH_SRC = `base/comps/systemd/${PATCH}`;
  const PATCH_COPY = `specs/s/systemd/${PATCH}`;
  /** the demo after its fix: the patch lives in base/comps/systemd/ and patch-add copies it */
  async function fixedDemo(): Promise<Files> {
    const head = withEdits(base, demoHeadEdits());
    const result = await review(base, head);
    return gitApply(head, result.fix?.patch as string);
  }
  const refreshed = (patch: string) => patch.replace("Tell nss-systemd to skip", "Tell nss-systemd (and nss-resolve) to skip");

  it("a hand edit of the rendered copy is moved to the source, verified without re-rendering", async () => {
    const b = await fixedDemo();
    const head = withEdits(b, { [PATCH_COPY]: refreshed(b[PATCH_COPY] as string) });
    const result = await review(b, head);
    const edited = result.findings.filter((f) => f.level === "failure");
    expect(edited).toEqual([expect.objectContaining({ rule: "rendered-file-edited", path: PATCH_COPY })]);
    expect(edited[0]?.message).toContain(`It is a copy of ${PATCH_SRC}, made by`);
    expect(result.fix?.verified).toBe(true);
    const fixed = gitApply(head, result.fix?.patch as string);
    expect(fixed[PATCH_SRC]).toBe(head[PATCH_COPY]);
    expect(fixed[PATCH_COPY]).toBe(head[PATCH_COPY]);
  });

  it("editing the source and its rendered copy together is clean; the source alone is stale", async () => {
    const b = await fixedDemo();
    const both = await review(b, withEdits(b, { [PATCH_SRC]: refreshed(b[PATCH_SRC] as string), [PATCH_COPY]: refreshed(b[PATCH_COPY] as string) }));
    expect(both.verdict).toBe("success");
    expect(both.components).toEqual([expect.objectContaining({ name: "systemd", status: "clean", method: "incremental" })]);
    const sourceOnly = await review(b, withEdits(b, { [PATCH_SRC]: refreshed(b[PATCH_SRC] as string) }));
    expect(sourceOnly.findings.filter((f) => f.level === "failure")).toEqual([expect.objectContaining({ rule: "render-stale", path: PATCH_COPY })]);
  });
});

describe("judging the change, not the repository", () => {
  it("a specs-only change of one component reviews that component only", async () => {
    const head = withEdits(base, { [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "%configure --disable-static", "%configure --disable-static --enable-nls") });
    const result = await review(base, head);
    expect(result.components.map((c) => c.name)).toEqual(["acl"]);
    expect(result.findings.filter((f) => f.level === "failure")).toEqual([
      expect.objectContaining({ rule: "rendered-file-edited", path: ACL_SPEC, line: lineOf(head[ACL_SPEC] as string, "--enable-nls") }),
    ]);
  });

  it("a comment-only edit of a comp.toml affects nothing", async () => {
    const head = withEdits(base, { [ACL_COMP]: `# acl: keep in sync with Fedora\n${base[ACL_COMP]}` });
    const result = await review(base, head);
    expect(result).toMatchObject({ verdict: "success", components: [], findings: [] });
  });

  it("bookkeeping-only differences (another rpmautospec version, release number) are notices, not failures", async () => {
    const spec = base[SYSTEMD_SPEC] as string;
    const reRendered = replaceOnce(replaceOnce(spec, "## (rpmautospec version 0.8.3)", "## (rpmautospec version 0.8.4)"), "release_number = 2;", "release_number = 3;");
    const result = await review(base, withEdits(base, { [SYSTEMD_SPEC]: reRendered }));
    expect(result.verdict).toBe("success");
    expect(result.findings).toEqual([expect.objectContaining({ rule: "rendered-file-edited", level: "notice" })]);
    expect(result.findings[0]?.message).toContain("rpmautospec block");
  });

  it("a base that already has drift does not fail a change that touches another line", async () => {
    const drifted = withEdits(base, { [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "%make_build\n", "%make_build V=1\n") });
    const head = withEdits(drifted, { [ACL_SPEC]: replaceOnce(drifted[ACL_SPEC] as string, "rm -f $RPM_BUILD_ROOT%{_libdir}/libacl.la", "rm -f %{buildroot}%{_libdir}/libacl.la") });
    const result = await review(drifted, head);
    const failures = result.findings.filter((f) => f.level === "failure");
    expect(failures).toHaveLength(1);
    expect(failures[0]?.line).toBe(lineOf(head[ACL_SPEC] as string, "rm -f %{buildroot}"));
  });

  it("a base that already has drift does not fail a correct comps change (incremental render keeps the base as it is)", async () => {
    const drifted = withEdits(base, { [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "%make_build\n", "%make_build V=1\n") });
    const comp = `${drifted[ACL_COMP]}
[[components.acl.overlays]]
description = "Build with the distro's hardening flags for the helper scripts"
type = "spec-append-lines"
section = "%build"
lines = ["chmod 0755 test/runwrapper"]
`;
    const spec = replaceOnce(drifted[ACL_SPEC] as string, "%make_build V=1\n\n%check", "%make_build V=1\n\nchmod 0755 test/runwrapper\n%check");
    const result = await review(drifted, withEdits(drifted, { [ACL_COMP]: comp, [ACL_SPEC]: spec }));
    expect(result.verdict).toBe("success");
    expect(result.components).toEqual([expect.objectContaining({ name: "acl", status: "clean", method: "incremental" })]);
  });
});

describe("comps changes", () => {
  const comp = `${base[ACL_COMP]}
[[components.acl.overlays]]
description = "Drop the gettext BuildRequires: translations are not shipped in the base image"
type = "spec-remove-tag"
tag = "BuildRequires"
value = "gettext"
`;
  const reRendered = replaceOnce(base[ACL_SPEC] as string, "BuildRequires: gettext\n", "");

  it("with a correct re-render is clean, verified incrementally without any upstream", async () => {
    const result = await review(base, withEdits(base, { [ACL_COMP]: comp, [ACL_SPEC]: reRendered }));
    expect(result.verdict).toBe("success");
    expect(result.components).toEqual([expect.objectContaining({ name: "acl", status: "clean", method: "incremental" })]);
    expect(result.findings).toEqual([]);
  });

  it("without a re-render is stale, and the fix is the re-rendered spec", async () => {
    const head = withEdits(base, { [ACL_COMP]: comp });
    const result = await review(base, head);
    expect(result.verdict).toBe("failure");
    expect(result.findings).toEqual([
      expect.objectContaining({ rule: "render-stale", level: "failure", path: ACL_SPEC, line: lineOf(base[ACL_SPEC] as string, "BuildRequires: gettext") }),
    ]);
    expect(result.fix?.verified).toBe(true);
    const fixed = gitApply(head, result.fix?.patch as string);
    expect(fixed[ACL_SPEC]).toBe(reRendered);
    expect(fixed[ACL_COMP]).toBe(comp);
  });

  it("an appended overlay that no longer applies fails at its comp.toml line", async () => {
    const broken = `${base[ACL_COMP]}
[[components.acl.overlays]]
description = "Use the distro's CFLAGS in the test helper"
type = "spec-search-replace"
section = "%build"
regex = '^%configure --enable-gettext$'
replacement = "%configure --enable-gettext=no"
`;
    const result = await review(base, withEdits(base, { [ACL_COMP]: broken }));
    expect(result.verdict).toBe("failure");
    const failed = result.findings.find((f) => f.rule === "overlay-failed");
    expect(failed).toMatchObject({ level: "failure", path: ACL_COMP, line: lineOf(broken, "Use the distro's CFLAGS") - 1, component: "acl" });
    expect(failed?.message).toMatch(/no longer applies/);
    expect(result.components).toEqual([expect.objectContaining({ name: "acl", status: "failed" })]);
  });

  it("an overlay that fails does not hide the lints of the other new overlays", async () => {
    const broken = `${base[ACL_COMP]}
[[components.acl.overlays]]
description = "Quiet the build"
type = "patch-add"
source = "acl-quiet.patch"

[[components.acl.overlays]]
description = "Use the distro's CFLAGS in the test helper"
type = "spec-search-replace"
regex = '^%configure --enable-gettext$'
replacement = '%configure --enable-gettext=$1'
`;
    const head = withEdits(base, { [ACL_COMP]: broken, "base/comps/acl/acl-quiet.patch": "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n" });
    const result = await review(base, head);
    expect(result.components).toEqual([expect.objectContaining({ name: "acl", status: "failed" })]);
    const at = (needle: string) => lineOf(broken, needle) - 1;
    expect(result.findings.map((f) => [f.rule, f.level, f.line])).toEqual(
      expect.arrayContaining([
        ["overlay-failed", "failure", at("Use the distro's CFLAGS")],
        ["patch-metadata-missing", "warning", at("Quiet the build")],
        ["overlay-lint", "warning", at("Use the distro's CFLAGS")],
      ]),
    );
  });

  it("a changed pin with the rendered files untouched is stale by evidence: no upstream needed to fail", async () => {
    const pinned = `${base["base/comps/systemd/systemd.comp.toml"]}`.replace(
      "[components.systemd]\n",
      `[components.systemd]\nspec = { type = "upstream", upstream-commit = "4c1e8f0a9b7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f" }\n`,
    );
    const result = await review(base, withEdits(base, { "base/comps/systemd/systemd.comp.toml": pinned }));
    expect(result.verdict).toBe("failure");
    expect(result.findings).toEqual([expect.objectContaining({ rule: "render-stale", level: "failure", component: "systemd", path: "base/comps/systemd/systemd.comp.toml" })]);
    expect(result.findings[0]?.message).toContain("upstream-commit (none → 4c1e8f0a9b7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f)");
    expect(result.findings[0]?.message).toContain("could not be shown: no upstream dist-git source is configured");
  });

  it("a config-only change of upstream-name fails at once with no network, naming the input and the command", async () => {
    const renamed = replaceOnce(base["base/comps/components.toml"] as string, "[components.libfido2]\n", '[components.libfido2]\nspec = { type = "upstream", upstream-name = "libfido2-compat" }\n');
    const result = await review(base, withEdits(base, { "base/comps/components.toml": renamed }));
    expect(result.verdict).toBe("failure");
    const [stale] = result.findings;
    expect(result.findings).toHaveLength(1);
    expect(stale).toMatchObject({ rule: "render-stale", level: "failure", component: "libfido2", path: "base/comps/components.toml" });
    expect(stale?.message).toContain("upstream-name (libfido2 → libfido2-compat)");
    expect(stale?.message).toContain("`azldev component render libfido2`");
  });

  it("overlay descriptions and metadata are not render inputs: changing them alone passes", async () => {
    const comp = base["base/comps/systemd/systemd.comp.toml"] as string;
    const described = comp.replace(/description = "([^"]*)"/, 'description = "$1 (see the Hyper-V notes)"');
    expect(described).not.toBe(comp);
    const result = await review(base, withEdits(base, { "base/comps/systemd/systemd.comp.toml": described }));
    expect(result.findings.filter((f) => f.level === "failure")).toEqual([]);
    expect(result.verdict).not.toBe("failure");
  });

  it("a changed pin with a re-rendered tree needs a full render: without an upstream the check is neutral and says what was not checked", async () => {
    const pinned = `${base["base/comps/systemd/systemd.comp.toml"]}`.replace(
      "[components.systemd]\n",
      `[components.systemd]\nspec = { type = "upstream", upstream-commit = "4c1e8f0a9b7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f" }\n`,
    );
    const spec = "specs/s/systemd/systemd.spec";
    const rerendered = (base[spec] as string).replace(/^Version:(\s+)(\S+)$/m, "Version:$1$2.1");
    expect(rerendered).not.toBe(base[spec]);
    const result = await review(base, withEdits(base, { "base/comps/systemd/systemd.comp.toml": pinned, [spec]: rerendered }));
    expect(result.verdict).toBe("neutral");
    expect(result.components).toEqual([expect.objectContaining({ name: "systemd", status: "unverified" })]);
    expect(result.findings).toEqual([expect.objectContaining({ rule: "upstream-unavailable", level: "notice", component: "systemd" })]);
    expect(result.findings[0]?.message).toContain("were not compared");
  });

  it("a removed component whose rendered dir stayed is unexpected, and the fix deletes the dir", async () => {
    const components = replaceOnce(base["base/comps/components.toml"] as string, "[components.libfido2]\n", "");
    const head = withEdits(base, { "base/comps/components.toml": components });
    const result = await review(base, head);
    expect(result.verdict).toBe("failure");
    expect(result.findings).toEqual([expect.objectContaining({ rule: "rendered-file-unexpected", level: "failure", path: "specs/l/libfido2" })]);
    const fixed = gitApply(head, result.fix?.patch as string);
    expect(Object.keys(fixed).filter((p) => p.startsWith("specs/l/"))).toEqual([]);
    expect(result.fix?.verified).toBe(true);
  });

  it("a new patch registered with patch-add but never applied (explicit %patch lines) fails, and the fix applies it", async () => {
    const patch = "From 1c2d3e4f Mon Sep 17 00:00:00 2001\nSubject: [PATCH] getfacl: do not crash on files without ACLs\n\n---\ndiff --git a/tools/getfacl.c b/tools/getfacl.c\n--- a/tools/getfacl.c\n+++ b/tools/getfacl.c\n@@ -1 +1 @@\n-x\n+y\n";
    const comp = `${base[ACL_COMP]}
[[components.acl.overlays]]
description = "getfacl: do not crash on files without ACLs (https://savannah.nongnu.org/bugs/?66000)"
type = "patch-add"
source = "0002-getfacl-do-not-crash-on-files-without-ACLs.patch"
`;
    const spec = replaceOnce(base[ACL_SPEC] as string, "URL: https://savannah.nongnu.org/projects/acl\n\n", "URL: https://savannah.nongnu.org/projects/acl\n\nPatch2: 0002-getfacl-do-not-crash-on-files-without-ACLs.patch\n");
    const head = withEdits(base, {
      [ACL_COMP]: comp,
      "base/comps/acl/0002-getfacl-do-not-crash-on-files-without-ACLs.patch": patch,
      [ACL_SPEC]: spec,
      "specs/a/acl/0002-getfacl-do-not-crash-on-files-without-ACLs.patch": patch,
    });
    const result = await review(base, head);
    expect(result.verdict).toBe("failure");
    expect(result.findings).toEqual([expect.objectContaining({ rule: "overlay-lint", level: "failure", path: ACL_COMP, line: lineOf(comp, "getfacl: do not crash") - 1 })]);
    expect(result.findings[0]?.message).toContain("%patch -P2 -p1");
    const fixed = gitApply(head, result.fix?.patch as string);
    expect(fixed[ACL_COMP]).toContain('type = "spec-append-lines"\nsection = "%prep"\nlines = ["%patch -P2 -p1"]');
    expect(fixed[ACL_SPEC]).toContain("%patch 1 -p1\n\n%patch -P2 -p1\n%build");
    expect(result.fix?.verified).toBe(true);
  });
});

describe("hand edits", () => {
  it("a deleted ordinary line cannot be reproduced by an overlay: said plainly", async () => {
    const head = withEdits(base, { [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "rm -f $RPM_BUILD_ROOT%{_libdir}/libacl.la\n", "") });
    const result = await review(base, head);
    expect(result.findings.filter((f) => f.level === "failure")).toEqual([expect.objectContaining({ rule: "rendered-file-edited", path: ACL_SPEC })]);
    expect(result.fix?.note).toMatch(/Not reproduced by any overlay.*deleting `rm -f \$RPM_BUILD_ROOT%\{_libdir\}\/libacl.la` from %install.*not a single ordinary line/);
    // the suggestion puts the line back after the one before it
    const install = lineOf(head[ACL_SPEC] as string, "%make_install");
    expect(result.findings[0]?.suggestion).toEqual({ startLine: install, endLine: install, replacement: ["%make_install", "rm -f $RPM_BUILD_ROOT%{_libdir}/libacl.la"] });
  });

  it("an added tag becomes spec-insert-tag or spec-add-tag in the right package", async () => {
    const head = withEdits(base, {
      [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "Summary: Dynamic library for access control list support\n", "Summary: Dynamic library for access control list support\nRequires: libattr%{?_isa}\n"),
    });
    const result = await review(base, head);
    const fixed = gitApply(head, result.fix?.patch as string);
    expect(fixed[ACL_COMP]).toMatch(/type = "spec-(add|insert)-tag"\ntag = "Requires"\nvalue = "libattr%\{\?_isa\}"\npackage = "libacl"/);
    expect(result.fix?.verified).toBe(true);
  });

  it("a component declared bare in components.toml gets its own comp.toml for its first overlay", async () => {
    const fido = "specs/l/libfido2/libfido2.spec";
    const head = withEdits(base, { [fido]: replaceOnce(base[fido] as string, "BuildRequires:  systemd-devel\n", "BuildRequires:  systemd-devel\nBuildRequires:  pcsc-lite-devel\n") });
    const result = await review(base, head);
    expect(result.fix?.verified).toBe(true);
    const fixed = gitApply(head, result.fix?.patch as string);
    expect(fixed["base/comps/components.toml"]).not.toContain("[components.libfido2]");
    expect(fixed["base/comps/libfido2/libfido2.comp.toml"]).toMatch(/^\[components\.libfido2\]\n\n\[\[components\.libfido2\.overlays\]\]\n/);
    expect(fixed["base/comps/libfido2/libfido2.comp.toml"]).toMatch(/type = "spec-(insert|add)-tag"\ntag = "BuildRequires"\nvalue = "pcsc-lite-devel"/);
    expect(result.fix?.note).toContain("moves from base/comps/components.toml to its own base/comps/libfido2/libfido2.comp.toml");
  });

  it("a removed tag becomes spec-remove-tag", async () => {
    const head = withEdits(base, { [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "BuildRequires: libtool\n", "") });
    const result = await review(base, head);
    const fixed = gitApply(head, result.fix?.patch as string);
    expect(fixed[ACL_COMP]).toContain('type = "spec-remove-tag"\ntag = "BuildRequires"\nvalue = "libtool"');
    expect(fixed[ACL_SPEC]).toBe(head[ACL_SPEC]);
  });

  it("a component that lists its overlays in an inline array gets the new overlay in that array, not a table that breaks the file", async () => {
    const inline = `[components.acl]
overlays = [
    { description = "Run the test suite against the freshly built library (upstream bug 64094)", type = "spec-append-lines", section = "%check", lines = ["LD_LIBRARY_PATH=%{buildroot}%{_libdir} %make_build check"] }
]
`;
    const b2 = withEdits(base, { [ACL_COMP]: inline });
    expect(rulesOf(await review(base, b2), "failure")).toEqual([]);
    const head = withEdits(b2, { [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "BuildRequires: libtool\n", "") });
    const result = await review(b2, head);
    expect(result.fix?.verified).toBe(true);
    const fixed = gitApply(head, result.fix?.patch as string);
    expect(fixed[ACL_COMP]).not.toContain("[[components.acl.overlays]]");
    expect(fixed[ACL_COMP]).toContain('lines = ["LD_LIBRARY_PATH=%{buildroot}%{_libdir} %make_build check"] },\n    { description = "Remove BuildRequires: libtool", type = "spec-remove-tag", tag = "BuildRequires", value = "libtool" },\n]');
    const again = await review(b2, fixed);
    expect(rulesOf(again, "failure")).toEqual([]);
    expect(again.verdict).toBe("success");
    // the component's own convention: one more inline overlay is not linted
    expect(rulesOf(again)).toEqual([]);
  });

  it("a changed tag value in an aligned tag line becomes spec-update-tag, with azldev's spacing in the re-rendered line, and no lint of its own", async () => {
    const head = withEdits(base, { [SYSTEMD_SPEC]: replaceOnce(base[SYSTEMD_SPEC] as string, "Summary:        System and Service Manager\n", "Summary:        System and Service Manager for Azure Linux\n") });
    const result = await review(base, head);
    expect(result.fix?.verified).toBe(true);
    expect(result.fix?.note).toContain("`Summary: System and Service Manager for Azure Linux`");
    const fixed = gitApply(head, result.fix?.patch as string);
    const comp = fixed["base/comps/systemd/systemd.comp.toml"] as string;
    expect(comp).toContain('type = "spec-update-tag"\ntag = "Summary"\nvalue = "System and Service Manager for Azure Linux"');
    expect(comp).not.toContain("Summary:        System");
    expect(fixed[SYSTEMD_SPEC]).toContain("\nSummary: System and Service Manager for Azure Linux\n");
    const again = await review(base, fixed);
    expect(again.findings.map((f) => `${f.rule}:${f.level}`)).toEqual([]);
  });

  it("a fix that would break the comp.toml it edits is never offered as verified", async () => {
    // an inline table cannot be extended by a [[components.acl.overlays]] table
    const inline = `[components]
acl = { overlays = [ { description = "Run the test suite against the freshly built library (upstream bug 64094)", type = "spec-append-lines", section = "%check", lines = ["LD_LIBRARY_PATH=%{buildroot}%{_libdir} %make_build check"] } ] }
`;
    const b2 = withEdits(base, { [ACL_COMP]: inline });
    expect(rulesOf(await review(base, b2), "failure")).toEqual([]);
    const head = withEdits(b2, { [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "BuildRequires: libtool\n", "") });
    const result = await review(b2, head);
    expect(result.fix).toBeUndefined();
    const edited = result.findings.find((f) => f.rule === "rendered-file-edited");
    expect(edited?.fix?.verified).toBe(false);
    expect(edited?.fix?.patch).toBeUndefined();
    expect(edited?.fix?.note).toMatch(/config-invalid at base\/comps\/acl\/acl\.comp\.toml/);
  });

  it("a numbered patch dropped by hand with its file becomes patch-remove", async () => {
    const spec = replaceOnce(base[ACL_SPEC] as string, "Patch1: 0001-acl-2.2.53-test-runwrapper.patch\n", "");
    const head = withEdits(base, { [ACL_SPEC]: spec, "specs/a/acl/0001-acl-2.2.53-test-runwrapper.patch": null });
    const result = await review(base, head);
    expect(rulesOf(result, "failure").sort()).toEqual(["rendered-file-edited", "rendered-file-missing"]);
    const fixed = gitApply(head, result.fix?.patch as string);
    expect(fixed[ACL_COMP]).toContain('type = "patch-remove"\nfile = "0001-acl-2.2.53-test-runwrapper.patch"');
    // the file stays gone: the render filter drops what no tag references any more
    expect(fixed["specs/a/acl/0001-acl-2.2.53-test-runwrapper.patch"]).toBeUndefined();
    expect(result.fix?.verified).toBe(true);
  });

  it("lines added at the end of a section become spec-append-lines with section and package", async () => {
    const head = withEdits(base, { [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "%{_libdir}/libacl.so.*\n", "%{_libdir}/libacl.so.*\n%{_libdir}/libacl.so.1.1.2302\n") });
    const result = await review(base, head);
    const fixed = gitApply(head, result.fix?.patch as string);
    expect(fixed[ACL_COMP]).toContain('type = "spec-append-lines"\nsection = "%files"\npackage = "libacl"');
    expect(result.fix?.verified).toBe(true);
  });

  it("a vendored patch in a spec that applies patches one by one keeps its number and its %patch line", async () => {
    const patch = "From 5d6e7f80 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] setfacl: restore the umask on error\n---\n";
    const spec = replaceOnce(
      replaceOnce(base[ACL_SPEC] as string, "Patch1: 0001-acl-2.2.53-test-runwrapper.patch\n", "Patch1: 0001-acl-2.2.53-test-runwrapper.patch\nPatch2: 0002-setfacl-restore-the-umask-on-error.patch\n"),
      "%patch 1 -p1\n",
      "%patch 1 -p1\n%patch 2 -p1\n",
    );
    const head = withEdits(base, { [ACL_SPEC]: spec, "specs/a/acl/0002-setfacl-restore-the-umask-on-error.patch": patch });
    const result = await review(base, head);
    expect(rulesOf(result, "failure").sort()).toEqual(["rendered-file-edited", "rendered-file-edited", "vendored-patch-in-rendered-tree"]);
    expect(result.fix?.verified).toBe(true);
    const fixed = gitApply(head, result.fix?.patch as string);
    const comp = fixed[ACL_COMP] as string;
    expect(comp).toContain('type = "file-add"\nfile = "0002-setfacl-restore-the-umask-on-error.patch"\nsource = "0002-setfacl-restore-the-umask-on-error.patch"');
    expect(comp).toMatch(/type = "spec-(add|insert)-tag"\ntag = "Patch2"\nvalue = "0002-setfacl-restore-the-umask-on-error.patch"/);
    expect(fixed["base/comps/acl/0002-setfacl-restore-the-umask-on-error.patch"]).toBe(patch);
    // applied exactly once: the hand-written %patch line is reproduced, none is added
    expect((fixed[ACL_SPEC] as string).match(/^%patch 2 -p1$/gm)).toHaveLength(1);
    expect(fixed[ACL_SPEC]).not.toContain("%patch -P2");
  });

  it("a hand edit of a line an existing overlay writes points at that overlay", async () => {
    const head = withEdits(base, { [SYSTEMD_SPEC]: replaceOnce(base[SYSTEMD_SPEC] as string, "Conflicts:      setup < 2.15.0-1\n", "Conflicts:      setup < 2.14.0-1\n") });
    const result = await review(base, head);
    const edited = result.findings.find((f) => f.rule === "rendered-file-edited" && f.level === "failure");
    const comp = base["base/comps/systemd/systemd.comp.toml"] as string;
    expect(edited?.message).toContain(`"Lower Conflicts on setup from 2.15.0-3 to 2.15.0-1 to match the setup Azure Linux ships" (base/comps/systemd/systemd.comp.toml:${lineOf(comp, "Lower Conflicts") - 1}): changing that overlay is cleaner`);
    // the message and the fix agree: the fix adds an overlay after the existing one, never edits it
    const fixed = gitApply(head, result.fix?.patch as string);
    expect(fixed["base/comps/systemd/systemd.comp.toml"]?.startsWith(comp.trimEnd())).toBe(true);
  });

  it("with a component no fix can clear, no combined fix is offered, but the fixable component gets its part", async () => {
    const broken = `${base["base/comps/systemd/systemd.comp.toml"]}
[[components.systemd.overlays]]
description = "Enable the Xen control library"
type = "spec-search-replace"
section = "%build"
regex = '^        -Dxenctrl=enabled$'
replacement = "        -Dxenctrl=disabled"
`;
    const head = withEdits(base, {
      "base/comps/systemd/systemd.comp.toml": broken,
      [ACL_SPEC]: replaceOnce(base[ACL_SPEC] as string, "%configure --disable-static", "%configure --disable-static --enable-nls"),
    });
    const result = await review(base, head);
    expect(result.fix).toBeUndefined();
    const acl = result.findings.find((f) => f.component === "acl" && f.level === "failure");
    expect(acl?.fix).toMatchObject({ verified: true, patch: expect.stringContaining("+replacement = '%configure --disable-static --enable-nls'") });
    const systemd = result.findings.find((f) => f.rule === "overlay-failed");
    expect(systemd?.fix).toBeUndefined();
  });

  it("a deleted rendered file is missing; the fix restores it", async () => {
    const head = withEdits(base, { "specs/s/systemd/inittab": null });
    const result = await review(base, head);
    expect(result.findings).toEqual([expect.objectContaining({ rule: "rendered-file-missing", level: "failure", path: "specs/s/systemd/inittab" })]);
    const fixed = gitApply(head, result.fix?.patch as string);
    expect(fixed["specs/s/systemd/inittab"]).toBe(base["specs/s/systemd/inittab"]);
  });

  it("refuses a symlink in a rendered dir and does not follow it; a binary file replaced by hand cannot be synthesised", async () => {
    const { memoryRepo } = await import("../../src/repo/index.js");
    const { reviewChange } = await import("../../src/review/index.js");
    const withBinary = withEdits(base, {});
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]);
    const baseRepo = memoryRepo({ ...withBinary, "specs/l/libfido2/logo.png": png });
    const headRepo = memoryRepo(
      { ...withBinary, "specs/l/libfido2/logo.png": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 2]) },
      { symlinks: { "specs/l/libfido2/passwd": "/etc/passwd" } },
    );
    const result = await reviewChange({ base: baseRepo, head: headRepo, changedPaths: ["specs/l/libfido2/logo.png", "specs/l/libfido2/passwd"] });
    expect(result.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: "rendered-file-unexpected", level: "failure", path: "specs/l/libfido2/passwd", message: expect.stringContaining("symbolic link") }),
        expect.objectContaining({ rule: "rendered-file-edited", level: "failure", path: "specs/l/libfido2/logo.png", message: expect.stringContaining("binary") }),
      ]),
    );
    expect(result.fix).toBeUndefined();
    expect(result.findings.find((f) => f.path.endsWith("logo.png"))?.fix?.note).toMatch(/not a text file|binary/);
  });

  it("a file added to a rendered dir that no spec line names is the upstream's at most: a notice, and the check is not verified", async () => {
    // Nothing wires it in, so no hand vendored it: a newer azldev keeps dist-git files (.gitignore,
    // README.md, test plans) an older one dropped. Offline only a full render could tell.
    const result = await review(base, withEdits(base, { "specs/l/libfido2/NOTES.txt": "remember to bump\n" }));
    expect(result.findings).toEqual([expect.objectContaining({ rule: "rendered-file-unexpected", level: "notice", path: "specs/l/libfido2/NOTES.txt" })]);
    expect(result.verdict).toBe("neutral");
  });
});

describe("configuration and lints", () => {
  it("invalid config introduced by the change fails at file:line; the same error already on the base is not blamed", async () => {
    const bad = `${base[ACL_COMP]}\n[[components.acl.overlays]]\ndescription = "x"\ntype = "spec-frobnicate"\n`;
    const result = await review(base, withEdits(base, { [ACL_COMP]: bad }));
    const invalid = result.findings.filter((f) => f.rule === "config-invalid");
    expect(invalid.length).toBeGreaterThan(0);
    expect(invalid[0]).toMatchObject({ level: "failure", path: ACL_COMP });
    expect(invalid[0]?.line).toBeGreaterThan(7);
    const broken = withEdits(base, { [ACL_COMP]: bad });
    const later = await review(broken, withEdits(broken, { [ACL_SPEC]: base[ACL_SPEC] as string, "specs/l/libfido2/libfido2.spec": `${base["specs/l/libfido2/libfido2.spec"]}` }));
    expect(later.findings.filter((f) => f.rule === "config-invalid")).toEqual([]);
  });

  it("a comp.toml that no longer parses fails at its line, without calling the component removed", async () => {
    const broken = `${base[ACL_COMP]}\n[[components.acl.overlays]\ntype = "spec-add-tag"\n`;
    const result = await review(base, withEdits(base, { [ACL_COMP]: broken }));
    expect(result.findings).toEqual([expect.objectContaining({ rule: "config-invalid", level: "failure", path: ACL_COMP, line: broken.split("\n").indexOf("[[components.acl.overlays]") + 1 })]);
    expect(result.findings[0]?.message).toMatch(/invalid TOML/);
    expect(result.components).toEqual([expect.objectContaining({ name: "acl", status: "failed" })]);
  });

  it("lints new overlays: no description, unscoped search-replace, $1, inline arrays, a targeted type would do", async () => {
    const comp = `[components.acl]
overlays = [
  { description = "Run the test suite against the freshly built library (upstream bug 64094)", type = "spec-append-lines", section = "%check", lines = ["LD_LIBRARY_PATH=%{buildroot}%{_libdir} %make_build check"] },
  { type = "spec-search-replace", regex = 'make_build check', replacement = "make_build check || :" },
  { description = "Name the tools", type = "spec-search-replace", section = "%description", regex = '(acl) (utilities)', replacement = "$2 $1" },
  { description = "Bump the release", type = "spec-search-replace", regex = '^Release: 5%\\{\\?dist\\}$', replacement = "Release: 6%{?dist}" },
]
`;
    const result = await review(base, withEdits(base, { [ACL_COMP]: comp }));
    expect(rulesOf(result)).not.toContain("config-invalid");
    const lint = result.findings.filter((f) => f.rule === "overlay-lint").map((f) => [f.level, f.line, f.message.split(/[;:,]/)[0]]);
    // the existing overlay moved into the array unchanged: it is not new, so it is not linted
    expect(lint.filter((l) => l[1] === 3)).toEqual([]);
    expect(lint).toEqual(
      expect.arrayContaining([
        ["warning", 4, "this spec-search-replace overlay has no description"],
        ["warning", 4, "spec-search-replace overlay searches the whole spec (no `section`) with a pattern that is not anchored to a whole line"],
        ["notice", 4, "spec-search-replace overlay is part of an inline `overlays = [...]` array"],
        ["notice", 5, "\"Name the tools\" is part of an inline `overlays = [...]` array"],
        ["warning", 5, "\"Name the tools\" uses `$2` in its replacement"],
        ["notice", 6, "\"Bump the release\" rewrites the `Release"],
      ]),
    );
  });

  it("a new downstream patch without upstream status or link is a warning; with metadata it is fine", async () => {
    const patch = "Subject: [PATCH] fix\n---\n";
    const add = (extra: string) => `${base[ACL_COMP]}
[[components.acl.overlays]]
description = "Fix the test wrapper"
type = "patch-add"
source = "0003-fix.patch"
${extra}`;
    const spec = replaceOnce(base[ACL_SPEC] as string, "URL: https://savannah.nongnu.org/projects/acl\n\n", "URL: https://savannah.nongnu.org/projects/acl\n\nPatch2: 0003-fix.patch\n");
    const prep = replaceOnce(spec, "%patch 1 -p1\n", "%patch 1 -p1\n%patch 2 -p1\n");
    const files = (extra: string) => ({ [ACL_COMP]: add(extra), "base/comps/acl/0003-fix.patch": patch, "specs/a/acl/0003-fix.patch": patch });
    const missing = await review(base, withEdits(base, { ...files(""), [ACL_SPEC]: prep }));
    expect(rulesOf(missing)).toContain("patch-metadata-missing");
    expect(missing.findings.find((f) => f.rule === "patch-metadata-missing")?.level).toBe("warning");
    const documented = await review(
      base,
      withEdits(base, { ...files('metadata = { category = "azl-temp-workaround", upstream-status = "upstreamable", bugs = ["https://savannah.nongnu.org/bugs/?66001"] }\n'), [ACL_SPEC]: prep }),
    );
    expect(rulesOf(documented)).not.toContain("patch-metadata-missing");
  });
});

describe("scale", () => {
  function bulkRepo(count: number): Files {
    const files = { ...base };
    let components = base["base/comps/components.toml"] as string;
    for (let i = 0; i < count; i++) {
      const name = `perl-Module-${String(i).padStart(4, "0")}`;
      components += `[components.${name}]\n`;
      files[`specs/p/${name}/${name}.spec`] = `## START: Set by rpmautospec\n## (rpmautospec version 0.8.3)\n## RPMAUTOSPEC: autorelease\n## END: Set by rpmautospec\n\n# This spec file has been modified by azldev to include build configuration overlays.\n# Do not edit manually; changes may be overwritten.\n\nName: ${name}\nVersion: 1.${i}\nRelease: %autorelease\nSummary: Perl module ${i}\nLicense: GPL-1.0-or-later OR Artistic-1.0-Perl\nBuildArch: noarch\n\n%description\nModule ${i}.\n\n%files\n%{perl_vendorlib}/*\n\n%changelog\n%autochangelog\n`;
      files[`specs/p/${name}/sources`] = `SHA512 (${name}-1.${i}.tar.gz) = ${"ab".repeat(64)}\n`;
    }
    files["base/comps/components.toml"] = components;
    return files;
  }

  it("a bulk re-render touching hundreds of components with only tool bookkeeping is not a failure", async () => {
    const b = bulkRepo(300);
    const edits: Record<string, string> = {};
    for (const [path, content] of Object.entries(b)) if (path.startsWith("specs/p/") && path.endsWith(".spec")) edits[path] = content.replace("0.8.3", "0.8.4");
    const result = await review(b, withEdits(b, edits));
    expect(result.verdict).toBe("success");
    expect(result.components).toHaveLength(300);
    expect(result.components.every((c) => c.status === "clean" && c.method === "unchanged")).toBe(true);
    expect(result.findings.every((f) => f.level === "notice" && f.rule === "rendered-file-edited")).toBe(true);
  });

  it("a distro default change affects every component, each verified incrementally", async () => {
    const b = bulkRepo(120);
    const project = `${b["base/project.toml"]}
[[default-component-config.overlays]]
description = "Mark every package as built for Azure Linux"
type = "spec-add-tag"
tag = "Vendor"
value = "Microsoft Corporation"
`;
    const edits: Record<string, string> = { "base/project.toml": project };
    for (const [path, content] of Object.entries(b)) {
      if (!path.startsWith("specs/") || !path.endsWith(".spec")) continue;
      if (path.startsWith("specs/p/")) edits[path] = content.replace("BuildArch: noarch\n\n", "BuildArch: noarch\n\nVendor: Microsoft Corporation\n");
    }
    edits["specs/l/libfido2/libfido2.spec"] = replaceOnce(b["specs/l/libfido2/libfido2.spec"] as string, "systemd-devel\n\n", "systemd-devel\n\nVendor: Microsoft Corporation\n");
    const result = await review(b, withEdits(b, edits));
    // systemd and acl have overlays of their own after the default (not an append): they need a full
    // render, which needs the upstream — but their rendered specs were left as they were, which
    // already shows they were not re-rendered; the other 121 are checked incrementally
    const byMethod = new Map<string, number>();
    for (const c of result.components) byMethod.set(`${c.method}:${c.status}`, (byMethod.get(`${c.method}:${c.status}`) ?? 0) + 1);
    expect(Object.fromEntries(byMethod)).toEqual({ "incremental:clean": 121, "none:drift": 2 });
    expect(result.verdict).toBe("failure");
    expect(result.findings.filter((f) => f.level === "failure").map((f) => [f.rule, f.component])).toEqual([
      ["render-stale", "acl"],
      ["render-stale", "systemd"],
    ]);
  });

  // a distro snapshot or project default that reaches many components
  it("are deferred as one finding at the changed line; components the change re-rendered are still checked", async () => {
    const b = bulkRepo(120);
    const project = `${b["base/project.toml"]}
[[default-component-config.overlays]]
type = "spec-add-tag"
tag = "Vendor"
value = "Microsoft Corporation"
`;
    const edits: Record<string, string> = { "base/project.toml": project };
    // the change re-rendered one member, and did it by hand wrong
    const fido = "specs/l/libfido2/libfido2.spec";
    edits[fido] = replaceOnce(b[fido] as string, "systemd-devel\n\n", "systemd-devel\n\nVendor: Someone Else\n");
    const result = await review(b, withEdits(b, edits), { config: { deferAbove: 50 } });
    const deferred = result.findings.filter((f) => f.rule === "render-deferred");
    expect(deferred).toHaveLength(1);
    expect(deferred[0]).toMatchObject({ level: "notice", path: "base/project.toml", line: project.split("\n").indexOf("[[default-component-config.overlays]]") + 1 });
    expect(deferred[0]?.message).toContain("changes the effective configuration of 123 component(s)");
    expect(deferred[0]?.message).toContain("re-rendered 1 of them (libfido2)");
    expect(result.deferred).toHaveLength(122);
    expect(result.deferred).not.toContain("libfido2");
    // the one the change re-rendered is verified, and its hand edit caught
    expect(result.components.map((c) => c.name)).toEqual(["libfido2"]);
    expect(result.verdict).toBe("failure");
    // under the threshold every member is verified as before
    const inline = await review(b, withEdits(b, { "base/project.toml": project }));
    expect(inline.deferred).toBeUndefined();
    expect(inline.components).toHaveLength(123);
  });

});

describe("fix notes per component", () => {
  it("each component's proposal carries only its own notes; the combined fix keeps all of them", async () => {
    const fido = "specs/l/libfido2/libfido2.spec";
    const head = withEdits(base, {
      ...demoHeadEdits(),
      [fido]: replaceOnce(base[fido] as string, "BuildRequires:  systemd-devel\n", "BuildRequires:  systemd-devel\nBuildRequires:  pcsc-lite-devel\n"),
    });
    const result = await review(base, head);
    expect(result.fix?.verified).toBe(true);
    const noteOf = (component: string) => {
      const notes = new Set(result.findings.filter((f) => f.component === component && f.fix).map((f) => f.fix?.note));
      expect(notes.size).toBe(1);
      return [...notes][0] ?? "";
    };
    const systemd = noteOf("systemd");
    const libfido2 = noteOf("libfido2");
    expect(systemd).toContain(`Fill in where ${PATCH} stands upstream`);
    expect(systemd).not.toContain("libfido2");
    expect(libfido2).toContain("moves from base/comps/components.toml to its own base/comps/libfido2/libfido2.comp.toml");
    expect(libfido2).not.toMatch(/systemd\.comp\.toml|Fill in/);
    expect(result.fix?.note).toContain(systemd);
    expect(result.fix?.note).toContain(libfido2);
  });
});

describe("fix notes", () => {
  it("joins notes as sentences, each ending in punctuation", async () => {
    const { sentences } = await import("../../src/review/index.js");
    expect(sentences(["`BuildRequires: x` is added at the end of the preamble", " curl moves to its own comp.toml.", "", "Fill in: category"])).toBe(
      "`BuildRequires: x` is added at the end of the preamble. curl moves to its own comp.toml. Fill in: category.",
    );
  });
});

describe("the rendered tree holds component dirs only", () => {
  it("a stray file, a dir under the wrong letter and an interrupted render's leftovers fail; removing a stray passes", async () => {
    const base = baseFiles();
    const head = withEdits(base, {
      "specs/NOTES.md": "notes\n",
      "specs/x/acl/acl.spec": "Name: acl\n",
      "specs/a/.acl.specwarden-new-0123456789ab/acl.spec": "half\n",
    });
    const result = await review(base, head);
    const stray = result.findings.filter((f) => f.rule === "rendered-file-unexpected");
    expect(stray.map((f) => [f.path, f.level])).toEqual([
      ["specs/NOTES.md", "failure"],
      ["specs/a/.acl.specwarden-new-0123456789ab/acl.spec", "failure"],
      ["specs/x/acl/acl.spec", "failure"],
    ]);
    expect(stray.find((f) => f.path.includes("specwarden-new"))?.message).toContain("left over from an interrupted render");
    expect(result.verdict).toBe("failure");
    const cleanup = await review(head, base);
    expect(cleanup.findings.filter((f) => f.rule === "rendered-file-unexpected")).toEqual([]);
  });
});

describe("submodules under the rendered tree", () => {
  it("a submodule added in a component dir or at the top of the rendered tree fails at its path and is never followed", async () => {
    const { memoryRepo } = await import("../../src/repo/index.js");
    const { reviewChange } = await import("../../src/review/index.js");
    const files = baseFiles();
    const head = memoryRepo(files, { submodules: { "specs/s/systemd/vendor-units": "a".repeat(40), "specs/vendored": "b".repeat(40) } });
    const result = await reviewChange({ base: memoryRepo(files), head, changedPaths: ["specs/s/systemd/vendor-units", "specs/vendored"] });
    const unexpected = result.findings.filter((f) => f.rule === "rendered-file-unexpected");
    expect(unexpected.map((f) => [f.path, f.level]).sort()).toEqual([
      ["specs/s/systemd/vendor-units", "failure"],
      ["specs/vendored", "failure"],
    ]);
    expect(result.verdict).toBe("failure");
  });
});

describe("real file names in rendered trees", () => {
  it("a systemd-escaped unit name (run-vmblock\\x2dfuse.mount) is an ordinary file: a finding on that path, never an aborted check", async () => {
    const base = baseFiles();
    const unit = "specs/s/systemd/run-vmblock\\x2dfuse.mount";
    const result = await review(base, withEdits(base, { [unit]: "[Mount]\nWhat=vmhgfs-fuse\n" }));
    expect(result.findings.map((f) => [f.rule, f.path])).toContainEqual(["rendered-file-unexpected", unit]);
    // and one whose base already has it passes untouched
    const withUnit = withEdits(base, { [unit]: "[Mount]\n" });
    expect((await review(withUnit, withUnit)).verdict).toBe("success");
  });
});

describe("TOML outside the include graph", () => {
  it("a broken TOML file no include reads yet is a warning at its line, not a failure", async () => {
    const base = baseFiles();
    const broken = '[components.newpkg]\nspec = { type = "upstream"\n';
    const draft = await review(base, withEdits(base, { "base/comps/newpkg/newpkg.comp.toml.draft.toml": broken }));
    const warning = draft.findings.find((f) => f.rule === "config-invalid");
    // the parser stops at the end of the unclosed inline table
    expect(warning).toMatchObject({ level: "warning", path: "base/comps/newpkg/newpkg.comp.toml.draft.toml", line: 3 });
    expect(warning?.message).toContain("no include reads this file yet");
    expect(draft.verdict).not.toBe("failure");
    // a valid unincluded file says nothing
    const fine = await review(base, withEdits(base, { "distro/notes.toml": 'title = "x"\n' }));
    expect(fine.findings.filter((f) => f.rule === "config-invalid")).toEqual([]);
  });
});

describe("first renders", () => {
  it("a component declared earlier and rendered in this change is never compared with an empty render", async () => {
    const base = baseFiles();
    // the base declares libfido2 but has not rendered it yet
    const unrendered = Object.fromEntries(Object.entries(base).filter(([p]) => !p.startsWith("specs/l/libfido2/")));
    const result = await review(unrendered, base);
    expect(result.findings.filter((f) => f.level === "failure")).toEqual([]);
    expect(result.components).toEqual([expect.objectContaining({ name: "libfido2", status: "unverified" })]);
    // a base dir that holds only azldev's failure marker is no render either
    const failed = { ...unrendered, "specs/l/libfido2/RENDER_FAILED": "render failed\n" };
    const again = await review(failed, base);
    expect(again.findings.filter((f) => f.level === "failure")).toEqual([]);
  });
});

describe("Release written by an overlay", () => {
  it("is content: a rendered spec that does not carry the overlay's Release is stale, not tool skew", async () => {
    const base = baseFiles();
    const comp = "base/comps/acl/acl.comp.toml";
    const bumped = `${base[comp]}\n[[components.acl.overlays]]\ndescription = "Rebuild for the new toolchain"\ntype = "spec-update-tag"\ntag = "Release"\nvalue = "6%{?dist}"\n`;
    const stale = await review(base, withEdits(base, { [comp]: bumped }));
    expect(stale.verdict).toBe("failure");
    expect(stale.findings.filter((f) => f.level === "failure").map((f) => [f.rule, f.path])).toEqual([["render-stale", "specs/a/acl/acl.spec"]]);
    // re-rendered with the overlay's value: clean
    const spec = "specs/a/acl/acl.spec";
    const rendered = await review(base, withEdits(base, { [comp]: bumped, [spec]: replaceOnce(base[spec] as string, "Release: 5%{?dist}", "Release: 6%{?dist}") }));
    expect(rendered.findings.filter((f) => f.level === "failure")).toEqual([]);
  });

  it("azldev's release bump on top of the overlay's value carries it: bookkeeping, not stale (unicode-ucd's case)", async () => {
    const base = baseFiles();
    const comp = "base/comps/acl/acl.comp.toml";
    const spec = "specs/a/acl/acl.spec";
    const bumped = `${base[comp]}\n[[components.acl.overlays]]\ndescription = "Manually bump release"\ntype = "spec-update-tag"\ntag = "Release"\nvalue = "6%{?dist}"\n`;
    // the overlay writes 6; the render's release bump (one synthetic commit) writes 7
    const result = await review(base, withEdits(base, { [comp]: bumped, [spec]: replaceOnce(base[spec] as string, "Release: 5%{?dist}", "Release: 7%{?dist}") }));
    expect(result.findings.filter((f) => f.level === "failure")).toEqual([]);
    expect(result.findings.find((f) => f.path === spec)?.message).toContain("release number");
  });

  it("a Release number the tool bumps (no overlay writes it) stays a bookkeeping notice", async () => {
    const base = baseFiles();
    const spec = "specs/a/acl/acl.spec";
    const result = await review(base, withEdits(base, { [spec]: replaceOnce(base[spec] as string, "Release: 5%{?dist}", "Release: 7%{?dist}") }));
    expect(result.findings.filter((f) => f.level === "failure")).toEqual([]);
    expect(result.findings.map((f) => f.level)).toContain("notice");
  });
});

describe("Release bumped by the tool next to an overlay that deletes text", () => {
  it("an empty search-replace replacement writes no Release value: the bump stays bookkeeping (apache-sshd's case)", async () => {
    const files = baseFiles();
    const comp = "base/comps/acl/acl.comp.toml";
    const spec = "specs/a/acl/acl.spec";
    const base = withEdits(files, {
      [comp]: `${files[comp]}\n[[components.acl.overlays]]\ndescription = "gawk is not needed"\ntype = "spec-search-replace"\nregex = '^BuildRequires: gawk$'\nreplacement = ''\n`,
      [spec]: replaceOnce(files[spec] as string, "BuildRequires: gawk\n", "\n"),
    });
    const result = await review(base, withEdits(base, { [spec]: replaceOnce(base[spec] as string, "Release: 5%{?dist}", "Release: 6%{?dist}") }));
    expect(result.findings.filter((f) => f.level === "failure")).toEqual([]);
    expect(result.findings).toEqual([expect.objectContaining({ rule: "rendered-file-edited", level: "notice", message: expect.stringContaining("release number") })]);
  });
});

describe("re-render by a newer azldev", () => {
  it("a file the base spec already referenced, arriving in a bulk re-render, is an upstream file: a notice, never a vendored patch", async () => {
    const full = baseFiles();
    const patch = "specs/a/acl/0001-acl-2.2.53-test-runwrapper.patch";
    expect(full[patch]).toBeDefined();
    // the older tool's render left the referenced patch out
    const older = Object.fromEntries(Object.entries(full).filter(([p]) => p !== patch));
    const result = await review(older, full);
    expect(result.findings.filter((f) => f.rule === "vendored-patch-in-rendered-tree")).toEqual([]);
    expect(result.findings.filter((f) => f.level === "failure")).toEqual([]);
    expect(result.findings.find((f) => f.path === patch)).toMatchObject({ rule: "rendered-file-unexpected", level: "notice" });
    expect(result.verdict).toBe("neutral");
  });
});

describe("line endings", () => {
  it("a rendered spec converted to CRLF fails as render --check calls it drift", async () => {
    const base = baseFiles();
    const spec = "specs/a/acl/acl.spec";
    const result = await review(base, withEdits(base, { [spec]: (base[spec] as string).replace(/\n/g, "\r\n") }));
    expect(result.verdict).toBe("failure");
    expect(result.findings.filter((f) => f.level === "failure")).toEqual([expect.objectContaining({ rule: "rendered-file-edited", path: spec })]);
    expect(result.findings[0]?.message).toContain("CRLF line endings");
  });
});
