import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { nixInventory, parseNix, reviewNixChange } from "../../src/nix/index.js";
import { openRepo } from "../../src/repo/index.js";
import { LayeredRepoView } from "../../src/review/index.js";
import { renderMarkdown } from "../../src/report/index.js";
import { localGitForge } from "../../src/tracking/index.js";
import { fakeIO } from "../tracking/helpers.js";
import { NIX_CONFIG, NIX_DEMO_BUMP, NIX_PACKAGES } from "./fixtures.js";
import { onedriveHistory } from "./upstream-git.js";

const ONEDRIVE = "pkgs/by-name/on/onedrive/package.nix";
const enc = (s: string) => new TextEncoder().encode(s);

let work: string;
let upstream: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "specwarden-nix-review-"));
  upstream = join(work, "upstream");
  onedriveHistory(upstream);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function bump(edits: Record<string, string>) {
  const base = await openRepo(NIX_PACKAGES);
  const map = new Map<string, Uint8Array | null>(Object.entries(edits).map(([p, t]) => [p, enc(t)]));
  return { base, head: new LayeredRepoView(base, map), changedPaths: Object.keys(edits) };
}

describe("review of a Nix pull request", () => {
  it("a version bump fails nothing and says to drop the backport, with the suggestion that removes it (offline, from the comment)", async () => {
    const change = await bump({ [ONEDRIVE]: readFileSync(join(NIX_DEMO_BUMP, ONEDRIVE), "utf8") });
    const result = await reviewNixChange(change);
    expect(result.verdict).toBe("success");
    expect(result.findings).toHaveLength(1);
    const [f] = result.findings;
    expect(f).toMatchObject({ rule: "nix-patch-droppable", level: "warning", path: ONEDRIVE, line: 26, component: "onedrive" });
    expect(f!.message).toMatch(/^drop this patch: already in 2\.5\.4/);
    expect(f!.suggestion).toEqual({ startLine: 25, endLine: 29, replacement: [] });
    // the suggestion applied leaves a file that parses and has no such patch
    const lines = readFileSync(join(NIX_DEMO_BUMP, ONEDRIVE), "utf8").split("\n");
    lines.splice(24, 5);
    const parsed = await parseNix(lines.join("\n"));
    expect(parsed.errors).toEqual([]);
    parsed.tree.delete();
    expect(renderMarkdown(result)).toContain("No patch or workaround in this change is broken or obsolete");
  });

  it("with the upstream history the same finding rests on containment at v2.5.4", async () => {
    const change = await bump({ [ONEDRIVE]: readFileSync(join(NIX_DEMO_BUMP, ONEDRIVE), "utf8") });
    const result = await reviewNixChange({ ...change, forge: localGitForge(upstream) });
    expect(result.findings[0]?.message).toMatch(/already in 2\.5\.4 — commit 94b75a54560e is already in v2\.5\.4/);
  });

  it("a guard the bump makes always false is reported; a patch that stays needed is not", async () => {
    const text = readFileSync(join(NIX_PACKAGES, ONEDRIVE), "utf8").replace('version = "2.5.3"', 'version = "2.5.3"').replace('lib.versionOlder finalAttrs.version "2.5"', 'lib.versionOlder finalAttrs.version "2.5.4"');
    const base = await openRepo(NIX_PACKAGES);
    const mid = new LayeredRepoView(base, new Map([[ONEDRIVE, enc(text)]]));
    const head = new LayeredRepoView(base, new Map([[ONEDRIVE, enc(text.replace('version = "2.5.3"', 'version = "2.5.4"'))]]));
    const result = await reviewNixChange({ base: mid, head, changedPaths: [ONEDRIVE] });
    const dead = result.findings.find((f) => f.rule === "nix-guard-dead")!;
    expect(dead.line).toBe(33);
    expect(dead.message).toMatch(/always false at 2\.5\.4/);
    expect(result.verdict).toBe("success");
  });

  it("hygiene on added lines only: an unstable PR URL, a patch without a comment, a deprecated --replace, a guard on the wrong scale", async () => {
    const text = readFileSync(join(NIX_PACKAGES, ONEDRIVE), "utf8")
      .replace(
        "  ++ lib.optionals",
        '  ++ [\n    (fetchpatch {\n      url = "https://github.com/abraunegg/onedrive/pull/3100.patch";\n      hash = "";\n    })\n    ./local-tweak.patch\n  ]\n  ++ lib.optionals (lib.versionOlder finalAttrs.version "250") [ ./x.patch ]\n  ++ lib.optionals',
      )
      .replace("  nativeBuildInputs", "  postPatch = ''\n    substituteInPlace Makefile --replace /usr $out\n  '';\n\n  nativeBuildInputs");
    const result = await reviewNixChange(await bump({ [ONEDRIVE]: text }));
    const rules = result.findings.map((f) => `${f.rule}:${f.level}:${f.line}`);
    expect(rules).toEqual(
      expect.arrayContaining(["nix-patch-hygiene:warning:32", "nix-patch-hygiene:notice:36", "nix-guard-scale:warning:38", `nix-patch-hygiene:notice:${text.split("\n").findIndex((l) => l.includes("substituteInPlace")) + 1}`]),
    );
    // nothing on the lines the change did not add (systemd, the existing onedrive entries)
    expect(result.findings.every((f) => f.path === ONEDRIVE && f.line! > 29)).toBe(true);
    expect(result.verdict).toBe("success");
  });

  it("a file the change leaves unparseable fails at its line", async () => {
    const text = readFileSync(join(NIX_PACKAGES, ONEDRIVE), "utf8").replace("  buildInputs = [", "  buildInputs = [ (");
    const result = await reviewNixChange(await bump({ [ONEDRIVE]: text }));
    expect(result.verdict).toBe("failure");
    expect(result.findings[0]).toMatchObject({ rule: "nix-parse-error", level: "failure", path: ONEDRIVE });
  });
});

describe("the command line on Nix repositories", () => {
  function gitRepo(): string {
    const dir = join(work, `repo-${Math.random().toString(36).slice(2)}`);
    cpSync(NIX_PACKAGES, dir, { recursive: true });
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "base");
    git("checkout", "-q", "-b", "bump");
    writeFileSync(join(dir, ONEDRIVE), readFileSync(join(NIX_DEMO_BUMP, ONEDRIVE)));
    git("commit", "-qam", "onedrive: 2.5.3 -> 2.5.4");
    return dir;
  }

  it("check on the version-bump PR (git revisions) exits 0 and comments the drop on the patch line", async () => {
    const repo = gitRepo();
    const io = fakeIO(work);
    expect(await main(["check", "--repo", repo, "--base", "main", "--head", "bump", "--offline", "--json"], io)).toBe(0);
    const json = JSON.parse(io.out);
    expect(json.verdict).toBe("success");
    expect(json.findings).toEqual([expect.objectContaining({ rule: "nix-patch-droppable", path: ONEDRIVE, line: 26 })]);
    const withUpstream = fakeIO(work);
    expect(await main(["check", "--repo", repo, "--base", "main", "--head", "bump", "--offline", "--upstream-git", upstream], withUpstream)).toBe(0);
    expect(withUpstream.out).toContain("is already in v2.5.4");
  });

  it("patches and track detect the kind, and --kind overrides it", async () => {
    const io = fakeIO(NIX_PACKAGES);
    expect(await main(["patches", "--json"], io)).toBe(0);
    const json = JSON.parse(io.out);
    expect(json).toMatchObject({ kind: "nix", repository: "packages", totals: { packages: 3, patches: 15 } });

    const track = fakeIO(NIX_CONFIG);
    expect(await main(["track", "--offline"], track)).toBe(0);
    expect(track.out).toContain("routy/systemd.services.fixup-run-private");
    expect(track.out).toContain("removal criterion: systemd fixes the inconsistency");
    expect(track.out).toContain("upstream: systemd/systemd");
    expect(track.out).toContain("upstream: nix-community/NixOS-WSL");
    expect(track.out).toMatch(/timesyncd-state.*\n?.*dead: `config\.system\.stateVersion < 19\.09` is false for every host/);

    const wrongKind = fakeIO(NIX_PACKAGES);
    expect(await main(["patches", "--kind", "azldev"], wrongKind)).toBe(2);
    expect(wrongKind.err).toMatch(/no azldev\.toml/);
    const nothing = fakeIO(work);
    expect(await main(["patches"], nothing)).toBe(2);
  });

  it("demo nix runs offline and shows both cases", async () => {
    const io = fakeIO(work);
    expect(await main(["demo", "nix"], io)).toBe(0);
    expect(io.out).toContain("drop this patch: already in 2.5.4");
    expect(io.out).toContain("systemd.services.fixup-run-private");
    expect(io.out).toContain("dead: `config.system.stateVersion < 19.09`");
  });

  it("the inventory of a NixOS flake lists hosts and locked inputs", async () => {
    const inv = await nixInventory(await openRepo(NIX_CONFIG));
    expect(inv.inputs.map((i) => i.name).sort()).toEqual(["nixos-wsl", "nixpkgs", "nixpkgs-kea"]);
  });
});
