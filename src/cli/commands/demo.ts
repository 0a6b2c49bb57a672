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
import type { CliIO } from "../io.js";
import { printResult } from "./check.js";

export const USAGE = `usage: specwarden demo [--json | --markdown] [--fixture DIR]

Reviews the embedded demo pull request (fixtures/demo/) offline, with no GitHub account and no
network, and prints the report a maintainer would see on the pull request.
`;

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
  const outcome = scanOptions(args, USAGE, (option) => {
    if (option.flag === "--json" || option.flag === "--markdown") {
      option.noValue();
      format = option.flag === "--json" ? "json" : "markdown";
      return true;
    }
    if (option.flag !== "--fixture") return false;
    fixture = option.value();
    return true;
  });
  if (outcome === "help") {
    io.stdout(USAGE);
    return 0;
  }
  const change = await demoChange(fixture);
  const result = await reviewChange(change);
  await printResult(result, format, io, "demo pull request: fixtures/demo/base → fixtures/demo/head (systemd)");
  // the demo succeeded when it produced the review, whatever the review says
  return 0;
}
