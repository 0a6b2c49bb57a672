/**
 * `specwarden patches [--repo PATH] [--ref REV] [--component NAME]... [--json]`: the downstream patch
 * inventory — every patch the distro vendors through its overlays and every Patch tag the upstream
 * specs bring, with wiring, whether it is active for the distro and applied in %prep, and its
 * removal criteria.
 */
import { resolve } from "node:path";
import { formatError, type Project } from "../../azldev/index.js";
import { openRepo } from "../../repo/index.js";
import { inventory } from "../../tracking/inventory.js";
import type { InventoryPatch, PatchInventory } from "../../tracking/types.js";
import { scanOptions, type OptionToken } from "../args.js";
import { requireDistroRepository } from "../distro-repo.js";
import { parseKind, repositoryKind, type RepoKind } from "../repo-kind.js";
import { openInventoryRecords } from "../inventory-store.js";
import { loadProjectCached } from "../project-store.js";
import { UsageError, type CliIO } from "../io.js";

const HELP = `usage: specwarden patches [--repo PATH] [--ref REV] [--kind azldev|nix] [--component NAME]... [--arch ARCH]... [--json]

List the downstream patches of a distro repository: an azldev repository (azldev.toml), or a Nix
repository (nixpkgs-style packages or a NixOS configuration flake) with its patch entries and workarounds.

  --repo PATH        the distro repository (a working tree or a bare git repository); default: current directory
  --ref REV          read the tree at this git revision instead of the working tree
  --component NAME   only this component (repeatable)
  --arch ARCH        target architectures for %ifarch (repeatable; default x86_64 and aarch64)
  --define NAME=VAL  a macro for evaluating conditionals (repeatable; default: the distro's, e.g. fedora=43)
  --kind KIND        azldev or nix (default: detected from azldev.toml, flake.nix, pkgs/)
  --json             print {"patches": [{component, file, origin, url?, wiring, applied, active, removalCriteria?, …}]}

origin is "distro" for patches vendored through the repository's overlays, "inherited" for Patch tags of
the upstream spec. Configuration errors go to stderr; exit status 1 when there are any.
`;

export interface CommonTrackingArgs {
  repo: string;
  kind?: RepoKind;
  ref?: string;
  json: boolean;
  components: string[];
  arches: string[];
  defines: Record<string, string>;
}

/** Parses the options `patches` and `track` share; `extra` handles the rest (returns false when unknown). */
export function parseCommonArgs(args: string[], cwd: string, help: string, extra?: (option: OptionToken) => boolean): CommonTrackingArgs | "help" {
  const options: CommonTrackingArgs = { repo: cwd, json: false, components: [], arches: [], defines: {} };
  const outcome = scanOptions(args, help, (option) => {
    switch (option.flag) {
      case "--repo":
        options.repo = resolve(cwd, option.value());
        return true;
      case "--ref":
        options.ref = option.value();
        return true;
      case "--component":
        options.components.push(option.value());
        return true;
      case "--arch":
        options.arches.push(option.value());
        return true;
      case "--define": {
        const text = option.value();
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(text);
        if (!m) throw new UsageError(`--define takes NAME=VALUE, got '${text}'\n\n${help}`);
        options.defines[m[1] as string] = m[2] as string;
        return true;
      }
      case "--json":
        option.noValue();
        options.json = true;
        return true;
      case "--kind":
        options.kind = parseKind(option.value());
        return true;
      default:
        return extra?.(option) ?? false;
    }
  });
  return outcome ?? options;
}

/** Loads the project and its patch inventory; prints configuration errors. */
export async function loadInventory(options: CommonTrackingArgs, io: CliIO): Promise<{ project: Project; inv: PatchInventory; readText: (path: string) => Promise<string | undefined>; close: () => Promise<void> }> {
  // the inventory of every component reads every rendered directory: list the tree at once
  const repo = await openRepo(options.repo, options.ref, { wholeTree: options.components.length === 0 });
  try {
    await requireDistroRepository(repo, options.ref ? `${options.repo} at ${options.ref}` : options.repo);
    const project = await loadProjectCached(repo, io);
    for (const error of project.errors) io.stderr(`${formatError(error)}\n`);
    const known = new Set(project.components.keys());
    const unknown = options.components.filter((c) => !known.has(c));
    if (unknown.length) throw new UsageError(`unknown component${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")}`);
    const stored = await openInventoryRecords(repo, io);
    const inv = await inventory(project, repo, {
      ...(options.components.length ? { components: options.components } : {}),
      ...(options.arches.length ? { arches: options.arches } : {}),
      ...(Object.keys(options.defines).length ? { macros: options.defines } : {}),
      ...(stored ? { records: stored.records } : {}),
    });
    // before anything else sees the inventory: what is stored is what was computed
    await stored?.save();
    return { project, inv, readText: (p) => repo.readText(p), close: async () => repo.close?.() };
  } catch (error) {
    await repo.close?.();
    throw error;
  }
}

/** The DESIGN.md §4 shape first, then the detail. */
export function patchJson(p: InventoryPatch): Record<string, unknown> {
  return {
    component: p.component,
    file: p.file,
    origin: p.origin,
    ...(p.url ? { url: p.url } : {}),
    wiring: p.wiring,
    applied: p.applied,
    active: p.active,
    ...(p.removalCriteria.length ? { removalCriteria: p.removalCriteria } : {}),
    ...(p.activeArches ? { activeArches: p.activeArches } : {}),
    ...(p.condition ? { condition: p.condition } : {}),
    ...(p.application ? { application: p.application } : {}),
    ...(p.tag ? { tag: p.tag } : {}),
    ...(p.specPath ? { specPath: p.specPath } : {}),
    ...(p.sourcePath ? { sourcePath: p.sourcePath } : {}),
    ...(p.renderedPath ? { renderedPath: p.renderedPath } : {}),
    overlays: p.overlays,
    ...(p.metadata ? { metadata: p.metadata } : {}),
    references: p.references.map((r) => ({ kind: r.kind, url: r.url })),
    ...(p.patchIds ? { patchIds: p.patchIds } : {}),
    ...(p.problems.length ? { problems: p.problems } : {}),
    drop: p.drop,
  };
}

/** Every record accounted for: how many were read, and how many carry problems or failed outright. */
export function inventoryTotals(inv: PatchInventory): { components: number; patches: number; componentsWithProblems: number; componentsFailed: number; patchesWithProblems: number } {
  const asked = inv.components.filter((c) => !c.referencedOnly);
  return {
    components: asked.length,
    patches: inv.patches.length,
    componentsWithProblems: asked.filter((c) => c.problems.length > 0).length,
    componentsFailed: asked.filter((c) => c.failed).length,
    patchesWithProblems: inv.patches.filter((p) => p.problems.length > 0).length,
  };
}

function table(inv: PatchInventory): string {
  const rows = [
    ["COMPONENT", "PATCH", "ORIGIN", "WIRING", "ACTIVE", "APPLIED", "CRITERIA"],
    ...inv.patches.map((p) => [
      p.component,
      p.url ?? p.file,
      p.origin,
      p.wiring,
      p.active ? (p.activeArches ? p.activeArches.join(",") : "yes") : "no",
      p.applied ? (p.application?.method ?? "yes") : "no",
      p.removalCriteria.map((c) => c.text).join(" / ") || "-",
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] as string).length)));
  const lines = rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] as number))).join("  ").trimEnd());
  const distro = inv.patches.filter((p) => p.origin === "distro").length;
  const problems = [
    ...inv.components.flatMap((c) => c.problems.map((m) => `${c.name}: ${m}`)),
    ...inv.patches.flatMap((p) => p.problems.map((m) => `${p.component}/${p.file}: ${m}`)),
  ];
  const totals = inventoryTotals(inv);
  const withErrors = totals.componentsWithProblems + totals.patchesWithProblems;
  return `${lines.join("\n")}\n${inv.patches.length} patches (${distro} vendored, ${inv.patches.length - distro} inherited) in ${inv.components.filter((c) => !c.referencedOnly).length} components; conditionals evaluated with ${Object.entries(inv.macros).map(([k, v]) => `%${k}=${v}`).join(" ") || "no macros"}\n${withErrors > 0 ? `${totals.componentsWithProblems} component(s) and ${totals.patchesWithProblems} patch(es) carry problems (${totals.componentsFailed} component(s) could not be inventoried)\n` : ""}${problems.map((p) => `problem: ${p}\n`).join("")}`;
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const options = parseCommonArgs(args, io.cwd, HELP);
  if (options === "help") {
    io.stdout(HELP);
    return 0;
  }
  const repo = await openRepo(options.repo, options.ref);
  const label = options.ref ? `${options.repo} at ${options.ref}` : options.repo;
  try {
    if ((await repositoryKind(repo, label, options.kind)) === "nix") return await (await import("./nix.js")).nixPatches(repo, options, io);
  } finally {
    await repo.close?.();
  }
  const { project, inv, close } = await loadInventory(options, io);
  await close();
  if (options.json) io.stdout(`${JSON.stringify({ patches: inv.patches.map(patchJson), components: inv.components, macros: inv.macros, arches: inv.arches, totals: inventoryTotals(inv) }, null, 2)}\n`);
  else io.stdout(table(inv));
  const errors = project.errors.filter((e) => e.severity === "error").length;
  if (errors > 0) io.stderr(`specwarden patches: ${errors} configuration error${errors === 1 ? "" : "s"}\n`);
  return errors > 0 ? 1 : 0;
}
