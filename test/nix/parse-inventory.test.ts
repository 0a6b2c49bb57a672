import { describe, expect, it } from "vitest";
import { nixInventory, parseNix } from "../../src/nix/index.js";
import { openRepo } from "../../src/repo/index.js";
import { MemoryRepoView } from "../../src/repo/memory.js";

import { NIX_CONFIG, NIX_PACKAGES } from "./fixtures.js";

describe("parsing", () => {
  it("a trailing comma in formals is valid Nix, not an error", async () => {
    const parsed = await parseNix("{\n  lib,\n  stdenv,\n}:\n{ }\n");
    expect(parsed.errors).toEqual([]);
    parsed.tree.delete();
  });

  it("a file that does not parse is a problem at file:line, and the rest of the repo is still read", async () => {
    const repo = new MemoryRepoView({
      "pkgs/a/default.nix": '{ stdenv }:\nstdenv.mkDerivation {\n  pname = "a";\n  version = "1.0";\n  patches = [ ./fix.patch ];\n  meta.x = inherit;\n}\n',
      "pkgs/b/default.nix": '{ stdenv, fetchpatch }:\nstdenv.mkDerivation rec {\n  pname = "b";\n  version = "2.0";\n  src = null;\n  patches = [ (fetchpatch { url = "https://github.com/o/b/commit/0123456789abcdef0123456789abcdef01234567.patch"; hash = ""; }) ];\n}\n',
    });
    const inv = await nixInventory(repo);
    expect(inv.problems.map((p) => `${p.file}:${p.line}`)).toEqual(["pkgs/a/default.nix:6"]);
    expect(inv.packages.map((p) => p.name).sort()).toEqual(["a", "b"]);
    expect(inv.packages.find((p) => p.name === "b")?.patches[0]?.references[0]).toMatchObject({ kind: "github-commit", owner: "o", repo: "b" });
  });

  it("refuses a file over the size budget with a problem, never a crash", async () => {
    const repo = new MemoryRepoView({ "huge.nix": `{ x = "${"a".repeat(2 * 1024 * 1024 + 10)}"; }` });
    const inv = await nixInventory(repo, { kind: "packages" });
    expect(inv.problems[0]).toMatchObject({ file: "huge.nix", line: 1 });
  });

  it("deeply nested input parses without overflowing the stack", async () => {
    const depth = 20_000;
    const repo = new MemoryRepoView({ "deep.nix": `${"[ ".repeat(depth)}1${" ]".repeat(depth)}\n` });
    const inv = await nixInventory(repo, { kind: "packages" });
    expect(inv.files).toBe(1);
  });
});

describe("inventory of a nixpkgs-like tree", () => {
  it("finds every patch entry with its kind, guard, comments and upstream reference", async () => {
    const inv = await nixInventory(await openRepo(NIX_PACKAGES));
    expect(inv.kind).toBe("packages");
    expect(inv.problems).toEqual([]);
    const systemd = inv.packages.find((p) => p.name === "systemd")!;
    expect(systemd.version).toBe("257.8");
    expect(systemd.src).toMatchObject({ fetcher: "fetchFromGitHub", owner: "systemd", repo: "systemd", refTemplate: "v${finalAttrs.version}" });
    const kinds = systemd.patches.map((e) => e.kind);
    expect(kinds.filter((k) => k === "vendored")).toHaveLength(7);
    expect(kinds.filter((k) => k === "tree-path")).toHaveLength(3);
    expect(kinds.filter((k) => k === "fetchpatch")).toHaveLength(2);
    const ppc = systemd.patches.find((e) => e.url?.includes("8a7c3b31"))!;
    expect(ppc.guards).toEqual([expect.objectContaining({ kind: "platform", text: "stdenv.hostPlatform.isPower64" })]);
    expect(ppc.references.map((r) => r.kind)).toEqual(["github-commit", "github-pull"]);
    const musl = systemd.patches.find((e) => e.excludes)!;
    expect(musl.excludes).toEqual(["src/basic/user-util.c"]);
    expect(musl.removalCriteria[0]?.conditions).toContainEqual({ kind: "upstream-version", version: "258" });
    const glibc = systemd.patches.find((e) => e.name.startsWith("0017"))!;
    expect(glibc.guards[0]?.kind).toBe("platform");
    expect(glibc.path).toBe("pkgs/os-specific/linux/systemd/0017-meson.build-do-not-create-systemdstatedir.patch");
    // the nspawn flag's prose condition and the version-guarded meson flag are workarounds
    const flags = systemd.workarounds.filter((w) => w.kind === "version-guard");
    expect(flags.map((w) => w.guard?.version?.bound ?? w.removalCriteria[0]?.conditions[0])).toEqual([{ kind: "upstream-version", version: "258" }, "256"]);
    const subs = systemd.workarounds.filter((w) => w.kind === "substitute");
    expect(subs.map((w) => w.flag)).toEqual(["--replace", "--replace-fail"]);

    const onedrive = inv.packages.find((p) => p.name === "onedrive")!;
    expect(onedrive.version).toBe("2.5.3");
    expect(onedrive.patches[0]?.removalCriteria[0]?.conditions).toContainEqual({ kind: "upstream-version", version: "2.5.4" });
    expect(onedrive.patches[1]?.guards[0]?.version).toEqual({ subject: "finalAttrs.version", op: "older", bound: "2.5" });
    const pomegranate = inv.packages.find((p) => p.name === "pomegranate")!;
    expect(pomegranate.src?.refKind).toBe("tag");
    expect(pomegranate.patches[0]?.guards[0]?.version?.bound).toBe("13.6");
  });
});

describe("inventory of a NixOS configuration flake", () => {
  it("finds the fix-up units with their incident notes, the stateVersion gate, the override and the pinned input", async () => {
    const inv = await nixInventory(await openRepo(NIX_CONFIG));
    expect(inv.kind).toBe("config");
    expect(inv.problems).toEqual([]);
    expect(inv.hosts.map((h) => [h.name, h.stateVersion])).toEqual([
      ["routy", "25.05"],
      ["thinky-nixos", "24.11"],
    ]);
    const byKind = Object.fromEntries(inv.workarounds.map((w) => [`${w.kind}:${w.name}`, w]));
    expect(Object.keys(byKind).sort()).toEqual([
      "flake-input-pin:nixpkgs-kea",
      "oneshot-unit:fix-user-runtime-dir",
      "oneshot-unit:fixup-run-private",
      "overlay-override:kea",
      "state-version-gate:system.activationScripts.timesyncd-state (config.system.stateVersion older 19.09)",
    ]);
    const runPrivate = byKind["oneshot-unit:fixup-run-private"]!;
    expect(runPrivate.notes?.[0]?.path).toBe("docs/incidents/2026-02-08-run-private-mode.md");
    expect(runPrivate.removalCriteria.map((c) => c.conditions)).toEqual([[{ kind: "package-fixed", package: "systemd" }], [{ kind: "package-fixed", package: "nixos" }]]);
    expect(runPrivate.guard?.version).toEqual({ subject: "pkgs.systemd.version", op: "older", bound: "259" });
    const wsl = byKind["oneshot-unit:fix-user-runtime-dir"]!;
    expect(wsl.description).toBe("Fix /run/user/1000 ownership for WSL");
    expect(wsl.references.map((r) => r.url)).toContain("https://github.com/nix-community/NixOS-WSL/issues/346");
    expect(byKind["overlay-override:kea"]!.references[0]).toMatchObject({ kind: "github-pull", owner: "NixOS", repo: "nixpkgs", number: 412345 });
    expect(inv.inputs.find((i) => i.name === "nixos-wsl")?.locked).toMatchObject({ owner: "nix-community", repo: "NixOS-WSL", rev: "5f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6" });
    // the override's own patch is inventoried like any other
    expect(inv.packages.find((p) => p.name === "kea")?.patches[0]?.kind).toBe("fetchpatch");
  });
});
