import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Overlay } from "../../src/azldev/types.js";
import { applyOverlays } from "../../src/overlays/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const input = readFileSync(join(here, "fixtures/gizmo.spec"), "utf8");
const expected = readFileSync(join(here, "fixtures/gizmo.expected.spec"), "utf8");

/** The overlay list azldev builds for a component: macros file, user overlays, check skip, banner. */
const overlays: Overlay[] = [
  { type: "spec-prepend-lines", lines: ["# Build configuration macros for this component.", "%{load:%{_sourcedir}/gizmo.azl.macros}", ""] },
  { type: "spec-insert-tag", tag: "Source9999", value: "gizmo.azl.macros" },
  { type: "patch-add", source: "base/comps/gizmo/0003-fix-build.patch", description: "Fix the build with gcc 15" },
  { type: "spec-remove-subpackage", package: "python3-gizmo", description: "No Python bindings" },
  { type: "spec-search-replace", section: "%build", regex: "-Dtests=true", replacement: "-Dtests=false" },
  { type: "spec-add-tag", tag: "BuildRequires", value: "ninja-build" },
  { type: "spec-remove-tag", package: "devel", tag: "Requires" },
  { type: "file-add", file: "gizmo.tmpfiles", source: "base/comps/gizmo/gizmo.tmpfiles" },
  { type: "spec-prepend-lines", section: "%check", lines: ["# Check section disabled: needs gizmo hardware", "exit 0", ""] },
  {
    type: "spec-prepend-lines",
    lines: ["# This spec file has been modified by azldev to include build configuration overlays.", "# Do not edit manually; changes may be overwritten.", ""],
  },
];

const sourceFiles = {
  "base/comps/gizmo/0003-fix-build.patch": "--- a/meson.build\n+++ b/meson.build\n",
  "base/comps/gizmo/gizmo.tmpfiles": "d /run/gizmo 0755 root root -\n",
};

describe("a realistic component: macros file, user overlays, check skip, banner", () => {
  const result = applyOverlays({ spec: input, files: { "gizmo.sysusers": "u gizmo - -\n", sources: "SHA512 (gizmo-3.1.0.tar.gz) = 00\n" } }, overlays, {
    sourceFiles,
    component: "gizmo",
  });

  it("renders the expected spec", () => {
    expect(result.spec).toBe(expected);
  });

  it("copies the patch and the added file next to the spec", () => {
    expect(Object.keys(result.files).sort()).toEqual(["0003-fix-build.patch", "gizmo.sysusers", "gizmo.tmpfiles", "sources"]);
    expect(result.files["0003-fix-build.patch"]).toBe(sourceFiles["base/comps/gizmo/0003-fix-build.patch"]);
  });

  it("attributes every added or rewritten line to its overlay", () => {
    const lines = result.spec.split("\n").slice(0, -1);
    expect(result.provenance).toHaveLength(lines.length);
    const byOverlay = (index: number) => lines.filter((_, i) => {
      const o = result.provenance[i];
      return o?.kind === "overlay" && o.index === index;
    });
    expect(byOverlay(1)).toEqual(["Source9999: gizmo.azl.macros"]);
    expect(byOverlay(2)).toEqual(["0003-fix-build.patch"]);
    expect(byOverlay(4)).toEqual(["%meson -Dtests=false"]);
    expect(byOverlay(9)).toHaveLength(3);
    const meson = result.provenance[lines.indexOf("%meson -Dtests=false")];
    expect(meson).toMatchObject({ kind: "overlay", index: 4, rewrites: input.split("\n").indexOf("%meson -Dtests=true") + 1 });
    // Every other line maps back to the same text in the input.
    const inputLines = input.split("\n");
    lines.forEach((text, i) => {
      const o = result.provenance[i];
      if (o?.kind === "input") expect(inputLines[o.line - 1]).toBe(text);
    });
  });
});
