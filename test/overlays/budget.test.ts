import { describe, expect, it } from "vitest";
import { applyOverlays, OverlayError } from "../../src/overlays/index.js";
import type { Overlay } from "../../src/azldev/types.js";

/** Overlays come from the repository: a few bytes of config must not make the engine build gigabytes. */
describe("overlay expansion budget", () => {
  const spec = Array.from({ length: 400 }, (_, i) => `# line ${i}`).join("\n") + "\nName: x\nVersion: 1\n\n%description\nx\n";

  it("six short (?m)^ → ten newlines overlays stop at the first that passes the budget, naming it", () => {
    const multiply: Overlay = { type: "spec-search-replace", regex: "(?m)^", replacement: "\n\n\n\n\n\n\n\n\n\n" } as Overlay;
    const started = process.memoryUsage().heapUsed;
    let failure: unknown;
    try {
      applyOverlays({ spec }, Array.from({ length: 6 }, () => multiply));
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(OverlayError);
    const error = failure as OverlayError;
    // 400 lines × 11^n: 4,840 after the first, 53,240 after the second, then past the 250,000-line budget
    expect(error.index).toBe(2);
    expect(error.message).toContain("would grow the spec past 250,000 lines");
    expect(process.memoryUsage().heapUsed - started).toBeLessThan(512 * 1024 * 1024);
  });

  it("an empty-match pattern on a long line with a long replacement is refused without building it", () => {
    const long = `Summary: ${"a".repeat(60_000)}\n` + spec;
    const overlay = { type: "spec-search-replace", regex: "b*", replacement: "x".repeat(1000) } as Overlay;
    expect(() => applyOverlays({ spec: long }, [overlay])).toThrow(/would grow the spec past/);
  });

  it("ordinary replacements are unaffected", () => {
    const out = applyOverlays({ spec }, [{ type: "spec-search-replace", regex: "^Version: 1$", replacement: "Version: 2" } as Overlay]);
    expect(out.spec).toContain("Version: 2\n");
  });
});

describe("file names from the repository are ordinary keys", () => {
  it("a file-add of __proto__ adds a file of that name", () => {
    const out = applyOverlays({ spec: "Name: x\n" }, [{ type: "file-add", file: "__proto__", source: "s" } as Overlay], { sourceFiles: { s: "hello" } });
    expect(Object.keys(out.files)).toEqual(["__proto__"]);
    expect(out.files["__proto__"]).toBe("hello");
  });
});
