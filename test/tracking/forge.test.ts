import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkAgainstTree, ForgeError, githubForge, gitlabForge, localGitForge, ConditionalCache, patchId, type FetchLike } from "../../src/tracking/index.js";

/** A fetch that answers from a route table and records every URL and header set. */
function stubFetch(routes: Record<string, { status?: number; body: unknown; link?: string }>) {
  const seen: { url: string; headers: Record<string, string> }[] = [];
  const fetch: FetchLike = async (url, init) => {
    seen.push({ url, headers: init?.headers ?? {} });
    const route = routes[url];
    const status = route ? (route.status ?? 200) : 404;
    const text = route ? (typeof route.body === "string" ? route.body : JSON.stringify(route.body)) : '{"message":"Not Found"}';
    return { status, ok: status < 300, headers: { get: (n: string) => (n === "link" ? (route?.link ?? null) : null) }, text: async () => text, json: async () => JSON.parse(text) };
  };
  return { fetch, seen };
}

const gh = { forge: "github" as const, host: "github.com", path: "systemd/systemd" };

describe("githubForge", () => {
  it("reads PR state, ignoring the test merge commit of an unmerged PR", async () => {
    const { fetch, seen } = stubFetch({
      "https://api.github.com/repos/systemd/systemd/pulls/38769": { body: { html_url: "https://github.com/systemd/systemd/pull/38769", state: "closed", merged: true, merged_at: "2025-09-01T00:00:00Z", merge_commit_sha: "aaa", base: { ref: "main" }, title: "userdb: label", labels: [{ name: "userdb" }] } },
      "https://api.github.com/repos/systemd/systemd/pulls/1": { body: { html_url: "https://github.com/systemd/systemd/pull/1", state: "open", merged: false, merge_commit_sha: "test-merge" } },
      "https://api.github.com/repos/systemd/systemd/pulls/2": { body: { html_url: "https://github.com/systemd/systemd/pull/2", state: "closed", merged: false, merge_commit_sha: "test-merge" } },
    });
    const forge = githubForge({ fetch, token: "t0k" });
    expect(await forge.change(gh, 38769)).toEqual({ url: "https://github.com/systemd/systemd/pull/38769", state: "merged", mergeCommit: "aaa", mergedAt: "2025-09-01T00:00:00Z", baseRef: "main", title: "userdb: label", labels: ["userdb"] });
    expect(await forge.change(gh, 1)).toEqual({ url: "https://github.com/systemd/systemd/pull/1", state: "open" });
    expect(await forge.change(gh, 2)).toEqual({ url: "https://github.com/systemd/systemd/pull/2", state: "closed" });
    expect(await forge.change(gh, 3)).toBeUndefined();
    expect(seen[0]?.headers).toMatchObject({ authorization: "Bearer t0k", "x-github-api-version": "2022-11-28" });
  });

  it("answers containment from the compare status and pages through tags where matching-refs is missing", async () => {
    const { fetch, seen } = stubFetch({
      "https://api.github.com/repos/systemd/systemd/compare/v258.4...aaa?per_page=1": { body: { status: "behind" } },
      "https://api.github.com/repos/systemd/systemd/compare/v258.4...bbb?per_page=1": { body: { status: "diverged" } },
      "https://api.github.com/repos/systemd/systemd/compare/v258.4...ccc?per_page=1": { body: { status: "identical" } },
      "https://api.github.com/repos/systemd/systemd/tags?per_page=100&page=1": { body: Array.from({ length: 100 }, (_, k) => ({ name: `v${k}` })), link: '<https://api.github.com/x?page=2>; rel="next"' },
      "https://api.github.com/repos/systemd/systemd/tags?per_page=100&page=2": { body: [{ name: "v258.4" }] },
      "https://api.github.com/repos/systemd/systemd/contents/src/core/main.c?ref=v258.4": { body: "int main;\n" },
      "https://api.github.com/repos/systemd/systemd/compare/v1...boom?per_page=1": { status: 500, body: { message: "Server Error" } },
    });
    const forge = githubForge({ fetch });
    expect(await forge.contains(gh, "v258.4", "aaa")).toBe(true);
    expect(await forge.contains(gh, "v258.4", "bbb")).toBe(false);
    expect(await forge.contains(gh, "v258.4", "ccc")).toBe(true);
    expect(await forge.contains(gh, "v258.4", "nope")).toBeUndefined();
    expect(await forge.tags(gh)).toHaveLength(101);
    expect(await forge.readFile(gh, "v258.4", "src/core/main.c")).toBe("int main;\n");
    expect(seen.find((s) => s.url.includes("/contents/"))?.headers.accept).toBe("application/vnd.github.raw");
    await expect(forge.contains(gh, "v1", "boom")).rejects.toThrow(ForgeError);
    await expect(forge.contains(gh, "v1", "boom")).rejects.toThrow("HTTP 500 Server Error");
  });
});

describe("conditional requests", () => {
  it("keeps responses with their ETag and answers a 304 from the cache; requests are counted", async () => {
    const seen: Record<string, string>[] = [];
    const fetch: FetchLike = async (_url, init) => {
      const headers = init?.headers ?? {};
      seen.push(headers);
      const fresh = headers["if-none-match"] === '"v1"';
      const body = JSON.stringify({ html_url: "https://github.com/systemd/systemd/pull/9", state: "open" });
      return { status: fresh ? 304 : 200, ok: !fresh, headers: { get: (n: string) => (n === "etag" ? '"v1"' : null) }, text: async () => (fresh ? "" : body), json: async () => JSON.parse(body) };
    };
    const cache = new ConditionalCache();
    const first = githubForge({ fetch, conditionalCache: cache });
    expect(await first.change(gh, 9)).toMatchObject({ state: "open" });
    // a later sweep, another forge, the same cache: conditional, answered 304
    const later = githubForge({ fetch, conditionalCache: cache, token: "another-installation-token" });
    expect(await later.change(gh, 9)).toMatchObject({ state: "open" });
    expect(seen[0]?.["if-none-match"]).toBeUndefined();
    expect(seen[1]).toMatchObject({ "if-none-match": '"v1"', authorization: "Bearer another-installation-token" });
    expect(later.stats?.()).toEqual({ requests: 1, notModified: 1 });
    expect(cache.size).toBe(1);
    expect(cache.hits).toBe(1);
  });

  it("stays within its byte budget, least recently used first out", () => {
    const cache = new ConditionalCache({ maxBytes: 1000 });
    for (let k = 0; k < 10; k++) cache.set(`k${k}`, { etag: `"${k}"`, body: "x".repeat(100), link: null });
    expect(cache.bytes).toBeLessThanOrEqual(1000);
    expect(cache.get("k0")).toBeUndefined();
    expect(cache.get("k9")?.etag).toBe('"9"');
  });
});

describe("gitlabForge", () => {
  const gl = { forge: "gitlab" as const, host: "gitlab.gnome.org", path: "GNOME/glib" };
  it("reads merge requests (fast-forward merges land their head) and compares for containment", async () => {
    const { fetch } = stubFetch({
      "https://gitlab.gnome.org/api/v4/projects/GNOME%2Fglib/merge_requests/903": { body: { web_url: "https://gitlab.gnome.org/GNOME/glib/-/merge_requests/903", state: "merged", merge_commit_sha: null, squash_commit_sha: null, sha: "ff1", target_branch: "main" } },
      "https://gitlab.gnome.org/api/v4/projects/GNOME%2Fglib/merge_requests/904": { body: { web_url: "u", state: "opened" } },
      "https://gitlab.gnome.org/api/v4/projects/GNOME%2Fglib/repository/compare?from=2.84.0&to=ff1": { body: { commits: [] } },
      "https://gitlab.gnome.org/api/v4/projects/GNOME%2Fglib/repository/compare?from=2.82.0&to=ff1": { body: { commits: [{ id: "ff1" }] } },
    });
    const forge = gitlabForge({ fetch, host: "gitlab.gnome.org" });
    expect(forge.supports(gl)).toBe(true);
    expect(forge.supports({ ...gl, host: "gitlab.com" })).toBe(false);
    expect(await forge.change(gl, 903)).toMatchObject({ state: "merged", mergeCommit: "ff1", baseRef: "main" });
    expect(await forge.change(gl, 904)).toMatchObject({ state: "open" });
    expect(await forge.contains(gl, "2.84.0", "ff1")).toBe(true);
    expect(await forge.contains(gl, "2.82.0", "ff1")).toBe(false);
  });

  it("finds stable backports by their cherry-pick trailer in a release's commits", async () => {
    const main = "a".repeat(40);
    const { fetch } = stubFetch({
      "https://gitlab.gnome.org/api/v4/projects/GNOME%2Fglib/repository/commits?ref_name=2.84.3&path=glib%2Fgmain.c&per_page=100": {
        body: [{ id: "b".repeat(40), message: `gmain: fix a race\n\n(cherry picked from commit ${main})\n` }, { id: "c".repeat(40), message: "unrelated" }],
      },
    });
    const forge = gitlabForge({ fetch, host: "gitlab.gnome.org" });
    expect(await forge.findCherryPicks?.(gl, [main], { refs: ["2.84.3"], paths: ["glib/gmain.c"] })).toEqual(new Map([[main, ["b".repeat(40)]]]));
    expect(await forge.findCherryPicks?.(gl, [main], {})).toBeUndefined();
  });
});

describe("localGitForge and reverse-apply on a real repository", () => {
  let dir: string;
  let fixSha: string;
  let fixPatch: string;
  const env = { ...process.env, GIT_AUTHOR_NAME: "u", GIT_AUTHOR_EMAIL: "u@e.org", GIT_COMMITTER_NAME: "u", GIT_COMMITTER_EMAIL: "u@e.org", GIT_CONFIG_NOSYSTEM: "1", HOME: "/nonexistent" };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "specwarden-forge-"));
    const repo = join(dir, "o", "r");
    mkdirSync(join(repo, "src"), { recursive: true });
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, env }).toString();
    git("init", "-q", "-b", "main");
    writeFileSync(join(repo, "src/a.c"), "one\ntwo\nthree\nfour\nfive\nsix\nseven\n");
    writeFileSync(join(repo, "src/b.c"), "alpha\nbeta\n");
    git("add", "-A");
    git("commit", "-q", "-m", "base");
    git("tag", "v1.0");
    writeFileSync(join(repo, "src/a.c"), "one\ntwo\nTHREE\nfour\nfive\nsix\nseven\n");
    git("commit", "-q", "-am", "fix three");
    fixSha = git("rev-parse", "HEAD").trim();
    fixPatch = git("format-patch", "-1", "--stdout", "HEAD");
    git("tag", "v1.1");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("answers containment, tags, files and diffs from the clone", async () => {
    const forge = localGitForge(dir);
    const project = { forge: "github" as const, host: "github.com", path: "o/r" };
    expect((await forge.tags(project)).sort()).toEqual(["v1.0", "v1.1"]);
    expect(await forge.contains(project, "v1.1", fixSha)).toBe(true);
    expect(await forge.contains(project, "v1.0", fixSha)).toBe(false);
    expect(await forge.contains(project, "v1.0", "0".repeat(40))).toBeUndefined();
    expect(await forge.contains(project, "--upload-pack=x", fixSha)).toBeUndefined();
    expect(await forge.readFile(project, "v1.0", "src/b.c")).toBe("alpha\nbeta\n");
    expect(await forge.readFile(project, "v1.0", "../../etc/passwd")).toBeUndefined();
    // rung c: the commit's diff has the downstream patch's id
    const diff = await forge.commitDiff?.(project, fixSha);
    expect(patchId(diff as string)).toBe(patchId(fixPatch));
    expect(await forge.change(project, 1)).toBeUndefined();
    expect(await forge.tags({ ...project, path: "other/missing" })).toEqual([]);
  });

  it("classifies hunks as present, absent or conflicting at a tag", async () => {
    const forge = localGitForge(dir);
    const project = { forge: "github" as const, host: "github.com", path: "o/r" };
    const at = (tag: string) => (path: string) => forge.readFile(project, tag, path);
    expect((await checkAgainstTree(fixPatch, at("v1.1"))).state).toBe("present");
    expect((await checkAgainstTree(fixPatch, at("v1.0"))).state).toBe("absent");
    const twoFiles = `${fixPatch.replace(/^-- \n[\s\S]*$/m, "")}--- a/src/b.c\n+++ b/src/b.c\n@@ -1,2 +1,2 @@\n-alpha\n+ALPHA\n beta\n`;
    const partial = await checkAgainstTree(twoFiles, at("v1.1"));
    expect(partial.state).toBe("partial");
    expect(partial.files.map((f) => [f.path, f.state])).toEqual([
      ["src/a.c", "present"],
      ["src/b.c", "absent"],
    ]);
    expect(partial).toMatchObject({ present: 1, deciding: 2 });
    const conflict = await checkAgainstTree("--- a/src/b.c\n+++ b/src/b.c\n@@ -1,2 +1,2 @@\n-gamma\n+GAMMA\n delta\n", at("v1.1"));
    expect(conflict.state).toBe("conflict");
    const created = await checkAgainstTree("--- /dev/null\n+++ b/src/new.c\n@@ -0,0 +1 @@\n+new\n", at("v1.1"));
    expect(created).toMatchObject({ state: "absent", files: [{ path: "src/new.c", missing: true }] });
  });

  it("undoes a series in order: hunks a later commit takes back never count as already upstream", async () => {
    const before = "int main(void) {\n\treturn 0;\n}\n\nstatic int helper(void) {\n\treturn 1;\n}\n";
    // commit 1 adds a debug line that commit 3 removes again; commit 2 makes the real change
    const series = [
      "From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 1/3] debug\n---\n--- a/src/c.c\n+++ b/src/c.c\n@@ -1,3 +1,4 @@\n int main(void) {\n+\tdebug_trace(\"main\");\n \treturn 0;\n }\n",
      "From 2222222222222222222222222222222222222222 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 2/3] fix\n---\n--- a/src/c.c\n+++ b/src/c.c\n@@ -5,3 +5,3 @@\n static int helper(void) {\n-\treturn 1;\n+\treturn compute_value();\n }\n",
      "From 3333333333333333333333333333333333333333 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 3/3] drop debug\n---\n--- a/src/c.c\n+++ b/src/c.c\n@@ -1,4 +1,3 @@\n int main(void) {\n-\tdebug_trace(\"main\");\n \treturn 0;\n }\n",
    ].join("");
    const at = (text: string) => async (path: string) => (path === "src/c.c" ? text : undefined);
    // upstream has none of the net change (the helper still returns 1): absent, never "2 of 3 present"
    expect(await checkAgainstTree(series, at(before))).toMatchObject({ state: "absent", present: 0, deciding: 1, files: [{ path: "src/c.c", state: "absent", diffs: 3 }] });
    // upstream has the net change: present
    expect((await checkAgainstTree(series, at(before.replace("return 1;", "return compute_value();")))).state).toBe("present");
    // upstream has only the debug line the series takes back: not present
    const debugOnly = before.replace("{\n\treturn 0;", '{\n\tdebug_trace("main");\n\treturn 0;');
    expect((await checkAgainstTree(series, at(debugOnly))).state).not.toBe("present");
    // a file whose every change the series takes back decides nothing
    const noNet = `${series.split(/(?=^From 2222)/m)[0]}${series.split(/(?=^From 3333)/m)[1]}`;
    expect(await checkAgainstTree(noNet, at(before))).toMatchObject({ state: "empty", files: [{ state: "undecided" }] });
  });
});

describe("the evidence ladder over the GitHub HTTP forge", () => {
  it("decides the fixture's merged-and-released PR with three kinds of calls", async () => {
    const { fixtureInventory } = await import("./helpers.js");
    const { trackPatches } = await import("../../src/tracking/index.js");
    const { inv } = await fixtureInventory({ components: ["netlabel"] });
    const { fetch, seen } = stubFetch({
      "https://api.github.com/repos/example/netlabel/git/matching-refs/tags": { body: ["v2.0", "v2.1", "v2.1-rc1", "v2.2"].map((t) => ({ ref: `refs/tags/${t}`, object: { sha: "0".repeat(40), type: "commit" } })) },
      "https://api.github.com/repos/example/netlabel/pulls/42": { body: { html_url: "https://github.com/example/netlabel/pull/42", state: "closed", merged: true, merge_commit_sha: "5".repeat(40), base: { ref: "main" } } },
      [`https://api.github.com/repos/example/netlabel/compare/v2.1...${"5".repeat(40)}?per_page=1`]: { body: { status: "behind" } },
      [`https://api.github.com/repos/example/netlabel/compare/v2.2...${"5".repeat(40)}?per_page=1`]: { body: { status: "behind" } },
    });
    const [verdict] = await trackPatches(inv, { forge: githubForge({ fetch }) });
    expect(verdict).toMatchObject({ file: "netlabel-long-labels.patch", verdict: "released", rung: "b", droppable: true, upstream: { tag: "v2.1" } });
    const paths = seen.map((s) => new URL(s.url).pathname);
    expect(paths).toContain("/repos/example/netlabel/pulls/42");
    // every tag in one request
    expect(paths.filter((p) => p.endsWith("/tags"))).toEqual(["/repos/example/netlabel/git/matching-refs/tags"]);
    expect(paths.some((p) => p.includes("/search"))).toBe(false);
  });
});
