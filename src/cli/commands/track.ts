/**
 * `specwarden track`: upstream verdicts for every downstream patch. A dry run by default; with
 * `--write --github-repo owner/name` (token in GITHUB_TOKEN) it reconciles the dashboard and patch
 * issues exactly as the GitHub App does.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Octokit as RestOctokit } from "@octokit/rest";
import { parseRepoConfig } from "../../github/config.js";
import type { Octokit } from "../../github/octokit.js";
import { ContentPacer, IssueStore, parseTrackingConfig, reconcileIssues, renderDashboard, verdictHeadline } from "../../github/tracking/index.js";
import { trackPatches, VERDICTS, type PatchVerdict, type UpstreamForge } from "../../tracking/index.js";
import { UsageError, type CliIO } from "../io.js";
import { openRepo } from "../../repo/index.js";
import { repositoryKind } from "../repo-kind.js";
import { cliUpstreamForge, nixTrack } from "./nix.js";
import { loadInventory, parseCommonArgs } from "./patches.js";

const HELP = `usage: specwarden track [--repo PATH] [--ref REV] [--kind azldev|nix] [--upstream-git DIR] [--offline] [--github-api-url URL] [--json]
                       [--component NAME]... [--write --github-repo OWNER/NAME]

Decide, for every downstream patch, where it stands upstream and whether it can be dropped.

  --repo PATH           the distro repository; default: current directory
  --ref REV             read the tree at this git revision instead of the working tree
  --upstream-git DIR    local upstream clones (DIR/<owner>/<repo> or DIR/<repo>) answer what history can:
                        containment, tags, files, and content searches (a series squashed into one
                        commit, stable backports); the API is asked only for pull request and issue state
  --offline             no network: spec conditionals, metadata and removal criteria only (with
                        --upstream-git, the clones still answer; pull request and issue state stay unknown)
  --github-api-url URL  the GitHub API root (GitHub Enterprise, a caching proxy); also SPECWARDEN_GITHUB_API_URL
  --kind KIND           azldev or nix (default: detected); Nix repositories get verdicts for every patch
                        entry and workaround (fix-up units, stateVersion gates, overrides, pinned inputs)
  --component NAME      only this component (repeatable)
  --arch ARCH, --define NAME=VALUE   as for 'specwarden patches'
  --json                print {"verdicts": [...], "counts": {...}}
  --write               create/update the dashboard and patch issues (needs GITHUB_TOKEN and --github-repo);
                        without it nothing is written
  --github-repo O/N     the repository that holds the issues

Upstream API tokens: GITHUB_TOKEN (github.com), GITLAB_TOKEN (gitlab.com). The number of API requests
is printed on stderr (JSON: upstreamRequests).

API answers (with their ETags: the next run asks "changed?", and an unchanged answer costs no rate
limit) and the clones' history indexes are kept under $SPECWARDEN_CACHE_DIR/tracking (default
~/.cache/specwarden/tracking); answers fetched with a token serve only runs with the same token.
SPECWARDEN_TRACKING_CACHE=0 keeps nothing; deleting the directory clears it.
`;

export async function run(args: string[], io: CliIO): Promise<number> {
  let upstreamGit: string | undefined;
  let offline = false;
  let write = false;
  let githubRepo: string | undefined;
  let githubApiUrl: string | undefined;
  const options = parseCommonArgs(args, io.cwd, HELP, (option) => {
    switch (option.flag) {
      case "--upstream-git":
        upstreamGit = resolve(io.cwd, option.value());
        return true;
      case "--offline":
        option.noValue();
        offline = true;
        return true;
      case "--write":
        option.noValue();
        write = true;
        return true;
      case "--github-repo":
        githubRepo = option.value();
        return true;
      case "--github-api-url": {
        const value = option.value();
        if (!/^https?:\/\/[^\s]+$/.test(value)) throw new UsageError(`--github-api-url takes an http(s) URL, got '${value}'`);
        githubApiUrl = value;
        return true;
      }
      default:
        return false;
    }
  });
  if (options === "help") {
    io.stdout(HELP);
    return 0;
  }
  if (upstreamGit && !existsSync(upstreamGit)) throw new UsageError(`--upstream-git ${upstreamGit} does not exist`);
  const token = io.env.GITHUB_TOKEN;
  let target: { owner: string; repo: string } | undefined;
  if (write) {
    const m = githubRepo ? /^([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9_.-]+)$/.exec(githubRepo) : null;
    if (!m) throw new UsageError(`--write needs --github-repo OWNER/NAME\n\n${HELP}`);
    if (!token) throw new UsageError("--write needs a token in the GITHUB_TOKEN environment variable");
    target = { owner: m[1] as string, repo: m[2] as string };
  } else if (githubRepo) {
    throw new UsageError(`--github-repo is only used with --write\n\n${HELP}`);
  }

  const repoView = await openRepo(options.repo, options.ref);
  let kind;
  try {
    kind = await repositoryKind(repoView, options.ref ? `${options.repo} at ${options.ref}` : options.repo, options.kind);
  } catch (error) {
    await repoView.close?.();
    throw error;
  }
  let verdicts: PatchVerdict[];
  let configText: string | undefined;
  let problems: string[] = [];
  let macros: Record<string, string> | undefined;
  let forge: UpstreamForge | undefined;
  if (kind === "nix") {
    try {
      forge = cliUpstreamForge({ ...(upstreamGit ? { upstreamGit } : {}), offline, ...(githubApiUrl ? { githubApiUrl } : {}) }, io);
      const tracked = await nixTrack(repoView, forge);
      verdicts = tracked.verdicts;
      problems = tracked.inv.problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`);
      configText = await repoView.readText(".github/specwarden.yml").catch(() => undefined);
    } finally {
      await repoView.close?.();
    }
  } else {
    await repoView.close?.();
    forge = cliUpstreamForge({ ...(upstreamGit ? { upstreamGit } : {}), offline, ...(githubApiUrl ? { githubApiUrl } : {}) }, io);
    const { inv, readText, close, project } = await loadInventory(options, io);
    try {
      verdicts = await trackPatches(inv, { ...(forge ? { forge } : {}), readText });
      configText = await readText(".github/specwarden.yml").catch(() => undefined);
    } finally {
      await close();
    }
    problems = project.errors.filter((e) => e.severity === "error").map((e) => `${e.file}:${e.line}: ${e.message}`);
    macros = inv.macros;
  }
  const counts: Record<string, number> = {};
  for (const v of verdicts) counts[v.verdict] = (counts[v.verdict] ?? 0) + 1;

  // what the upstream APIs were asked: every request, and those answered "not modified" (no rate limit cost)
  const requests = forge?.stats?.();
  if (options.json) io.stdout(`${JSON.stringify({ kind, verdicts, counts, ...(macros ? { macros } : {}), ...(kind === "nix" ? { problems } : {}), ...(requests ? { upstreamRequests: requests } : {}) }, null, 2)}\n`);
  else io.stdout(report(verdicts, counts));
  if (requests && !options.json) io.stderr(`specwarden track: ${requests.requests} upstream API request${requests.requests === 1 ? "" : "s"}${requests.notModified ? ` (${requests.notModified} answered "not modified")` : ""}\n`);

  if (target && token) {
    const tracking = parseTrackingConfig(configText ? (parseRepoConfig(configText).tracking ?? true) : true);
    const octokit = new RestOctokit({ auth: token, userAgent: "specwarden" }) as unknown as Octokit;
    const { data: user } = await octokit.request("GET /user");
    const store = new IssueStore(octokit, target, new ContentPacer());
    const summary = await reconcileIssues(store, { verdicts, config: { ...tracking, dropPullRequests: false }, botLogin: user.login, problems });
    io.stderr(
      `specwarden track: ${target.owner}/${target.repo}: ${summary.created.length} issues created, ${summary.updated.length} updated, ${summary.commented.length} comments, ${summary.closed.length} closed; dashboard ${summary.dashboard?.action ?? "-"} (#${summary.dashboard?.number ?? "?"})\n`,
    );
  } else if (!options.json) {
    const preview = renderDashboard({ verdicts, issues: new Map(), problems: [] }).body;
    io.stderr(`specwarden track: dry run — nothing written (${preview.length} characters of dashboard would be published; use --write --github-repo OWNER/NAME)\n`);
  }
  return 0;
}

function report(verdicts: PatchVerdict[], counts: Record<string, number>): string {
  const lines: string[] = [];
  for (const kind of VERDICTS) {
    const items = verdicts.filter((v) => v.verdict === kind);
    if (!items.length) continue;
    lines.push(`${kind} (${items.length})`);
    for (const v of items) {
      lines.push(`  ${v.component}/${v.file} [${v.origin}, rung ${v.rung}] ${verdictHeadline(v)}: ${v.reason}`);
      if (v.upstream) lines.push(`    upstream: ${v.upstream.project}${v.upstream.tag ? ` (${v.upstream.tag})` : ""}`);
      for (const c of v.criteria.slice(0, 4)) lines.push(`    removal criterion: ${c.text.replace(/\s+/g, " ")}${c.location ? ` (${c.location})` : ""}`);
      if (v.droppable) lines.push(`    drop: ${v.drop.summary}`);
      for (const c of v.conflicts) lines.push(`    conflict: ${c}`);
    }
  }
  lines.push(`${verdicts.length} patches: ${VERDICTS.filter((k) => counts[k]).map((k) => `${counts[k]} ${k}`).join(", ")}`);
  return `${lines.join("\n")}\n`;
}
