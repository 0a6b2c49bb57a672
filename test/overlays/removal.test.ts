import { describe, expect, it } from "vitest";
import { apply, failure, spec } from "./helpers.js";

const rmSection = (section: string, pkg?: string) => ({ type: "spec-remove-section", section, ...(pkg !== undefined ? { package: pkg } : {}) });
const rmSub = (pkg: string) => ({ type: "spec-remove-subpackage", package: pkg });

const main = spec(
  "Name: foo",
  "",
  "%description",
  "Main.",
  "",
  "%package devel",
  "Summary: devel",
  "",
  "%description devel",
  "Devel.",
  "",
  "%package -n python3-foo",
  "Summary: py",
  "",
  "%description -n python3-foo",
  "Py.",
  "",
  "%check",
  "make check",
  "",
  "%post devel -p /sbin/ldconfig",
  "",
  "%files",
  "/usr/bin/foo",
  "",
  "%files devel",
  "/usr/include/foo.h",
  "",
  "%files -n python3-foo",
  "/usr/lib/python3/foo",
);

describe("spec-remove-section", () => {
  it("removes an unqualified section with its body up to the next header", () => {
    expect(apply(main, rmSection("%check")).spec).not.toMatch(/%check|make check/);
  });

  it("removes a qualified section and the -n form", () => {
    const out = apply(main, [rmSection("%description", "devel"), rmSection("%files", "python3-foo")]).spec;
    expect(out).not.toContain("Devel.");
    expect(out).not.toContain("/usr/lib/python3/foo");
    expect(out).toContain("Main.");
    expect(out).toContain("Py.");
  });

  it("at EOF the preceding blank line stays", () => {
    expect(apply(main, rmSection("%files", "python3-foo")).spec.endsWith("/usr/include/foo.h\n\n")).toBe(true);
  });

  it("not found, and '' is rejected", () => {
    expect(failure(main, rmSection("%clean")).message).toBe(
      "failed to remove section from spec:\nsection `%clean` (package=``) not found:\nsection not found",
    );
    expect(failure(main, rmSection("")).message).toBe("overlay type `spec-remove-section` requires `section` field: (no description)");
  });

  it("removes every duplicate (both %description copies)", () => {
    const dup = spec("Name: a", "%if 1", "%description", "A", "%else", "%description", "B", "%endif", "%files");
    expect(failure(dup, rmSection("%description")).message).toContain("conditional block spans across section boundaries");
    const dup2 = spec("Name: a", "%description", "A", "%description", "B", "%files");
    expect(apply(dup2, rmSection("%description")).spec).toBe(spec("Name: a", "%files"));
  });

  it("fails on an unbalanced %if anywhere once a section matched", () => {
    const unbalanced = spec("Name: a", "%if 1", "BuildRequires: x", "%check", "true", "%files");
    expect(failure(unbalanced, rmSection("%check")).message).toBe(
      "failed to remove section from spec:\nfailed to scan spec for section `%check` (package=``):\nfailed to parse conditional structure:\nunmatched %if at line 2",
    );
    const stray = spec("Name: a", "%check", "true", "%files", "%endif");
    expect(failure(stray, rmSection("%check")).message).toContain("unmatched %endif at line 5");
    // but a missing section is reported as such, before conditionals are looked at
    expect(failure(unbalanced, rmSection("%build")).message).toContain("section not found");
  });
});

describe("spec-remove-subpackage", () => {
  it("removes every section of the package, scriptlets included, and its tags", () => {
    const out = apply(main, rmSub("devel")).spec;
    expect(out).not.toMatch(/devel|Devel|foo\.h|ldconfig/);
    expect(out).toContain("%files\n/usr/bin/foo\n");
    expect(out).toContain("%description\nMain.\n");
  });

  it("the -n form is its own identity; main-package sections of the same name stay", () => {
    const out = apply(main, rmSub("python3-foo")).spec;
    expect(out).not.toContain("Py.");
    expect(out).not.toContain("python3");
    expect(out).toContain("%description devel");
    expect(failure(main, rmSub("foo-devel")).message).toBe("failed to remove sub-package from spec:\nsub-package `foo-devel` not found:\nsection not found");
  });

  it("removes a final section that runs to EOF", () => {
    expect(apply(main, rmSub("python3-foo")).spec.endsWith("/usr/include/foo.h\n\n")).toBe(true);
  });

  it("an empty name is rejected", () => {
    expect(failure(main, { type: "spec-remove-subpackage", package: "" }).message).toBe(
      "overlay type `spec-remove-subpackage` requires `package` field: (no description)",
    );
    expect(failure(main, { type: "spec-remove-subpackage", package: "devel", section: "%files" }).message).toBe(
      "overlay type `spec-remove-subpackage` does not accept `section` field: (no description)",
    );
  });

  it("leaves an empty %if/%endif where the sub-package was wrapped", () => {
    const text = spec("Name: foo", "%if 0%{?with_devel}", "%package devel", "Summary: x", "%files devel", "/usr/include/*", "%endif", "", "%files", "/usr/bin/foo");
    expect(apply(text, rmSub("devel")).spec).toBe(spec("Name: foo", "%if 0%{?with_devel}", "%endif", "", "%files", "/usr/bin/foo"));
  });

  it("removes balanced inner %ifarch blocks with the section", () => {
    const text = spec("Name: a", "%files devel", "%ifarch x86_64", "/x", "%endif", "/y", "%files", "/z");
    expect(apply(text, rmSub("devel")).spec).toBe(spec("Name: a", "%files", "/z"));
  });

  it("keeps a trailing %if that opens the next section", () => {
    const text = spec("Name: a", "%files foo", "/usr/share/foo", "", "%if 0", "%files bar", "/usr/share/bar", "%endif", "", "%files", "/usr/bin/a");
    expect(apply(text, rmSub("foo")).spec).toBe(spec("Name: a", "%if 0", "%files bar", "/usr/share/bar", "%endif", "", "%files", "/usr/bin/a"));
  });

  it("trims consecutive trailing %endif lines and mixed tails", () => {
    const text = spec("Name: a", "%if 1", "%if 1", "%package devel", "Summary: d", "%endif", "%endif", "%files");
    expect(apply(text, rmSub("devel")).spec).toBe(spec("Name: a", "%if 1", "%if 1", "%endif", "%endif", "%files"));
    const mixed = spec("Name: a", "%if 1", "%package devel", "Summary: d", "%endif", "", "%if 0", "%files", "%endif");
    expect(apply(mixed, rmSub("devel")).spec).toBe(spec("Name: a", "%if 1", "%endif", "", "%if 0", "%files", "%endif"));
  });

  it("refuses content that spans into the next section", () => {
    const text = spec("Name: test", "", "%package devel", "Summary: Devel", "", "%if 1", "%if 1", "shared content", "%package tools", "Summary: Tools", "%endif", "%endif", "", "%description tools", "Tools description.");
    expect(failure(text, rmSub("devel")).message).toBe(
      "failed to remove sub-package from spec:\nfailed to scan spec for sub-package `devel`:\nsection at lines 3-8 has a conditional block that spans into the next section; " +
        "use a spec-search-replace overlay to adjust conditionals before removing:\nconditional block spans across section boundaries",
    );
  });

  it("refuses a %else inside a conditional that straddles the section", () => {
    const text = spec("Name: a", "%if 1", "%package devel", "Summary: A", "%else", "Summary: B", "%endif", "%files");
    expect(failure(text, rmSub("devel")).message).toContain("contains a %else/%elif branch directive inside a conditional block");
  });

  it("refuses real content left in the trimmed tail", () => {
    const text = spec("Name: a", "%if 1", "%package devel", "Summary: d", "%endif", "Requires: x", "%files");
    expect(failure(text, rmSub("devel")).message).toContain("conditional block spans across section boundaries");
  });
});
