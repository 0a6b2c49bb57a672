import { describe, expect, it } from "vitest";
import { compareVersions, isReleaseVersion, scaleMismatch, splitVersion, versionAtLeast, versionOlder } from "../../src/nix/version.js";

describe("Nix version ordering (builtins.compareVersions)", () => {
  // Nix's own expectations (tests/functional/lang/eval-okay-versions.nix and the manual's rules)
  const ordered: [string, string, -1 | 0 | 1][] = [
    ["1.0", "2.3", -1],
    ["2.1", "2.3", -1],
    ["2.3", "2.3", 0],
    ["2.5", "2.3", 1],
    ["3.1", "2.3", 1],
    ["2.3.1", "2.3", 1],
    ["2.3.1", "2.3a", 1],
    ["2.3pre1", "2.3", -1],
    ["2.3pre3", "2.3pre12", -1],
    ["2.3a", "2.3c", -1],
    ["2.3pre1", "2.3c", -1],
    ["2.3pre1", "2.3q", -1],
    ["2.3", "2.3.0", -1],
    ["1.0-rc1", "1.0", 1],
    ["258", "258.1", -1],
    ["0.13.5", "13.6", -1],
    ["2.5.4", "v2.5.4", 1],
  ];
  it.each(ordered)("compareVersions %s %s = %i", (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(-expected === 0 ? 0 : -expected);
  });

  it("versionOlder and versionAtLeast are lib's definitions", () => {
    expect(versionOlder("2.5.3", "2.5.4")).toBe(true);
    expect(versionOlder("2.5.4", "2.5.4")).toBe(false);
    expect(versionAtLeast("2.5.4", "2.5.4")).toBe(true);
    expect(versionAtLeast("257.8", "258")).toBe(false);
  });

  it("splits like builtins.splitVersion", () => {
    expect(splitVersion("1.2.3pre4-rc")).toEqual(["1", "2", "3", "pre", "4", "rc"]);
  });

  it("numbers beyond a C int compare as strings, as in Nix", () => {
    expect(compareVersions("99999999999", "2")).toBe(-1);
  });

  it("refuses snapshot versions for numeric comparison and spots bounds on another scale", () => {
    expect(isReleaseVersion("0-unstable-2024-05-01")).toBe(false);
    expect(isReleaseVersion("unstable-2024-05-01")).toBe(false);
    expect(isReleaseVersion("2.5.3")).toBe(true);
    expect(scaleMismatch("0.13.5", "13.6")).toBe(true);
    expect(scaleMismatch("2.5.0", "250")).toBe(true);
    expect(scaleMismatch("2.5.3", "2.6")).toBe(false);
    expect(scaleMismatch("0.9", "1.0")).toBe(false);
    expect(scaleMismatch("257.8", "256")).toBe(false);
  });
});
