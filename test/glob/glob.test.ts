import { describe, expect, it } from "vitest";
import { compareWalkOrder, expandGlob, GlobPatternError, hasGlobMeta, hasWildcard, matchGlob, validateGlob } from "../../src/glob/index.js";

describe("matchGlob: doublestar dialect", () => {
  const cases: Array<[pattern: string, path: string, expected: boolean]> = [
    // `*` stays inside one segment
    ["*.comp.toml", "bash.comp.toml", true],
    ["*.comp.toml", "bash/bash.comp.toml", false],
    ["*.distro.toml", "stage2.toml", false],
    ["*", "", true],
    ["*", "a/b", false],
    ["a/*", "a/", true],
    ["a/*", "a", false],
    // `**` as a whole segment: zero or more directories
    ["**/*.comp.toml", "bash.comp.toml", true],
    ["**/*.comp.toml", "bash/bash.comp.toml", true],
    ["**/*.comp.toml", "x/y/z/bash.comp.toml", true],
    ["**/*.conf", "root.conf", true],
    ["**/*.conf", "etc/nested/a.conf", true],
    ["**/*.conf", "etc/nested/a.confx", false],
    ["a/**", "a", true],
    ["a/**", "a/b/c", true],
    ["a/**", "ab", false],
    ["a/**/", "a", true],
    ["a/**/b", "a/b", true],
    ["a/**/b", "a/x/y/b", true],
    ["a/**/b", "a/x/y/c", false],
    ["**", "anything/at/all", true],
    ["**/a39db41390de546d18962ee1278bd6dbb715f466.patch", "a39db41390de546d18962ee1278bd6dbb715f466.patch", true],
    ["**/**/x", "x", true],
    // a `**` that is not a whole segment behaves like `*`
    ["path/to/**.txt", "path/to/a.txt", true],
    ["path/to/**.txt", "path/to/sub/a.txt", false],
    ["a**", "abc", true],
    // `?`
    ["?.patch", "1.patch", true],
    ["?.patch", "12.patch", false],
    ["a?b", "a/b", false],
    // classes
    ["[abc].txt", "b.txt", true],
    ["[abc].txt", "d.txt", false],
    ["[!abc].txt", "d.txt", true],
    ["[^abc].txt", "a.txt", false],
    ["[a-c]x", "bx", true],
    ["[a-c]x", "dx", false],
    ["[Ff]edora", "fedora", true],
    ["[Ff]edora", "Fedora", true],
    ["file[/]x", "file/x", false],
    ["[\\]]", "]", true],
    // alternatives, nested, spanning segments
    ["{a,b}.spec", "a.spec", true],
    ["{a,b}.spec", "c.spec", false],
    ["*.{patch,diff}", "fix.diff", true],
    ["{foo/bar,baz}/*.toml", "foo/bar/x.toml", true],
    ["{foo/bar,baz}/*.toml", "baz/x.toml", true],
    ["{foo/bar,baz}/*.toml", "foo/x.toml", false],
    ["{a,{b,c}d}", "cd", true],
    ["x{,.bak}", "x", true],
    ["x{,.bak}", "x.bak", true],
    // escapes
    ["\\*.txt", "*.txt", true],
    ["\\*.txt", "a.txt", false],
    ["EU\\:MM.patch", "EU:MM.patch", true],
    // case-sensitive, dot-files not special
    ["*.PATCH", "a.patch", false],
    ["*", ".gitignore", true],
    ["**/*", "sub/.hidden", true],
    // literal patterns
    ["distro/distro.toml", "distro/distro.toml", true],
    ["distro/distro.toml", "distro/distro.tomlx", false],
    // braces are literal inside a value like this one, so it does not match itself
    ["%{name}-makefile.patch", "%{name}-makefile.patch", false],
    ["%{name}-makefile.patch", "%name-makefile.patch", true],
    // non-ASCII
    ["é?.txt", "éa.txt", true],
    ["?", "é", true],
  ];
  it.each(cases)("%s vs %s → %s", (pattern, path, expected) => {
    expect(matchGlob(pattern, path)).toBe(expected);
  });

  it("matches nothing with a malformed pattern", () => {
    expect(matchGlob("[invalid", "[invalid")).toBe(false);
    expect(matchGlob("{a,b", "a")).toBe(false);
  });
});

describe("validateGlob", () => {
  it("accepts the patterns azldev accepts", () => {
    for (const ok of ["CVE-*.patch", "**/*.patch", "a/{b,c}/*.toml", "[a-z]*", "x]y", "x}y", "\\[literal"]) {
      expect(validateGlob(ok), ok).toBeUndefined();
    }
  });
  it("rejects malformed patterns with a reason", () => {
    expect(validateGlob("[invalid")).toMatch(/unclosed '\['/);
    expect(validateGlob("a/[]")).toMatch(/empty character class/);
    expect(validateGlob("{a,b")).toMatch(/unclosed '\{'/);
    expect(validateGlob("trailing\\")).toMatch(/dangling/);
  });
});

describe("hasGlobMeta", () => {
  it("is true for any glob syntax, so a literal file name with braces is not taken as matching itself", () => {
    expect(hasGlobMeta("**/*.comp.toml")).toBe(true);
    expect(hasGlobMeta("%{name}-makefile.patch")).toBe(true);
    expect(matchGlob("%{name}-makefile.patch", "%{name}-makefile.patch")).toBe(false);
    expect(hasGlobMeta("\\*.toml")).toBe(true);
    expect(hasGlobMeta("fix-CVE-2025-1234.patch")).toBe(false);
    expect(matchGlob("fix-CVE-2025-1234.patch", "fix-CVE-2025-1234.patch")).toBe(true);
  });
});

describe("hasWildcard", () => {
  it("is true for unescaped * ? [ only, like azldev's include/overlay-files rule", () => {
    expect(hasWildcard("**/*.comp.toml")).toBe(true);
    expect(hasWildcard("a?.toml")).toBe(true);
    expect(hasWildcard("[ab].toml")).toBe(true);
    expect(hasWildcard("component-check-disablement.toml")).toBe(false);
    expect(hasWildcard("{a,b}.toml")).toBe(false);
    expect(hasWildcard("\\*.toml")).toBe(false);
  });
});

describe("expandGlob", () => {
  const tree = [
    "base/comps/components.toml",
    "base/comps/a-b/a-b.comp.toml",
    "base/comps/a/a.comp.toml",
    "base/comps/z.comp.toml",
    "base/comps/a/nested/n.comp.toml",
    "base/comps/a/a.comp.toml",
    "base/comps/bash/bash.comp.toml",
  ];
  it("returns matches de-duplicated in directory-walk order", () => {
    expect(expandGlob("base/comps/**/*.comp.toml", tree)).toEqual([
      "base/comps/a/a.comp.toml",
      "base/comps/a/nested/n.comp.toml",
      "base/comps/a-b/a-b.comp.toml",
      "base/comps/bash/bash.comp.toml",
      "base/comps/z.comp.toml",
    ]);
  });
  it("throws GlobPatternError for a malformed pattern", () => {
    expect(() => expandGlob("base/[x", tree)).toThrow(GlobPatternError);
  });
  it("orders by segments, not by raw string", () => {
    expect(["a-b/x", "a/x"].sort(compareWalkOrder)).toEqual(["a/x", "a-b/x"]);
    expect(["a/b", "a"].sort(compareWalkOrder)).toEqual(["a", "a/b"]);
  });
});
