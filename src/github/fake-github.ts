/**
 * An in-memory GitHub for tests and benchmarks: enough of the REST API (git data, compare, pulls,
 * checks, issue comments, reviews, permissions, contents) to drive the real Probot app end to end
 * through Octokit's `request.fetch`. It keeps real git object SHAs, paginates with Link headers,
 * truncates large recursive trees and rejects review comments outside diff hunks, like GitHub.
 * Every request is recorded so tests can assert the exact calls and bodies.
 */
import { createHash } from "node:crypto";
import { structuredPatch } from "diff";

export interface RecordedCall {
  method: string;
  /** path without the query string, e.g. /repos/o/r/check-runs */
  path: string;
  query: Record<string, string>;
  body?: any;
  /** the Accept header, to prove no diff media type is requested */
  accept?: string;
  apiVersion?: string;
  status: number;
}

export interface FakePull {
  number: number;
  state: "open" | "closed";
  head: { sha: string; ref: string; repo: { full_name: string; fork: boolean } };
  base: { sha: string; ref: string; repo: { full_name: string } };
  changed_files: number;
  user: { login: string };
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  started_at: string | null;
  app: { id: number };
  output: { title?: string; summary?: string; text?: string };
  annotations: any[];
  actions: any[];
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; type: string };
}

export interface FakeReview {
  id: number;
  pull: number;
  commit_id: string;
  body: string;
  event: string;
  comments: any[];
  user: { login: string; type: string };
}

interface TreeItem {
  name: string;
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
}

export type Files = Record<string, string | Uint8Array | { content: string | Uint8Array; mode: string }>;

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  appId?: number;
  appSlug?: string;
  defaultBranch?: string;
  /** recursive tree reads above this many entries come back truncated (GitHub: 100,000) */
  treeEntryLimit?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

const COMPARE_FILE_CAP = 300;
const PULL_FILES_CAP = 3_000;

function sha1(data: Buffer): string {
  return createHash("sha1").update(data).digest("hex");
}

export class FakeGitHub {
  readonly owner: string;
  readonly repo: string;
  readonly appId: number;
  readonly appSlug: string;
  readonly defaultBranch: string;
  treeEntryLimit: number;
  readonly calls: RecordedCall[] = [];
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, TreeItem[]>();
  readonly commits = new Map<string, { tree: string; parents: string[]; message: string }>();
  readonly branches = new Map<string, string>();
  readonly protectedBranches = new Set<string>();
  readonly pulls = new Map<number, FakePull>();
  readonly checkRuns: FakeCheckRun[] = [];
  readonly comments: FakeComment[] = [];
  readonly reviews: FakeReview[] = [];
  readonly reactions: { comment: number; content: string }[] = [];
  readonly permissions = new Map<string, "admin" | "maintain" | "write" | "triage" | "read" | "none">();
  /** the app may write contents (git data writes answer 403 otherwise) */
  contentsWrite = true;
  /** answer a request with an error before it reaches the routes; return undefined to pass */
  failWith: ((call: { method: string; path: string }) => { status: number; message: string; headers?: Record<string, string> } | undefined) | undefined;
  /** awaited before answering; lets tests hold a request in flight */
  beforeRespond: ((call: { method: string; path: string }) => Promise<void>) | undefined;
  #nextId = 1000;
  #commitCounter = 0;

  constructor(options: FakeGitHubOptions = {}) {
    this.owner = options.owner ?? "azl";
    this.repo = options.repo ?? "distro";
    this.appId = options.appId ?? 4242;
    this.appSlug = options.appSlug ?? "specwarden";
    this.defaultBranch = options.defaultBranch ?? "main";
    this.treeEntryLimit = options.treeEntryLimit ?? 100_000;
  }

  get botLogin(): string {
    return `${this.appSlug}[bot]`;
  }

  get fullName(): string {
    return `${this.owner}/${this.repo}`;
  }

  // ---- git objects ----

  #writeBlob(content: Buffer): string {
    const sha = sha1(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]));
    this.blobs.set(sha, content);
    return sha;
  }

  #writeTree(items: TreeItem[]): string {
    const sorted = [...items].sort((a, b) => {
      const ka = a.type === "tree" ? `${a.name}/` : a.name;
      const kb = b.type === "tree" ? `${b.name}/` : b.name;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    const body = Buffer.concat(
      sorted.map((i) => Buffer.concat([Buffer.from(`${i.mode === "040000" ? "40000" : i.mode} ${i.name}\0`), Buffer.from(i.sha, "hex")])),
    );
    const sha = sha1(Buffer.concat([Buffer.from(`tree ${body.length}\0`), body]));
    this.trees.set(sha, sorted);
    return sha;
  }

  /** Builds nested tree objects from a flat path → blob map. */
  #buildTree(flat: Map<string, { mode: string; sha: string }>): string {
    type Node = { files: TreeItem[]; dirs: Map<string, Node> };
    const root: Node = { files: [], dirs: new Map() };
    for (const [path, entry] of flat) {
      const parts = path.split("/");
      let node = root;
      for (const dir of parts.slice(0, -1)) {
        let child = node.dirs.get(dir);
        if (!child) node.dirs.set(dir, (child = { files: [], dirs: new Map() }));
        node = child;
      }
      const name = parts[parts.length - 1] as string;
      node.files.push({ name, mode: entry.mode, type: entry.mode === "160000" ? "commit" : "blob", sha: entry.sha });
    }
    const write = (node: Node): string =>
      this.#writeTree([...node.files, ...[...node.dirs].map(([name, child]) => ({ name, mode: "040000", type: "tree" as const, sha: write(child) }))]);
    return write(root);
  }

  /** path → {mode, sha} for every non-tree entry below a tree */
  flatten(treeSha: string, prefix = ""): Map<string, { mode: string; sha: string }> {
    const out = new Map<string, { mode: string; sha: string }>();
    for (const item of this.trees.get(treeSha) ?? []) {
      const path = prefix + item.name;
      if (item.type === "tree") for (const [p, e] of this.flatten(item.sha, `${path}/`)) out.set(p, e);
      else out.set(path, { mode: item.mode, sha: item.sha });
    }
    return out;
  }

  /** Creates a commit holding exactly `files` (symlinks: mode 120000 with the target as content). */
  commit(files: Files, options: { parents?: string[]; message?: string; branch?: string } = {}): string {
    const flat = new Map<string, { mode: string; sha: string }>();
    for (const [path, value] of Object.entries(files)) {
      const { content, mode } = typeof value === "string" || value instanceof Uint8Array ? { content: value, mode: "100644" } : value;
      flat.set(path, { mode, sha: this.#writeBlob(typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content)) });
    }
    return this.#commitTree(this.#buildTree(flat), options.parents ?? [], options.message ?? "commit", options.branch);
  }

  #commitTree(tree: string, parents: string[], message: string, branch?: string): string {
    const sha = sha1(Buffer.from(`commit ${tree} ${parents.join(",")} ${message} ${this.#commitCounter++}`));
    this.commits.set(sha, { tree, parents, message });
    if (branch) this.branches.set(branch, sha);
    return sha;
  }

  /** Text of every file at a commit (for assertions). */
  filesAt(commitSha: string): Record<string, string> {
    const commit = this.commits.get(commitSha);
    if (!commit) throw new Error(`no commit ${commitSha}`);
    const out: Record<string, string> = {};
    for (const [path, e] of this.flatten(commit.tree)) out[path] = (this.blobs.get(e.sha) ?? Buffer.alloc(0)).toString("utf8");
    return out;
  }

  openPull(options: { number: number; base: string; head: string; headRef?: string; fork?: boolean; author?: string }): FakePull {
    const headRef = options.headRef ?? `pr-${options.number}`;
    const headRepo = options.fork ? `contributor/${this.repo}` : this.fullName;
    if (!options.fork) this.branches.set(headRef, options.head);
    const pull: FakePull = {
      number: options.number,
      state: "open",
      head: { sha: options.head, ref: headRef, repo: { full_name: headRepo, fork: Boolean(options.fork) } },
      base: { sha: options.base, ref: this.defaultBranch, repo: { full_name: this.fullName } },
      changed_files: this.#changedFiles(options.base, options.head).length,
      user: { login: options.author ?? "maintainer" },
    };
    this.pulls.set(options.number, pull);
    return pull;
  }

  /** A push to the PR branch: the PR's head moves. */
  movePullHead(number: number, head: string): FakePull {
    const pull = this.pulls.get(number);
    if (!pull) throw new Error(`no pull ${number}`);
    pull.head.sha = head;
    if (!pull.head.repo.fork) this.branches.set(pull.head.ref, head);
    pull.changed_files = this.#changedFiles(pull.base.sha, head).length;
    return pull;
  }

  /** The webhook payload GitHub would send for this pull request. */
  pullRequestPayload(number: number, action: string, extra: Record<string, unknown> = {}): any {
    const pull = this.pulls.get(number);
    if (!pull) throw new Error(`no pull ${number}`);
    return {
      action,
      number,
      pull_request: structuredClone(pull),
      repository: this.repositoryPayload(),
      installation: { id: 77 },
      sender: { login: pull.user.login, type: "User" },
      ...extra,
    };
  }

  repositoryPayload(): any {
    return { id: 1, name: this.repo, full_name: this.fullName, owner: { login: this.owner }, default_branch: this.defaultBranch, private: false };
  }

  callsTo(method: string, pathPattern: RegExp | string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && (typeof pathPattern === "string" ? c.path === pathPattern : pathPattern.test(c.path)));
  }

  /** Calls that change something on GitHub (everything but GET). */
  get writes(): RecordedCall[] {
    return this.calls.filter((c) => c.method !== "GET" && !c.path.endsWith("/access_tokens"));
  }

  // ---- diffs ----

  readonly #diffCache = new Map<string, { filename: string; status: string; patch?: string }[]>();

  #changedFiles(base: string, head: string): { filename: string; status: string; patch?: string }[] {
    const key = `${base}...${head}`;
    const cached = this.#diffCache.get(key);
    if (cached) return cached;
    const computed = this.#computeChangedFiles(base, head);
    this.#diffCache.set(key, computed);
    return computed;
  }

  #computeChangedFiles(base: string, head: string): { filename: string; status: string; patch?: string }[] {
    const before = this.flatten(this.commits.get(base)?.tree ?? "");
    const after = this.flatten(this.commits.get(head)?.tree ?? "");
    const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
    const out: { filename: string; status: string; patch?: string }[] = [];
    for (const path of paths) {
      const a = before.get(path);
      const b = after.get(path);
      if (a && b && a.sha === b.sha && a.mode === b.mode) continue;
      const text = (e: { sha: string } | undefined) => (e ? (this.blobs.get(e.sha) ?? Buffer.alloc(0)).toString("utf8") : "");
      const patch = structuredPatch(path, path, text(a), text(b), "", "", { context: 3 });
      const body = patch.hunks
        .map((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines].join("\n"))
        .join("\n");
      out.push({ filename: path, status: !a ? "added" : !b ? "removed" : "modified", ...(body ? { patch: body } : {}) });
    }
    return out;
  }

  /** RIGHT-side lines GitHub accepts comments on, computed from the hunks with 3 lines of context. */
  #rightLines(base: string, head: string, path: string): Set<number> {
    const lines = new Set<number>();
    const file = this.#changedFiles(base, head).find((f) => f.filename === path);
    if (!file?.patch) return lines;
    for (const header of file.patch.matchAll(/^@@ -\d+,\d+ \+(\d+),(\d+) @@/gm)) {
      const start = Number(header[1]);
      for (let i = 0; i < Number(header[2]); i++) lines.add(start + i);
    }
    return lines;
  }

  // ---- HTTP ----

  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const method = (init.method ?? "GET").toUpperCase();
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v3/, ""));
    const query = Object.fromEntries(url.searchParams);
    const body = typeof init.body === "string" && init.body ? JSON.parse(init.body) : undefined;
    const requestHeaders = new Headers(init.headers);
    const accept = requestHeaders.get("accept") ?? undefined;
    const apiVersion = requestHeaders.get("x-github-api-version") ?? undefined;
    const call: RecordedCall = {
      method,
      path,
      query,
      ...(body !== undefined ? { body } : {}),
      ...(accept ? { accept } : {}),
      ...(apiVersion ? { apiVersion } : {}),
      status: 0,
    };
    this.calls.push(call);
    const signal = init.signal ?? undefined;
    const aborted = () => new DOMException("This operation was aborted", "AbortError");
    if (signal?.aborted) throw aborted();
    if (this.beforeRespond) await this.beforeRespond({ method, path });
    if (signal?.aborted) throw aborted();
    let status = 200;
    let payload: unknown;
    let headers: Record<string, string> = {};
    try {
      const injected = this.failWith?.({ method, path });
      if (injected) {
        headers = injected.headers ?? {};
        throw new HttpError(injected.status, { message: injected.message });
      }
      ({ status, payload, headers } = this.#route(method, path, query, body, url));
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      status = error.status;
      payload = error.body;
    }
    call.status = status;
    return new Response(status === 204 ? null : JSON.stringify(payload), {
      status,
      headers: { "content-type": "application/json; charset=utf-8", ...headers },
    });
  };

  #route(method: string, path: string, query: Record<string, string>, body: any, url: URL): { status: number; payload: unknown; headers: Record<string, string> } {
    const ok = (payload: unknown, status = 200, headers: Record<string, string> = {}) => ({ status, payload, headers });
    if (method === "POST" && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
      return ok({ token: "ghs_fake", expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: { checks: "write", contents: this.contentsWrite ? "write" : "read" }, repository_selection: "all" }, 201);
    }
    if (method === "GET" && path === "/app") return ok({ id: this.appId, slug: this.appSlug, name: "specwarden" });
    if (method === "POST" && (path === "/graphql" || path === "/api/graphql")) return ok(this.#graphql(body));
    const prefix = `/repos/${this.owner}/${this.repo}`;
    if (!path.startsWith(prefix)) throw new HttpError(404, { message: "Not Found" });
    const rest = path.slice(prefix.length);
    let m: RegExpExecArray | null;

    if (method === "GET" && (m = /^\/git\/trees\/([0-9a-f]{40})$/.exec(rest))) {
      const sha = m[1] as string;
      const treeSha = this.commits.get(sha)?.tree ?? (this.trees.has(sha) ? sha : undefined);
      if (!treeSha) throw new HttpError(404, { message: "Not Found" });
      if (query.recursive) {
        const all: any[] = [];
        const walk = (t: string, p: string) => {
          for (const i of this.trees.get(t) ?? []) {
            all.push(this.#treeEntry(p + i.name, i));
            if (i.type === "tree") walk(i.sha, `${p}${i.name}/`);
          }
        };
        walk(treeSha, "");
        const truncated = all.length > this.treeEntryLimit;
        return ok({ sha: treeSha, url: url.href, tree: truncated ? all.slice(0, this.treeEntryLimit) : all, truncated });
      }
      return ok({ sha: treeSha, url: url.href, tree: (this.trees.get(treeSha) ?? []).map((i) => this.#treeEntry(i.name, i)), truncated: false });
    }
    if (method === "GET" && (m = /^\/git\/blobs\/([0-9a-f]{40})$/.exec(rest))) {
      const blob = this.blobs.get(m[1] as string);
      if (!blob) throw new HttpError(404, { message: "Not Found" });
      return ok({ sha: m[1], size: blob.length, encoding: "base64", content: blob.toString("base64") });
    }
    if (method === "GET" && (m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(rest))) {
      const commit = this.commits.get(m[1] as string);
      if (!commit) throw new HttpError(404, { message: "Not Found" });
      return ok({ sha: m[1], tree: { sha: commit.tree }, parents: commit.parents.map((sha) => ({ sha })), message: commit.message });
    }
    if (method === "GET" && (m = /^\/compare\/([0-9a-f]{40})\.\.\.([0-9a-f]{40})$/.exec(rest))) {
      const files = this.#changedFiles(m[1] as string, m[2] as string);
      return ok({ merge_base_commit: { sha: m[1] }, base_commit: { sha: m[1] }, status: "ahead", files: files.slice(0, COMPARE_FILE_CAP), commits: [] });
    }
    if (method === "GET" && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pull = this.pulls.get(Number(m[1]));
      if (!pull) throw new HttpError(404, { message: "Not Found" });
      return ok(structuredClone(pull));
    }
    if (method === "GET" && (m = /^\/pulls\/(\d+)\/files$/.exec(rest))) {
      const pull = this.pulls.get(Number(m[1]));
      if (!pull) throw new HttpError(404, { message: "Not Found" });
      const all = this.#changedFiles(pull.base.sha, pull.head.sha).slice(0, PULL_FILES_CAP);
      return fakePage(all, query, url);
    }
    if (method === "GET" && (m = /^\/contents\/(.+)$/.exec(rest))) {
      const ref = query.ref ?? this.defaultBranch;
      const commitSha = this.branches.get(ref) ?? ref;
      const commit = this.commits.get(commitSha);
      const entry = commit ? this.flatten(commit.tree).get(m[1] as string) : undefined;
      if (!entry) throw new HttpError(404, { message: "Not Found" });
      const content = this.blobs.get(entry.sha) ?? Buffer.alloc(0);
      return ok({ type: "file", path: m[1], sha: entry.sha, size: content.length, encoding: "base64", content: content.toString("base64") });
    }
    if (method === "GET" && (m = /^\/commits\/([^/]+)\/check-runs$/.exec(rest))) {
      const runs = this.checkRuns.filter(
        (r) => r.head_sha === m![1] && (!query.check_name || r.name === query.check_name) && (!query.app_id || String(r.app.id) === query.app_id),
      );
      return ok({ total_count: runs.length, check_runs: runs.map((r) => this.#checkRunView(r)) });
    }
    if (method === "POST" && rest === "/check-runs") {
      const run: FakeCheckRun = {
        id: this.#nextId++,
        name: body.name,
        head_sha: body.head_sha,
        status: body.status ?? "queued",
        conclusion: body.conclusion ?? null,
        external_id: body.external_id ?? null,
        started_at: body.started_at ?? new Date().toISOString(),
        app: { id: this.appId },
        output: { ...(body.output ?? {}) },
        annotations: [...(body.output?.annotations ?? [])],
        actions: body.actions ?? [],
      };
      delete (run.output as any).annotations;
      this.checkRuns.push(run);
      return ok(this.#checkRunView(run), 201);
    }
    if (method === "GET" && (m = /^\/check-runs\/(\d+)$/.exec(rest))) {
      const run = this.checkRuns.find((r) => r.id === Number(m![1]));
      if (!run) throw new HttpError(404, { message: "Not Found" });
      return ok(this.#checkRunView(run));
    }
    if (method === "PATCH" && (m = /^\/check-runs\/(\d+)$/.exec(rest))) {
      const run = this.checkRuns.find((r) => r.id === Number(m![1]));
      if (!run) throw new HttpError(404, { message: "Not Found" });
      if ((body.output?.annotations?.length ?? 0) > 50) throw new HttpError(422, { message: "Only 50 annotations are allowed per request" });
      for (const key of ["summary", "text"] as const) {
        if (body.output?.[key] && Buffer.byteLength(body.output[key]) > 65_535) throw new HttpError(422, { message: `output.${key} is too long` });
      }
      if (body.status) run.status = body.status;
      if (body.started_at) run.started_at = body.started_at;
      if (body.status === "in_progress") run.conclusion = null;
      if (body.conclusion) run.conclusion = body.conclusion;
      if (body.actions) run.actions = body.actions;
      if (body.output) {
        const { annotations, ...output } = body.output;
        run.output = { ...run.output, ...output };
        run.annotations.push(...(annotations ?? []));
      }
      return ok(this.#checkRunView(run));
    }
    if (method === "GET" && (m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(m[1]);
      return fakePage(this.comments.filter((c) => c.issue === issue).map((c) => this.#commentView(c)), query, url);
    }
    if (method === "POST" && (m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      if (Buffer.byteLength(body.body) > 65_536) throw new HttpError(422, { message: "body is too long (maximum is 65536 characters)" });
      const comment: FakeComment = { id: this.#nextId++, issue: Number(m[1]), body: body.body, user: { login: this.botLogin, type: "Bot" } };
      this.comments.push(comment);
      return ok(this.#commentView(comment), 201);
    }
    if (method === "PATCH" && (m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const comment = this.comments.find((c) => c.id === Number(m![1]));
      if (!comment) throw new HttpError(404, { message: "Not Found" });
      comment.body = body.body;
      return ok(this.#commentView(comment));
    }
    if (method === "POST" && (m = /^\/issues\/comments\/(\d+)\/reactions$/.exec(rest))) {
      this.reactions.push({ comment: Number(m[1]), content: body.content });
      return ok({ id: this.#nextId++, content: body.content }, 201);
    }
    if (method === "GET" && (m = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) {
      const pull = Number(m[1]);
      return fakePage(
        this.reviews.filter((r) => r.pull === pull).map((r) => ({ id: r.id, user: r.user, body: r.body, commit_id: r.commit_id, state: "COMMENTED" })),
        query,
        url,
      );
    }
    if (method === "GET" && (m = /^\/pulls\/(\d+)\/comments$/.exec(rest))) {
      const pull = this.pulls.get(Number(m[1]));
      if (!pull) throw new HttpError(404, { message: "Not Found" });
      return fakePage(this.#reviewComments(pull), query, url);
    }
    if (method === "POST" && (m = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) {
      const pull = this.pulls.get(Number(m[1]));
      if (!pull) throw new HttpError(404, { message: "Not Found" });
      for (const c of body.comments ?? []) {
        const lines = this.#rightLines(pull.base.sha, body.commit_id, c.path);
        const start = c.start_line ?? c.line;
        let valid = c.side === "RIGHT" && start <= c.line;
        for (let l = start; valid && l <= c.line; l++) valid = lines.has(l);
        if (!valid) throw new HttpError(422, { message: "Unprocessable Entity", errors: ["Line could not be resolved"] });
      }
      const review: FakeReview = {
        id: this.#nextId++,
        pull: pull.number,
        commit_id: body.commit_id,
        body: body.body ?? "",
        event: body.event,
        comments: body.comments ?? [],
        user: { login: this.botLogin, type: "Bot" },
      };
      this.reviews.push(review);
      return ok({ id: review.id, commit_id: review.commit_id, user: review.user, body: review.body }, 200);
    }
    if (method === "GET" && (m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest))) {
      const permission = this.permissions.get(m[1] as string) ?? "none";
      const legacy = permission === "maintain" ? "write" : permission === "triage" ? "read" : permission;
      return ok({ permission: legacy, role_name: permission, user: { login: m[1] } });
    }
    if (method === "POST" && rest.startsWith("/git/")) {
      if (!this.contentsWrite) throw new HttpError(403, { message: "Resource not accessible by integration" });
      if (rest === "/git/blobs") {
        const content = Buffer.from(body.content, body.encoding === "base64" ? "base64" : "utf8");
        return ok({ sha: this.#writeBlob(content) }, 201);
      }
      if (rest === "/git/trees") {
        const flat = body.base_tree ? this.flatten(body.base_tree) : new Map<string, { mode: string; sha: string }>();
        for (const e of body.tree) {
          if (e.sha === null) flat.delete(e.path);
          else flat.set(e.path, { mode: e.mode, sha: e.sha });
        }
        return ok({ sha: this.#buildTree(flat) }, 201);
      }
      if (rest === "/git/commits") {
        if (!this.trees.has(body.tree)) throw new HttpError(422, { message: "Tree not found" });
        return ok({ sha: this.#commitTree(body.tree, body.parents, body.message) }, 201);
      }
      if (rest === "/git/refs") {
        const branch = String(body.ref).replace(/^refs\/heads\//, "");
        if (this.branches.has(branch)) throw new HttpError(422, { message: "Reference already exists" });
        this.branches.set(branch, body.sha);
        return ok({ ref: body.ref, object: { sha: body.sha } }, 201);
      }
    }
    if (method === "PATCH" && (m = /^\/git\/refs\/heads\/(.+)$/.exec(rest))) {
      if (!this.contentsWrite) throw new HttpError(403, { message: "Resource not accessible by integration" });
      const branch = m[1] as string;
      const current = this.branches.get(branch);
      if (!current) throw new HttpError(422, { message: "Reference does not exist" });
      if (this.protectedBranches.has(branch)) throw new HttpError(422, { message: "Protected branch update failed" });
      if (!body.force && !(this.commits.get(body.sha)?.parents ?? []).includes(current)) throw new HttpError(422, { message: "Update is not a fast forward" });
      this.branches.set(branch, body.sha);
      for (const pull of this.pulls.values()) if (!pull.head.repo.fork && pull.head.ref === branch) this.movePullHead(pull.number, body.sha);
      return ok({ ref: `refs/heads/${branch}`, object: { sha: body.sha } });
    }
    if (method === "POST" && rest === "/pulls") {
      const number = Math.max(0, ...this.pulls.keys()) + 1;
      const head = this.branches.get(body.head);
      if (!head) throw new HttpError(422, { message: "head not found" });
      const base = this.branches.get(body.base) ?? "";
      const pull = this.openPull({ number, base, head, headRef: body.head, author: this.botLogin });
      pull.base.ref = body.base;
      return ok({ number, head: pull.head, base: pull.base, title: body.title, body: body.body }, 201);
    }
    throw new HttpError(404, { message: `Not Found (fake GitHub has no route for ${method} ${path})` });
  }

  /**
   * Review comments as GitHub lists them. A comment follows a newer head (`commit_id`, `line`) while
   * its file is unchanged there, and is outdated (`line` null) otherwise — stricter than GitHub, which
   * keeps it current as long as the lines around it are unchanged.
   */
  #reviewComments(pull: FakePull): any[] {
    const blobAt = (commit: string, path: string) => this.flatten(this.commits.get(commit)?.tree ?? "").get(path)?.sha;
    return this.reviews
      .filter((r) => r.pull === pull.number)
      .flatMap((r) =>
        r.comments.map((c, i) => {
          const current = blobAt(r.commit_id, c.path) === blobAt(pull.head.sha, c.path);
          return {
            id: r.id * 1000 + i,
            pull_request_review_id: r.id,
            path: c.path,
            body: c.body,
            user: r.user,
            side: c.side,
            original_commit_id: r.commit_id,
            commit_id: current ? pull.head.sha : r.commit_id,
            original_line: c.line,
            line: current ? c.line : null,
            original_start_line: c.start_line ?? null,
            start_line: current ? (c.start_line ?? null) : null,
          };
        }),
      );
  }

  /**
   * The one GraphQL read the app makes: blobs by object id (`bN: object(oid: "…") { … on Blob }`),
   * text decoded as UTF-8 like GitHub does, null for binary blobs, cut above 512 KiB.
   */
  #graphql(body: any): unknown {
    const { owner, name } = body?.variables ?? {};
    if (owner !== this.owner || name !== this.repo) return { data: { repository: null }, errors: [{ type: "NOT_FOUND", message: "Could not resolve to a Repository" }] };
    const repository: Record<string, unknown> = {};
    for (const [, alias, sha] of String(body.query).matchAll(/(b\d+): object\(oid: "([0-9a-f]{40})"\)/g)) {
      const blob = this.blobs.get(sha as string);
      if (!blob) {
        repository[alias as string] = null;
        continue;
      }
      const isBinary = blob.includes(0);
      const isTruncated = blob.length > 512 * 1024;
      const text = isBinary ? null : isTruncated ? blob.subarray(0, 512 * 1024).toString("utf8") : blob.toString("utf8");
      repository[alias as string] = { byteSize: blob.length, isBinary, isTruncated, text };
    }
    return { data: { repository } };
  }

  #treeEntry(path: string, item: TreeItem): any {
    const entry: any = { path, mode: item.mode, type: item.type, sha: item.sha };
    if (item.type === "blob") entry.size = this.blobs.get(item.sha)?.length ?? 0;
    return entry;
  }

  #checkRunView(run: FakeCheckRun): any {
    return { id: run.id, name: run.name, head_sha: run.head_sha, status: run.status, conclusion: run.conclusion, external_id: run.external_id, started_at: run.started_at, app: run.app, output: { ...run.output, annotations_count: run.annotations.length } };
  }

  #commentView(c: FakeComment): any {
    return { id: c.id, body: c.body, user: c.user, performed_via_github_app: c.user.type === "Bot" ? { id: this.appId } : null };
  }
}

/** One page of a list endpoint, with GitHub's `link: <…>; rel="next"` header while more remain. */
export function fakePage(all: unknown[], query: Record<string, string>, url: URL): { status: number; payload: unknown; headers: Record<string, string> } {
  const perPage = Math.min(100, Number(query.per_page ?? 30));
  const page = Math.max(1, Number(query.page ?? 1));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const headers: Record<string, string> = {};
  if (page * perPage < all.length) {
    const next = new URL(url.href);
    next.searchParams.set("page", String(page + 1));
    next.searchParams.set("per_page", String(perPage));
    headers.link = `<${next.href}>; rel="next"`;
  }
  return { status: 200, payload: items, headers };
}
