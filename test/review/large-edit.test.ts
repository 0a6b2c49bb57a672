import { describe, expect, it } from "vitest";
import { diffLineArrays } from "../../src/review/line-diff.js";
import { baseFiles, review, withEdits } from "./repo-fixture.js";

/** A pull request controls how big its hand edits are; their size must not crash or stall the check. */
describe("very large hand edits", () => {
  it("a 150,000-line hand edit of a rendered spec is one finding, found in seconds, without overflowing the stack", async () => {
    const base = baseFiles();
    const spec = "specs/l/libfido2/libfido2.spec";
    const text = base[spec] as string;
    const at = text.indexOf("%description");
    const filler = Array.from({ length: 150_000 }, (_, i) => `# generated line ${i}`).join("\n") + "\n";
    const head = withEdits(base, { [spec]: text.slice(0, at) + filler + text.slice(at) });
    const started = Date.now();
    const result = await review(base, head);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(result.verdict).toBe("failure");
    expect(result.findings.filter((f) => f.rule === "rendered-file-edited" && f.path === spec).length).toBeGreaterThan(0);
  });

  it("the line diff of two unrelated 100,000-line files is one replaced block", () => {
    const a = Array.from({ length: 100_000 }, (_, i) => `a ${i}`);
    const b = Array.from({ length: 100_000 }, (_, i) => `b ${i}`);
    const hunks = diffLineArrays(a, b);
    expect(hunks).toHaveLength(1);
    expect(hunks[0]).toMatchObject({ oldStart: 0, newStart: 0 });
    expect(hunks[0]?.removed).toHaveLength(100_000);
    expect(hunks[0]?.added).toHaveLength(100_000);
  });

  it("small edits keep their exact hunks", () => {
    const a = ["x", "y", "z", "w"];
    const b = ["x", "Y", "z", "w", "v"];
    expect(diffLineArrays(a, b).map((h) => [h.oldStart, h.removed, h.newStart, h.added])).toEqual([
      [1, ["y"], 1, ["Y"]],
      [4, [], 4, ["v"]],
    ]);
  });
});
