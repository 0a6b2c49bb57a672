import { describe, expect, it } from "vitest";
import { OVERLAY_TYPES } from "../../src/azldev/types.js";
import { compileRegex, replaceAllLiteral, validateOverlay } from "../../src/overlays/index.js";
import { apply, failure, spec } from "./helpers.js";

describe("bad input never crashes and names the overlay", () => {
  it("invalid regex in spec-search-replace: azldev's own message, index of the failing overlay", () => {
    const error = failure(spec("Name: a", "Version: 1"), [
      { type: "spec-set-tag", tag: "Release", value: "1" },
      { type: "spec-search-replace", regex: "([", replacement: "x", description: "broken" },
    ]);
    expect(error.index).toBe(1);
    expect(error.message).toBe("failed to search and replace in spec:\nfailed to compile regex `([`:\nerror parsing regexp: missing closing ]: `[`");
    // earlier overlays stay applied, like azldev (non-atomic)
    expect(error.partial?.spec).toBe(spec("Name: a", "Version: 1", "Release: 1"));
    expect(error.summary).toContain('overlay 2 (spec-search-replace) "broken" failed');
  });

  it("the summary carries component and comp.toml location when the overlay came from config", () => {
    const overlay = { type: "spec-update-tag", tag: "Nope", value: "x", origin: { file: "base/comps/a/a.comp.toml", line: 12, column: 3 } };
    const error = failure(spec("Name: a"), overlay, { component: "a" });
    expect(error.summary).toBe(
      "overlay 1 (spec-update-tag) of component a at base/comps/a/a.comp.toml:12:3 failed: failed to update tag `Nope` in spec:\ntag `Nope` not found in spec:\nno such tag",
    );
  });

  it("RE2-only syntax such as (?m)^ works, Perl-only syntax is refused", () => {
    expect(apply(spec("Name: a", "Summary: s"), { type: "spec-search-replace", regex: "(?m)^Summary", replacement: "summary" }).spec).toContain("summary: s");
    expect(failure(spec("Name: a"), { type: "spec-search-replace", regex: "(?<=a)b", replacement: "" }).message).toContain(
      "error parsing regexp: invalid named capture: `(?<=a)b`",
    );
    expect(failure(spec("Name: a"), { type: "spec-search-replace", regex: "(a)\\1", replacement: "" }).message).toContain("invalid escape sequence: `\\1`");
  });

  it("a catastrophic-backtracking pattern against a 1 MB line stays linear", () => {
    const line = "a".repeat(1 << 20) + "!";
    const re = compileRegex("^(a+)+$");
    expect(replaceAllLiteral(re, line, "x")).toBe(line);
    const out = apply("Name: a\n", { type: "file-search-replace", file: "*.txt", regex: "(a|aa)+b", replacement: "" }, { files: { "big.txt": line, "other.txt": "ab" } });
    expect(out.files["other.txt"]).toBe("");
    expect(out.files["big.txt"]).toBe(line);
  });

  it("a spec line of 64 KiB or more fails the read, as azldev's reader does", () => {
    const long = spec("Name: a", "x".repeat(65_536));
    expect(failure(long, { type: "spec-append-lines", lines: ["y"] }, { component: "big" }).message).toBe(
      "failed to load spec `big.spec`:\nfailed to read spec:\nbufio.Scanner: token too long",
    );
    const fits = spec("Name: a", "x".repeat(65_535));
    expect(apply(fits, { type: "spec-search-replace", regex: "(x+x+)+$", replacement: "y" }).spec).toBe(spec("Name: a", "y"));
  });

  it("an unbalanced %if fails removals with the line number, but not other overlays", () => {
    const text = spec("Name: a", "%if 0%{?fedora}", "BuildRequires: x", "%package devel", "Summary: d", "%files devel");
    expect(failure(text, { type: "spec-remove-subpackage", package: "devel" }).message).toBe(
      "failed to remove sub-package from spec:\nfailed to scan spec for sub-package `devel`:\nfailed to parse conditional structure:\nunmatched %if at line 2",
    );
    expect(apply(text, { type: "spec-add-tag", tag: "License", value: "MIT" }).spec).toContain("License: MIT");
  });

  it("unknown type and missing required fields are refused before anything is applied", () => {
    expect(failure("Name: a\n", { type: "spec-frobnicate" }).message).toBe("unknown overlay type `spec-frobnicate`: `(no description)`");
    expect(failure("Name: a\n", { type: "spec-add-tag", value: "x", description: "needs a tag" }).message).toBe(
      "overlay type `spec-add-tag` requires `tag` field: needs a tag",
    );
  });

  it("CRLF input becomes LF once a spec overlay runs, and is left alone otherwise", () => {
    const crlf = "Name: a\r\nRelease: 1\r\n";
    expect(apply(crlf, { type: "spec-update-tag", tag: "Release", value: "2" }).spec).toBe("Name: a\nRelease: 2\n");
    expect(apply(crlf, [], {}).spec).toBe(crlf);
    expect(apply("Name: a", { type: "spec-append-lines", lines: ["x"] }).spec).toBe("Name: a\nx\n");
  });

  it("a prepend whose last line re-creates the target header stops instead of looping forever", () => {
    expect(failure(spec("Name: a", "%build", "make"), { type: "spec-prepend-lines", section: "%build", lines: ["%build"] }).message).toContain(
      "overlay did not terminate",
    );
  });
});

describe("validateOverlay", () => {
  const ok = (o: Record<string, unknown>) => expect(validateOverlay(o as never)).toBeUndefined();
  const bad = (o: Record<string, unknown>, message: string) => expect(validateOverlay(o as never)).toBe(message);

  it("accepts a minimal valid overlay of every type", () => {
    const minimal: Record<string, Record<string, unknown>> = {
      "spec-add-tag": { tag: "A", value: "b" },
      "spec-insert-tag": { tag: "A", value: "b" },
      "spec-set-tag": { tag: "A", value: "b" },
      "spec-update-tag": { tag: "A", value: "b" },
      "spec-remove-tag": { tag: "A" },
      "spec-prepend-lines": { lines: ["x"] },
      "spec-append-lines": { lines: ["x"], section: "%build" },
      "spec-search-replace": { regex: "a" },
      "spec-remove-section": { section: "%check" },
      "spec-remove-subpackage": { package: "devel" },
      "patch-add": { source: "p.patch" },
      "patch-remove": { file: "**/*.patch" },
      "file-add": { file: "a", source: "b" },
      "file-remove": { file: "*.bak", archive: "foo-1.tar.gz" },
      "file-rename": { file: "a", replacement: "b" },
      "file-prepend-lines": { file: "a", lines: ["x"] },
      "file-search-replace": { file: "a", regex: "x" },
    };
    expect(Object.keys(minimal).sort()).toEqual([...OVERLAY_TYPES].sort());
    for (const [type, fields] of Object.entries(minimal)) ok({ type, ...fields });
  });

  it("required fields per type", () => {
    bad({ type: "spec-set-tag", tag: "A" }, "overlay type `spec-set-tag` requires `value` field: (no description)");
    bad({ type: "spec-prepend-lines", lines: [] }, "overlay type `spec-prepend-lines` requires `lines` field: (no description)");
    bad({ type: "spec-search-replace" }, "overlay type `spec-search-replace` requires `regex` field: (no description)");
    bad({ type: "file-add", file: "a" }, "overlay type `file-add` requires `source` field: (no description)");
    bad({ type: "file-remove" }, "overlay type `file-remove` requires `file` field: (no description)");
    bad({ type: "patch-add" }, "overlay type `patch-add` requires `source` field: (no description)");
  });

  it("package without section, archive rules, invalid regex and glob", () => {
    bad(
      { type: "spec-append-lines", lines: ["x"], package: "devel", description: "d" },
      "overlay type `spec-append-lines` requires `section` field when `package` is set: d",
    );
    bad({ type: "file-add", file: "a", source: "b", archive: "x.tar.gz" }, "overlay type `file-add` does not accept `archive` field: (no description)");
    expect(validateOverlay({ type: "file-remove", file: "a", archive: "x.zip" })).toContain("to be a recognized archive name");
    expect(validateOverlay({ type: "file-remove", file: "a", archive: "../x.tar.gz" })).toContain("filename only");
    bad({ type: "file-remove", archive: "x.tar.gz" }, "overlay type `file-remove` requires `file` field: (no description)");
    bad({ type: "file-search-replace", file: "a", regex: "a**", description: "desc" }, 'invalid regex `a**` in overlay "desc":\nerror parsing regexp: invalid nested repetition operator: `**`');
    ok({ type: "spec-search-replace", regex: "x", replacement: "" });
    ok({ type: "spec-append-lines", lines: ["# Footer"] });
    ok({ type: "patch-add", source: "patches/fix-foo.patch", file: "my-fix.patch" });
    expect(validateOverlay({ type: "patch-add", source: "p.patch", file: "/abs/p.patch" })).toContain("relative path");
    expect(validateOverlay({ type: "patch-remove", file: "/abs/fix.patch" })).toContain("relative path");
    expect(validateOverlay({ type: "spec-add-tag", description: "Add vendor tag for compliance" })).toContain("Add vendor tag for compliance");
    ok({ type: "patch-remove", file: "CVE-*.patch" });
    bad({ type: "patch-remove", file: "[invalid" }, 'invalid glob pattern `[invalid` in overlay "(no description)"');
  });
});
