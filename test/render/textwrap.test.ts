import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fillText } from "../../src/render/textwrap.js";

// Pairs recorded from CPython's textwrap.TextWrapper(width=75, subsequent_indent="  ").fill(),
// the wrapper rpmautospec applies to every changelog item.
const recorded = JSON.parse(
  readFileSync(new URL("./data/textwrap-python.json", import.meta.url), "utf8"),
) as [string, string][];

describe("fillText (Python textwrap)", () => {
  it("wraps like CPython on recorded changelog items", () => {
    const mismatches = recorded.filter(([input, expected]) => fillText(input) !== expected);
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  it("keeps a URL whole and indents continuation lines by two spaces", () => {
    const text = "- Rebuilt for https://fedoraproject.org/wiki/Fedora_43_Mass_Rebuild and some more words to wrap";
    const lines = fillText(text).split("\n");
    expect(lines[0]).toBe("- Rebuilt for https://fedoraproject.org/wiki/Fedora_43_Mass_Rebuild and");
    expect(lines[1]).toBe("  some more words to wrap");
  });
});
