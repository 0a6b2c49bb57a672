import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listSourcesAndPatches, parseSpec } from "../../src/spec/index.js";
import { findSpecs, hasCorpus, sampleDir } from "./corpus.js";

describe.skipIf(!hasCorpus)("real specs of the corpus sample", () => {
  const specs = findSpecs(sampleDir);

  it("finds the sample's specs", () => {
    expect(specs.length).toBeGreaterThan(10);
  });

  it("every spec round-trips byte-identically", () => {
    for (const rel of specs) {
      const bytes = readFileSync(join(sampleDir, rel));
      const text = bytes.toString("utf8");
      expect(Buffer.from(text, "utf8").equals(bytes), `${rel} is valid UTF-8`).toBe(true);
      expect(parseSpec(text).toString(), rel).toBe(text);
    }
  });

  it("every spec has a main-package Name and balanced conditionals", () => {
    for (const rel of specs) {
      const spec = parseSpec(readFileSync(join(sampleDir, rel), "utf8"));
      expect(spec.tag("Name"), rel).toBeDefined();
      expect(spec.diagnostics.filter((d) => d.severity === "error"), rel).toEqual([]);
      const lineCount = spec.lines.length;
      // Sections tile the file: each starts right after the previous one ends.
      let expected = 1;
      for (const s of spec.sections) {
        const start = s.index === 0 ? 1 : s.headerLine;
        expect(start, `${rel} section ${s.name}`).toBe(expected);
        expected = s.endLine + 1;
      }
      expect(expected - 1).toBe(lineCount);
    }
  });

  it("lists Source0 of every spec with a file name", () => {
    for (const rel of specs) {
      const spec = parseSpec(readFileSync(join(sampleDir, rel), "utf8"));
      const sources = listSourcesAndPatches(spec);
      const hasSourceTag = spec.tags.some((t) => t.family === "source" && (t.number !== undefined || t.name.toLowerCase() === "source"));
      if (hasSourceTag) expect(sources.some((s) => s.kind === "Source"), rel).toBe(true);
      for (const s of sources) expect(s.line).toBeGreaterThan(0);
    }
  });
});
