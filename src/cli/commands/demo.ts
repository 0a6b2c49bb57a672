/**
 * `specwarden demo`: reviews the pull request embedded in `fixtures/demo/` offline. The base is a
 * small Azure-Linux-style repository (`fixtures/demo/base/`); the pull request (`fixtures/demo/head/`,
 * the files it changes) vendors a systemd patch straight into `specs/s/systemd/`, wires it with a
 * hand-written `Patch:` line inside `%if %{without upstream}` and hand-edits a meson option.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { openRepo } from "../../repo/index.js";
import type { RepoView } from "../../repo/types.js";
import { LayeredRepoView, reviewChange } from "../../review/index.js";
import { scanOptions } from "../args.js";
import { verdictHeadline } from "../../github/tracking/index.js";
import { UsageError, type CliIO } from "../io.js";
import { nixTrack, reviewNixChange } from "./nix.js";
import { printResult } from "./check.js";

export const USAGE = `usage: specwarden demo [nix] [--json | --markdown] [--fixture DIR]

Reviews the embedded demo pull request (fixtures/demo/) offline, with no GitHub account and no
network, and prints the report a maintainer would see on the pull request.

  nix   the Nix case instead: a pull request that bumps onedrive 2.5.3 → 2.5.4 in a nixpkgs-like
        tree (fixtures/nix/packages + fixtures/nix/demo-bump), then the workarounds of a NixOS
        configuration flake (fixtures/nix/config) with their removal criteria and state
`;

/** `fixtures/nix` of this package. */
export function nixFixtureDir(): string {
  return fileURLToPath(new URL("../../../fixtures/nix", import.meta.url));
}

/** The Nix demo change: the package tree and the tree with the version bump's files laid over it. */
export async function nixDemoChange(fixtureDir = nixFixtureDir()): Promise<{ base: RepoView; head: RepoView; changedPaths: string[] }> {
  const base = await openRepo(join(fixtureDir, "packages"));
  const headDir = join(fixtureDir, "demo-bump");
  const changedPaths = await filesUnder(headDir);
  const edits = new Map<string, Uint8Array | null>();
  for (const path of changedPaths) edits.set(path, new Uint8Array(await readFile(join(headDir, ...path.split("/")))));
  return { base, head: new LayeredRepoView(base, edits), changedPaths };
}

async function runNix(format: "markdown" | "json", io: CliIO): Promise<number> {
  const change = await nixDemoChange();
  const review = await reviewNixChange({ base: change.base, head: change.head, changedPaths: change.changedPaths });
  await printResult(review, format, io, "demo pull request: fixtures/nix/packages → fixtures/nix/demo-bump (onedrive 2.5.3 → 2.5.4)");
  const config = await openRepo(join(nixFixtureDir(), "config"));
  const { inv, verdicts } = await nixTrack(config, undefined);
  if (format === "json") {
    io.stdout(`${JSON.stringify({ configuration: { hosts: inv.hosts, verdicts } }, null, 2)}\n`);
    return 0;
  }
  io.stdout(["", "## Workarounds of the NixOS configuration (fixtures/nix/config), offline", ""].join("\n") + "\n");
  for (const v of verdicts) {
    io.stdout(`- **${v.component}** \`${v.file}\` — ${verdictHeadline(v)}: ${v.reason}\n`);
    if (v.upstream) io.stdout(`  - upstream: ${v.upstream.project}\n`);
    for (const c of v.criteria.slice(0, 3)) io.stdout(`  - removal criterion: ${c.text.replace(/\s+/g, " ")}${c.location ? ` (${c.location})` : ""}\n`);
  }
  return 0;
}

/** `fixtures/demo` of this package (dist/cli/commands → ../../../fixtures/demo; same from src/). */
export function defaultFixtureDir(): string {
  return fileURLToPath(new URL("../../../fixtures/demo", import.meta.url));
}

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(root, full).split(sep).join("/"));
    }
  };
  await walk(root);
  return out.sort();
}

/** The demo change: the base directory and the head as the base plus the PR's files. */
export async function demoChange(fixtureDir = defaultFixtureDir()): Promise<{ base: RepoView; head: RepoView; changedPaths: string[] }> {
  const base = await openRepo(join(fixtureDir, "base"));
  const headDir = join(fixtureDir, "head");
  const changedPaths = await filesUnder(headDir);
  const edits = new Map<string, Uint8Array | null>();
  for (const path of changedPaths) edits.set(path, new Uint8Array(await readFile(join(headDir, ...path.split("/")))));
  return { base, head: new LayeredRepoView(base, edits), changedPaths };
}

export async function run(args: string[], io: CliIO): Promise<number> {
  let format: "markdown" | "json" = "markdown";
  let fixture: string | undefined;
  let nix = false;
  const outcome = scanOptions(args, USAGE, (option) => {
    if (option.flag === "--json" || option.flag === "--markdown") {
      option.noValue();
      format = option.flag === "--json" ? "json" : "markdown";
      return true;
    }
    if (option.flag !== "--fixture") return false;
    fixture = option.value();
    return true;
  }, {
    positional: (arg) => {
      if (arg !== "nix") throw new UsageError(`unknown demo '${arg}' (the demos are: the default azldev one, and nix)\n\n${USAGE}`);
      nix = true;
    },
  });
  if (outcome === "help") {
    io.stdout(USAGE);
    return 0;
  }
  if (nix) return runNix(format, io);
  const change = await demoChange(fixture);
  const result = await reviewChange(change);
  await printResult(result, format, io, "demo pull request: fixtures/demo/base → fixtures/demo/head (systemd)");
  // the demo succeeded when it produced the review, whatever the review says
  return 0;
}
