import { describe, expect, it } from "vitest";
import { evaluateSpec, parseSpec } from "../../src/spec/index.js";

/**
 * A spec is untrusted: 150,000 nested %if levels (a few megabytes) once took minutes because every
 * line re-read the whole stack of open conditionals. Each directive now costs constant time; the
 * default test timeout is the guard.
 */
describe("deeply nested conditionals", () => {
  it("150,000 nested %if levels evaluate, with the innermost undecided condition named", () => {
    const depth = 150_000;
    const text = `Name: x\n${"%if 1\n".repeat(depth - 1)}%if 0%{?unknown_macro}\nPatch0: a.patch\n%else\nPatch1: b.patch\n%endif\n${"%endif\n".repeat(depth - 1)}`;
    const { entries, activity } = evaluateSpec(parseSpec(text));
    expect(entries.map((e) => [e.kind, e.number, e.active, e.condition])).toEqual([
      ["Patch", 0, false, "%if 0%{?unknown_macro}"],
      ["Patch", 1, true, undefined],
    ]);
    expect(activity.filter((a) => a === true).length).toBeGreaterThan(depth);
  });

  it("an undecided outer branch is named for lines deep inside decided ones", () => {
    const text = "Name: x\n%if %{undefined_thing}\n%if 1\n%if 1\nPatch0: a.patch\n%endif\n%endif\n%endif\n";
    const [entry] = evaluateSpec(parseSpec(text)).entries;
    expect(entry?.active).toBeUndefined();
    expect(entry?.condition).toBe("%if %{undefined_thing}");
  });
});
