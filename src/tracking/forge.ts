/**
 * UpstreamForge: the questions the evidence ladder asks an upstream project — the state of a pull or
 * merge request or an issue, whether a commit is contained in a tag, the tags, a file at a ref, a
 * commit's diff, and (from history) which commits carry a given change. Implementations: GitHub and
 * GitLab over HTTP (http-forges.ts), local git clones (local-git-forge.ts), an in-memory fake; and
 * their composition by question (combineForges).
 */
import { ForgeError, type RequestCounter } from "./http-cache.js";

export { ForgeError, type FetchLike } from "./http-cache.js";

export interface UpstreamProject {
  forge: "github" | "gitlab";
  host: string;
  /** "owner/repo" (GitHub) or the full project path (GitLab) */
  path: string;
}

export interface ChangeState {
  url: string;
  state: "open" | "merged" | "closed";
  /** the commit that landed (merge, squash or rebase tip); only when merged */
  mergeCommit?: string;
  /** target branch */
  baseRef?: string;
  title?: string;
  mergedAt?: string;
  labels?: string[];
}

export interface UpstreamForge {
  readonly description: string;
  /**
   * false when this forge can never know pull/merge request or issue state (a local clone): an
   * unanswered question is then "not known here", not "does not exist"
   */
  readonly answersChangeState?: boolean;
  /** handles this project at all (a GitHub forge does not answer for GitLab projects) */
  supports(project: UpstreamProject): boolean;
  /** pull/merge request state; undefined when it does not exist */
  change(project: UpstreamProject, number: number): Promise<ChangeState | undefined>;
  /** is `commit` an ancestor of (or equal to) `ref`; undefined when either is unknown */
  contains(project: UpstreamProject, ref: string, commit: string): Promise<boolean | undefined>;
  /** tag names, newest first where the forge orders them */
  tags(project: UpstreamProject): Promise<string[]>;
  /** a file's text at a ref; undefined when absent */
  readFile(project: UpstreamProject, ref: string, path: string): Promise<string | undefined>;
  /**
   * true when this forge holds `ref` of the project (a local clone that has the tag): its answer that a
   * file is absent there is then final, and no other forge is asked
   */
  hasRef?(project: UpstreamProject, ref: string): Promise<boolean>;
  /** the unified diff of one commit (for patch-id); undefined when unavailable */
  commitDiff?(project: UpstreamProject, sha: string): Promise<string | undefined>;
  /** an issue's state; undefined when it does not exist or the forge cannot tell (a local clone) */
  issue?(project: UpstreamProject, number: number): Promise<IssueState | undefined>;
  /**
   * Commits of the project's history (every branch: backports to stable branches too) whose diff has
   * one of these `git patch-id --stable` ids; a local clone answers from an index of `git log -p`.
   */
  findByPatchId?(project: UpstreamProject, ids: string[], query?: HistoryQuery): Promise<Map<string, string[]> | undefined>;
  /**
   * false when nothing here can search this project's history by content (no clone of it): the
   * series' files are then not read to compute the patch-id of the series as one commit — through an
   * API every file is a request, for a search nobody can make
   */
  searchesHistory?(project: UpstreamProject): boolean;
  /** commits of any branch whose subject line is exactly one of these (a local clone answers) */
  findBySubject?(project: UpstreamProject, subjects: string[], query?: HistoryQuery): Promise<Map<string, string[]> | undefined>;
  /** commits of any branch whose message names one of these mailing-list message ids (`Link:` to lore, `Message-Id:`) */
  findByMessageId?(project: UpstreamProject, ids: string[], query?: HistoryQuery): Promise<Map<string, string[]> | undefined>;
  /**
   * Commits of any branch whose message says `(cherry picked from commit <sha>)` for one of these
   * commits (full ids): the stable backports of a mainline change, under their own ids
   */
  findCherryPicks?(project: UpstreamProject, shas: string[], query?: HistoryQuery): Promise<Map<string, string[]> | undefined>;
  /** HTTP requests made so far, and how many were answered "not modified" */
  stats?(): RequestCounter;
}

/** Which part of history a content search covers. */
export interface HistoryQuery {
  /** leave out the ancestors of this ref (the packaged version's tag: only what came after it) */
  since?: string;
  /**
   * only commits these refs contain (the newest release of each stable stream): an API lists the
   * commits of each ref that touch the first of `paths`; a clone filters what its index found
   */
  refs?: string[];
  paths?: string[];
}

export interface IssueState {
  url: string;
  state: "open" | "closed";
  title?: string;
  /** GitHub: "completed" or "not_planned" */
  reason?: string;
}

/**
 * Forges composed by question, not first-match: each question goes to the forges in order until one
 * answers — a local clone answers containment, tags, files and diffs; the GitHub/GitLab API answers
 * pull/merge request and issue state (a local clone cannot) and whatever the clone lacks. A forge
 * that fails is skipped for the next; when none answers, the first failure is reported.
 */
export function combineForges(forges: UpstreamForge[]): UpstreamForge {
  const ask = async <T>(
    project: UpstreamProject,
    question: (f: UpstreamForge) => Promise<T | undefined> | undefined,
    options: { answered?: (v: T) => boolean; final?: (f: UpstreamForge) => Promise<boolean>; changeState?: boolean } = {},
  ): Promise<T | undefined> => {
    let failure: unknown;
    for (const forge of forges) {
      if (!forge.supports(project)) continue;
      // a local clone never knows pull request or issue state: not asked
      if (options.changeState && forge.answersChangeState === false) continue;
      try {
        const value = await question(forge);
        if (value !== undefined && (options.answered?.(value) ?? true)) return value;
        if ((value === undefined || !(options.answered?.(value) ?? true)) && options.final && (await options.final(forge).catch(() => false))) return value;
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return undefined;
  };
  const found = { answered: (m: Map<string, string[]>) => m.size > 0 };
  return {
    description: forges.map((f) => f.description).join(", "),
    answersChangeState: forges.some((f) => f.answersChangeState !== false),
    supports: (project) => forges.some((f) => f.supports(project)),
    change: (project, n) => ask(project, (f) => f.change(project, n), { changeState: true }),
    issue: (project, n) => ask(project, (f) => f.issue?.(project, n), { changeState: true }),
    contains: (project, ref, commit) => ask(project, (f) => f.contains(project, ref, commit)),
    tags: async (project) => (await ask(project, (f) => f.tags(project), { answered: (t) => t.length > 0 })) ?? [],
    readFile: (project, ref, path) => ask(project, (f) => f.readFile(project, ref, path), { final: async (f) => (await f.hasRef?.(project, ref)) === true }),
    hasRef: async (project, ref) => {
      for (const f of forges) if (f.supports(project) && (await f.hasRef?.(project, ref).catch(() => false))) return true;
      return false;
    },
    commitDiff: (project, sha) => ask(project, (f) => f.commitDiff?.(project, sha)),
    searchesHistory: (project) => forges.some((f) => f.findByPatchId !== undefined && f.supports(project) && (f.searchesHistory?.(project) ?? true)),
    findByPatchId: (project, ids, query) => ask(project, (f) => f.findByPatchId?.(project, ids, query), found),
    findBySubject: (project, subjects, query) => ask(project, (f) => f.findBySubject?.(project, subjects, query), found),
    findByMessageId: (project, ids, query) => ask(project, (f) => f.findByMessageId?.(project, ids, query), found),
    // a clone that holds the releases asked about has answered, even with nothing
    findCherryPicks: (project, shas, query) =>
      ask(project, (f) => f.findCherryPicks?.(project, shas, query), {
        ...found,
        final: async (f) => f.findCherryPicks !== undefined && (query?.refs?.length ?? 0) > 0 && (await Promise.all((query?.refs ?? []).map((r) => f.hasRef?.(project, r) ?? false))).every(Boolean),
      }),
    stats: () => {
      const total: RequestCounter = { requests: 0, notModified: 0 };
      for (const f of forges) {
        const s = f.stats?.();
        if (s) {
          total.requests += s.requests;
          total.notModified += s.notModified;
        }
      }
      return total;
    },
  };
}

export interface MemoryProject {
  /** commit sha → parent shas */
  commits: Record<string, string[]>;
  /** tag or branch → commit */
  refs: Record<string, string>;
  /** pull/merge request number → state */
  changes?: Record<number, ChangeState>;
  /** ref → path → text */
  files?: Record<string, Record<string, string>>;
  diffs?: Record<string, string>;
}

/** An in-memory forge: projects keyed by "github.com/owner/repo" or "gitlab.com/group/project". */
export function memoryForge(projects: Record<string, MemoryProject>): UpstreamForge & { calls: string[] } {
  const calls: string[] = [];
  const find = (project: UpstreamProject) => projects[`${project.host}/${project.path}`];
  const resolve = (p: MemoryProject, ref: string): string | undefined => p.refs[ref] ?? (p.commits[ref] ? ref : Object.keys(p.commits).find((c) => c.startsWith(ref) && ref.length >= 7));
  return {
    calls,
    description: "in-memory forge",
    supports: (project) => find(project) !== undefined,
    async change(project, number) {
      calls.push(`change ${project.path}#${number}`);
      return find(project)?.changes?.[number];
    },
    async contains(project, ref, commit) {
      calls.push(`contains ${project.path} ${ref} ${commit}`);
      const p = find(project);
      if (!p) return undefined;
      const tip = resolve(p, ref);
      const target = resolve(p, commit);
      if (!tip || !target) return undefined;
      const seen = new Set<string>();
      const queue = [tip];
      while (queue.length) {
        const sha = queue.pop() as string;
        if (sha === target) return true;
        if (seen.has(sha)) continue;
        seen.add(sha);
        queue.push(...(p.commits[sha] ?? []));
      }
      return false;
    },
    async tags(project) {
      calls.push(`tags ${project.path}`);
      const p = find(project);
      return p ? Object.keys(p.refs).filter((r) => !["main", "master", "HEAD"].includes(r)) : [];
    },
    async readFile(project, ref, path) {
      calls.push(`file ${project.path} ${ref} ${path}`);
      return find(project)?.files?.[ref]?.[path];
    },
    async commitDiff(project, sha) {
      return find(project)?.diffs?.[sha];
    },
  };
}
