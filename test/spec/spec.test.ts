import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  classifyLine,
  expandMacros,
  goQ,
  listSourcesAndPatches,
  packageFromHeaderTokens,
  parseSpec,
  patchTagNumber,
  tagFamily,
} from "../../src/spec/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const widget = readFileSync(join(here, "fixtures/widget.spec"), "utf8");

describe("lossless round trip", () => {
  const inputs: Record<string, string> = {
    empty: "",
    "no trailing newline": "Name: x\nVersion: 1",
    crlf: "Name: x\r\nVersion: 1\r\n\r\n%description\r\nText\r\n",
    "mixed endings": "a\r\nb\nc\r",
    "lone CR inside a line": "Name: a\rb\n",
    "only newlines": "\n\n\n",
    "non-ASCII": "Summary: Ünïcødé – 日本語 😀\n%description\nñ\n",
    "binary garbage": String.fromCharCode(...Array.from({ length: 512 }, (_, i) => (i * 37 + 1) % 256 || 1)),
    "BOM and NEL": "\uFEFFName: x\n\u0085%files\n",
  };
  for (const [name, text] of Object.entries(inputs)) {
    it(name, () => {
      expect(parseSpec(text).toString()).toBe(text);
      const spec = parseSpec(text);
      expect(spec.lines.map((l) => l.text + l.eol).join("")).toBe(text);
    });
  }

  it("the realistic fixture", () => {
    expect(parseSpec(widget).toString()).toBe(widget);
  });

  it("CRLF lines still carry tags, with the CR in the terminator", () => {
    const spec = parseSpec("Name: x\r\nVersion: 1\r\n");
    expect(spec.tags.map((t) => [t.name, t.value])).toEqual([
      ["Name", "x"],
      ["Version", "1"],
    ]);
    expect(spec.lines[0]?.eol).toBe("\r\n");
  });

  it("empty input has no lines and only the preamble", () => {
    const spec = parseSpec("");
    expect(spec.lines).toHaveLength(0);
    expect(spec.sections).toHaveLength(1);
    expect(spec.sections[0]?.name).toBe("");
  });
});

describe("header package qualifiers (azldev table)", () => {
  const cases: [string, string][] = [
    ["%package", ""],
    ["%package -q", ""],
    ["%package -x", ""],
    ["%package foo", "foo"],
    ["%package -n foo", "foo"],
    ["%files -f %{name}.lang", ""],
    ["%files devel -f devel.list", "devel"],
    ["%description -l fr foo", "foo"],
    ["%post -p /sbin/ldconfig libs", "libs"],
    ["%triggerin -- bash", ""],
    ["%triggerin devel -p /bin/sh -- foo", "devel"],
    ["%filetriggerin -P 100 -- /usr/lib", ""],
    ["%files -n %{name}-devel", "%{name}-devel"],
    ["%package devel -n other", "other"],
    ["%package -n", ""],
    ["%files a b", "a"],
    ["%postun -p <lua> -n lib", "lib"],
  ];
  for (const [header, pkg] of cases) {
    it(`${header} → "${pkg}"`, () => {
      const cls = classifyLine(header, true);
      expect(cls.kind).toBe("header");
      if (cls.kind === "header") expect(packageFromHeaderTokens(cls.tokens).name).toBe(pkg);
    });
  }

  it("changelog and source lists never carry a package", () => {
    const spec = parseSpec("Name: a\n%changelog foo\n%patchlist bar\nx.patch\n");
    expect(spec.sections.map((s) => [s.name, s.package])).toEqual([
      ["", ""],
      ["%changelog", ""],
      ["%patchlist", ""],
    ]);
  });
});

describe("sections, tags and line kinds of a realistic spec", () => {
  const spec = parseSpec(widget);

  it("sections keep the header spelling and package form", () => {
    const named = spec.sections.map((s) => `${s.name}|${s.package}|${s.packageForm}`);
    expect(named).toContain("%package|devel|suffix");
    expect(named).toContain("%description|python3-widget|absolute");
    expect(named).toContain("%files|devel|suffix");
    expect(named).toContain("%post|devel|suffix");
    expect(named).toContain("%triggerin|devel|suffix");
    expect(spec.subpackages()).toEqual(["devel", "python3-widget"]);
    expect(spec.sectionsOfPackage("devel").map((s) => s.name)).toEqual(["%package", "%description", "%post", "%triggerin", "%files"]);
  });

  it("tags are found in the preamble and %package sections only, with families and numbers", () => {
    const sources = spec.tags.filter((t) => t.family === "source");
    expect(sources.map((t) => [t.name, t.number ?? null])).toEqual([
      ["Source0", 0],
      ["Source1", 1],
      ["Source", null],
      ["Source2", 2],
      ["Source3", 3],
    ]);
    expect(spec.tag("requires(post)")?.value).toBe("systemd");
    expect(spec.tag("Requires")).toBeUndefined();
    expect(spec.tagsOf("devel").map((t) => t.name)).toEqual(["Summary", "Requires"]);
    expect(spec.tagsOf("python3-widget").map((t) => t.name)).toEqual(["Summary"]);
    expect(spec.tagsOf("no-such-package")).toEqual([]);
    expect(spec.tagsOf().map((t) => t.name).slice(0, 3)).toEqual(["Name", "Version", "Release"]);
    // azldev quirks kept: an indented comment with a colon and a %{lua: ...} line are tags
    expect(spec.tag("#indented")?.value).toBe("comment");
    expect(spec.tag("%{lua")).toBeDefined();
    // the tag inside %if knows its conditional
    const doc = spec.tag("Source2");
    expect(doc?.conditional).toBeDefined();
    expect(spec.conditionals[doc?.conditional ?? -1]?.condition).toBe("%{with docs}");
  });

  it("conditionals pair up with their branches", () => {
    expect(spec.conditionals.map((c) => [c.directive, c.condition, c.branches.length, c.endLine !== undefined])).toEqual([
      ["%if", "%{with docs}", 0, true],
      ["%ifarch", "x86_64 aarch64", 1, true],
    ]);
    expect(spec.diagnostics).toEqual([]);
  });

  it("line kinds", () => {
    const kindOf = (text: string) => spec.lines.find((l) => l.text === text)?.kind;
    expect(kindOf("%global major 2") ?? kindOf("%define major 2")).toBe("macro");
    expect(kindOf("%else")).toBe("conditional");
    expect(kindOf("%build")).toBe("header");
    expect(kindOf("")).toBe("blank");
    expect(kindOf("make check")).toBe("text");
  });

  it("macro definitions", () => {
    expect(spec.macros.map((m) => [m.kind, m.name])).toEqual([
      ["global", "forgeurl"],
      ["global", "commit"],
      ["global", "shortcommit"],
      ["define", "major"],
    ]);
  });
});

describe("conditional diagnostics", () => {
  it("reports an unmatched %endif and an unclosed %if with line numbers, never throws", () => {
    const spec = parseSpec("Name: a\n%endif\n%if 1\n%ifarch x86_64\nfoo\n%endif\n%else\n");
    expect(spec.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["unmatched-endif", 2],
      ["unclosed-if", 3],
    ]);
    expect(spec.diagnostics[0]?.message).toBe("unmatched %endif at line 2");
  });

  it("reports %else outside any %if", () => {
    const spec = parseSpec("%else\n");
    expect(spec.diagnostics.map((d) => d.code)).toEqual(["branch-outside-if"]);
  });

  it("comment lines are not directives", () => {
    const spec = parseSpec("# %if 1\n  # %endif\n");
    expect(spec.diagnostics).toEqual([]);
    expect(spec.conditionals).toEqual([]);
  });

  it("flags a line azldev cannot read (64 KiB or more)", () => {
    const spec = parseSpec(`Name: a\n${"x".repeat(70_000)}\n`);
    expect(spec.diagnostics.map((d) => [d.code, d.line])).toEqual([["line-too-long", 2]]);
  });
});

describe("tag helpers", () => {
  it("families and PatchN numbers", () => {
    expect(tagFamily("Source9999")).toBe("source");
    expect(tagFamily("BuildRequires")).toBe("buildrequires");
    expect(tagFamily("123")).toBe("123");
    for (const t of ["Patch0", "patch0", "PATCH5", "Patch99"]) expect(patchTagNumber(t)).toBeTypeOf("number");
    for (const t of ["Patch", "PatchFoo", "Source0", "Name", ""]) expect(patchTagNumber(t)).toBeUndefined();
  });

  it("Go %#q quoting", () => {
    expect(goQ("a b")).toBe("`a b`");
    expect(goQ("a`b")).toBe('"a`b"');
    expect(goQ("a\nb")).toBe('"a\\nb"');
    expect(goQ("tab\there")).toBe("`tab\there`");
  });
});

describe("macro expansion", () => {
  const table = new Map<string, string | { params: string; body: string }>([
    ["name", "widget"],
    ["version", "2.4"],
    ["url", "https://example.org/%{name}"],
    ["empty", ""],
    ["fn", { params: "a:", body: "x" }],
  ]);

  it("expands plain, braced, conditional and negated forms", () => {
    expect(expandMacros("%{name}-%version.tar.gz", table).value).toBe("widget-2.4.tar.gz");
    expect(expandMacros("%{url}/v%{version}", table).value).toBe("https://example.org/widget/v2.4");
    expect(expandMacros("a%{?dist}b", table).value).toBe("ab");
    expect(expandMacros("%{?name:yes}%{!?name:no}%{?missing:yes}%{!?missing:no}", table).value).toBe("yesno");
    expect(expandMacros("%{!?name}", table).value).toBe("");
    expect(expandMacros("100%%", table).value).toBe("100%");
    expect(expandMacros("%{lower:ABC}-%{basename:/a/b.tgz}-%{suffix:x.tar.gz}", table).value).toBe("abc-b.tgz-gz");
    expect(expandMacros("%{?name:%{?version:%{name}-%{version}}}", table).value).toBe("widget-2.4");
  });

  it("reports what it cannot expand and leaves it as written", () => {
    const r = expandMacros("%{missing}/%(echo hi)/%{lua: return 1}/%[1+1]/%{fn}", table);
    expect(r.value).toBe("%{missing}/%(echo hi)/%{lua: return 1}/%[1+1]/%{fn}");
    expect(r.complete).toBe(false);
    expect(r.unexpandable).toEqual(["missing", "%(...)", "%{lua:...}", "%[...]", "fn()"]);
  });

  it("keeps a macro bomb bounded", () => {
    const bomb = new Map<string, string>();
    bomb.set("a0", "xxxxxxxxxx");
    for (let i = 1; i <= 40; i++) bomb.set(`a${i}`, `%{a${i - 1}}%{a${i - 1}}`);
    const r = expandMacros("%{a40}", bomb);
    expect(r.truncated).toBe(true);
    expect(r.value.length).toBeLessThanOrEqual(64 * 1024);
    const recursive = expandMacros("%{self}", new Map([["self", "x%{self}"]]));
    expect(recursive.truncated).toBe(true);
    expect(recursive.complete).toBe(false);
  });
});

describe("listSourcesAndPatches (spectool equivalent)", () => {
  it("lists tags with expansion, numbers, fragments and unexpandable values", () => {
    const spec = parseSpec(widget);
    const list = listSourcesAndPatches(spec, { defines: { dist: ".azl4" } });
    const brief = list.map((e) => [e.kind, e.number, e.expanded, e.fileName ?? null, e.unexpandable ?? null]);
    // rpm numbers the bare `Source:` one past Source1 (so the conditional Source2 would collide in rpm)
    expect(brief).toEqual([
      ["Source", 0, "https://github.com/example/widget/archive/v2.4.1/widget-2.4.1.tar.gz", "widget-2.4.1.tar.gz", null],
      ["Source", 1, "widget.sysusers", "widget.sysusers", null],
      ["Source", 2, "widget-extra-2.tar.xz", "widget-extra-2.tar.xz", null],
      ["Patch", 0, "0001-fix-build.patch", "0001-fix-build.patch", null],
      ["Patch", 1, "https://github.com/example/widget/pull/33.patch#/widget-pr33.patch", "widget-pr33.patch", null],
      ["Source", 2, "docs-2.4.1.tar.gz", "docs-2.4.1.tar.gz", null],
      ["Source", 3, "%(c=%{commit}; echo ${c:0:7}).tar.gz", expect.any(String), "%(...)"],
    ]);
    expect(list.find((e) => e.value.startsWith("docs-"))?.conditional).toBe(true);
  });

  it("includes %patchlist and %sourcelist entries", () => {
    const spec = parseSpec("Name: foo\nVersion: 1\n%sourcelist\n%{name}-%{version}.tar.gz\n\n%patchlist\n# a comment\nfix-%{name}.patch\nhttps://example.org/p/2.patch\n");
    const list = listSourcesAndPatches(spec);
    expect(list.map((e) => [e.kind, e.expanded, e.fromList, e.line])).toEqual([
      ["Source", "foo-1.tar.gz", true, 4],
      ["Patch", "fix-foo.patch", true, 8],
      ["Patch", "https://example.org/p/2.patch", true, 9],
    ]);
  });
});

describe("conditions when listing sources", () => {
  const text = [
    "Name: cond",
    "Version: 1",
    "%bcond_without tests",
    "%bcond_with bootstrap",
    "%if 0%{?fedora} >= 40",
    "Patch1: fedora-only.patch",
    "%elif 0%{?rhel}",
    "Patch2: rhel-only.patch",
    "%else",
    "Patch3: other.patch",
    "%endif",
    "%if %{with tests} && !%{with bootstrap}",
    "Source1: tests.tar.gz",
    "%endif",
    "%ifarch x86_64 %{arm64}",
    "Source2: simd.tar.gz",
    "%endif",
    '%if "%{_vendor}" == "redhat"',
    "Source3: vendor.tar.gz",
    "%endif",
    "%if 0",
    "%global hidden 1",
    "Source4: never-%{?hidden}.tar.gz",
    "%endif",
    "Source5: after-%{?hidden}x.tar.gz",
    "",
  ].join("\n");

  const activeOf = (options: Parameters<typeof listSourcesAndPatches>[1]) =>
    Object.fromEntries(listSourcesAndPatches(parseSpec(text), options).map((e) => [e.expanded, e.active ?? (e.conditional ? "unknown" : "always")]));

  it("decides %if/%elif/%else, bcond and %ifarch with the given macros and arch", () => {
    expect(activeOf({ arch: "x86_64", defines: { arm64: "aarch64" } })).toEqual({
      "fedora-only.patch": false,
      "rhel-only.patch": false,
      "other.patch": true,
      "tests.tar.gz": true,
      "simd.tar.gz": true,
      "vendor.tar.gz": "unknown",
      "never-.tar.gz": false,
      "after-x.tar.gz": "always",
    });
    const fedora = activeOf({ defines: { fedora: "41", _with_bootstrap: "1", _vendor: "redhat" } });
    expect(fedora["fedora-only.patch"]).toBe(true);
    expect(fedora["rhel-only.patch"]).toBe(false);
    expect(fedora["tests.tar.gz"]).toBe(false);
    expect(fedora["simd.tar.gz"]).toBe("unknown");
    expect(fedora["vendor.tar.gz"]).toBe(true);
  });
});

describe("sources rpm generates at parse time", () => {
  it("lists macro-numbered tags and reports Lua-generated ones as gaps", async () => {
    const { sourceListingGaps } = await import("../../src/spec/index.js");
    const text = [
      "Name: bashlike",
      "%global patchlevel 3",
      "%global n 7",
      "%{lua:for i=1,rpm.expand('%{patchlevel}') do",
      "    print(string.format('Patch%u: bash-patch-%u.patch\\n', i, i))",
      "end}",
      "Patch%{n}: seven.patch",
      "Patch%{unknown}: mystery.patch",
      "Source0: a.tar.gz",
      "%description",
      "%{lua: print('in a description is harmless')}",
      "",
    ].join("\n");
    const spec = parseSpec(text);
    expect(listSourcesAndPatches(spec).map((e) => [e.kind, e.number, e.expanded])).toEqual([
      ["Patch", 7, "seven.patch"],
      ["Source", 0, "a.tar.gz"],
    ]);
    expect(sourceListingGaps(spec)).toEqual([
      { line: 4, reason: "%{lua: can generate Source/Patch tags at parse time" },
      { line: 8, reason: "tag name Patch%{unknown} cannot be expanded" },
    ]);
    expect(sourceListingGaps(parseSpec(widget)).map((g) => g.line)).toEqual([parseSpec(widget).tag("%{lua")?.line]);
  });
});
