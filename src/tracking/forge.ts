/**
 * UpstreamForge: the questions the evidence ladder asks an upstream project — the state of a pull or
 * merge request, whether a commit is contained in a tag, the tags, a file at a ref and a commit's
 * diff. Implementations: GitHub and GitLab over HTTP (`fetch`, injectable), local git clones, and an
 * in-memory fake for tests.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { patchIds } from "./patch-id.js";

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

export class ForgeError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ForgeError";
  }
}

export interface UpstreamForge {
  readonly description: string;
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
  /** the unified diff of one commit (for patch-id); undefined when unavailable */
  commitDiff?(project: UpstreamProject, sha: string): Promise<string | undefined>;
  /** an issue's state; undefined when it does not exist or the forge cannot tell (a local clone) */
  issue?(project: UpstreamProject, number: number): Promise<IssueState | undefined>;
  /**
   * Commits of the project's history (every branch: backports to stable branches too) whose diff has
   * one of these `git patch-id --stable` ids; a local clone answers from an index of `git log -p`.
   */
  findByPatchId?(project: UpstreamProject, ids: string[]): Promise<Map<string, string[]> | undefined>;
  /** commits of any branch whose subject line is exactly one of these (a local clone answers) */
  findBySubject?(project: UpstreamProject, subjects: string[]): Promise<Map<string, string[]> | undefined>;
}

export interface IssueState {
  url: string;
  state: "open" | "closed";
  title?: string;
  /** GitHub: "completed" or "not_planned" */
  reason?: string;
}

export type FetchLike = (input: string, init?: { method?: string; headers?: Record<string, string>; signal?: AbortSignal }) => Promise<{
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}>;

export interface HttpForgeOptions {
  fetch?: FetchLike;
  token?: string;
  /** API root, e.g. https://api.github.com or https://gitlab.example.org/api/v4 */
  apiUrl?: string;
  /** tag pages to read at most (100 tags each) */
  maxTagPages?: number;
  /** answers kept with their ETag across sweeps (default: one per process); null: none */
  conditionalCache?: ConditionalCache | null;
  timeoutMs?: number;
}

/**
 * Answers kept with their ETag, shared by every forge of the process (every sweep): the next sweep
 * asks with `If-None-Match`, and a 304 — which GitHub does not count against the rate limit — reuses
 * the answer. Keyed by URL and credentials; the oldest entries go first past the cap.
 */
export class ConditionalCache {
  readonly #entries = new Map<string, { etag: string; status: number; body: string; link: string | null }>();
  hits = 0;
  constructor(readonly maxEntries = 5_000) {}
  get(key: string) {
    const entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry;
  }
  set(key: string, entry: { etag: string; status: number; body: string; link: string | null }): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}

export const sharedConditionalCache = new ConditionalCache();

async function request(fetchImpl: FetchLike, url: string, headers: Record<string, string>, timeoutMs: number, cache?: ConditionalCache): Promise<{ status: number; body: string; link: string | null }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const key = `${headers["authorization"] ?? ""}\0${headers["accept"] ?? ""}\0${url}`;
  const cached = cache?.get(key);
  try {
    const response = await fetchImpl(url, { headers: cached ? { ...headers, "if-none-match": cached.etag } : headers, signal: controller.signal });
    if (response.status === 304 && cached && cache) {
      cache.hits++;
      return { status: cached.status, body: cached.body, link: cached.link };
    }
    const body = await response.text();
    const etag = response.headers.get("etag");
    if (cache && etag && response.status === 200) cache.set(key, { etag, status: response.status, body, link: response.headers.get("link") });
    return { status: response.status, body, link: response.headers.get("link") };
  } catch (error) {
    throw new ForgeError(`${url}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

function fail(url: string, status: number, body: string): never {
  const message = (() => {
    try {
      return String((JSON.parse(body) as { message?: unknown }).message ?? body.slice(0, 200));
    } catch {
      return body.slice(0, 200);
    }
  })();
  throw new ForgeError(`${url}: HTTP ${status} ${message}`, status);
}

/** GitHub REST: pulls, compare (containment), tags, raw contents, commit diffs. */
export function githubForge(options: HttpForgeOptions = {}): UpstreamForge {
  const fetchImpl = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const api = (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 20_000;
  const headers = (accept = "application/vnd.github+json"): Record<string, string> => ({
    accept,
    "x-github-api-version": "2022-11-28",
    "user-agent": "specwarden",
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
  });
  const get = async (path: string, accept?: string) => {
    const url = `${api}${path}`;
    return { url, ...(await request(fetchImpl, url, headers(accept), timeoutMs, options.conditionalCache === null ? undefined : (options.conditionalCache ?? sharedConditionalCache))) };
  };
  const enc = (s: string) => s.split("/").map(encodeURIComponent).join("/");
  return {
    description: `GitHub (${api})`,
    supports: (project) => project.forge === "github",
    async change(project, number) {
      const r = await get(`/repos/${enc(project.path)}/pulls/${number}`);
      if (r.status === 404) return undefined;
      if (r.status !== 200) fail(r.url, r.status, r.body);
      const pr = JSON.parse(r.body) as { html_url: string; state: string; merged?: boolean; merged_at?: string | null; merge_commit_sha?: string | null; base?: { ref?: string }; title?: string; labels?: { name: string }[] };
      // merge_commit_sha before the merge is GitHub's test merge: never use it unless merged
      const merged = pr.merged === true || Boolean(pr.merged_at);
      const state: ChangeState = { url: pr.html_url, state: merged ? "merged" : pr.state === "open" ? "open" : "closed" };
      if (merged && pr.merge_commit_sha) state.mergeCommit = pr.merge_commit_sha;
      if (merged && pr.merged_at) state.mergedAt = pr.merged_at;
      if (pr.base?.ref) state.baseRef = pr.base.ref;
      if (pr.title) state.title = pr.title;
      if (pr.labels?.length) state.labels = pr.labels.map((l) => l.name);
      return state;
    },
    async issue(project, number) {
      const r = await get(`/repos/${enc(project.path)}/issues/${number}`);
      if (r.status === 404 || r.status === 410) return undefined;
      if (r.status !== 200) fail(r.url, r.status, r.body);
      const issue = JSON.parse(r.body) as { html_url: string; state: string; title?: string; state_reason?: string | null; pull_request?: unknown };
      // the issues endpoint answers for pull requests too; those are `change` questions
      if (issue.pull_request) return undefined;
      return { url: issue.html_url, state: issue.state === "open" ? "open" : "closed", ...(issue.title ? { title: issue.title } : {}), ...(issue.state_reason ? { reason: issue.state_reason } : {}) };
    },
    async contains(project, ref, commit) {
      const r = await get(`/repos/${enc(project.path)}/compare/${encodeURIComponent(ref)}...${encodeURIComponent(commit)}?per_page=1`);
      if (r.status === 404) return undefined;
      if (r.status !== 200) fail(r.url, r.status, r.body);
      const status = (JSON.parse(r.body) as { status?: string }).status;
      return status === "behind" || status === "identical" ? true : status === "ahead" || status === "diverged" ? false : undefined;
    },
    async tags(project) {
      const names: string[] = [];
      for (let page = 1; page <= (options.maxTagPages ?? 10); page++) {
        const r = await get(`/repos/${enc(project.path)}/tags?per_page=100&page=${page}`);
        if (r.status === 404) return names;
        if (r.status !== 200) fail(r.url, r.status, r.body);
        const batch = JSON.parse(r.body) as { name: string }[];
        names.push(...batch.map((t) => t.name));
        if (batch.length < 100 || !r.link?.includes('rel="next"')) break;
      }
      return names;
    },
    async readFile(project, ref, path) {
      const r = await get(`/repos/${enc(project.path)}/contents/${enc(path)}?ref=${encodeURIComponent(ref)}`, "application/vnd.github.raw");
      if (r.status === 404) return undefined;
      if (r.status !== 200) fail(r.url, r.status, r.body);
      return r.body;
    },
    async commitDiff(project, sha) {
      const r = await get(`/repos/${enc(project.path)}/commits/${encodeURIComponent(sha)}`, "application/vnd.github.diff");
      if (r.status === 404 || r.status === 406 || r.status === 422) return undefined;
      if (r.status !== 200) fail(r.url, r.status, r.body);
      return r.body;
    },
  };
}

/** GitLab REST v4: merge requests, compare (containment), tags, raw files, commit diffs. */
export function gitlabForge(options: HttpForgeOptions & { host?: string } = {}): UpstreamForge {
  const fetchImpl = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const host = options.host ?? "gitlab.com";
  const api = (options.apiUrl ?? `https://${host}/api/v4`).replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 20_000;
  const headers: Record<string, string> = { accept: "application/json", "user-agent": "specwarden", ...(options.token ? { "private-token": options.token } : {}) };
  const get = async (path: string) => {
    const url = `${api}${path}`;
    return { url, ...(await request(fetchImpl, url, headers, timeoutMs)) };
  };
  const id = (project: UpstreamProject) => encodeURIComponent(project.path);
  return {
    description: `GitLab (${api})`,
    supports: (project) => project.forge === "gitlab" && project.host === host,
    async change(project, number) {
      const r = await get(`/projects/${id(project)}/merge_requests/${number}`);
      if (r.status === 404) return undefined;
      if (r.status !== 200) fail(r.url, r.status, r.body);
      const mr = JSON.parse(r.body) as { web_url: string; state: string; merge_commit_sha?: string | null; squash_commit_sha?: string | null; sha?: string; target_branch?: string; title?: string; merged_at?: string | null; labels?: string[] };
      const merged = mr.state === "merged";
      const state: ChangeState = { url: mr.web_url, state: merged ? "merged" : mr.state === "opened" || mr.state === "locked" ? "open" : "closed" };
      // fast-forward merges leave merge_commit_sha null: the source head landed as is
      const landed = mr.merge_commit_sha ?? mr.squash_commit_sha ?? mr.sha;
      if (merged && landed) state.mergeCommit = landed;
      if (merged && mr.merged_at) state.mergedAt = mr.merged_at;
      if (mr.target_branch) state.baseRef = mr.target_branch;
      if (mr.title) state.title = mr.title;
      if (mr.labels?.length) state.labels = mr.labels;
      return state;
    },
    async issue(project, number) {
      const r = await get(`/projects/${id(project)}/issues/${number}`);
      if (r.status === 404) return undefined;
      if (r.status !== 200) fail(r.url, r.status, r.body);
      const issue = JSON.parse(r.body) as { web_url: string; state: string; title?: string };
      return { url: issue.web_url, state: issue.state === "opened" ? "open" : "closed", ...(issue.title ? { title: issue.title } : {}) };
    },
    async contains(project, ref, commit) {
      // commits reachable from `commit` but not from its merge base with `ref`: none ⇔ ancestor
      const r = await get(`/projects/${id(project)}/repository/compare?from=${encodeURIComponent(ref)}&to=${encodeURIComponent(commit)}`);
      if (r.status === 404) return undefined;
      if (r.status !== 200) fail(r.url, r.status, r.body);
      const body = JSON.parse(r.body) as { commits?: unknown[] };
      return Array.isArray(body.commits) ? body.commits.length === 0 : undefined;
    },
    async tags(project) {
      const names: string[] = [];
      for (let page = 1; page <= (options.maxTagPages ?? 10); page++) {
        const r = await get(`/projects/${id(project)}/repository/tags?per_page=100&page=${page}`);
        if (r.status === 404) return names;
        if (r.status !== 200) fail(r.url, r.status, r.body);
        const batch = JSON.parse(r.body) as { name: string }[];
        names.push(...batch.map((t) => t.name));
        if (batch.length < 100) break;
      }
      return names;
    },
    async readFile(project, ref, path) {
      const r = await get(`/projects/${id(project)}/repository/files/${encodeURIComponent(path)}/raw?ref=${encodeURIComponent(ref)}`);
      if (r.status === 404) return undefined;
      if (r.status !== 200) fail(r.url, r.status, r.body);
      return r.body;
    },
    async commitDiff(project, sha) {
      const r = await get(`/projects/${id(project)}/repository/commits/${encodeURIComponent(sha)}/diff?per_page=100`);
      if (r.status === 404) return undefined;
      if (r.status !== 200) fail(r.url, r.status, r.body);
      const files = JSON.parse(r.body) as { old_path: string; new_path: string; diff: string; new_file?: boolean; deleted_file?: boolean }[];
      return files
        .map((f) => `diff --git a/${f.old_path} b/${f.new_path}\n--- ${f.new_file ? "/dev/null" : `a/${f.old_path}`}\n+++ ${f.deleted_file ? "/dev/null" : `b/${f.new_path}`}\n${f.diff}`)
        .join("");
    },
  };
}

function runGit(dir: string, args: string[], options: { maxBuffer?: number } = {}): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile("git", ["--git-dir", dir, ...args], { maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024, env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" } }, (error, stdout) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? ((error as { code: number }).code) : 128) : 0;
      resolve({ code, stdout: String(stdout) });
    });
  });
}

/**
 * Local clones under `dir`: `<dir>/<owner>/<repo>` or `<dir>/<repo>` (bare or work tree). Answers
 * containment, tags, files and diffs; knows nothing about pull requests.
 */
export function localGitForge(dir: string): UpstreamForge {
  const located = new Map<string, Promise<string | undefined>>();
  const gitDirOf = (project: UpstreamProject): Promise<string | undefined> => {
    let found = located.get(project.path);
    if (!found) {
      const name = project.path.split("/").pop() as string;
      const candidates = [join(dir, project.path), join(dir, name), join(dir, `${name}.git`), join(dir, `${project.path}.git`)];
      found = (async () => {
        for (const candidate of candidates) {
          for (const gitDir of [join(candidate, ".git"), candidate]) {
            const head = await stat(join(gitDir, "HEAD")).catch(() => undefined);
            if (head?.isFile()) return gitDir;
          }
        }
        return undefined;
      })();
      located.set(project.path, found);
    }
    return found;
  };
  const safeRef = (ref: string) => /^[A-Za-z0-9._/^~@{}+-]+$/.test(ref) && !ref.startsWith("-");
  return {
    description: `local git clones in ${dir}`,
    supports: () => true,
    async change() {
      return undefined;
    },
    async contains(project, ref, commit) {
      const gitDir = await gitDirOf(project);
      if (!gitDir || !safeRef(ref) || !safeRef(commit)) return undefined;
      const known = await runGit(gitDir, ["cat-file", "-e", `${commit}^{commit}`]);
      const knownRef = await runGit(gitDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
      if (known.code !== 0 || knownRef.code !== 0) return undefined;
      const r = await runGit(gitDir, ["merge-base", "--is-ancestor", commit, ref]);
      return r.code === 0 ? true : r.code === 1 ? false : undefined;
    },
    async tags(project) {
      const gitDir = await gitDirOf(project);
      if (!gitDir) return [];
      const r = await runGit(gitDir, ["tag", "--list"]);
      return r.stdout.split("\n").filter(Boolean);
    },
    async readFile(project, ref, path) {
      const gitDir = await gitDirOf(project);
      if (!gitDir || !safeRef(ref) || path.includes("..")) return undefined;
      const r = await runGit(gitDir, ["show", `${ref}:${path}`]);
      return r.code === 0 ? r.stdout : undefined;
    },
    async commitDiff(project, sha) {
      const gitDir = await gitDirOf(project);
      if (!gitDir || !safeRef(sha)) return undefined;
      const r = await runGit(gitDir, ["show", "--format=", "--no-color", "-U3", sha]);
      return r.code === 0 ? r.stdout : undefined;
    },
    async findBySubject(project, subjects) {
      const gitDir = await gitDirOf(project);
      if (!gitDir) return undefined;
      const log = await runGit(gitDir, ["log", "--all", "--no-merges", "--format=%H%x00%s", `--max-count=${PATCH_ID_INDEX_COMMITS}`], { maxBuffer: 256 * 1024 * 1024 });
      if (log.code !== 0) return undefined;
      const wanted = new Set(subjects);
      const out = new Map<string, string[]>();
      for (const line of log.stdout.split("\n")) {
        const nul = line.indexOf("\0");
        if (nul < 0) continue;
        const subject = line.slice(nul + 1);
        if (!wanted.has(subject)) continue;
        const list = out.get(subject) ?? [];
        list.push(line.slice(0, nul));
        out.set(subject, list);
      }
      return out;
    },
    async findByPatchId(project, ids) {
      const gitDir = await gitDirOf(project);
      if (!gitDir) return undefined;
      const index = await patchIdIndex(gitDir);
      const out = new Map<string, string[]>();
      for (const id of ids) {
        const commits = index.get(id);
        if (commits) out.set(id, commits);
      }
      return out;
    },
  };
}

/** Commits read into a patch-id index at most (the newest first): bounds time and memory on huge histories. */
const PATCH_ID_INDEX_COMMITS = 50_000;
const patchIdIndexes = new Map<string, Promise<Map<string, string[]>>>();

/**
 * patch-id → commits over every branch and tag of a clone (`git log -p` through the same patch-id code
 * as the downstream patches), cached by repository and the state of its refs.
 */
async function patchIdIndex(gitDir: string): Promise<Map<string, string[]>> {
  const refs = await runGit(gitDir, ["for-each-ref", "--format=%(objectname)"]);
  const key = `${gitDir}\0${createHash("sha1").update(refs.stdout).digest("hex")}`;
  let index = patchIdIndexes.get(key);
  if (!index) {
    index = (async () => {
      const log = await runGit(gitDir, ["log", "--all", "--no-merges", "-p", "--no-color", "-U3", "--format=commit %H", `--max-count=${PATCH_ID_INDEX_COMMITS}`], { maxBuffer: 1024 * 1024 * 1024 });
      const map = new Map<string, string[]>();
      if (log.code !== 0) return map;
      for (const entry of patchIds(log.stdout)) {
        const list = map.get(entry.id) ?? [];
        if (!list.includes(entry.commit)) list.push(entry.commit);
        map.set(entry.id, list);
      }
      return map;
    })();
    patchIdIndexes.set(key, index);
  }
  return index;
}

/**
 * Forges composed by question, not first-match: each question goes to the forges in order until one
 * answers — a local clone answers containment, tags, files and diffs; the GitHub/GitLab API answers
 * pull/merge request and issue state (a local clone cannot) and whatever the clone lacks. A forge
 * that fails is skipped for the next; when none answers, the first failure is reported.
 */
export function combineForges(forges: UpstreamForge[]): UpstreamForge {
  const ask = async <T>(project: UpstreamProject, question: (f: UpstreamForge) => Promise<T | undefined> | undefined, answered: (v: T) => boolean = () => true): Promise<T | undefined> => {
    let failure: unknown;
    for (const forge of forges) {
      if (!forge.supports(project)) continue;
      try {
        const value = await question(forge);
        if (value !== undefined && answered(value)) return value;
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return undefined;
  };
  return {
    description: forges.map((f) => f.description).join(", "),
    supports: (project) => forges.some((f) => f.supports(project)),
    change: (project, n) => ask(project, (f) => f.change(project, n)),
    issue: (project, n) => ask(project, (f) => f.issue?.(project, n)),
    contains: (project, ref, commit) => ask(project, (f) => f.contains(project, ref, commit)),
    tags: async (project) => (await ask(project, (f) => f.tags(project), (t) => t.length > 0)) ?? [],
    readFile: (project, ref, path) => ask(project, (f) => f.readFile(project, ref, path)),
    commitDiff: (project, sha) => ask(project, (f) => f.commitDiff?.(project, sha)),
    findByPatchId: (project, ids) => ask(project, (f) => f.findByPatchId?.(project, ids), (m) => m.size > 0),
    findBySubject: (project, subjects) => ask(project, (f) => f.findBySubject?.(project, subjects), (m) => m.size > 0),
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
