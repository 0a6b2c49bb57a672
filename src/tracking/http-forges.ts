/**
 * The GitHub and GitLab REST APIs as upstream forges: pull/merge request and issue state, containment
 * (compare), tags, raw files and commit diffs. Reads are conditional when a cache is given (ETag /
 * Last-Modified, 304 answered from the cache), and every request is counted.
 */
import type { ChangeState, UpstreamForge, UpstreamProject } from "./forge.js";
import { failure as fail, httpGet, sharedConditionalCache, type FetchLike, type HttpCache, type RequestCounter } from "./http-cache.js";

export interface HttpForgeOptions {
  fetch?: FetchLike;
  token?: string;
  /** API root, e.g. https://api.github.com or https://gitlab.example.org/api/v4 */
  apiUrl?: string;
  /** tag pages to read at most (100 tags each) when the API has no single listing */
  maxTagPages?: number;
  timeoutMs?: number;
  /** answers kept with their ETag across sweeps and re-asked with If-None-Match (default: one per process); null: none */
  conditionalCache?: HttpCache | null;
  /** counts requests (and 304s); the forge's stats() reads it */
  counter?: RequestCounter;
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
  const counter = options.counter ?? { requests: 0, notModified: 0 };
  const get = async (path: string, accept?: string) => {
    const url = `${api}${path}`;
    return { url, ...(await httpGet(fetchImpl, url, headers(accept), { timeoutMs, counter, ...(options.conditionalCache === null ? {} : { cache: options.conditionalCache ?? sharedConditionalCache }) })) };
  };
  const enc = (s: string) => s.split("/").map(encodeURIComponent).join("/");
  return {
    description: `GitHub (${api})`,
    stats: () => ({ ...counter }),
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
      // every tag in one request (the matching-refs listing is not paginated); an API without it pages /tags
      const refs = await get(`/repos/${enc(project.path)}/git/matching-refs/tags`);
      if (refs.status === 200) {
        const list = JSON.parse(refs.body) as { ref?: string }[];
        if (Array.isArray(list)) return list.map((r) => String(r.ref ?? "").replace(/^refs\/tags\//, "")).filter(Boolean);
      }
      if (refs.status === 409) return []; // an empty repository
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
    async findCherryPicks(project, shas, query) {
      // the commits of each stable release that touch the change's first file, with their messages: a
      // backport made with `cherry-pick -x` names the mainline commit (one request per stream)
      const path = query?.paths?.[0];
      if (!path || !query?.refs?.length) return undefined;
      const wanted = new Set(shas.map((x) => x.toLowerCase()));
      const out = new Map<string, string[]>();
      for (const ref of query.refs.slice(0, 2)) {
        const r = await get(`/repos/${enc(project.path)}/commits?sha=${encodeURIComponent(ref)}&path=${encodeURIComponent(path)}&per_page=100`);
        if (r.status === 404 || r.status === 409 || r.status === 422) continue;
        if (r.status !== 200) fail(r.url, r.status, r.body);
        const list = JSON.parse(r.body) as { sha?: string; commit?: { message?: string } }[];
        for (const c of Array.isArray(list) ? list : []) {
          for (const m of (c.commit?.message ?? "").matchAll(/\(cherry[- ]picked from commit ([0-9a-f]{40})\)/gi)) {
            const source = (m[1] as string).toLowerCase();
            if (!wanted.has(source) || !c.sha) continue;
            const picks = out.get(source) ?? [];
            if (!picks.includes(c.sha)) picks.push(c.sha);
            out.set(source, picks);
          }
        }
      }
      return out;
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
  const counter = options.counter ?? { requests: 0, notModified: 0 };
  const get = async (path: string) => {
    const url = `${api}${path}`;
    return { url, ...(await httpGet(fetchImpl, url, headers, { timeoutMs, counter, ...(options.conditionalCache === null ? {} : { cache: options.conditionalCache ?? sharedConditionalCache }) })) };
  };
  const id = (project: UpstreamProject) => encodeURIComponent(project.path);
  return {
    description: `GitLab (${api})`,
    stats: () => ({ ...counter }),
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
    async findCherryPicks(project, shas, query) {
      // as on GitHub: the commits of each stable release that touch the change's first file, with their messages
      const path = query?.paths?.[0];
      if (!path || !query?.refs?.length) return undefined;
      const wanted = new Set(shas.map((x) => x.toLowerCase()));
      const out = new Map<string, string[]>();
      for (const ref of query.refs.slice(0, 2)) {
        const r = await get(`/projects/${id(project)}/repository/commits?ref_name=${encodeURIComponent(ref)}&path=${encodeURIComponent(path)}&per_page=100`);
        if (r.status === 404) continue;
        if (r.status !== 200) fail(r.url, r.status, r.body);
        const list = JSON.parse(r.body) as { id?: string; message?: string }[];
        for (const c of Array.isArray(list) ? list : []) {
          for (const m of (c.message ?? "").matchAll(/\(cherry[- ]picked from commit ([0-9a-f]{40})\)/gi)) {
            const source = (m[1] as string).toLowerCase();
            if (!wanted.has(source) || !c.id) continue;
            const picks = out.get(source) ?? [];
            if (!picks.includes(c.id)) picks.push(c.id);
            out.set(source, picks);
          }
        }
      }
      return out;
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

