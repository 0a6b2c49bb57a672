/**
 * The Nix side of `patches`, `track` and `check`: the inventory of a Nix repository as a table or
 * JSON, upstream verdicts through the same dashboard and report as RPM patches, and the review of a
 * change. Selected by the commands when the repository is a Nix one (or with `--kind nix`).
 */
import { resolve } from "node:path";
import { nixInventory, reviewNixChange, trackNix, type NixInventory } from "../../nix/index.js";
import type { RepoView } from "../../repo/types.js";
import { upstreamForge, type UpstreamForge } from "../../tracking/index.js";
import type { PatchVerdict } from "../../tracking/verdicts.js";
import type { CliIO } from "../io.js";
import { cacheDirectory } from "../upstream-choice.js";

/** Upstream evidence for the Nix commands: local clones first, then the forges' APIs unless offline. */
export function nixForge(options: { upstreamGit?: string; offline?: boolean; githubApiUrl?: string }, io: CliIO): UpstreamForge | undefined {
  return cliUpstreamForge(options, io);
}

/**
 * The command line's upstream sources: --upstream-git clones, and the APIs unless --offline (tokens
 * from the environment). API answers and the clones' history indexes are kept under the cache
 * directory, so a run asks only what changed since the last (SPECWARDEN_TRACKING_CACHE=0: not kept).
 */
export function cliUpstreamForge(options: { upstreamGit?: string; offline?: boolean; githubApiUrl?: string }, io: CliIO): UpstreamForge | undefined {
  const apiUrl = options.githubApiUrl ?? io.env["SPECWARDEN_GITHUB_API_URL"]?.trim();
  return upstreamForge({
    ...(io.env["SPECWARDEN_TRACKING_CACHE"] !== "0" ? { cacheDir: cacheDirectory(io) } : {}),
    ...(options.upstreamGit ? { upstreamGit: resolve(io.cwd, options.upstreamGit) } : {}),
    ...(options.offline ? { offline: true } : {}),
    ...(io.env["GITHUB_TOKEN"] ? { githubToken: io.env["GITHUB_TOKEN"] } : {}),
    ...(io.env["GITLAB_TOKEN"] ? { gitlabToken: io.env["GITLAB_TOKEN"] } : {}),
    ...(apiUrl ? { githubApiUrl: apiUrl } : {}),
  });
}

export function nixTotals(inv: NixInventory): Record<string, number> {
  return {
    files: inv.files,
    packages: inv.packages.length,
    patches: inv.packages.reduce((n, p) => n + p.patches.length, 0),
    workarounds: inv.workarounds.length + inv.packages.reduce((n, p) => n + p.workarounds.length, 0),
    hosts: inv.hosts.length,
    problems: inv.problems.length,
  };
}

function table(rows: string[][]): string[] {
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] as number))).join("  ").trimEnd());
}

export function nixInventoryText(inv: NixInventory): string {
  const out: string[] = [];
  const patchRows = inv.packages.flatMap((pkg) =>
    pkg.patches.map((e) => [
      `${pkg.name}${pkg.version ? `@${pkg.version}` : ""}`,
      e.url ?? e.path ?? e.name,
      e.kind,
      `${e.file}:${e.line}`,
      e.guards.map((g) => g.text).join(" && ") || "-",
      e.removalCriteria.map((c) => c.text).join(" / ") || "-",
    ]),
  );
  if (patchRows.length) out.push(...table([["PACKAGE", "PATCH", "KIND", "WHERE", "GUARD", "CRITERIA"], ...patchRows]), "");
  const workarounds = [...inv.packages.flatMap((p) => p.workarounds.map((w) => ({ owner: p.name, w }))), ...inv.workarounds.map((w) => ({ owner: "", w }))];
  if (workarounds.length) {
    out.push(
      ...table([
        ["WORKAROUND", "KIND", "WHERE", "CRITERIA"],
        ...workarounds.map(({ owner, w }) => [`${owner ? `${owner}: ` : ""}${w.name}`, w.kind + (w.flag ? ` ${w.flag}` : ""), `${w.file}:${w.line}`, [...w.removalCriteria.map((c) => c.text), ...(w.notes ?? []).map((n) => `note ${n.path}`)].join(" / ") || "-"]),
      ]),
      "",
    );
  }
  if (inv.hosts.length) out.push(`hosts: ${inv.hosts.map((h) => `${h.name} (stateVersion ${h.stateVersion ?? "?"})`).join(", ")}`);
  const locked = inv.inputs.filter((i) => i.locked?.rev);
  if (locked.length) out.push(`flake inputs: ${locked.map((i) => `${i.name} ${i.locked?.owner ?? ""}/${i.locked?.repo ?? ""}@${i.locked?.rev?.slice(0, 12)}`).join(", ")}`);
  const t = nixTotals(inv);
  out.push(`${t.patches} patches and ${t.workarounds} workarounds in ${t.packages} packages, ${t.files} Nix files read (${inv.kind === "config" ? "NixOS configuration repository" : "package repository"})`);
  for (const p of inv.problems) out.push(`problem: ${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`);
  return `${out.join("\n")}\n`;
}

export async function nixPatches(repo: RepoView, options: { json: boolean }, io: CliIO): Promise<number> {
  const inv = await nixInventory(repo);
  if (options.json) io.stdout(`${JSON.stringify({ ...inv, kind: "nix", repository: inv.kind, totals: nixTotals(inv) }, null, 2)}\n`);
  else io.stdout(nixInventoryText(inv));
  const broken = inv.problems.filter((p) => /does not parse|could not be read|over the/.test(p.message)).length;
  if (broken) io.stderr(`specwarden patches: ${broken} Nix file problem${broken === 1 ? "" : "s"}\n`);
  return broken ? 1 : 0;
}

export async function nixTrack(repo: RepoView, forge: UpstreamForge | undefined): Promise<{ inv: NixInventory; verdicts: PatchVerdict[] }> {
  const inv = await nixInventory(repo);
  const verdicts = await trackNix(inv, forge ? { forge } : {});
  return { inv, verdicts };
}

export { reviewNixChange };
