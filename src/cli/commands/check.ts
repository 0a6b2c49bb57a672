/**
 * `specwarden check`: review a change of a distro repo offline, from two git revisions or two
 * directories, and print the report the app would post (or the JSON of DESIGN.md §4).
 */
import { CONFIG_PATH } from "../../github/config-path.js";
import type { RepoConfig } from "../../github/config.js";
import { renderMarkdown, toJson, type ReportPolicy } from "../../report/index.js";
import { git, GitRepoView, openRepo } from "../../repo/index.js";
import type { RepoView } from "../../repo/types.js";
import { defaultDeps, reviewChange, type ReviewChangeInput } from "../../review/index.js";
import type { ReviewResult } from "../../review/types.js";
import { scanOptions } from "../args.js";
import { parseKind, repositoryKind, type RepoKind } from "../repo-kind.js";
import { loadProjectCached } from "../project-store.js";
import { UsageError, type CliIO } from "../io.js";
import { chooseUpstream } from "../upstream-choice.js";

export const USAGE = `usage: specwarden check --repo PATH --base REV --head REV [--upstream DIR | --offline] [--json | --markdown]
       specwarden check --base DIR --head DIR [--upstream DIR | --offline] [--json | --markdown]
       specwarden check ... --kind nix [--upstream-git DIR] [--offline]

Reviews the change from base to head the way the GitHub App reviews a pull request: rendered
specs edited by hand, vendored patches, stale renders, overlay lints, with a verified fix.

  --repo PATH      a git work tree or bare repository; --base/--head are revisions in it
                   (the base is their merge base, as for a pull request)
  --base, --head   revisions (with --repo) or directories (without)
  --upstream DIR   serve upstream dist-git trees from DIR/<upstream-name>/ instead of the network
  --offline        fetch nothing: components that need a full re-render are reported unverifiable
                   (by default upstream trees come from the distro's dist-git, cached under
                   $SPECWARDEN_CACHE_DIR or ~/.cache/specwarden)
  --allow-local-upstream
                   let dist-git-base-uri name a file:// mirror (https only otherwise; also
                   SPECWARDEN_ALLOW_LOCAL_UPSTREAM=1)
  --kind KIND      azldev or nix (default: detected from the head: azldev.toml, flake.nix, pkgs/)
  --upstream-git DIR
                   Nix repositories: local upstream clones (DIR/<owner>/<repo>) answer containment
                   and tags before the GitHub API (GITHUB_TOKEN); --offline asks neither
  --json           print the JSON report (DESIGN.md §4)
  --markdown       print the markdown report (the default)

Exit status: 0 no failure, 1 findings at failure level, 2 usage or fatal error.
`;

export interface CheckArgs {
  repo?: string;
  base: string;
  head: string;
  upstream?: string;
  offline?: boolean;
  /** dist-git over file:// too (a local mirror); https only otherwise */
  allowLocalUpstream?: boolean;
  format: "markdown" | "json";
  kind?: RepoKind;
  upstreamGit?: string;
}

const VALUE_OPTIONS = ["--repo", "--base", "--head", "--upstream", "--kind", "--upstream-git"];

export function parseCheckArgs(args: readonly string[]): CheckArgs | "help" {
  const values: Record<string, string> = {};
  let format: CheckArgs["format"] | undefined;
  let offline = false;
  let allowLocalUpstream = false;
  const outcome = scanOptions(
    args,
    USAGE,
    (option) => {
      if (option.flag === "--json" || option.flag === "--markdown") {
        option.noValue();
        const f = option.flag === "--json" ? "json" : "markdown";
        if (format && format !== f) throw new UsageError("--json and --markdown are mutually exclusive");
        format = f;
        return true;
      }
      if (option.flag === "--offline") {
        option.noValue();
        offline = true;
        return true;
      }
      if (option.flag === "--allow-local-upstream") {
        option.noValue();
        allowLocalUpstream = true;
        return true;
      }
      if (!VALUE_OPTIONS.includes(option.flag)) return false;
      values[option.flag] = option.value();
      return true;
    },
    { once: VALUE_OPTIONS },
  );
  if (outcome === "help") return "help";
  const base = values["--base"];
  const head = values["--head"];
  if (!base || !head) throw new UsageError(`--base and --head are required\n\n${USAGE}`);
  if (offline && values["--upstream"]) throw new UsageError("--upstream and --offline are mutually exclusive");
  return {
    ...(values["--repo"] ? { repo: values["--repo"] } : {}),
    base,
    head,
    ...(values["--upstream"] ? { upstream: values["--upstream"] } : {}),
    ...(offline ? { offline } : {}),
    ...(allowLocalUpstream ? { allowLocalUpstream } : {}),
    ...(values["--kind"] ? { kind: parseKind(values["--kind"]) } : {}),
    ...(values["--upstream-git"] ? { upstreamGit: values["--upstream-git"] } : {}),
    format: format ?? "markdown",
  };
}

/** The repo's policy from `.github/specwarden.yml` of the base (a change cannot weaken its own check). */
async function repoConfig(base: RepoView): Promise<RepoConfig | undefined> {
  const text = await base.readText(CONFIG_PATH).catch(() => undefined);
  if (text === undefined) return undefined;
  // the YAML parser loads only for a repository that has a policy
  const { parseRepoConfig, RepoConfigError } = await import("../../github/config.js");
  try {
    return parseRepoConfig(text);
  } catch (error) {
    if (error instanceof RepoConfigError) throw new Error(`${error.path}:${error.line}: ${error.problem}`);
    throw error;
  }
}

export interface OpenedChange {
  base: RepoView;
  head: RepoView;
  changedPaths?: string[];
  subtitle: string;
  close(): Promise<void>;
}

export async function openChange(args: CheckArgs, cwd: string): Promise<OpenedChange> {
  const { resolve } = await import("node:path");
  if (args.repo) {
    const repoPath = resolve(cwd, args.repo);
    const head = await openRepo(repoPath, args.head);
    const tip = await openRepo(repoPath, args.base);
    const gitDir = (head as GitRepoView).gitDir;
    const headCommit = (head as GitRepoView).commit;
    const mergeBase = (await git([`--git-dir=${gitDir}`, "merge-base", (tip as GitRepoView).commit, headCommit]).catch(() => undefined))?.toString("utf8").trim();
    const base = mergeBase && mergeBase !== (tip as GitRepoView).commit ? await openRepo(repoPath, mergeBase) : tip;
    if (base !== tip) await tip.close?.();
    const baseCommit = (base as GitRepoView).commit;
    const diff = await git([`--git-dir=${gitDir}`, "diff-tree", "-r", "-z", "--name-only", "--no-renames", baseCommit, headCommit]);
    const changedPaths = diff.toString("utf8").split("\0").filter(Boolean);
    return {
      base,
      head,
      changedPaths,
      subtitle: `${args.base} (${baseCommit.slice(0, 7)}) → ${args.head} (${headCommit.slice(0, 7)})`,
      close: async () => {
        await base.close?.();
        await head.close?.();
      },
    };
  }
  const base = await openRepo(resolve(cwd, args.base));
  const head = await openRepo(resolve(cwd, args.head));
  return { base, head, subtitle: `${args.base} → ${args.head}`, close: async () => undefined };
}

export function exitCode(result: ReviewResult): number {
  return result.verdict === "failure" ? 1 : 0;
}

/**
 * Prints the review: the JSON document, or the markdown report the app posts as its sticky comment
 * (under the same policy, without the app's marker and footer), closed by what was compared.
 */
export async function printResult(result: ReviewResult, format: CheckArgs["format"], io: CliIO, context?: string, policy?: ReportPolicy): Promise<number> {
  io.stdout(format === "json" ? toJson(result) : `${renderMarkdown(result, { maxBytes: Number.MAX_SAFE_INTEGER, ...(context ? { context } : {}), ...(policy ? { policy } : {}) })}\n`);
  return exitCode(result);
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const parsed = parseCheckArgs(args);
  if (parsed === "help") {
    io.stdout(USAGE);
    return 0;
  }
  const change = await openChange(parsed, io.cwd);
  try {
    const kind = await repositoryKind(change.head, parsed.repo ? `${parsed.repo} at ${parsed.head}` : parsed.head, parsed.kind);
    const config = await repoConfig(change.base);
    if (kind === "nix") {
      const { nixForge, reviewNixChange } = await import("./nix.js");
      const forge = nixForge({ ...(parsed.upstreamGit ? { upstreamGit: parsed.upstreamGit } : {}), ...(parsed.offline ? { offline: true } : {}) }, io);
      const result = await reviewNixChange({ base: change.base, head: change.head, ...(change.changedPaths ? { changedPaths: change.changedPaths } : {}), ...(forge ? { forge } : {}) });
      return await printResult(result, parsed.format, io, change.subtitle, config);
    }
    const upstream = await chooseUpstream(parsed, io);
    const input: ReviewChangeInput = {
      base: change.base,
      head: change.head,
      ...(change.changedPaths ? { changedPaths: change.changedPaths } : {}),
      ...(upstream ? { upstream } : {}),
      ...(parsed.offline ? { noUpstreamReason: "upstream trees are not fetched (--offline)" } : {}),
      ...(config
        ? { config: { ruleLevels: config.ruleLevels, waivers: config.waivers, ...(config.renderedSpecsDir ? { renderedSpecsDir: config.renderedSpecsDir } : {}) } }
        : {}),
    };
    try {
      const deps = { ...(await defaultDeps()), loadProject: (repo: RepoView) => loadProjectCached(repo, io) };
      const result = await reviewChange(input, { deps });
      return await printResult(result, parsed.format, io, change.subtitle, config);
    } finally {
      await upstream?.close?.();
    }
  } finally {
    await change.close();
  }
}
