/**
 * `specwarden components [--repo PATH] [--ref REV] [--json]`: every component with its effective
 * configuration. Configuration errors go to stderr as `file:line:column: message`; any error
 * (not warning) makes the exit status 2 (invalid configuration is fatal to a listing).
 */
import { resolve } from "node:path";
import { formatError, renderedDirOf, type Project, type SpecSource } from "../../azldev/index.js";
import { openRepo } from "../../repo/index.js";
import { scanOptions } from "../args.js";
import { requireDistroRepository } from "../distro-repo.js";
import { loadProjectCached } from "../project-store.js";
import type { CliIO } from "../io.js";

const HELP = `usage: specwarden components [--repo PATH] [--ref REV] [--json]

List every component of an azldev project with its effective configuration.

  --repo PATH   the distro repository (a working tree or a bare git repository); default: current directory
  --ref REV     read the tree at this git revision instead of the working tree
  --json        print {"components": [{name, spec, overlays, groups, renderedDir}]}

Configuration errors are printed to stderr as file:line:column: message; exit status 2 when there are any.
`;

interface Options {
  repo: string;
  ref?: string;
  json: boolean;
}

function parseArgs(args: string[], cwd: string): Options | "help" {
  const options: Options = { repo: cwd, json: false };
  const outcome = scanOptions(args, HELP, (option) => {
    switch (option.flag) {
      case "--repo":
        options.repo = resolve(cwd, option.value());
        return true;
      case "--ref":
        options.ref = option.value();
        return true;
      case "--json":
        option.noValue();
        options.json = true;
        return true;
      default:
        return false;
    }
  });
  return outcome ?? options;
}

export interface ComponentSummary {
  name: string;
  spec: SpecSource;
  overlays: number;
  groups: string[];
  renderedDir: string;
}

export function summarize(project: Project): ComponentSummary[] {
  return [...project.components.values()].map((config) => ({
    name: config.name,
    spec: config.spec,
    overlays: config.overlays.length,
    groups: config.groups,
    renderedDir: renderedDirOf(project, config.name),
  }));
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const options = parseArgs(args, io.cwd);
  if (options === "help") {
    io.stdout(HELP);
    return 0;
  }
  const repo = await openRepo(options.repo, options.ref);
  let project: Project;
  try {
    await requireDistroRepository(repo, options.ref ? `${options.repo} at ${options.ref}` : options.repo);
    project = await loadProjectCached(repo, io);
  } finally {
    await repo.close?.();
  }
  for (const error of project.errors) io.stderr(`${formatError(error)}\n`);

  const summaries = summarize(project);
  if (options.json) io.stdout(`${JSON.stringify({ components: summaries }, null, 2)}\n`);
  else io.stdout(table(summaries, project));

  const errors = project.errors.filter((e) => e.severity === "error").length;
  if (errors > 0) io.stderr(`specwarden components: ${errors} configuration error${errors === 1 ? "" : "s"}\n`);
  return errors > 0 ? 2 : 0;
}

function describeSpec(spec: SpecSource): string {
  if (spec.type === "local") return `local ${spec.path ?? "(no path)"}`;
  if (spec.type === "") return "(no spec source)";
  const distro = spec.upstreamDistro;
  const from = distro ? `${distro.name}${distro.version ? `/${distro.version}` : ""}` : "default distro";
  const name = spec.upstreamName ? ` as ${spec.upstreamName}` : "";
  const commit = spec.upstreamCommit ? ` @${spec.upstreamCommit.slice(0, 12)}` : "";
  return `upstream ${from}${name}${commit}`;
}

function table(summaries: ComponentSummary[], project: Project): string {
  const rows = [
    ["COMPONENT", "SPEC", "OVERLAYS", "GROUPS", "RENDERED DIR"],
    ...summaries.map((s) => [s.name, describeSpec(s.spec), String(s.overlays), s.groups.join(",") || "-", s.renderedDir]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] as string).length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : column === 2 ? cell.padStart(widths[column] as number) : cell.padEnd(widths[column] as number)))
      .join("  ")
      .trimEnd(),
  );
  const total = `${summaries.length} component${summaries.length === 1 ? "" : "s"} in ${project.root || "."} (${project.files.length} config files)`;
  return `${lines.join("\n")}\n${total}\n`;
}
