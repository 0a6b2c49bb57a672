/**
 * A GitHub REST API for tests, answered from a git repository built by the test: tags
 * (matching-refs), pulls and issues (from a table), compare (containment), raw contents at a ref,
 * commit lists with messages (by ref and path), commit diffs. Every response carries an ETag and a
 * conditional request for an unchanged resource is answered 304, as GitHub does. Every request is
 * recorded.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakePull {
  state: "open" | "closed";
  merged?: boolean;
  merge_commit_sha?: string;
  base?: string;
  title?: string;
}

export interface FakeGitHub {
  url: string;
  /** every request: method, path and query, and the status answered */
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

function git(dir: string, args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync("git", ["--git-dir", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 * 1024 * 1024 }) };
  } catch (error) {
    return { code: (error as { status?: number }).status ?? 128, out: "" };
  }
}

const isAncestor = (dir: string, a: string, b: string): boolean | undefined => {
  const r = git(dir, ["merge-base", "--is-ancestor", a, b]);
  return r.code === 0 ? true : r.code === 1 ? false : undefined;
};

export async function fakeGitHub(options: { owner: string; repo: string; gitDir: string; pulls?: Record<number, FakePull>; issues?: Record<number, { state: "open" | "closed"; state_reason?: string; title?: string }> }): Promise<FakeGitHub> {
  const { owner, repo, gitDir } = options;
  const requests: FakeGitHub["requests"] = [];
  const base = `/repos/${owner}/${repo}`;
  const answer = (path: string, query: URLSearchParams): { status: number; body: string; type?: string } => {
    if (!path.startsWith(`${base}/`)) return { status: 404, body: '{"message":"Not Found"}' };
    const rest = path.slice(base.length + 1);
    const json = (value: unknown) => ({ status: 200, body: JSON.stringify(value) });
    if (rest === "git/matching-refs/tags") {
      const refs = git(gitDir, ["for-each-ref", "--format=%(refname) %(objectname)", "refs/tags"]).out.split("\n").filter(Boolean);
      return json(refs.map((line) => ({ ref: line.split(" ")[0], object: { sha: line.split(" ")[1], type: "commit" } })));
    }
    let m = /^pulls\/(\d+)$/.exec(rest);
    if (m) {
      const pull = options.pulls?.[Number(m[1])];
      if (!pull) return { status: 404, body: '{"message":"Not Found"}' };
      return json({ html_url: `https://github.com/${owner}/${repo}/pull/${m[1]}`, state: pull.state, merged: pull.merged ?? false, merge_commit_sha: pull.merge_commit_sha ?? "0".repeat(40), base: { ref: pull.base ?? "main" }, title: pull.title ?? "" });
    }
    m = /^issues\/(\d+)$/.exec(rest);
    if (m) {
      const issue = options.issues?.[Number(m[1])];
      if (!issue) return { status: 404, body: '{"message":"Not Found"}' };
      return json({ html_url: `https://github.com/${owner}/${repo}/issues/${m[1]}`, ...issue });
    }
    m = /^compare\/(.+)\.\.\.(.+)$/.exec(rest);
    if (m) {
      const [from, to] = [decodeURIComponent(m[1] as string), decodeURIComponent(m[2] as string)];
      const behind = isAncestor(gitDir, to, from);
      const ahead = isAncestor(gitDir, from, to);
      if (behind === undefined || ahead === undefined) return { status: 404, body: '{"message":"Not Found"}' };
      const same = behind && ahead;
      return json({ status: same ? "identical" : behind ? "behind" : ahead ? "ahead" : "diverged" });
    }
    m = /^contents\/(.+)$/.exec(rest);
    if (m) {
      const ref = query.get("ref") ?? "HEAD";
      const r = git(gitDir, ["cat-file", "blob", `${ref}:${decodeURIComponent(m[1] as string)}`]);
      return r.code === 0 ? { status: 200, body: r.out, type: "text/plain" } : { status: 404, body: '{"message":"Not Found"}' };
    }
    if (rest === "commits") {
      const ref = query.get("sha") ?? "HEAD";
      const file = query.get("path");
      const per = Number(query.get("per_page") ?? "30");
      const r = git(gitDir, ["log", `--max-count=${per}`, "--format=%H%x00%B%x01", ref, "--", ...(file ? [file] : [])]);
      if (r.code !== 0) return { status: 404, body: '{"message":"Not Found"}' };
      const list = r.out
        .split("\x01")
        .map((e) => e.replace(/^\n/, ""))
        .filter(Boolean)
        .map((e) => ({ sha: e.slice(0, 40), commit: { message: e.slice(41) } }));
      return json(list);
    }
    m = /^commits\/([0-9a-f]{7,40})$/.exec(rest);
    if (m) {
      const r = git(gitDir, ["show", "--format=", "-U3", m[1] as string]);
      return r.code === 0 ? { status: 200, body: r.out, type: "text/plain" } : { status: 404, body: '{"message":"Not Found"}' };
    }
    return { status: 404, body: '{"message":"Not Found"}' };
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname.replace(/^\/api\/v3/, "");
    const { status, body, type } = answer(path, url.searchParams);
    const etag = `"${createHash("sha1").update(body).digest("hex")}"`;
    if (status === 200 && req.headers["if-none-match"] === etag) {
      requests.push({ path: `${url.pathname}${url.search}`, status: 304 });
      res.writeHead(304, { etag }).end();
      return;
    }
    requests.push({ path: `${url.pathname}${url.search}`, status });
    res.writeHead(status, { "content-type": type ?? "application/json", ...(status === 200 ? { etag } : {}) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
