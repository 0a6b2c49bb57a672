import { describe, expect, it } from "vitest";
import type { ConfiguredOverlay } from "../../src/azldev/types.js";
import { lintOverlays } from "../../src/review/lint.js";

const COMP = "base/comps/apache-ivy/apache-ivy.comp.toml";

function inlineEntry(line: number, overlay: Partial<ConfiguredOverlay>): ConfiguredOverlay {
  return { type: "file-add", description: "Add the pack200 removal patch", file: "remove-Pack200Packing-java.patch", source: "remove-Pack200Packing-java.patch", ...overlay, origin: { file: COMP, line, column: 5 }, via: "inline-array" } as ConfiguredOverlay;
}

describe("the inline overlays = [...] lint", () => {
  it("tells a component that starts an inline array to write tables", () => {
    const findings = lintOverlays("apache-ivy", [inlineEntry(3, {})]);
    expect(findings.map((f) => [f.rule, f.level, f.path, f.line])).toEqual([["overlay-lint", "notice", COMP, 3]]);
    expect(findings[0]?.message).toContain("one `[[components.apache-ivy.overlays]]` table per overlay");
  });

  it("stays quiet when the component already keeps its overlays that way: one more entry follows its convention", () => {
    expect(lintOverlays("apache-ivy", [inlineEntry(12, {})], { inlineArrayIsConvention: true })).toEqual([]);
    // the other lints still apply to such an entry
    const unscoped = inlineEntry(13, { type: "spec-search-replace", regex: "patch -p1", replacement: "patch -p2" });
    expect(lintOverlays("apache-ivy", [unscoped], { inlineArrayIsConvention: true }).map((f) => f.level)).toEqual(["warning"]);
  });
});
