import { describe, expect, it } from "vitest";
import { compareEVR, parseEVR, rpmvercmp, tagToVersion } from "../../src/version/index.js";

// UPSTREAM.md §2: the project's vector table (tilde, caret, segments, separators, overflow).
const VERSION_VECTORS: [string, string, -1 | 0 | 1][] = [
  ["1.0~rc1", "1.0", -1],
  ["1.0", "1.0^git1", -1],
  ["1.0^git1", "1.0.1", -1],
  ["1.0~rc1", "1.0^git1", -1],
  ["1.0^", "1.0", 1],
  ["1.0^", "1.0.0", -1],
  ["1.0^git1", "1.01", -1],
  ["1.0^20160101^git1", "1.0^20160101", 1],
  ["1.0~rc1^git1", "1.0~rc1", 1],
  ["1.0~rc1^git1", "1.0", -1],
  ["1.0^git1~pre", "1.0^git1", -1],
  ["1.0~", "1.0", -1],
  ["1.0~~", "1.0~", -1],
  ["1.0~a", "1.0~", 1],
  ["258~rc3", "258", -1],
  ["258.4", "259~rc1", -1],
  ["258.4", "258.10", -1],
  ["259-rc1", "259", 1],
  ["v258", "258", -1],
  ["1.0rc1", "1.0", 1],
  ["1.0~rc1", "1.0rc1", -1],
  ["10.0001", "10.1", 0],
  ["1.0", "1..0", 0],
  ["2.0", "2_0", 0],
  ["1.0", "1.0.0", -1],
  ["1.0a", "1.0.a", 0],
  ["5.5p1", "5.5.1", -1],
  ["6.0.rc1", "6.0", 1],
  ["1b.fc17", "1.fc17", -1],
  ["1g.fc17", "1.fc17", 1],
  ["xyz.4", "8", -1],
  ["18446744073709551616", "18446744073709551615", 1],
];

// rpm's own historic list (tests/rpmvercmp.at), a representative part of it.
const RPM_TESTSUITE: [string, string, -1 | 0 | 1][] = [
  ["1.0", "1.0", 0],
  ["1.0", "2.0", -1],
  ["2.0", "1.0", 1],
  ["2.0.1", "2.0.1", 0],
  ["2.0", "2.0.1", -1],
  ["2.0.1", "2.0", 1],
  ["2.0.1a", "2.0.1a", 0],
  ["2.0.1a", "2.0.1", 1],
  ["2.0.1", "2.0.1a", -1],
  ["5.5p1", "5.5p1", 0],
  ["5.5p1", "5.5p2", -1],
  ["5.5p2", "5.5p1", 1],
  ["5.5p10", "5.5p10", 0],
  ["5.5p1", "5.5p10", -1],
  ["5.5p10", "5.5p1", 1],
  ["10xyz", "10.1xyz", -1],
  ["10.1xyz", "10xyz", 1],
  ["xyz10", "xyz10", 0],
  ["xyz10", "xyz10.1", -1],
  ["xyz10.1", "xyz10", 1],
  ["xyz.4", "xyz.4", 0],
  ["xyz.4", "8", -1],
  ["8", "xyz.4", 1],
  ["xyz.4", "2", -1],
  ["2", "xyz.4", 1],
  ["5.5p2", "5.6p1", -1],
  ["5.6p1", "5.5p2", 1],
  ["5.6p1", "6.5p1", -1],
  ["6.5p1", "5.6p1", 1],
  ["6.0.rc1", "6.0", 1],
  ["6.0", "6.0.rc1", -1],
  ["10b2", "10a1", 1],
  ["10a2", "10b2", -1],
  ["1.0aa", "1.0aa", 0],
  ["1.0a", "1.0aa", -1],
  ["1.0aa", "1.0a", 1],
  ["10.0001", "10.0001", 0],
  ["10.0001", "10.1", 0],
  ["10.1", "10.0001", 0],
  ["10.0001", "10.0039", -1],
  ["10.0039", "10.0001", 1],
  ["4.999.9", "5.0", -1],
  ["5.0", "4.999.9", 1],
  ["20101121", "20101121", 0],
  ["20101121", "20101122", -1],
  ["20101122", "20101121", 1],
  ["2_0", "2_0", 0],
  ["2.0", "2_0", 0],
  ["2_0", "2.0", 0],
  ["a", "a", 0],
  ["a+", "a+", 0],
  ["a+", "a_", 0],
  ["a_", "a+", 0],
  ["+a", "+a", 0],
  ["+a", "_a", 0],
  ["_a", "+a", 0],
  ["+_", "+_", 0],
  ["_+", "+_", 0],
  ["_+", "_+", 0],
  ["+", "_", 0],
  ["_", "+", 0],
  ["1.0~rc1", "1.0~rc1", 0],
  ["1.0~rc1", "1.0", -1],
  ["1.0", "1.0~rc1", 1],
  ["1.0~rc1", "1.0~rc2", -1],
  ["1.0~rc2", "1.0~rc1", 1],
  ["1.0~rc1~git123", "1.0~rc1~git123", 0],
  ["1.0~rc1~git123", "1.0~rc1", -1],
  ["1.0~rc1", "1.0~rc1~git123", 1],
  ["1.0^", "1.0^", 0],
  ["1.0^", "1.0", 1],
  ["1.0", "1.0^", -1],
  ["1.0^git1", "1.0^git1", 0],
  ["1.0^git1", "1.0", 1],
  ["1.0", "1.0^git1", -1],
  ["1.0^git1", "1.0^git2", -1],
  ["1.0^git2", "1.0^git1", 1],
  ["1.0^git1", "1.01", -1],
  ["1.01", "1.0^git1", 1],
  ["1.0^20160101", "1.0^20160101", 0],
  ["1.0^20160101", "1.0.1", -1],
  ["1.0.1", "1.0^20160101", 1],
  ["1.0^20160101^git1", "1.0^20160101^git1", 0],
  ["1.0^20160102", "1.0^20160101^git1", 1],
  ["1.0^20160101^git1", "1.0^20160102", -1],
  ["1.0~rc1^git1", "1.0~rc1^git1", 0],
  ["1.0~rc1^git1", "1.0~rc1", 1],
  ["1.0~rc1", "1.0~rc1^git1", -1],
  ["1.0^git1~pre", "1.0^git1~pre", 0],
  ["1.0^git1", "1.0^git1~pre", 1],
  ["1.0^git1~pre", "1.0^git1", -1],
];

describe("rpmvercmp", () => {
  it.each(VERSION_VECTORS)("project vector %s vs %s → %i", (a, b, expected) => {
    expect(rpmvercmp(a, b)).toBe(expected);
    // Ordering is antisymmetric: swapping the arguments flips the sign.
    expect(rpmvercmp(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it.each(RPM_TESTSUITE)("rpm test suite %s vs %s → %i", (a, b, expected) => {
    expect(rpmvercmp(a, b)).toBe(expected);
  });

  it("treats non-ASCII bytes as separators, like rpm's byte-wise loop", () => {
    expect(rpmvercmp("1.0", "1é0")).toBe(0);
    expect(rpmvercmp("1.0", "1.0é")).toBe(0);
  });

  it("orders a systemd release chain", () => {
    const chain = ["257.9", "258~rc1", "258~rc3", "258", "258^20250901git1a2b3c", "258.1", "258.4", "258.10", "259~rc1", "259"];
    const shuffled = [...chain].reverse();
    expect(shuffled.sort(rpmvercmp)).toEqual(chain);
  });
});

describe("compareEVR", () => {
  const EVR_VECTORS: [string, string, -1 | 0 | 1][] = [
    ["1:1.0-1", "2.0-1", 1],
    ["0:1.0-1", "1.0-1", 0],
    ["1.0-1", "1.0", 1],
    ["1.0-1.azl4", "1.0-1.fc43", -1],
    ["258.4-2.azl4", "258.4-10.azl4", -1],
    ["1.0-1", "1.0-1~bootstrap", 1],
    ["2:1-1", "10:0.1-1", -1],
  ];
  it.each(EVR_VECTORS)("%s vs %s → %i", (a, b, expected) => {
    expect(compareEVR(a, b)).toBe(expected);
    expect(compareEVR(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it("splits epoch, version and release at the last dash", () => {
    expect(parseEVR("3:2.5-rc-4.fc43")).toEqual({ epoch: "3", version: "2.5-rc", release: "4.fc43" });
    expect(parseEVR("258.4")).toEqual({ version: "258.4" });
    expect(parseEVR(":1.0-1")).toEqual({ epoch: "0", version: "1.0", release: "1" });
  });
});

describe("tagToVersion", () => {
  it.each([
    ["v258", "258"],
    ["v259-rc1", "259~rc1"],
    ["259-rc1", "259~rc1"],
    ["v1.2.0-beta.2", "1.2.0~beta2"],
    ["2.5.0rc1", "2.5.0~rc1"],
    ["release-3.1", "3.1"],
    ["refs/tags/v258.4", "258.4"],
    ["25.2", "25.2"],
    ["nightly", undefined],
  ])("%s → %s", (tag, expected) => {
    expect(tagToVersion(tag)).toBe(expected);
  });

  it("strips a project prefix", () => {
    expect(tagToVersion("dracut-060", { prefixes: ["dracut-"] })).toBe("060");
    expect(tagToVersion("curl-8_15_0", { prefixes: ["curl-"] })).toBe("8.15.0");
    expect(rpmvercmp(tagToVersion("curl-8_15_0", { prefixes: ["curl-"] }) as string, "8.15.0")).toBe(0);
  });

  it("makes normalised tags sort correctly against packaged versions", () => {
    expect(rpmvercmp(tagToVersion("v259-rc1") as string, "259")).toBe(-1);
    expect(rpmvercmp(tagToVersion("v258") as string, "258")).toBe(0);
  });
});
