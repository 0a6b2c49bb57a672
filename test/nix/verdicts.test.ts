import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nixInventory, trackNix, assessNixPatch } from "../../src/nix/index.js";
import { openRepo } from "../../src/repo/index.js";
import { MemoryRepoView } from "../../src/repo/memory.js";
import { combineForges, localGitForge, memoryForge } from "../../src/tracking/index.js";
import { NIX_CONFIG, NIX_PACKAGES } from "./fixtures.js";
import { nixpkgsHistory, onedriveHistory } from "./upstream-git.js";

let root: string;
let fix: string;
let nixpkgsRev: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "specwarden-nix-upstream-"));
  fix = onedriveHistory(root).fix;
  nixpkgsRev = nixpkgsHistory(root).rev;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("verdicts for package patches", () => {
  it("offline: version guards and comment thresholds decide with Nix's ordering; the rest stays unknown with the reason", async () => {
    const verdicts = await trackNix(await nixInventory(await openRepo(NIX_PACKAGES)));
    const byName = (n: string) => verdicts.find((v) => v.file.startsWith(n))!;
    expect(byName("0001-legacy-sync")).toMatchObject({ verdict: "inactive", rung: "spec", droppable: true });
    expect(byName(fix)).toMatchObject({ verdict: "merged-unreleased", rung: "f", dropFrom: "2.5.4", droppable: false });
    const pom = byName("42d14beb");
    expect(pom.conflicts[0]).toMatch(/different scale/);
    expect(pom.verdict).not.toBe("inactive");
    const vendored = byName("0003-Fix-NixOS-containers");
    expect(vendored).toMatchObject({ verdict: "unknown", wiring: "nix-patch" });
    expect(vendored.reason).toMatch(/no comment and no upstream reference/);
    expect(vendored.drop.files).toEqual(["pkgs/os-specific/linux/systemd/0003-Fix-NixOS-containers.patch"]);
  });

  it("with the upstream history (git CLI): the backport is upstream from 2.5.4, and contained once the version is 2.5.4", async () => {
    const inv = await nixInventory(await openRepo(NIX_PACKAGES));
    const forge = localGitForge(root);
    const onedrive = inv.packages.find((p) => p.name === "onedrive")!;
    const entry = onedrive.patches[0]!;
    expect(entry.url).toContain(fix);
    const now = await assessNixPatch(entry, onedrive, { forge });
    expect(now).toMatchObject({ verdict: "merged-unreleased", dropFrom: "2.5.4" });
    expect(now.evidence.some((e) => e.rung === "a" && /first released in v2\.5\.4/.test(e.summary))).toBe(true);
    const bumped = await assessNixPatch(entry, onedrive, { forge, version: "2.5.4" });
    expect(bumped).toMatchObject({ verdict: "released", rung: "a", droppable: true });
    expect(bumped.reason).toMatch(/already in v2\.5\.4/);
  });

  it("revert = true inverts containment", async () => {
    const text = readFileSync(join(NIX_PACKAGES, "pkgs/by-name/on/onedrive/package.nix"), "utf8").replace('hash = "sha256-2cQ8', 'revert = true;\n      hash = "sha256-2cQ8');
    const inv = await nixInventory(new MemoryRepoView({ "pkgs/by-name/on/onedrive/package.nix": text }));
    const onedrive = inv.packages[0]!;
    const forge = localGitForge(root);
    expect(onedrive.patches[0]?.revert).toBe(true);
    expect(await assessNixPatch(onedrive.patches[0]!, onedrive, { forge, version: "2.5.4" })).toMatchObject({ verdict: "pending", droppable: false });
    expect(await assessNixPatch(onedrive.patches[0]!, onedrive, { forge, version: "2.5.3" })).toMatchObject({ verdict: "released", droppable: true });
  });

  it("a pull request's state: open is pending, closed unmerged is declined, merged and tagged is released", async () => {
    const pkg = (url: string) =>
      new MemoryRepoView({
        "default.nix": `{ stdenv, fetchFromGitHub, fetchpatch }:\nstdenv.mkDerivation rec {\n  pname = "tool";\n  version = "1.2";\n  src = fetchFromGitHub { owner = "acme"; repo = "tool"; rev = "v\${version}"; hash = ""; };\n  patches = [\n    # ${url}\n    ./fix.patch\n  ];\n}\n`,
      });
    const forge = memoryForge({
      "github.com/acme/tool": {
        commits: { a: [], m: ["a"], b: ["m"] },
        refs: { "v1.1": "a", "v1.2": "b", "v1.3-rc1": "b" },
        changes: {
          1: { url: "https://github.com/acme/tool/pull/1", state: "open" },
          2: { url: "https://github.com/acme/tool/pull/2", state: "closed" },
          3: { url: "https://github.com/acme/tool/pull/3", state: "merged", mergeCommit: "m" },
        },
      },
    });
    const verdict = async (n: number) => (await trackNix(await nixInventory(pkg(`https://github.com/acme/tool/pull/${n}`)), { forge }))[0]!;
    expect(await verdict(1)).toMatchObject({ verdict: "pending", rung: "b" });
    expect(await verdict(2)).toMatchObject({ verdict: "declined" });
    expect(await verdict(3)).toMatchObject({ verdict: "released", rung: "b", droppable: true });
  });
});

describe("verdicts for NixOS configuration workarounds", () => {
  async function configInventory() {
    const base = await openRepo(NIX_CONFIG);
    const lock = (await base.readText("flake.lock"))!.replace("NIXPKGS_REV_PLACEHOLDER", nixpkgsRev);
    const files: Record<string, string> = {};
    for (const e of await base.list("", { recursive: true })) if (e.kind === "file") files[e.path] = (await base.readText(e.path))!;
    files["flake.lock"] = lock;
    return nixInventory(new MemoryRepoView(files));
  }

  it("offline: the stateVersion migration is dead for every host; the incident workarounds list their criteria and upstream", async () => {
    const verdicts = await trackNix(await configInventory());
    const gate = verdicts.find((v) => v.file.startsWith("system.activationScripts.timesyncd-state"))!;
    expect(gate).toMatchObject({ verdict: "inactive", droppable: true });
    expect(gate.reason).toMatch(/routy 25\.05, thinky-nixos 24\.11/);
    const runPrivate = verdicts.find((v) => v.file === "systemd.services.fixup-run-private")!;
    expect(runPrivate).toMatchObject({ component: "routy", verdict: "fixed-elsewhere", droppable: false, upstream: { project: "systemd/systemd" } });
    expect(runPrivate.criteria.map((c) => c.location)).toEqual(["docs/incidents/2026-02-08-run-private-mode.md:22", "docs/incidents/2026-02-08-run-private-mode.md:23"]);
    const wsl = verdicts.find((v) => v.file === "systemd.services.fix-user-runtime-dir")!;
    expect(wsl).toMatchObject({ verdict: "unknown", upstream: { project: "nix-community/NixOS-WSL" } });
    expect(wsl.reason).toMatch(/offline/);
  });

  it("with the pinned nixpkgs: the version the hosts get, and a nixpkgs PR checked against the lock", async () => {
    const inv = await configInventory();
    const nixpkgsGit = localGitForge(root);
    const api = memoryForge({
      "github.com/NixOS/nixpkgs": { commits: {}, refs: {}, changes: { 412345: { url: "https://github.com/NixOS/nixpkgs/pull/412345", state: "merged", mergeCommit: nixpkgsRev } } },
    });
    // PR state from the API, containment and files from the local clone
    const forge = combineForges([{ ...nixpkgsGit, change: api.change.bind(api) }, api]);
    const verdicts = await trackNix(inv, { forge });
    const runPrivate = verdicts.find((v) => v.file === "systemd.services.fixup-run-private")!;
    expect(runPrivate.reason).toMatch(/the hosts get systemd 258\.3 from nixpkgs/);
    expect(runPrivate.evidence.some((e) => /assertion .*holds: nixpkgs \w+ has systemd 258\.3/.test(e.summary))).toBe(true);
    const override = verdicts.find((v) => v.component === "overlays" && v.file === "kea")!;
    expect(override).toMatchObject({ verdict: "released", droppable: true });
    expect(override.reason).toMatch(/flake\.lock pins/);
  });

  it("the assertion's bound reached in the pinned nixpkgs says the fix-up can go", async () => {
    const newer = mkdtempSync(join(tmpdir(), "specwarden-nixpkgs-259-"));
    try {
      const { rev } = nixpkgsHistory(newer, "259.1");
      const base = await configInventory();
      const pin = base.inputs.find((i) => i.name === "nixpkgs")!;
      pin.locked = { ...pin.locked!, rev };
      const verdicts = await trackNix(base, { forge: localGitForge(newer) });
      const runPrivate = verdicts.find((v) => v.file === "systemd.services.fixup-run-private")!;
      expect(runPrivate).toMatchObject({ verdict: "released", droppable: true });
      expect(runPrivate.reason).toMatch(/systemd 259\.1/);
    } finally {
      rmSync(newer, { recursive: true, force: true });
    }
  });
});
