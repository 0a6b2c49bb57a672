import { describe, expect, it } from "vitest";
import { evaluateCondition, matchesList } from "../../src/spec/conditions.js";

describe("rpm %if expressions", () => {
  const cases: [string, boolean | undefined][] = [
    ["1", true],
    ["0", false],
    ["0 >= 40", false],
    ["041 >= 40", true],
    ["1 && 0", false],
    ["1 || 0", true],
    ["!0", true],
    ["!(1 && (0 || 1))", false],
    ['"a" == "a"', true],
    ['"a" != "b"', true],
    ['"redhat" == "azl"', false],
    ['""', false],
    ['"x"', true],
    ["2 * 3 == 6", true],
    ["1 ? 0 : 1", false],
    ['v"1.2" < v"1.10"', true],
    ['v"2.0~rc1" >= v"2.0"', false],
    ["foo == bar", undefined],
    ["%{foo}", undefined],
    ["", undefined],
    ["1 +", undefined],
    ['"a" == 1', undefined],
  ];
  for (const [expr, want] of cases) it(`${JSON.stringify(expr)} → ${want}`, () => expect(evaluateCondition(expr)).toBe(want));

  it("arch lists", () => {
    expect(matchesList("x86_64", "x86_64 aarch64")).toBe(true);
    expect(matchesList("ppc64le", "x86_64 aarch64")).toBe(false);
    expect(matchesList(undefined, "x86_64")).toBeUndefined();
    expect(matchesList("x86_64", "%{ix86}")).toBeUndefined();
  });
});
