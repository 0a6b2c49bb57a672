import { describe, expect, it } from "vitest";
import { unappliedPatches } from "../../src/review/lint.js";
import { specLines } from "../../src/review/spec-scan.js";

const spec = (prep: string[]) =>
  specLines(
    [
      "Name: frob",
      "Version: 1.2",
      "URL: https://example.org/frob",
      "Source0: %{url}/frob-%{version}.tar.gz",
      "Patch0: frob-build.patch",
      "Patch1: %{url}/pull/7.patch#/frob-pr7.patch",
      "%if 0%{?fedora}",
      "Patch2: frob-fedora.patch",
      "%endif",
      "Patch12: %{name}-azl.patch",
      "Patch13: %{forgeurl}/pull/9.patch#/frob-pr9.patch",
      "",
      "%description",
      "Frob.",
      "",
      "%prep",
      ...prep,
      "",
      "%files",
      "/usr/bin/frob",
      "",
    ].join("\n"),
  );

const NEW = new Set(["frob-build.patch", "frob-pr7.patch", "frob-fedora.patch", "frob-azl.patch", "frob-pr9.patch"]);

describe("unappliedPatches", () => {
  it("names new patches that no %prep line applies, with their number and tag line", () => {
    const found = unappliedPatches(spec(["%setup -q", "%patch -P0 -p1", "%patch1 -p1"]), NEW);
    expect(found).toEqual([
      { file: "frob-fedora.patch", number: 2, line: 8 },
      { file: "frob-azl.patch", number: 12, line: 10 },
      { file: "frob-pr9.patch", number: 13, line: 11 }, // named by its fragment although %{forgeurl} is unknown
    ]);
  });

  it("counts %autopatch bounds, hand-written patch commands and lines inside conditionals", () => {
    const found = unappliedPatches(
      spec(["%autosetup -N", "%autopatch -p1 -M 1", "%if 0%{?fedora}", "%patch 2 -p1", "%endif", "patch -p1 < %{PATCH12}", "%patch 13 -p1"]),
      NEW,
    );
    expect(found).toEqual([]);
    expect(unappliedPatches(spec(["%autosetup -N", "%autopatch -p1 -m 2"]), NEW).map((u) => u.number)).toEqual([0, 1]);
  });

  it("has nothing to say when %prep applies every patch or no patch is new", () => {
    expect(unappliedPatches(spec(["%autosetup -p1"]), NEW)).toEqual([]);
    expect(unappliedPatches(spec(["%setup -q"]), new Set())).toEqual([]);
    expect(unappliedPatches(spec(["%setup -q"]), new Set(["other.patch"]))).toEqual([]);
  });
});
