import { describe, expect, it } from "vitest";
import type { LineOrigin } from "../../src/overlays/index.js";
import { apply, spec } from "./helpers.js";

const brief = (o: LineOrigin) => (o.kind === "input" ? `in:${o.line}` : `ov:${o.index}${o.rewrites !== undefined ? `@${o.rewrites}` : ""}`);

describe("provenance", () => {
  const text = spec("Name: foo", "Version: 1", "Release: 1", "", "%description", "Foo.", "", "%build", "make", "", "%changelog", "- x");

  it("gives every output line its source: an input line, or the overlay that wrote or rewrote it", () => {
    const out = apply(text, [
      { type: "spec-update-tag", tag: "Release", value: "2", description: "bump" },
      { type: "spec-prepend-lines", section: "%build", lines: ["export A=1", "export B=2"] },
      { type: "spec-remove-section", section: "%changelog" },
      { type: "spec-append-lines", lines: ["# end"] },
    ]);
    const lines = out.spec.split("\n").slice(0, -1);
    expect(out.provenance).toHaveLength(lines.length);
    expect(out.provenance.map(brief)).toEqual([
      "in:1",
      "in:2",
      "ov:0@3",
      "in:4",
      "in:5",
      "in:6",
      "in:7",
      "in:8",
      "ov:1",
      "ov:1",
      "in:9",
      "in:10",
      "ov:3",
    ]);
    const rewritten = out.provenance[2];
    expect(rewritten).toMatchObject({ kind: "overlay", index: 0, type: "spec-update-tag", description: "bump", rewrites: 3 });
  });

  it("carries the comp.toml location of configured overlays", () => {
    const origin = { file: "base/comps/foo/foo.comp.toml", line: 7, column: 1 };
    const out = apply(text, { type: "spec-add-tag", tag: "BuildRequires", value: "gcc", origin } as never);
    expect(out.provenance.find((p) => p.kind === "overlay")).toMatchObject({ origin });
  });

  it("a multi-line element yields one entry per physical line", () => {
    const out = apply("Name: a\n", { type: "spec-append-lines", lines: ["x\ny"] });
    expect(out.spec).toBe("Name: a\nx\ny\n");
    expect(out.provenance.map(brief)).toEqual(["in:1", "ov:0", "ov:0"]);
  });

  it("without spec overlays the provenance is the input itself", () => {
    const out = apply("a\nb", [], {});
    expect(out.spec).toBe("a\nb");
    expect(out.provenance.map(brief)).toEqual(["in:1", "in:2"]);
  });
});
