/**
 * One tracking sweep of one repository: read the default branch at its head, inventory the patches,
 * collect upstream evidence, and reconcile the dashboard and patch issues. Sweeps of the same
 * repository are serialised in this process so a push and a scheduled run cannot both create an
 * issue for the same patch.
 */
import { loadProject } from "../../azldev/index.js";
import { detectNixKind, nixInventory, trackNix } from "../../nix/index.js";
import { inventory, trackPatches, upstreamForge, type InventoryPatch, type PatchVerdict, type UpstreamForge } from "../../tracking/index.js";
import type { LogSink } from "../check-pull-request.js";
import type { RepoConfig } from "../config.js";
import { octokitGitReader } from "../git-reader.js";
import { loadRepoConfig } from "../load-config.js";
import { httpStatus, type Octokit, type RepoRef } from "../octokit.js";
import { GitHubRepoView, sharedCaches, type GitHubCaches } from "../repo-view.js";
import { parseTrackingConfig, type TrackingConfig } from "./config.js";
import { planDropEdits, pushDropPull } from "./drop-pull.js";
import { IssueStore } from "./issues.js";
import { ContentPacer, type Clock } from "./pacer.js";
import { reconcileIssues, type ReconcileSummary } from "./reconcile.js";

export interface TrackRepositoryOptions {
  /** the app's bot login, e.g. "specwarden[bot]": the author of tracking issues */
  botLogin: string;
  /** the commit to read (a push's `after`); default: the default branch's head */
  headSha?: string;
  defaultBranch?: string;
  /** the parsed repo config; read from the default branch when absent */
  config?: RepoConfig;
  /** how to read the repo config (default: loadRepoConfig, from the default branch) */
  readConfig?: (octokit: Octokit, repo: RepoRef) => Promise<RepoConfig>;
  /** upstream evidence; default: GitHub and gitlab.com over HTTP with `upstreamToken` */
  forge?: UpstreamForge;
  upstreamToken?: string;
  /** no upstream calls: spec, metadata and removal criteria only */
  offline?: boolean;
  pacer?: ContentPacer;
  clock?: Clock;
  caches?: GitHubCaches;
  log?: LogSink;
}

export interface TrackingSummary extends Partial<ReconcileSummary> {
  repository: string;
  status: "tracked" | "disabled" | "invalid-config";
  headSha?: string;
  patches?: number;
  verdicts?: Record<string, number>;
  /** content-creating requests this sweep made */
  writes?: number;
  /** upstream API requests this sweep made, and how many were answered "not modified" from the cache */
  upstreamRequests?: { requests: number; notModified: number };
  reason?: string;
}

const running = new Map<string, Promise<unknown>>();

/** Serialises sweeps per repository within this process. */
function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = running.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(fn);
  running.set(key, next);
  // the caller handles the sweep's failure; this bookkeeping must not leave a second, unhandled rejection
  const forget = () => {
    if (running.get(key) === next) running.delete(key);
  };
  next.then(forget, forget);
  return next;
}

/**
 * GitHub (the API root from SPECWARDEN_GITHUB_API_URL: GitHub Enterprise, a caching proxy) and gitlab.com,
 * behind local clones in SPECWARDEN_UPSTREAM_GIT when set. Answers are kept with their ETag in the
 * process's shared cache, so a sweep that finds nothing new upstream is answered with 304s.
 */
export function defaultForge(token?: string): UpstreamForge;
export function defaultForge(token: string | undefined, offline: boolean): UpstreamForge | undefined;
export function defaultForge(token?: string, offline = false): UpstreamForge | undefined {
  const apiUrl = process.env["SPECWARDEN_GITHUB_API_URL"]?.trim();
  const clones = process.env["SPECWARDEN_UPSTREAM_GIT"]?.trim();
  return upstreamForge({ ...(clones ? { upstreamGit: clones } : {}), offline, ...(token ? { githubToken: token } : {}), ...(apiUrl ? { githubApiUrl: apiUrl } : {}) });
}

export function trackRepository(octokit: Octokit, repo: RepoRef, options: TrackRepositoryOptions): Promise<TrackingSummary> {
  return serialised(`${repo.owner}/${repo.repo}`.toLowerCase(), () => sweep(octokit, repo, options));
}

async function sweep(octokit: Octokit, repo: RepoRef, options: TrackRepositoryOptions): Promise<TrackingSummary> {
  const repository = `${repo.owner}/${repo.repo}`;
  let tracking: TrackingConfig;
  try {
    const config = options.config ?? (await (options.readConfig ?? loadRepoConfig)(octokit, repo));
    tracking = parseTrackingConfig(config.tracking);
  } catch (error) {
    return { repository, status: "invalid-config", reason: error instanceof Error ? error.message : String(error) };
  }
  if (!tracking.enabled) return { repository, status: "disabled", reason: "no `tracking` section in .github/specwarden.yml" };

  let defaultBranch = options.defaultBranch;
  if (!defaultBranch) {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}", { ...repo });
    defaultBranch = data.default_branch;
  }
  let headSha = options.headSha;
  if (!headSha) {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/branches/{branch}", { ...repo, branch: defaultBranch });
    headSha = data.commit.sha;
  }
  const view = new GitHubRepoView({ owner: repo.owner, repo: repo.repo, commitSha: headSha, reader: octokitGitReader(octokit, repo), caches: options.caches ?? sharedCaches });
  // A Nix repository (no azldev.toml; flake.nix, pkgs/ or Nix expressions) is tracked by the Nix adapter
  if ((await view.stat("azldev.toml").catch(() => undefined))?.kind !== "file" && (await detectNixKind(view).catch(() => undefined))) {
    const forge = options.forge && !options.offline ? options.forge : defaultForge(options.upstreamToken, options.offline === true);
    const inv = await nixInventory(view);
    const verdicts = await trackNix(inv, forge ? { forge } : {});
    const problems = inv.problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`);
    const store = new IssueStore(octokit, repo, options.pacer ?? new ContentPacer(options.clock ? { clock: options.clock } : {}));
    // drop pull requests edit comp.toml overlays: Nix entries get the suggested deletion in their issue instead
    const summary = await reconcileIssues(store, { verdicts, config: { ...tracking, dropPullRequests: false }, botLogin: options.botLogin, problems });
    const counts: Record<string, number> = {};
    for (const v of verdicts) counts[v.verdict] = (counts[v.verdict] ?? 0) + 1;
    options.log?.info({ repository, kind: "nix", items: verdicts.length, writes: store.writes }, "specwarden tracking sweep");
    return { repository, status: "tracked", headSha, patches: verdicts.length, verdicts: counts, writes: store.writes, ...summary };
  }
  const project = await loadProject(view);
  // On GitHub every file read is an API call: read specs only where patches can be, and patch
  // files only for the patches the repository vendors (inherited ones are judged by their URLs).
  const inv = await inventory(project, view, {
    readPatches: "distro",
    skipPatchless: true,
    ...(tracking.macros ? { macros: tracking.macros } : {}),
    ...(tracking.arches ? { arches: tracking.arches } : {}),
  });
  // offline, local clones (SPECWARDEN_UPSTREAM_GIT) still answer
  const forge = options.forge && !options.offline ? options.forge : defaultForge(options.upstreamToken, options.offline === true);
  const before = forge?.stats?.();
  const verdicts = await trackPatches(inv, { ...(forge ? { forge } : {}), readText: (p) => view.readText(p) });
  const after = forge?.stats?.();
  const upstreamRequests = before && after ? { requests: after.requests - before.requests, notModified: after.notModified - before.notModified } : undefined;

  const problems = [
    ...project.errors.filter((e) => e.severity === "error").map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`),
    ...inv.components.flatMap((c) => c.problems.map((p) => `${c.name}: ${p}`)),
    ...inv.patches.flatMap((p) => p.problems.map((m) => `${p.component}/${p.file}: ${m}`)),
  ];
  const pacer = options.pacer ?? new ContentPacer(options.clock ? { clock: options.clock } : {});
  const store = new IssueStore(octokit, repo, pacer);
  const patchByKey = new Map<string, InventoryPatch>(inv.patches.map((p) => [p.key, p]));
  const baseBranch = defaultBranch;
  let dropPullsBlocked = false;
  const baseSha = headSha;
  const summary = await reconcileIssues(store, {
    verdicts,
    config: tracking,
    botLogin: options.botLogin,
    problems,
    openDropPull: async (verdict: PatchVerdict) => {
      const patch = patchByKey.get(verdict.key);
      if (!patch || dropPullsBlocked) return undefined;
      const plan = await planDropEdits(view, patch, verdict);
      if ("refused" in plan) {
        options.log?.info({ patch: verdict.key, reason: plan.refused }, "specwarden tracking: no drop pull request");
        return undefined;
      }
      try {
        return await pushDropPull(octokit, repo, { baseSha, baseBranch, verdict, edits: plan.edits, paced: (fn) => store.paced(fn) });
      } catch (error) {
        // without `contents: write` (the default install) GitHub answers 403: keep tracking, say why once
        if (httpStatus(error) === 403) {
          dropPullsBlocked = true;
          problems.push("drop-pull-requests is on, but the app may not write contents here (it needs the `contents: write` permission)");
          options.log?.warn({ repository }, "specwarden tracking: drop pull requests need contents: write");
          return undefined;
        }
        throw error;
      }
    },
  });
  const counts: Record<string, number> = {};
  for (const v of verdicts) counts[v.verdict] = (counts[v.verdict] ?? 0) + 1;
  const result: TrackingSummary = { repository, status: "tracked", headSha, patches: verdicts.length, verdicts: counts, writes: store.writes, ...(upstreamRequests ? { upstreamRequests } : {}), ...summary };
  options.log?.info({ repository, patches: verdicts.length, writes: store.writes, created: summary.created.length, updated: summary.updated.length, upstreamRequests }, "specwarden tracking sweep");
  return result;
}
