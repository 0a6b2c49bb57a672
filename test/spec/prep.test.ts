import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { applicationOf, evaluateSpec, lineActivity, listSourcesAndPatches, parseSpec, patchApplication, specMacros } from "../../src/spec/index.js";

const SPEC = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "fixtures/frob-prep.spec"), "utf8");

describe("patchApplication", () => {
  const spec = parseSpec(SPEC);
  const prepLine = SPEC.split("\n").indexOf("%prep") + 1;
  const lineOf = (text: string) => SPEC.split("\n").indexOf(text) + 1;

  it("lists every applying line of %prep with its method, numbers and line", () => {
    const { prepLine: found, applications } = patchApplication(spec, { defines: { fedora: "43" }, arch: "x86_64" });
    expect(found).toBe(prepLine);
    expect(applications.map((a) => [a.method, a.kind, a.numbers, a.range, a.line, a.active])).toEqual([
      ["autopatch", "Patch", "all", { max: 9 }, lineOf("%autopatch -p1 -M 9"), true],
      ["%patch", "Patch", [10], undefined, lineOf("%patch10 -p1"), true],
      ["%patch", "Patch", [11], undefined, lineOf("%patch -P 11 -p1"), true],
      ["%patch", "Patch", [20], undefined, lineOf("%patch -P20 -p1"), true],
      ["%patch", "Patch", [21], undefined, lineOf("%patch 21 -p1 -b .old"), false],
      ["patch-command", "Source", [1], undefined, lineOf("patch -p1 < %{SOURCE1}"), true],
      ["patch-command", "Source", [2], undefined, lineOf("%{__patch} -p1 -i %{_sourcedir}/frob-fix-build.patch"), true],
    ]);
    expect(applications[0]?.text).toBe("%autopatch -p1 -M 9");
  });

  it("honours --with / --without and leaves undecidable lines undecided", () => {
    const withLegacy = patchApplication(spec, { defines: { fedora: "43" }, with: ["legacy"] });
    expect(applicationOf(withLegacy.applications, "Patch", 21)?.active).toBe(true);
    // without the version macro the v"" comparison cannot be decided
    const bare = patchApplication(parseSpec(SPEC.replace("Version: 2.0~rc1", "Version: %{upstream_version}")));
    expect(applicationOf(bare.applications, "Patch", 20)?.active).toBeUndefined();
  });

  it("answers which application covers a given entry", () => {
    const { applications } = patchApplication(spec, { defines: { fedora: "43" } });
    const method = (kind: "Patch" | "Source", n: number) => applicationOf(applications, kind, n)?.method;
    expect(method("Patch", 2)).toBe("autopatch");
    expect(method("Patch", 10)).toBe("%patch"); // beyond -M 9, but an explicit line applies it
    expect(method("Patch", 20)).toBe("%patch");
    expect(method("Patch", 21)).toBeUndefined(); // only in a branch not taken
    expect(method("Source", 1)).toBe("patch-command");
    expect(method("Source", 0)).toBeUndefined();
  });

  it("treats %autosetup without -N as applying every patch, and a bare %patch as patch 0", () => {
    const autosetup = parseSpec("Name: a\nPatch0: a.patch\nPatch5: b.patch\n%prep\n%autosetup -p1\n");
    expect(applicationOf(patchApplication(autosetup).applications, "Patch", 5)?.method).toBe("autosetup");
    const bare = parseSpec("Name: a\nPatch0: a.patch\n%prep\n%setup -q\n%patch -p1\n");
    expect(patchApplication(bare).applications.map((a) => a.numbers)).toEqual([[0]]);
    expect(patchApplication(parseSpec("Name: a\nPatch0: a.patch\n")).applications).toEqual([]);
  });
});

describe("build options in conditional evaluation", () => {
  const spec = parseSpec(SPEC);

  it("evaluates conditionals per architecture, with spelling aliases and the arch macros", () => {
    const active = (options: Parameters<typeof listSourcesAndPatches>[1]) =>
      listSourcesAndPatches(spec, options)
        .filter((e) => e.kind === "Patch")
        .map((e) => [e.number, e.conditional ? e.active : true]);
    expect(active({ defines: { fedora: "43" }, arch: "x86_64" })).toEqual([
      [0, false],
      [1, false],
      [2, true],
      [3, true], // `amd64` names x86_64
      [10, true],
      [11, undefined],
      [20, true],
      [21, true],
    ]);
    expect(active({ defines: { fedora: "39" }, arch: "aarch64", with: ["legacy"], without: ["docs"] })).toEqual([
      [0, true],
      [1, false],
      [2, false],
      [3, false],
      [10, false],
      [11, undefined],
      [20, true],
      [21, true],
    ]);
    const archSpec = parseSpec("Name: a\n%if \"%{_arch}\" == \"aarch64\"\nPatch0: arm.patch\n%endif\n");
    expect(listSourcesAndPatches(archSpec, { arch: "aarch64" })[0]?.active).toBe(true);
    expect(listSourcesAndPatches(archSpec, { arch: "x86_64" })[0]?.active).toBe(false);
  });

  it("reports per line whether rpm reads it", () => {
    const activity = lineActivity(spec, { defines: { fedora: "43" }, arch: "x86_64" });
    const lines = SPEC.split("\n");
    expect(activity[lines.indexOf("Patch0: old-fedora.patch") + 1]).toBe(false);
    expect(activity[lines.indexOf("Patch2: modern.patch") + 1]).toBe(true);
    expect(activity[lines.indexOf("Patch11: unknown.patch") + 1]).toBeUndefined();
    expect(activity[lines.indexOf("Name: %{srcname}") + 1]).toBe(true);
  });

  it("gives the listing, macros and activity of one read together", () => {
    const options = { defines: { fedora: "39" }, arch: "aarch64", with: ["legacy"] };
    const evaluation = evaluateSpec(spec, options);
    expect(evaluation.entries).toEqual(listSourcesAndPatches(spec, options));
    expect([...evaluation.macros]).toEqual([...specMacros(spec, options)]);
    expect(evaluation.activity).toEqual(lineActivity(spec, options));
    expect(evaluation.macros.get("with_legacy")).toBe("1");
    expect(evaluation.macros.get("_arch")).toBe("aarch64");
  });

  it("ignores a trailing comment on a directive line", () => {
    const commented = parseSpec("Name: a\n%if 0%{?fedora} >= 40 # new enough\nPatch0: new.patch\n%endif\n");
    expect(listSourcesAndPatches(commented, { defines: { fedora: "41" } })[0]?.active).toBe(true);
  });
});

describe("rpm numbering of unnumbered Source/Patch entries", () => {
  it("continues from the highest number read so far, skipping branches not taken", () => {
    const spec = parseSpec(
      ["Name: a", "Patch3: three.patch", "Patch: four.patch", "%if 0", "Patch40: never.patch", "%endif", "Patch: five.patch", "Patch1: one.patch", "Patch: six.patch", "%patchlist", "seven.patch", ""].join("\n"),
    );
    expect(listSourcesAndPatches(spec).map((e) => [e.value, e.number])).toEqual([
      ["three.patch", 3],
      ["four.patch", 4],
      ["never.patch", 40],
      ["five.patch", 5],
      ["one.patch", 1],
      ["six.patch", 6],
      ["seven.patch", 7],
    ]);
  });
});

describe("conditions of listed entries", () => {
  it("names the innermost branch rpm may not take, as written", () => {
    const entries = listSourcesAndPatches(parseSpec(SPEC), { defines: { fedora: "43" }, arch: "x86_64" });
    const condition = (value: string) => entries.find((e) => e.value === value)?.condition;
    expect(condition("old-fedora.patch")).toBe("%if 0%{?fedora} && 0%{?fedora} < 40");
    expect(condition("legacy.patch")).toBe("%elif %{with legacy}");
    expect(condition("modern.patch")).toBeUndefined(); // taken
    expect(condition("unknown.patch")).toBe("%if %{undefined_macro_here} > 1");
    const withLegacy = listSourcesAndPatches(parseSpec(SPEC), { defines: { fedora: "43" }, with: ["legacy"] });
    expect(withLegacy.find((e) => e.value === "modern.patch")?.condition).toBe("%else of %elif %{with legacy}");
  });

  it("decides %ifarch on the known part of a list with unknown macros", () => {
    const spec = parseSpec("Name: a\n%ifarch %{ix86} x86_64\nPatch0: x86.patch\n%endif\n%ifnarch %{ix86} x86_64\nPatch1: other.patch\n%endif\n");
    const active = (arch: string) => listSourcesAndPatches(spec, { arch }).map((e) => e.active);
    expect(active("x86_64")).toEqual([true, false]);
    expect(active("aarch64")).toEqual([undefined, undefined]);
  });
});
