/**
 * Issue, label, repository and branch routes on top of the in-memory GitHub (which serves git data,
 * comments and pull requests). Requests it does not know go to FakeGitHub, so every call is
 * recorded in `github.calls` either way.
 */
import { fakePage, type FakeGitHub, type RecordedCall } from "../../src/github/fake-github.js";

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  state_reason: string | null;
  labels: string[];
  user: { login: string; type: string };
}

export class FakeIssues {
  readonly issues: FakeIssue[] = [];
  readonly labels = new Map<string, { name: string; color: string; description?: string }>();
  #next = 500;

  constructor(readonly github: FakeGitHub) {}

  /** An issue created by someone else (a person, another bot). */
  addIssue(issue: Partial<FakeIssue> & { title: string; body: string; labels: string[] }): FakeIssue {
    const full: FakeIssue = { number: this.#next++, state: "open", state_reason: null, user: { login: "maintainer", type: "User" }, ...issue };
    this.issues.push(full);
    return full;
  }

  get writes(): RecordedCall[] {
    return this.github.writes;
  }

  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const method = (init.method ?? "GET").toUpperCase();
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v3/, ""));
    if (method === "GET" && path === "/user") {
      this.github.calls.push({ method, path, query: {}, status: 200 });
      return new Response(JSON.stringify({ login: this.github.botLogin, type: "Bot" }), { status: 200, headers: { "content-type": "application/json" } });
    }
    const prefix = `/repos/${this.github.owner}/${this.github.repo}`;
    const rest = path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
    const body = typeof init.body === "string" && init.body ? JSON.parse(init.body) : undefined;
    const routed = rest === undefined ? undefined : this.#route(method, rest, Object.fromEntries(url.searchParams), body, url);
    if (!routed) return this.github.fetch(input, init);
    const call: RecordedCall = { method, path, query: Object.fromEntries(url.searchParams), ...(body !== undefined ? { body } : {}), status: routed.status };
    const injected = this.github.failWith?.({ method, path });
    if (injected) {
      call.status = injected.status;
      this.github.calls.push(call);
      return new Response(JSON.stringify({ message: injected.message }), { status: injected.status, headers: { "content-type": "application/json", ...(injected.headers ?? {}) } });
    }
    this.github.calls.push(call);
    const result = routed.run();
    call.status = result.status;
    return new Response(result.status === 204 ? null : JSON.stringify(result.payload), { status: result.status, headers: { "content-type": "application/json; charset=utf-8", ...(result.headers ?? {}) } });
  };

  #route(method: string, rest: string, query: Record<string, string>, body: any, url: URL): { status: number; run: () => { status: number; payload?: unknown; headers?: Record<string, string> } } | undefined {
    const ok = (payload: unknown, status = 200, headers?: Record<string, string>) => ({ status, payload, ...(headers ? { headers } : {}) });
    const route = (run: () => { status: number; payload?: unknown; headers?: Record<string, string> }) => ({ status: 0, run });
    let m: RegExpExecArray | null;
    if (method === "GET" && rest === "") return route(() => ok({ ...this.github.repositoryPayload() }));
    if (method === "GET" && rest === "/installation") return route(() => ok({ id: 77 }));
    if (method === "GET" && (m = /^\/branches\/(.+)$/.exec(rest))) {
      const sha = this.github.branches.get(m[1] as string);
      return route(() => (sha ? ok({ name: m![1], commit: { sha } }) : ok({ message: "Branch not found" }, 404)));
    }
    if (method === "GET" && (m = /^\/labels\/(.+)$/.exec(rest))) {
      const label = this.labels.get(m[1] as string);
      return route(() => (label ? ok(label) : ok({ message: "Not Found" }, 404)));
    }
    if (method === "POST" && rest === "/labels") {
      return route(() => {
        if (this.labels.has(body.name)) return ok({ message: "Validation Failed", errors: [{ code: "already_exists" }] }, 422);
        this.labels.set(body.name, { name: body.name, color: body.color, description: body.description });
        return ok(this.labels.get(body.name), 201);
      });
    }
    if (method === "GET" && rest === "/issues") {
      return route(() => {
        const wanted = (query.labels ?? "").split(",").filter(Boolean);
        const state = query.state ?? "open";
        const all = this.issues
          .filter((i) => wanted.every((l) => i.labels.includes(l)))
          .filter((i) => !query.creator || i.user.login === query.creator)
          .filter((i) => state === "all" || i.state === state)
          .sort((a, b) => b.number - a.number)
          .map((i) => this.#view(i));
        return fakePage(all, query, url);
      });
    }
    if (method === "POST" && rest === "/issues") {
      return route(() => {
        if (Buffer.byteLength(body.body ?? "") > 65_536 * 4 || (body.body ?? "").length > 65_536) return ok({ message: "body is too long" }, 422);
        const issue: FakeIssue = { number: this.#next++, title: body.title, body: body.body ?? "", state: "open", state_reason: null, labels: body.labels ?? [], user: { login: this.github.botLogin, type: "Bot" } };
        for (const l of issue.labels) if (!this.labels.has(l)) this.labels.set(l, { name: l, color: "ededed" });
        this.issues.push(issue);
        return ok(this.#view(issue), 201);
      });
    }
    if (method === "PATCH" && (m = /^\/issues\/(\d+)$/.exec(rest))) {
      return route(() => {
        const issue = this.issues.find((i) => i.number === Number(m![1]));
        if (!issue) return ok({ message: "Not Found" }, 404);
        if (body.body !== undefined && body.body.length > 65_536) return ok({ message: "body is too long" }, 422);
        if (body.title !== undefined) issue.title = body.title;
        if (body.body !== undefined) issue.body = body.body;
        if (body.state !== undefined) issue.state = body.state;
        if (body.state_reason !== undefined) issue.state_reason = body.state_reason;
        if (body.labels !== undefined) issue.labels = body.labels;
        return ok(this.#view(issue));
      });
    }
    if (method === "GET" && rest === "/pulls") {
      return route(() => ok([...this.github.pulls.values()].map((p) => ({ number: p.number, state: p.state, head: p.head, base: p.base }))));
    }
    if (rest.startsWith("/search") || rest === "/search/issues") return undefined;
    return undefined;
  }

  #view(i: FakeIssue): any {
    return { number: i.number, title: i.title, body: i.body, state: i.state, state_reason: i.state_reason, labels: i.labels.map((name) => ({ name })), user: i.user };
  }

  /** Comments on an issue (stored by FakeGitHub). */
  commentsOn(number: number): string[] {
    return this.github.comments.filter((c) => c.issue === number).map((c) => c.body);
  }
}
