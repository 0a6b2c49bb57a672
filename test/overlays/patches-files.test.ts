import { describe, expect, it } from "vitest";
import { apply, failure, spec } from "./helpers.js";

const patchSource = { "base/comps/foo/fix-build.patch": "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n" };
const patchAdd = (extra: Record<string, string> = {}) => ({ type: "patch-add", source: "base/comps/foo/fix-build.patch", ...extra });

describe("patch-add", () => {
  it("Patch0 on a spec without patches, copying the file", () => {
    const out = apply(spec("Name: foo", "", "%description", "d"), patchAdd(), { sourceFiles: patchSource, files: {} });
    expect(out.spec).toBe(spec("Name: foo", "", "Patch0: fix-build.patch", "%description", "d"));
    expect(out.files["fix-build.patch"]).toBe(patchSource["base/comps/foo/fix-build.patch"]);
  });

  it("Patch2 after 0,1; Patch6 after 0,5; numbering across packages and case-insensitive names", () => {
    const add = (text: string) => apply(text, patchAdd(), { sourceFiles: patchSource }).spec;
    expect(add(spec("Name: a", "Patch0: a", "Patch1: b"))).toContain("Patch2: fix-build.patch");
    expect(add(spec("Name: a", "Patch0: a", "PATCH5: b"))).toContain("Patch6: fix-build.patch");
    expect(add(spec("Name: a", "Patch1: a", "%package x", "patch7: y"))).toContain("Patch8: fix-build.patch");
  });

  it("bare Patch: tags count as 0..n-1, mixed with numbered ones the max wins", () => {
    const add = (text: string) => apply(text, patchAdd(), { sourceFiles: patchSource }).spec;
    expect(add(spec("Name: a", "Patch: a", "Patch: b", "Patch: c"))).toContain("Patch3: fix-build.patch");
    expect(add(spec("Name: a", "Patch: a", "Patch9: b"))).toContain("Patch10: fix-build.patch");
    // Macro-numbered tags are invisible to the numbering.
    expect(add(spec("Name: a", "Patch%{n}: a"))).toContain("Patch0: fix-build.patch");
  });

  it("%patchlist gets the name and no PatchN is created", () => {
    const out = apply(spec("Name: a", "Patch0: x", "%patchlist", "one.patch", "", "%prep"), patchAdd(), { sourceFiles: patchSource }).spec;
    expect(out).toBe(spec("Name: a", "Patch0: x", "%patchlist", "one.patch", "", "fix-build.patch", "%prep"));
  });

  it("an explicit file renames the destination, into a sub-package when asked", () => {
    const out = apply(spec("Name: a", "%package devel", "Summary: d"), patchAdd({ file: "renamed.patch", package: "devel" }), {
      sourceFiles: patchSource,
      files: {},
    });
    expect(out.spec).toBe(spec("Name: a", "%package devel", "Summary: d", "Patch0: renamed.patch"));
    expect(Object.keys(out.files)).toEqual(["renamed.patch"]);
  });

  it("an existing destination is an error, after the spec half was applied (non-atomic)", () => {
    const error = failure(spec("Name: a"), patchAdd(), { sourceFiles: patchSource, files: { "fix-build.patch": "old" } });
    expect(error.message).toBe("cannot add overlay file `fix-build.patch` because it already exists");
    expect(error.partial?.spec).toBe(spec("Name: a", "Patch0: fix-build.patch"));
    expect(error.partial?.files["fix-build.patch"]).toBe("old");
  });

  it("a missing source is an error", () => {
    expect(failure(spec("Name: a"), patchAdd(), { sourceFiles: {} }).message).toBe(
      "failed to copy overlay file from `base/comps/foo/fix-build.patch` to `fix-build.patch`:\nopen base/comps/foo/fix-build.patch: no such file or directory",
    );
  });

  it("a source or file that climbs out is refused", () => {
    expect(failure(spec("Name: a"), { type: "patch-add", source: "../../etc/passwd" }, { sourceFiles: patchSource }).message).toBe(
      "overlay source `../../etc/passwd` escapes the repository",
    );
    expect(failure(spec("Name: a"), patchAdd({ file: "../x.patch" }), { sourceFiles: patchSource }).message).toBe(
      "overlay type `patch-add` requires `file` to stay inside the component directory; found `../x.patch`",
    );
  });
});

describe("patch-remove", () => {
  const text = spec(
    "Name: a",
    "Patch: bare.patch",
    "Patch0: CVE-2024-1.patch",
    "Patch1: keep.patch",
    "Patch2: https://example.org/pr/33.patch",
    "%package sub",
    "Patch3: CVE-2024-2.patch",
    "%patchlist",
    "CVE-2024-3.patch",
    "  other.patch",
    "",
    "%prep",
    "%patch -P0 -p1",
  );
  const files = { "CVE-2024-1.patch": "1", "CVE-2024-2.patch": "2", "CVE-2024-3.patch": "3", "keep.patch": "k", "bare.patch": "b" };

  it("removes numbered tags in every package and %patchlist entries by glob, and the files", () => {
    const out = apply(text, { type: "patch-remove", file: "CVE-*.patch" }, { files });
    expect(out.spec).toBe(
      spec("Name: a", "Patch: bare.patch", "Patch1: keep.patch", "Patch2: https://example.org/pr/33.patch", "%package sub", "%patchlist", "  other.patch", "", "%prep", "%patch -P0 -p1"),
    );
    expect(Object.keys(out.files).sort()).toEqual(["bare.patch", "keep.patch"]);
  });

  it("literal names; bare Patch: tags are never removed; * does not cross /", () => {
    expect(apply(text, { type: "patch-remove", file: "keep.patch" }, { files }).spec).not.toContain("keep.patch");
    expect(failure(text, { type: "patch-remove", file: "bare.patch" }, { files }).message).toBe(
      "failed to remove patch entry from spec:\nno patches matching `bare.patch` found in spec",
    );
    expect(failure(text, { type: "patch-remove", file: "*33.patch" }, { files }).message).toContain("no patches matching");
  });

  it("braces are glob syntax, so a macro value does not match itself", () => {
    const macro = spec("Name: a", "Patch0: %{name}-makefile.patch");
    expect(failure(macro, { type: "patch-remove", file: "%{name}-makefile.patch" }, { files: { "x": "" } }).message).toContain(
      "no patches matching `%{name}-makefile.patch`",
    );
  });

  it("spec entry present but file missing → error after the spec half", () => {
    const error = failure(text, { type: "patch-remove", file: "keep.patch" }, { files: {} });
    expect(error.message).toBe("non-spec overlay filename pattern `keep.patch` did not match any files");
    expect(error.partial?.spec).not.toContain("keep.patch");
  });

  it("an invalid glob is rejected", () => {
    expect(failure(text, { type: "patch-remove", file: "[invalid" }).message).toBe('invalid glob pattern `[invalid` in overlay "(no description)"');
  });
});

describe("loose-file overlays", () => {
  const tree = {
    "foo.conf": "a=1\nb=2\n",
    "sub/nested.conf": "c=3\n",
    "notes.txt": "n\n",
    "readme.txt": "r\n",
    "x.bak": "1",
    "y.bak": "2",
    "other.spec": "Name: other\n",
    ".git/config": "[core]\n",
    "sub/.git/HEAD": "ref\n",
    ".gitignore": "*.o\n",
    "blob.bin": new Uint8Array([0xff, 0x00, 0x41, 0x42, 0xfe]),
  };
  const run = (overlay: Record<string, unknown>, files: Record<string, string | Uint8Array> = tree) =>
    apply("Name: foo\n", overlay as never, { files, sourceFiles: { "base/comps/foo/new.txt": "new\n" } });

  it("file-prepend-lines on each glob match only; the spec is untouched", () => {
    const out = run({ type: "file-prepend-lines", file: "*.txt", lines: ["# one", "# two"] });
    expect(out.files["notes.txt"]).toBe("# one\n# two\nn\n");
    expect(out.files["readme.txt"]).toBe("# one\n# two\nr\n");
    expect(out.files["foo.conf"]).toBe(tree["foo.conf"]);
    expect(out.spec).toBe("Name: foo\n");
  });

  it("**/*.conf hits the root and nested files", () => {
    const out = run({ type: "file-search-replace", file: "**/*.conf", regex: "=(\\d)", replacement: " = X" });
    expect(out.files["foo.conf"]).toBe("a = X\nb = X\n");
    expect(out.files["sub/nested.conf"]).toBe("c = X\n");
  });

  it("file-search-replace works on the whole file: (?m) and (?s) matter; literal $1", () => {
    expect(run({ type: "file-search-replace", file: "foo.conf", regex: "(?m)^b=.*$", replacement: "b=$1" }).files["foo.conf"]).toBe("a=1\nb=$1\n");
    expect(run({ type: "file-search-replace", file: "foo.conf", regex: "(?s)a=.*2", replacement: "z" }).files["foo.conf"]).toBe("z\n");
    expect(run({ type: "file-search-replace", file: "foo.conf", regex: "\\d+", replacement: "N" }).files["foo.conf"]).toBe("a=N\nb=N\n");
  });

  it("file-search-replace keeps non-UTF-8 bytes intact", () => {
    const out = run({ type: "file-search-replace", file: "blob.bin", regex: "AB", replacement: "ab" });
    expect(Array.from(out.files["blob.bin"] as Uint8Array)).toEqual([0xff, 0x00, 0x61, 0x62, 0xfe]);
  });

  it("file-search-replace errors: no match, invalid regex, missing file", () => {
    expect(failure("Name: foo\n", { type: "file-search-replace", file: "foo.conf", regex: "zzz", replacement: "" }, { files: tree }).message).toBe(
      "non-spec overlay for filename `foo.conf` did not apply to any targets\noverlay did not apply to target",
    );
    expect(failure("Name: foo\n", { type: "file-search-replace", file: "foo.conf", regex: "a(", replacement: "" }, { files: tree }).message).toBe(
      "failed to apply overlay to file `foo.conf`:\nfailed to search and replace in file `foo.conf`:\nfailed to compile regex `a(`:\nerror parsing regexp: missing closing ): `a(`",
    );
    expect(failure("Name: foo\n", { type: "file-search-replace", file: "missing.conf", regex: "a", replacement: "" }, { files: tree }).message).toBe(
      "non-spec overlay filename pattern `missing.conf` did not match any files",
    );
  });

  it("globs never return specs or .git internals; only specs matched → error", () => {
    const out = run({ type: "file-prepend-lines", file: "**/*", lines: ["#"] });
    expect(out.files["other.spec"]).toBe(tree["other.spec"]);
    expect(out.files[".git/config"]).toBe(tree[".git/config"]);
    expect(out.files["sub/.git/HEAD"]).toBe(tree["sub/.git/HEAD"]);
    expect(out.files[".gitignore"]).toBe("#\n*.o\n");
    expect(failure("Name: foo\n", { type: "file-remove", file: "*.spec" }, { files: tree }).message).toBe(
      "non-spec overlay filename pattern `*.spec` did not match any files",
    );
  });

  it("file-add copies content; .spec destination, existing file and missing source are errors", () => {
    expect(run({ type: "file-add", file: "added.txt", source: "base/comps/foo/new.txt" }).files["added.txt"]).toBe("new\n");
    expect(run({ type: "file-add", file: "sub/added.txt", source: "base/comps/foo/new.txt" }).files["sub/added.txt"]).toBe("new\n");
    const fail = (o: Record<string, unknown>) => failure("Name: foo\n", o as never, { files: tree, sourceFiles: { "base/comps/foo/new.txt": "new\n" } }).message;
    expect(fail({ type: "file-add", file: "x.spec", source: "base/comps/foo/new.txt" })).toBe("non-spec overlay not supported on .spec file: `x.spec`");
    expect(fail({ type: "file-add", file: "notes.txt", source: "base/comps/foo/new.txt" })).toBe("cannot add overlay file `notes.txt` because it already exists");
    expect(fail({ type: "file-add", file: "a.txt", source: "base/comps/foo/none.txt" })).toContain("no such file or directory");
    expect(fail({ type: "file-add", file: "nodir/a.txt", source: "base/comps/foo/new.txt" })).toBe(
      "failed to copy overlay file from `base/comps/foo/new.txt` to `nodir/a.txt`:\nopen nodir/a.txt: no such file or directory",
    );
  });

  it("file-remove removes every match; file-rename needs exactly one and stays in its directory", () => {
    const removed = run({ type: "file-remove", file: "*.bak" });
    expect(Object.keys(removed.files).filter((p) => p.endsWith(".bak"))).toEqual([]);
    const renamed = run({ type: "file-rename", file: "sub/nested.conf", replacement: "renamed.conf" });
    expect(renamed.files["sub/renamed.conf"]).toBe("c=3\n");
    expect(renamed.files["sub/nested.conf"]).toBeUndefined();
    expect(failure("Name: foo\n", { type: "file-rename", file: "*.bak", replacement: "z.bak" }, { files: tree }).message).toBe(
      "overlay type file-rename does not support multiple files, but filename pattern `*.bak` matched 2 files",
    );
    expect(failure("Name: foo\n", { type: "file-rename", file: "a.txt", replacement: "sub/b.txt" }, { files: tree }).message).toBe(
      "overlay type `file-rename` requires `replacement` to be a filename only (not a path); found `sub/b.txt`",
    );
    // an existing target is silently overwritten
    expect(run({ type: "file-rename", file: "notes.txt", replacement: "readme.txt" }).files["readme.txt"]).toBe("n\n");
  });

  it("../ traversal in file is refused, absolute paths too", () => {
    for (const type of ["file-remove", "file-prepend-lines", "file-search-replace"]) {
      const message = failure("Name: foo\n", { type, file: "../other/*.conf", lines: ["x"], regex: "a", replacement: "b" } as never, { files: tree }).message;
      expect(message).toBe(`overlay type \`${type}\` requires \`file\` to stay inside the component directory; found \`../other/*.conf\``);
    }
    expect(failure("Name: foo\n", { type: "file-remove", file: "/etc/passwd" }, { files: tree }).message).toBe(
      "overlay type `file-remove` requires `file` to be a relative path; found `/etc/passwd`",
    );
  });

  it("archive-scoped overlays are skipped with a reason, like render does", () => {
    const out = run({ type: "file-remove", file: "docs/*", archive: "foo-1.0.tar.gz" });
    expect(out.skipped).toEqual([{ index: 0, reason: expect.stringContaining("foo-1.0.tar.gz") }]);
    expect(out.files).toEqual(tree);
  });
});

describe(".git internal paths", async () => {
  const { isGitInternalPath } = await import("../../src/overlays/index.js");
  it("excludes .git/…, /.git/… and sub/.git/…; keeps look-alikes", () => {
    for (const p of [".git/config", ".git/objects/ab/cd", "/.git/HEAD", "sub/.git/HEAD", "a/b/.git/x"]) expect(isGitInternalPath(p), p).toBe(true);
    for (const p of [".gitignore", ".gitattributes", "git/config", "my.gitconfig", "sub/.gitmodules", "x.git"]) expect(isGitInternalPath(p), p).toBe(false);
  });
});
