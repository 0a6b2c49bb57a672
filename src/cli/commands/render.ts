/**
 * `specwarden render`: re-render components natively, byte-compatible with `azldev component render`.
 * Writes each component dir atomically, or with --check compares with the committed tree and writes nothing.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadProject } from "../../azldev/index.js";
import { formatError } from "../../azldev/index.js";
import {
  compareRender,
  summarizeComparison,
  GitProjectHistory,
  renderComponents,
  resolveComponentName,
  writeRenders,
  type ProjectHistory,
  type FileComparison,
  type WriteResult,
} from "../../render/index.js";
import { cleanLeftovers, confineOutputRoot, confineRenderedSpecsDir, lockOutputRoot } from "../../render/confined-output.js";
import { openRepo } from "../../repo/index.js";
import type { UpstreamSource } from "../../upstream/types.js";
import { scanOptions } from "../args.js";
import { requireDistroRepository } from "../distro-repo.js";
import { UsageError, type CliIO } from "../io.js";
import { chooseUpstream } from "../upstream-choice.js";

export const USAGE = `usage: specwarden render --repo PATH [--ref REV] [--upstream DIR] [--out DIR] [--check] [--json] (--all | NAME...)

Re-renders components the way 'azldev component render' does: upstream or local spec, macros
file, overlays, check skipping, banner, sources, release bump, rpmautospec, file filter.

  --repo PATH      the distro repository (a work tree, or a bare repository with --ref)
  --ref REV        render the tree at this revision instead of the work tree
  --upstream DIR   serve upstream dist-git trees from DIR/<upstream-name>/ instead of the network
  --allow-local-upstream
                   let dist-git-base-uri name a file:// mirror (https only otherwise; also
                   SPECWARDEN_ALLOW_LOCAL_UPSTREAM=1)
  --out DIR        write here instead of the repository's rendered-specs dir
  --check          write nothing; exit 1 when a committed render differs (bookkeeping-only
                   differences such as rpmautospec's version line are reported, not counted)
  --json           print azldev's -O json array
  --all            every component; otherwise the NAMEs given
  --concurrency N  components rendered at once (default 4)

Exit status: 0 done (failed components are reported), 1 drift with --check, 2 usage or fatal error,
or with --check when an upstream could not be read (not verified: neither clean nor stale).
`;

export interface RenderArgs {
  repo: string;
  ref?: string;
  upstream?: string;
  out?: string;
  check: boolean;
  json: boolean;
  all: boolean;
  names: string[];
  concurrency: number;
  /** dist-git over file:// too (a local mirror); https only otherwise */
  allowLocalUpstream?: boolean;
}

const VALUE_OPTIONS = ["--repo", "--ref", "--upstream", "--out", "--concurrency"];

export function parseRenderArgs(args: readonly string[]): RenderArgs | "help" {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const names: string[] = [];
  const outcome = scanOptions(
    args,
    USAGE,
    (option) => {
      if (option.flag === "--check" || option.flag === "--json" || option.flag === "--all" || option.flag === "-a" || option.flag === "--allow-local-upstream") {
        option.noValue();
        flags.add(option.flag === "-a" ? "--all" : option.flag);
        return true;
      }
      if (!VALUE_OPTIONS.includes(option.flag)) return false;
      values[option.flag] = option.value();
      return true;
    },
    { positional: (name) => names.push(name), once: VALUE_OPTIONS },
  );
  if (outcome === "help") return "help";
  const repo = values["--repo"];
  if (!repo) throw new UsageError(`--repo is required\n\n${USAGE}`);
  const all = flags.has("--all");
  if (all && names.length > 0) throw new UsageError("--all and component names are mutually exclusive");
  if (!all && names.length === 0) throw new UsageError(`no components were selected: give --all or component names\n\n${USAGE}`);
  const out = values["--out"];
  if (out !== undefined && [".", "/", ".."].includes(out.replace(/\/+$/, "") || "/")) {
    throw new UsageError(`--out ${out} is not allowed: choose a dedicated directory`);
  }
  if (out !== undefined && (out === "../" || out.startsWith("../"))) throw new UsageError(`--out ${out} is not allowed: choose a dedicated directory`);
  let concurrency = 4;
  if (values["--concurrency"] !== undefined) {
    concurrency = Number(values["--concurrency"]);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError("--concurrency must be an integer from 1 to 64");
  }
  return {
    repo,
    ...(values["--ref"] ? { ref: values["--ref"] } : {}),
    ...(values["--upstream"] ? { upstream: values["--upstream"] } : {}),
    ...(out ? { out } : {}),
    check: flags.has("--check"),
    json: flags.has("--json"),
    ...(flags.has("--allow-local-upstream") ? { allowLocalUpstream: true } : {}),
    all,
    names,
    concurrency,
  };
}

async function upstreamSource(args: RenderArgs, io: CliIO): Promise<UpstreamSource> {
  const source = await chooseUpstream(args, io);
  if (!source) throw new Error("no upstream source");
  return source;
}

function progressBar(io: CliIO, total: number): (done: number) => void {
  if (!io.isTTY || total < 10) return () => {};
  let last = -1;
  return (done) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    if (filled === last && done !== total) return;
    last = filled;
    io.stderr(`\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} components`);
    if (done === total) io.stderr("\n");
  };
}

/** A row of the --check report: the write result's shape plus what was compared. */
interface CheckRow extends WriteResult {
  verified?: false;
  /** why the component is not verified, or what differs */
  reason?: string;
  files?: Record<string, unknown>[];
}

/** A file that is not identical to its render, for --check --json: what differs and of which kind. */
function fileJson(file: FileComparison): Record<string, unknown> {
  if (file.status === "differs") {
    const content = file.hunks.filter((h) => h.kind === "content").length;
    return { path: file.path, status: file.status, contentHunks: content, bookkeepingHunks: file.hunks.length - content, kind: content > 0 ? "content" : "bookkeeping" };
  }
  if (file.status === "unreadable") return { path: file.path, status: file.status, reason: file.reason };
  return { path: file.path, status: file.status };
}

/** What the command reaches beyond the repository; tests and embedders may supply their own. */
export interface RenderDependencies {
  upstream?: (args: RenderArgs, io: CliIO) => Promise<UpstreamSource>;
  now?: Date;
}

export function run(args: string[], io: CliIO): Promise<number> {
  return runRender(args, io);
}

export async function runRender(args: string[], io: CliIO, deps: RenderDependencies = {}): Promise<number> {
  const parsed = parseRenderArgs(args);
  if (parsed === "help") {
    io.stdout(USAGE);
    return 0;
  }
  const repoPath = resolve(io.cwd, parsed.repo);
  if (parsed.ref !== undefined && !parsed.out && !parsed.check && !existsSync(join(repoPath, ".git"))) {
    // a bare repository: its directory is git's own, and a revision has no work tree to write into
    throw new UsageError(`${parsed.repo} has no work tree to write the render of ${parsed.ref} into: pass --out DIR (or --check)`);
  }
  const repo = await openRepo(repoPath, parsed.ref);
  let upstream: UpstreamSource | undefined;
  try {
    await requireDistroRepository(repo, parsed.ref ? `${parsed.repo} at ${parsed.ref}` : parsed.repo);
    const project = await loadProject(repo);
    for (const error of project.errors) io.stderr(`${formatError(error)}\n`);
    const names: string[] = [];
    if (parsed.all) names.push(...project.components.keys());
    else {
      for (const name of parsed.names) {
        const resolved = resolveComponentName(project, name);
        if (!resolved) throw new UsageError(`unknown component '${name}'`);
        names.push(resolved);
      }
    }
    const needsUpstream = names.some((n) => project.components.get(n)?.spec.type === "upstream");
    upstream = needsUpstream ? await (deps.upstream ?? upstreamSource)(parsed, io) : undefined;
    const isGit = parsed.ref !== undefined || existsSync(join(repoPath, ".git"));
    const history: ProjectHistory | undefined = isGit ? new GitProjectHistory(repoPath, parsed.ref ?? "HEAD") : undefined;
    const progress = progressBar(io, names.length);
    const renders = await renderComponents({
      project,
      repo,
      names,
      ...(upstream ? { upstream } : {}),
      ...(history ? { history } : {}),
      concurrency: parsed.concurrency,
      ...(deps.now ? { now: deps.now } : {}),
      onProgress: (done) => progress(done),
    });

    const specsDir = project.settings.renderedSpecsDir;
    const displayOutDir = parsed.out ?? resolve(repoPath, specsDir);
    let rows: CheckRow[];
    const drifting: string[] = [];
    // components whose upstream could not be fetched: neither clean nor stale, just unchecked
    const unverified: string[] = [];
    if (parsed.check) {
      rows = [];
      for (const render of renders) {
        const comparison = await compareRender(render, repo);
        const failedAsCommitted =
          render.status !== "ok" &&
          comparison.files.length === 1 &&
          comparison.files[0]?.status === "identical";
        const unreachable = render.status !== "ok" && render.failure?.stage === "upstream" && !failedAsCommitted;
        const unreadable = comparison.files.filter((f) => f.status === "unreadable");
        // Differences other than files that could not be read decide drift; unreadable files alone
        // leave the component not verified.
        const decided = comparison.files.filter((f) => f.status !== "unreadable");
        const decidedClean = decided.every((f) => f.status === "identical" || (f.status === "differs" && f.hunks.every((h) => h.kind === "bookkeeping")));
        const drift = render.status === "ok" ? !decidedClean : !failedAsCommitted && !unreachable;
        let unverifiedReason: string | undefined;
        if (unreachable) unverifiedReason = render.error ?? "the upstream could not be read";
        else if (!drift && unreadable.length > 0) unverifiedReason = summarizeComparison({ ...comparison, files: unreadable });
        if (unverifiedReason !== undefined) {
          unverified.push(render.component);
          io.stderr(`${render.component}: not verified: ${unverifiedReason.split("\n").join("\n  ")}\n`);
        }
        const why = drift ? (render.status === "ok" ? summarizeComparison(comparison) : (render.error ?? "render failed")) : undefined;
        if (why !== undefined) {
          drifting.push(render.component);
          io.stderr(`${render.component}: ${why.split("\n").join("\n  ")}\n`);
        }
        const relative = `${render.component.charAt(0).toLowerCase()}/${render.component}`;
        rows.push({
          component: render.component,
          // Reading from a git revision without --out, nothing is written: name the dir in the tree.
          outputDir: render.outputDir === "(invalid)" ? "(invalid)" : parsed.ref !== undefined && !parsed.out ? render.outputDir : join(displayOutDir, relative),
          status: render.status,
          ...(render.error ? { error: render.error } : {}),
          changed: drift,
          ...(unverifiedReason !== undefined ? { verified: false, reason: unverifiedReason } : {}),
          ...(why !== undefined ? { reason: why } : {}),
          // a failed render compared with a committed tree says nothing file by file
          ...(render.status === "ok" || failedAsCommitted ? { files: comparison.files.filter((f) => f.status !== "identical").map(fileJson) } : {}),
        });
      }
    } else {
      // Confinement first (links, .git, the repository root), then one writer per output root.
      const outDir = parsed.out ? await confineOutputRoot(resolve(io.cwd, parsed.out), { cwd: io.cwd, repoRoot: repoPath }) : await confineRenderedSpecsDir(repoPath, specsDir);
      const unlock = await lockOutputRoot(outDir);
      try {
        for (const leftover of await cleanLeftovers(outDir)) io.stderr(`removed ${leftover}, left by an interrupted render\n`);
        rows = await writeRenders(renders, { outDir, displayOutDir });
      } finally {
        await unlock();
      }
    }
    if (parsed.json) {
      const json = rows.map(({ component, outputDir, status, error, changed, verified, reason, files }) => ({
        component,
        outputDir,
        status,
        ...(error ? { error } : {}),
        changed,
        ...(verified === false ? { verified } : {}),
        ...(reason !== undefined ? { reason } : {}),
        ...(files && files.length > 0 ? { files } : {}),
      }));
      io.stdout(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      for (const row of rows) {
        const state = row.status === "ok" ? (row.changed ? "changed" : "unchanged") : row.status;
        io.stdout(`${row.component}\t${state}\t${row.outputDir}${row.error ? `\t${row.error.split("\n").join(" | ")}` : ""}\n`);
      }
    }
    for (const row of rows) for (const warning of row.warnings ?? []) io.stderr(`${row.component}: ${warning}\n`);
    const failed = rows.filter((r) => r.status !== "ok");
    if (failed.length > 0 && !parsed.json) io.stderr(`${failed.length} component(s) failed to render\n`);
    if (parsed.check && unverified.length > 0) {
      io.stderr(`not verified: the upstream of ${unverified.length} component(s) could not be read: ${unverified.sort().join(", ")}\n`);
    }
    if (parsed.check && drifting.length > 0) {
      io.stderr(
        `rendered output is stale: ${drifting.length} component(s) differ: ${drifting.sort().join(", ")}; re-render them with 'specwarden render'\n`,
      );
      return 1;
    }
    // Could not tell: never a pass, but not drift either.
    if (parsed.check && unverified.length > 0) return 2;
    return 0;
  } finally {
    await upstream?.close?.();
    await repo.close?.();
  }
}

