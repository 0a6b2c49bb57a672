import { describe, expect, it } from "vitest";
import { apply, failure, spec } from "./helpers.js";

const text = spec(
  "Name: foo",
  "",
  "%description",
  "Main package.",
  "",
  "%package -n subpackage",
  "Summary: sub",
  "",
  "%description -n subpackage",
  "Sub package.",
  "",
  "%build",
  "  ./configure --enable-featureX --enable-featureY --prefix=/usr",
  "",
  "%files -n mine",
  "/usr/bin/mine",
  "",
  "%changelog",
  "* Mon Jan 01 2026 A <a@b> - 1-1",
  "- init",
);

describe("whole-file prepend and append", () => {
  it("on an empty spec", () => {
    expect(apply("", { type: "spec-prepend-lines", lines: ["a", "b"] }).spec).toBe("a\nb\n");
    expect(apply("", { type: "spec-append-lines", lines: ["z"] }).spec).toBe("z\n");
  });

  it("on a spec that starts with a header, and after %changelog", () => {
    expect(apply("%description\nx\n", { type: "spec-prepend-lines", lines: ["# top"] }).spec).toBe("# top\n%description\nx\n");
    expect(apply(text, { type: "spec-append-lines", lines: ["# end"] }).spec).toBe(text + "# end\n");
  });

  it("a line holding a newline is written verbatim and becomes two lines for the next overlay", () => {
    const out = apply("Name: a\n", [
      { type: "spec-append-lines", lines: ["%global x 1\n%global y 2"] },
      { type: "spec-search-replace", regex: "^%global y 2$", replacement: "%global y 3" },
    ]).spec;
    expect(out).toBe("Name: a\n%global x 1\n%global y 3\n");
  });
});

describe("section prepend and append", () => {
  it("prepends right after the header of %description -n only", () => {
    const out = apply(text, { type: "spec-prepend-lines", section: "%description", package: "subpackage", lines: ["First."] }).spec;
    expect(out).toContain("%description -n subpackage\nFirst.\nSub package.\n");
    expect(out).toContain("%description\nMain package.\n");
  });

  it("prepends to %files of -n mine", () => {
    expect(apply(text, { type: "spec-prepend-lines", section: "%files", package: "mine", lines: ["%license COPYING"] }).spec).toContain(
      "%files -n mine\n%license COPYING\n/usr/bin/mine\n",
    );
  });

  it("appends after the section's trailing blank line, before the next header", () => {
    expect(apply(text, { type: "spec-append-lines", section: "%build", lines: ["make"] }).spec).toContain("--prefix=/usr\n\nmake\n%files -n mine\n");
  });

  it("appending to %files -n mine lands before %changelog", () => {
    expect(apply(text, { type: "spec-append-lines", section: "%files", package: "mine", lines: ["/usr/share/mine"] }).spec).toContain(
      "/usr/bin/mine\n\n/usr/share/mine\n%changelog\n",
    );
  });

  it("section names are exact and case-sensitive", () => {
    for (const section of ["build", "%Build"]) {
      expect(failure(text, { type: "spec-append-lines", section, lines: ["x"] }).message).toBe(
        `failed to append lines to spec:\nsection \`${section}\` (package=\`\`) not found:\nsection not found`,
      );
    }
    expect(failure(text, { type: "spec-prepend-lines", section: "%check", lines: ["x"] }).message).toBe(
      "failed to prepend lines to spec:\nsection `%check` (package=``) not found:\nsection not found",
    );
  });

  it("hits every duplicate section", () => {
    const dup = spec("Name: a", "%if 1", "%check", "make check", "%else", "%check", "true", "%endif");
    expect(apply(dup, { type: "spec-prepend-lines", section: "%check", lines: ["exit 0"] }).spec).toBe(
      spec("Name: a", "%if 1", "%check", "exit 0", "make check", "%else", "%check", "exit 0", "true", "%endif"),
    );
  });
});

describe("spec-search-replace", () => {
  it("applies per line across all sections, indented lines included", () => {
    const out = apply(text, { type: "spec-search-replace", regex: "package\\.", replacement: "pkg." }).spec;
    expect(out).toContain("Main pkg.\n");
    expect(out).toContain("Sub pkg.\n");
  });

  it("deletes both flags on one line with an empty replacement", () => {
    const out = apply(text, { type: "spec-search-replace", regex: "--enable-feature\\w*\\s*", replacement: "" }).spec;
    expect(out).toContain("  ./configure --prefix=/usr\n");
  });

  it("replacement is literal: $1 and ${1} stay as written", () => {
    const out = apply("Name: a\nVersion: 1.2\n", { type: "spec-search-replace", regex: "(\\d+)\\.(\\d+)", replacement: "$2-$1 ${1}" }).spec;
    expect(out).toBe("Name: a\nVersion: $2-$1 ${1}\n");
  });

  it("scoped to (%description, subpackage) leaves the main %description alone", () => {
    const out = apply(text, { type: "spec-search-replace", section: "%description", package: "subpackage", regex: "package", replacement: "PKG" }).spec;
    expect(out).toContain("Main package.");
    expect(out).toContain("Sub PKG.");
  });

  it("with a section but no package, every package's section of that name is edited", () => {
    const out = apply(text, { type: "spec-search-replace", section: "%description", regex: "package", replacement: "PKG" }).spec;
    expect(out).toContain("Main PKG.");
    expect(out).toContain("Sub PKG.");
  });

  it("never edits header lines", () => {
    expect(failure(text, { type: "spec-search-replace", regex: "^%files", replacement: "%dir" }).message).toBe(
      "failed to search and replace in spec:\npattern `^%files` not found (section=``, package=``):\npattern not found",
    );
  });

  it("a replacement that leaves the line unchanged is 'not found'", () => {
    expect(failure(text, { type: "spec-search-replace", section: "%build", regex: "configure", replacement: "configure" }).message).toBe(
      "failed to search and replace in spec:\npattern `configure` not found (section=`%build`, package=``):\npattern not found",
    );
  });

  it("RE2 syntax works: (?m)^, (?i), named groups, \\b", () => {
    expect(apply("Name: a\nSummary: x\n", { type: "spec-search-replace", regex: "(?m)^Summary:.*$", replacement: "Summary: y" }).spec).toBe("Name: a\nSummary: y\n");
    expect(apply("Name: a\nsummary: x\n", { type: "spec-search-replace", regex: "(?i)^SUMMARY", replacement: "Summary" }).spec).toBe("Name: a\nSummary: x\n");
    expect(apply("Name: a\nv 1.2\n", { type: "spec-search-replace", regex: "(?P<maj>\\d)\\.(?<min>\\d)", replacement: "X" }).spec).toBe("Name: a\nv X\n");
    expect(apply("Name: a\ncat concat\n", { type: "spec-search-replace", regex: "\\bcat\\b", replacement: "dog" }).spec).toBe("Name: a\ndog concat\n");
  });

  it("empty matches follow Go: no double replacement next to a match", () => {
    expect(apply("Name: a\nabc\n", { type: "spec-search-replace", regex: "x*", replacement: "-" }).spec).toBe("-N-a-m-e-:- -a-\n-a-b-c-\n");
    expect(apply("Name: a\nbaaac\n", { type: "spec-search-replace", regex: "a*", replacement: "-" }).spec).toBe("-N-m-e-:- -\n-b-c-\n");
  });

  it("a replacement that creates a header moves later lines into that section", () => {
    const src = spec("Name: a", "MARK", "Source0: x");
    const error = failure(src, [
      { type: "spec-search-replace", regex: "^MARK$", replacement: "%description" },
      { type: "spec-update-tag", tag: "Source0", value: "y" },
    ]);
    // Source0 now sits in %description, so it is no longer a tag of the main package.
    expect(error.index).toBe(1);
    expect(error.message).toContain("no such tag");
    expect(error.partial?.spec).toBe(spec("Name: a", "%description", "Source0: x"));
  });
});
