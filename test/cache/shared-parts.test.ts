import { isDeepStrictEqual } from "node:util";
import { deserialize, serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import { shareEqualParts } from "../../src/cache/shared-parts.js";

describe("shareEqualParts", () => {
  it("gives an equal value in which equal plain parts are one object, and leaves the value alone", () => {
    const config = (name: string) => ({ name, build: { with: [], defines: {}, check: { skip: false } }, groups: ["base"] });
    const value = { components: new Map([["a", config("a")], ["b", config("b")]]), list: [[1, 2], [1, 2]] };
    const before = structuredClone(value);
    const shared = shareEqualParts(value);
    expect(isDeepStrictEqual(shared, value)).toBe(true);
    expect(isDeepStrictEqual(value, before)).toBe(true);
    const [a, b] = [...shared.components.values()];
    expect(a?.build).toBe(b?.build);
    expect(a?.groups).toBe(b?.groups);
    expect(a).not.toBe(b);
    expect(shared.list[0]).toBe(shared.list[1]);
    // the serialiser writes a shared part once, and reading it back keeps it shared and equal
    expect(serialize(shared).length).toBeLessThan(serialize(value).length);
    const back = deserialize(serialize(shared)) as typeof shared;
    expect(isDeepStrictEqual(back, value)).toBe(true);
  });

  it("tells apart what only looks alike: types, -0, undefined, key order, holes", () => {
    const value = [
      { a: 1 },
      { a: "1" },
      { a: -0 },
      { a: 0 },
      { a: undefined },
      {},
      { a: 1, b: 2 },
      { b: 2, a: 1 },
      [undefined],
      [, 1],
      [undefined, 1],
      { a: null },
      { a: true },
      { a: "true" },
    ];
    const shared = shareEqualParts(value);
    expect(isDeepStrictEqual(shared, value)).toBe(true);
    for (let i = 0; i < shared.length; i++) for (let j = i + 1; j < shared.length; j++) expect(shared[i]).not.toBe(shared[j]);
    expect(1 in (shared[9] as unknown[])).toBe(true);
    expect(0 in (shared[9] as unknown[])).toBe(false);
    expect(Object.keys(shared[7] as object)).toEqual(["b", "a"]);
  });

  it("keeps other objects as they are and a key named __proto__ as a key", () => {
    const date = new Date(0);
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "when": 1}') as Record<string, unknown>;
    const shared = shareEqualParts({ date, parsed, again: { date } });
    expect(shared.date).toBe(date);
    expect(Object.keys(shared.parsed)).toEqual(["__proto__", "when"]);
    expect(Object.getPrototypeOf(shared.parsed)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(isDeepStrictEqual(shared.parsed, parsed)).toBe(true);
  });
});
