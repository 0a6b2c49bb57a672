/**
 * Real nixpkgs expressions, when SPECWARDEN_REAL_NIXPKGS names a directory holding files of a nixpkgs
 * checkout at their repository paths (skipped otherwise; nothing of nixpkgs is committed here). The
 * expected counts are the ones the Nix research note (NIX.md §1.4) counted by hand for these versions.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nixInventory } from "../../src/nix/index.js";
import { openRepo } from "../../src/repo/index.js";

const root = process.env["SPECWARDEN_REAL_NIXPKGS"];

describe.skipIf(!root)("real nixpkgs expressions (SPECWARDEN_REAL_NIXPKGS)", () => {
  it("every Nix file parses, and every patch entry of systemd 251.4 and glibc 2.27 is found", async () => {
    const inv = await nixInventory(await openRepo(root as string), { kind: "packages" });
    expect(inv.problems).toEqual([]);
    const count = (name: string, kind?: string) => inv.packages.find((p) => p.name === name)?.patches.filter((e) => !kind || e.kind === kind).length;
    if (existsSync(join(root as string, "pkgs/os-specific/linux/systemd/default.nix"))) {
      // 17 vendored NixOS patches + 19 musl patches from an openembedded-core snapshot
      expect(count("systemd", "vendored")).toBe(17);
      expect(count("systemd", "tree-path")).toBe(19);
      expect(inv.packages.find((p) => p.name === "systemd")?.version).toBe("251.4");
    }
    if (existsSync(join(root as string, "pkgs/development/libraries/glibc/common.nix"))) {
      // 12 vendored (4 behind platform guards), 1 fetchurl (Debian), 1 cross-only fetchpatch
      const glibc = inv.packages.find((p) => p.name === "glibc")!;
      expect(count("glibc", "vendored")).toBe(12);
      expect(glibc.patches.filter((e) => e.kind === "vendored" && e.guards.some((g) => g.kind === "platform"))).toHaveLength(4);
      expect(count("glibc", "fetchurl")).toBe(1);
      const cross = glibc.patches.find((e) => e.kind === "fetchpatch")!;
      expect(cross.excludes).toEqual(["ChangeLog"]);
      expect(cross.removalCriteria[0]?.text).toBe("Remove after upgrading to glibc 2.28+");
    }
  });
});
