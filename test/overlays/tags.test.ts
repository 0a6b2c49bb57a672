import { describe, expect, it } from "vitest";
import { apply, failure, spec } from "./helpers.js";

const base = spec(
  "Name:           foo",
  "Version:        1.0",
  "Release:        1%{?dist}",
  "# Release: not a tag",
  "Source0:        foo.tar.gz",
  "",
  "%description",
  "Foo.",
  "",
  "%package -n pkg",
  "Summary:        Sub",
  "",
  "%description -n pkg",
  "Sub.",
);

describe("spec-set-tag", () => {
  it("adds to an empty spec", () => {
    expect(apply("", { type: "spec-set-tag", tag: "Name", value: "x" }).spec).toBe("Name: x\n");
  });

  it("replaces an existing tag case-insensitively, with the overlay's spelling and one space", () => {
    const out = apply(base, { type: "spec-set-tag", tag: "release", value: "2%{?dist}" }).spec;
    expect(out).toContain("\nrelease: 2%{?dist}\n");
    expect(out).not.toContain("Release:        1");
    expect(out).toContain("# Release: not a tag");
  });

  it("appends to the end of the preamble (after its trailing blank line) when missing", () => {
    const out = apply(base, { type: "spec-set-tag", tag: "License", value: "MIT" }).spec;
    expect(out).toContain("Source0:        foo.tar.gz\n\nLicense: MIT\n%description\n");
  });

  it("adds to and replaces in a -n sub-package; unknown sub-package is a section-not-found error", () => {
    expect(apply(base, { type: "spec-set-tag", package: "pkg", tag: "Summary", value: "New" }).spec).toContain("%package -n pkg\nSummary: New\n");
    expect(apply(base, { type: "spec-set-tag", package: "pkg", tag: "License", value: "MIT" }).spec).toContain(
      "Summary:        Sub\n\nLicense: MIT\n%description -n pkg",
    );
    expect(failure(base, { type: "spec-set-tag", package: "nope", tag: "X", value: "y" }).message).toBe(
      "failed to set tag `X` in spec:\nsection `%package` (package=`nope`) not found:\nsection not found",
    );
  });

  it("rewrites the tag in both branches of an %if/%else", () => {
    const text = spec("Name: a", "%if 0%{?rhel}", "Release: 1", "%else", "Release: 2", "%endif");
    expect(apply(text, { type: "spec-set-tag", tag: "Release", value: "9" }).spec).toBe(
      spec("Name: a", "%if 0%{?rhel}", "Release: 9", "%else", "Release: 9", "%endif"),
    );
  });
});

describe("spec-update-tag", () => {
  it("errors on an empty spec, a missing tag, a tag only in another package, an unknown package", () => {
    const msg = "failed to update tag `Summary` in spec:\ntag `Summary` not found in spec:\nno such tag";
    expect(failure("", { type: "spec-update-tag", tag: "Summary", value: "x" }).message).toBe(msg);
    expect(failure(base, { type: "spec-update-tag", tag: "Summary", value: "x" }).message).toBe(msg);
    expect(failure(base, { type: "spec-update-tag", package: "nope", tag: "Summary", value: "x" }).message).toBe(msg);
  });

  it("replaces inside a sub-package only", () => {
    const out = apply(base, { type: "spec-update-tag", package: "pkg", tag: "SUMMARY", value: "Better" }).spec;
    expect(out).toContain("%package -n pkg\nSUMMARY: Better\n");
  });
});

describe("spec-remove-tag", () => {
  const deps = spec("Name: a", "Requires: foo", "Requires(post): systemd", "requires: FOO", "# Requires: foo", "Requires: bar");

  it("removes every matching tag with a case-insensitive value; leaves Requires(post) and comments", () => {
    expect(apply(deps, { type: "spec-remove-tag", tag: "Requires", value: "foo" }).spec).toBe(
      spec("Name: a", "Requires(post): systemd", "# Requires: foo", "Requires: bar"),
    );
  });

  it("removes all values when no value is given", () => {
    expect(apply(deps, { type: "spec-remove-tag", tag: "requires" }).spec).toBe(spec("Name: a", "Requires(post): systemd", "# Requires: foo"));
  });

  it("errors on a missing tag, a value mismatch, an empty spec, an unknown package", () => {
    expect(failure(deps, { type: "spec-remove-tag", tag: "Requires", value: "baz" }).message).toBe(
      "failed to remove tag `Requires` from spec:\ntag `Requires` with value `baz` not found in spec:\nno such tag",
    );
    expect(failure("", { type: "spec-remove-tag", tag: "X" }).message).toContain("no such tag");
    expect(failure(deps, { type: "spec-remove-tag", package: "x", tag: "Requires" }).message).toContain("no such tag");
  });

  it("removes inside a sub-package", () => {
    expect(apply(base, { type: "spec-remove-tag", package: "pkg", tag: "Summary" }).spec).not.toContain("Summary:        Sub");
  });
});

describe("spec-add-tag", () => {
  it("never checks for duplicates", () => {
    const out = apply(base, { type: "spec-add-tag", tag: "Version", value: "2.0" }).spec;
    expect(out).toContain("Version:        1.0");
    expect(out).toContain("\nVersion: 2.0\n%description\n");
  });

  it("appends to the end of a %package that comes after %description", () => {
    const out = apply(base, { type: "spec-add-tag", package: "pkg", tag: "Requires", value: "foo" }).spec;
    expect(out).toContain("Summary:        Sub\n\nRequires: foo\n%description -n pkg\n");
  });

  it("lands inside an %if that is still open at the next header (reproduced, not fixed)", () => {
    const text = spec("Name: a", "%if %{with x}", "%package x", "Summary: X", "%endif", "%description", "d");
    expect(apply(text, { type: "spec-add-tag", tag: "BuildRequires", value: "gcc" }).spec).toBe(
      spec("Name: a", "%if %{with x}", "BuildRequires: gcc", "%package x", "Summary: X", "%endif", "%description", "d"),
    );
  });

  it("appends to both copies of a duplicated %package header", () => {
    const text = spec("Name: a", "%if 1", "%package devel", "Summary: A", "%else", "%package devel", "Summary: B", "%endif", "%files devel");
    const out = apply(text, { type: "spec-add-tag", package: "devel", tag: "Requires", value: "r" }).spec;
    expect(out.match(/Requires: r/g)).toHaveLength(2);
    expect(out).toBe(spec("Name: a", "%if 1", "%package devel", "Summary: A", "%else", "Requires: r", "%package devel", "Summary: B", "%endif", "Requires: r", "%files devel"));
  });

  it("unknown package → error", () => {
    expect(failure(base, { type: "spec-add-tag", package: "zz", tag: "A", value: "b" }).message).toBe(
      "failed to add tag `A` to spec:\nsection `%package` (package=`zz`) not found:\nsection not found",
    );
  });
});

describe("spec-insert-tag placements", () => {
  const insert = (text: string, tag: string, value = "v", pkg?: string) =>
    apply(text, { type: "spec-insert-tag", tag, value, ...(pkg ? { package: pkg } : {}) }).spec;

  it("after the last tag of the same family", () => {
    expect(insert(spec("Name: a", "Source0: a", "Source1: b", "BuildRequires: gcc"), "Source9999")).toBe(
      spec("Name: a", "Source0: a", "Source1: b", "Source9999: v", "BuildRequires: gcc"),
    );
  });

  it("an unnumbered Source: is of the family", () => {
    expect(insert(spec("Name: a", "Source: a", "BuildRequires: gcc"), "Source1")).toBe(spec("Name: a", "Source: a", "Source1: v", "BuildRequires: gcc"));
  });

  it("before trailing macros and the blank line before %description", () => {
    expect(insert(spec("Name: a", "Source0: a", "%global x 1", "", "%description", "d"), "Source1")).toBe(
      spec("Name: a", "Source0: a", "Source1: v", "%global x 1", "", "%description", "d"),
    );
  });

  it("falls back to the last tag of any kind, then to add-tag", () => {
    expect(insert(spec("Name: a", "License: MIT", "%global x 1", "%description"), "Source0")).toBe(
      spec("Name: a", "License: MIT", "Source0: v", "%global x 1", "%description"),
    );
    expect(insert(spec("%global x 1", "", "%description"), "Source0")).toBe(spec("%global x 1", "", "Source0: v", "%description"));
  });

  it("Patch family", () => {
    expect(insert(spec("Name: a", "Patch0: a.patch", "Patch1: b.patch", "Source0: s", "BuildRequires: b"), "Patch9999")).toBe(
      spec("Name: a", "Patch0: a.patch", "Patch1: b.patch", "Patch9999: v", "Source0: s", "BuildRequires: b"),
    );
  });

  it("after the closing %endif when the last family tag is conditional (single and nested)", () => {
    expect(insert(spec("Source0: a", "%if %{with x}", "Source1: x", "%endif", "BuildRequires: gcc"), "Source9999")).toBe(
      spec("Source0: a", "%if %{with x}", "Source1: x", "%endif", "Source9999: v", "BuildRequires: gcc"),
    );
    expect(insert(spec("Source0: a", "%if 1", "%ifarch x86_64", "Source1: x", "%endif", "Source2: y", "%endif", "BuildRequires: gcc"), "Source3")).toBe(
      spec("Source0: a", "%if 1", "%ifarch x86_64", "Source1: x", "%endif", "Source2: y", "%endif", "Source3: v", "BuildRequires: gcc"),
    );
  });

  it("stays put when the %endif lies beyond the section end", () => {
    const text = spec("Name: a", "%if 1", "Source0: a", "%description", "d", "%endif");
    expect(insert(text, "Source1")).toBe(spec("Name: a", "%if 1", "Source0: a", "Source1: v", "%description", "d", "%endif"));
  });

  it("in a sub-package; unknown sub-package → error", () => {
    expect(insert(base, "Requires", "foo", "pkg")).toContain("Summary:        Sub\nRequires: foo\n");
    expect(failure(base, { type: "spec-insert-tag", package: "zz", tag: "A", value: "b" }).message).toBe(
      "failed to insert tag `A` into spec:\nsection `%package` (package=`zz`) not found:\nsection not found",
    );
  });

  it("user Source inserts land after the synthesized Source9999", () => {
    const first = insert(spec("Name: k", "Source0: a", "Source1: b", "BuildRequires: x"), "Source9999", "k.azl.macros");
    expect(insert(first, "Source5000", "extra")).toBe(spec("Name: k", "Source0: a", "Source1: b", "Source9999: k.azl.macros", "Source5000: extra", "BuildRequires: x"));
  });
});
