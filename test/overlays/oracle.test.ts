import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Overlay } from "../../src/azldev/types.js";
import { OverlayError, applyOverlays } from "../../src/overlays/index.js";
import { hasOracle, oracleFile, sampleDir } from "../spec/corpus.js";

interface OracleCase {
  id: string;
  spec: string;
  overlays: Overlay[];
  expect: { ok: boolean; sha256: string | null; error: string | null; failed_index: number | null };
}

interface Outcome {
  ok: boolean;
  sha256: string | null;
  error: string | null;
  failed_index: number | null;
}

function run(c: OracleCase): Outcome {
  const spec = readFileSync(join(sampleDir, c.spec), "utf8");
  try {
    // The oracle recorded azldev's spec editor: patch-add covers the spec side only.
    const result = applyOverlays({ spec }, c.overlays, { specOnly: true });
    return { ok: true, sha256: createHash("sha256").update(result.spec, "utf8").digest("hex"), error: null, failed_index: null };
  } catch (error) {
    if (!(error instanceof OverlayError)) throw error;
    return { ok: false, sha256: null, error: error.message, failed_index: error.index };
  }
}

describe.skipIf(!hasOracle)("azldev oracle conformance", () => {
  const cases: OracleCase[] = hasOracle
    ? readFileSync(oracleFile, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as OracleCase)
    : [];

  it("has the 561 recorded cases", () => {
    expect(cases.length).toBe(561);
  });

  it("reproduces every recorded outcome (output sha256, or error text and failing index)", () => {
    const mismatches: string[] = [];
    for (const c of cases) {
      const got = run(c);
      const want = c.expect;
      const same =
        got.ok === want.ok &&
        (want.ok ? got.sha256 === want.sha256 : got.error === want.error && got.failed_index === want.failed_index);
      if (!same) mismatches.push(`${c.id}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`);
    }
    expect(mismatches, mismatches.slice(0, 20).join("\n")).toEqual([]);
  });
});
