import { describe, expect, it } from "vitest";
import { applyFix, FixApplyError } from "../../src/github/apply-fix.js";
import { parseCommand } from "../../src/github/commands.js";
import { parseRepoConfig, RepoConfigError } from "../../src/github/config.js";
import { loadRepoConfig } from "../../src/github/load-config.js";
import { CommentableLines, parseRightHunks } from "../../src/github/diff-hunks.js";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { octokitGitReader } from "../../src/github/git-reader.js";
import { InFlightRuns } from "../../src/github/in-flight.js";
import { LruCache } from "../../src/github/lru-cache.js";
import { byteLength, CHECK_TEXT_MAX_BYTES, checkSummary, escapeMarkdown, fenced, stickyBody } from "../../src/github/markdown.js";
import { applyPolicy } from "../../src/review/policy.js";
import { planReview } from "../../src/github/review.js";
import { createCaches, GitHubRepoView, type GitObjectReader } from "../../src/github/repo-view.js";
import { RepoEntryError, RepoPathError } from "../../src/repo/types.js";
import type { Finding, ReviewResult } from "../../src/review/types.js";
import { Octokit } from "@octokit/core";

function configError(text: string): RepoConfigError {
  try {
    parseRepoConfig(text);
  } catch (error) {
    if (error instanceof RepoConfigError) return error;
    throw error;
  }
  throw new Error("expected a RepoConfigError");
}

describe("repo config", () => {
  it("parses every section", () => {
    const config = parseRepoConfig(
      [
        "# policy for the distro repo",
        "rules:",
        "  overlay-lint: off",
        "  patch-metadata-missing: notice",
        "rendered-specs-dir: rendered/specs/",
        "suggestions: false",
        "waivers:",
        "  - component: kernel",
        "    rule: patch-metadata-missing",
        "    reason: carried until the 6.12 rebase",
        "tracking:",
        "  enabled: true",
        "  labels: [upstream-tracking]",
      ].join("\n"),
    );
    expect(config).toEqual({
      ruleLevels: { "overlay-lint": "off", "patch-metadata-missing": "notice" },
      renderedSpecsDir: "rendered/specs",
      suggestions: false,
      waivers: [{ component: "kernel", rule: "patch-metadata-missing", reason: "carried until the 6.12 rebase" }],
      tracking: { enabled: true, labels: ["upstream-tracking"] },
    });
  });

  it("treats an empty file as the defaults", () => {
    expect(parseRepoConfig("# nothing yet\n")).toEqual({ ruleLevels: {}, suggestions: true, waivers: [] });
  });

  it.each([
    ["unknown top-level key", "rules: {}\nfail-on: warning\n", 2, 'unknown key "fail-on"'],
    ["unknown rule", "rules:\n  spec-edited: failure\n", 2, 'unknown rule "spec-edited"'],
    ["bad level", "rules:\n  render-stale: error\n", 2, "must be one of failure, warning, notice, off"],
    ["waiver without reason", "waivers:\n  - component: systemd\n    rule: render-stale\n", 2, "every waiver needs a reason"],
    ["waiver with empty reason", "waivers:\n  - component: systemd\n    rule: render-stale\n    reason: ''\n", 4, "must be a non-empty string"],
    ["escaping rendered dir", "rendered-specs-dir: ../outside\n", 1, "relative path inside the repository"],
    ["suggestions not boolean", "suggestions: maybe\n", 1, "true or false"],
    ["broken YAML", "rules:\n  render-stale: [failure\n", 3, "invalid YAML"],
    ["top level list", "- rules\n", 1, "must be a mapping"],
  ])("reports %s at file:line", (_name, text, line, problem) => {
    const error = configError(text);
    expect(error.line).toBe(line);
    expect(error.message).toContain(`.github/specwarden.yml:${line}: `);
    expect(error.problem).toContain(problem);
  });

  it("is read from the default branch, and refuses what is not a readable file instead of using the defaults", async () => {
    const answering = (data: unknown, status = 200) => {
      const asked: unknown[] = [];
      const octokit = {
        request: async (route: string, params: unknown) => {
          asked.push([route, params]);
          if (status !== 200) throw Object.assign(new Error("Not Found"), { status });
          return { data };
        },
      };
      return { octokit: octokit as never, asked };
    };
    const repo = { owner: "azl", repo: "distro" };
    const file = answering({ type: "file", encoding: "base64", size: 22, content: Buffer.from("suggestions: false\n").toString("base64") });
    expect(await loadRepoConfig(file.octokit, repo)).toMatchObject({ suggestions: false });
    expect(file.asked).toEqual([["GET /repos/{owner}/{repo}/contents/{path}", { owner: "azl", repo: "distro", path: ".github/specwarden.yml" }]]);
    expect(await loadRepoConfig(answering(undefined, 404).octokit, repo)).toEqual({ ruleLevels: {}, suggestions: true, waivers: [] });
    await expect(loadRepoConfig(answering([{ type: "file", name: "a.yml" }]).octokit, repo)).rejects.toThrow(".github/specwarden.yml:1: is a directory, not a file");
    await expect(loadRepoConfig(answering({ type: "submodule", size: 0 }).octokit, repo)).rejects.toThrow("is a submodule, not a file");
    await expect(loadRepoConfig(answering({ type: "file", encoding: "none", size: 2_000_000, content: "" }).octokit, repo)).rejects.toThrow("is too large to read (2000000 bytes)");
    await expect(loadRepoConfig(answering(undefined, 500).octokit, repo)).rejects.toMatchObject({ status: 500 });
  });
});

describe("diff hunks", () => {
  const patch = ["@@ -30,6 +30,7 @@ Source2: inittab", " ctx", " ctx", "+added", " ctx", "@@ -80,3 +81,0 @@", "-gone", "-gone", "-gone", "@@ -90 +90 @@", "-a", "+b"].join("\n");
  it("computes RIGHT-side ranges, skipping pure deletions", () => {
    expect(parseRightHunks(patch)).toEqual([
      { start: 30, end: 36 },
      { start: 90, end: 90 },
    ]);
  });
  it("anchors only ranges inside one hunk", () => {
    const lines = new CommentableLines();
    lines.addFile("a.spec", patch);
    expect(lines.canAnchor("a.spec", 32, 32)).toBe(true);
    expect(lines.canAnchor("a.spec", 30, 36)).toBe(true);
    expect(lines.canAnchor("a.spec", 36, 37)).toBe(false);
    expect(lines.canAnchor("a.spec", 81, 81)).toBe(false);
    expect(lines.canAnchor("b.spec", 32, 32)).toBe(false);
  });
  it("plans one comment per range and leaves the rest to the summary", () => {
    const lines = new CommentableLines();
    lines.addFile("a.spec", patch);
    const finding = (line: number, endLine = line): Finding => ({
      rule: "rendered-file-edited",
      level: "failure",
      path: "a.spec",
      line,
      message: "edited",
      suggestion: { startLine: line, endLine, replacement: ["Patch1: ``` fenced"] },
    });
    const plan = planReview([finding(32, 33), finding(33), finding(60), { ...finding(90), suggestion: undefined }], lines);
    expect(plan.comments).toEqual([{ path: "a.spec", line: 33, start_line: 32, side: "RIGHT", start_side: "RIGHT", body: expect.stringContaining("````suggestion\nPatch1: ``` fenced\n````") }]);
    expect(plan.unanchored.map((f) => f.line)).toEqual([33, 60]);
  });
  it("distinguishes deleting lines from replacing them with an empty line, and never cuts a suggestion", () => {
    const lines = new CommentableLines();
    lines.addFile("a.spec", patch);
    const base: Finding = { rule: "rendered-file-edited", level: "failure", path: "a.spec", line: 32, message: "m" };
    const remove = planReview([{ ...base, suggestion: { startLine: 32, endLine: 32, replacement: [] } }], lines);
    const blank = planReview([{ ...base, suggestion: { startLine: 32, endLine: 32, replacement: [""] } }], lines);
    const huge = planReview([{ ...base, suggestion: { startLine: 32, endLine: 32, replacement: ["x".repeat(70_000)] } }], lines);
    expect(remove.comments[0]!.body.endsWith("```suggestion\n```")).toBe(true);
    expect(blank.comments[0]!.body.endsWith("```suggestion\n\n```")).toBe(true);
    expect(huge.comments).toEqual([]);
    expect(huge.unanchored).toHaveLength(1);
  });
});

describe("applying the fix", () => {
  const files: Record<string, string> = {
    "specs/s/systemd/systemd.spec": "Name: systemd\nPatch0001: 30846.patch\nPatch0100: fix.patch\n%prep\n",
    "specs/s/systemd/fix.patch": "--- a/x\n+++ b/x\n",
    "base/comps/systemd/systemd.comp.toml": "[components.systemd]\n",
  };
  const read = async (path: string) => files[path];
  const gitMove = [
    "diff --git a/specs/s/systemd/fix.patch b/base/comps/systemd/fix.patch",
    "similarity index 100%",
    "rename from specs/s/systemd/fix.patch",
    "rename to base/comps/systemd/fix.patch",
    "diff --git a/specs/s/systemd/systemd.spec b/specs/s/systemd/systemd.spec",
    "--- a/specs/s/systemd/systemd.spec",
    "+++ b/specs/s/systemd/systemd.spec",
    "@@ -1,4 +1,3 @@",
    " Name: systemd",
    " Patch0001: 30846.patch",
    "-Patch0100: fix.patch",
    " %prep",
    "diff --git a/base/comps/systemd/systemd.comp.toml b/base/comps/systemd/systemd.comp.toml",
    "--- a/base/comps/systemd/systemd.comp.toml",
    "+++ b/base/comps/systemd/systemd.comp.toml",
    "@@ -1 +1,4 @@",
    " [components.systemd]",
    "+[[components.systemd.overlays]]",
    '+type = "patch-add"',
    '+file = "fix.patch"',
    "",
  ].join("\n");

  it("applies a git patch with a rename, edits and additions", async () => {
    const changes = await applyFix(gitMove, read);
    expect(Object.fromEntries(changes)).toEqual({
      "specs/s/systemd/fix.patch": null,
      "base/comps/systemd/fix.patch": files["specs/s/systemd/fix.patch"],
      "specs/s/systemd/systemd.spec": "Name: systemd\nPatch0001: 30846.patch\n%prep\n",
      "base/comps/systemd/systemd.comp.toml": '[components.systemd]\n[[components.systemd.overlays]]\ntype = "patch-add"\nfile = "fix.patch"\n',
    });
  });

  it("refuses a patch that no longer applies", async () => {
    const stale = async (path: string) => (path.endsWith(".spec") ? "Name: systemd\n%prep\n" : files[path]);
    await expect(applyFix(gitMove, stale)).rejects.toBeInstanceOf(FixApplyError);
  });

  it("refuses paths that escape the repository", async () => {
    const escape = "--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n";
    await expect(applyFix(escape, read)).rejects.toBeInstanceOf(RepoPathError);
  });
});

describe("markdown budgets", () => {
  const many: Finding[] = Array.from({ length: 4_000 }, (_, i) => ({
    rule: "rendered-file-edited",
    level: i % 3 === 0 ? "failure" : "notice",
    path: `specs/p/pkg${i}/pkg${i}.spec`,
    line: i + 1,
    message: `edited by hand <script>alert(${i})</script> @team | ${"x".repeat(40)}`,
  }));
  const result: ReviewResult = { verdict: "failure", components: [], findings: many, fix: { patch: "+a\n".repeat(30_000), verified: true } };
  const outcome = applyPolicy(result, { ruleLevels: {}, waivers: [] });

  it("keeps the verdict and the most severe findings within 65,535 bytes", () => {
    const summary = checkSummary({ outcome, components: [], headSha: "a".repeat(40) });
    expect(byteLength(summary)).toBeLessThanOrEqual(CHECK_TEXT_MAX_BYTES);
    expect(summary.startsWith("## ❌")).toBe(true);
    expect(summary).toContain("more item(s) omitted");
    const firstNotice = summary.indexOf("ℹ️");
    expect(firstNotice === -1 || summary.lastIndexOf("❌ `") < firstNotice).toBe(true);
    expect(summary).not.toContain("<script>");
    expect(summary).not.toMatch(/@team/);
  });

  it("keeps the sticky comment, marker first, within GitHub's comment limit", () => {
    const body = stickyBody({ outcome, components: [], headSha: "b".repeat(40), fix: result.fix });
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.startsWith("<!-- specwarden:summary -->")).toBe(true);
    expect(body).toContain("/specwarden recheck");
  });

  it("escapes untrusted text and fences code safely", () => {
    expect(escapeMarkdown("a|b <x> [l](u) @me")).toBe("a\\|b &lt;x&gt; \\[l\\](u) @\u200bme");
    expect(fenced("```\ncode\n```", "diff")).toBe("````diff\n```\ncode\n```\n````");
    expect(fenced("", "suggestion")).toBe("```suggestion\n```");
  });
});

describe("GitHub RepoView", () => {
  function view(files: Record<string, string | { content: string; mode: string }>, options: { limit?: number; maxFileBytes?: number } = {}) {
    const github = new FakeGitHub({ treeEntryLimit: options.limit ?? 100_000 });
    const sha = github.commit(files);
    const octokit = new Octokit({ request: { fetch: github.fetch } }) as never;
    const reader = octokitGitReader(octokit, { owner: "azl", repo: "distro" });
    const counting: GitObjectReader & { blobReads: number } = {
      blobReads: 0,
      getTree: (t, r) => reader.getTree(t, r),
      getBlob(s) {
        counting.blobReads++;
        return reader.getBlob(s);
      },
    };
    const caches = createCaches();
    const make = () => new GitHubRepoView({ owner: "azl", repo: "distro", commitSha: sha, reader: counting, caches, ...(options.maxFileBytes ? { maxFileBytes: options.maxFileBytes } : {}) });
    return { github, make, counting };
  }
  const files = {
    "azldev.toml": "[project]\n",
    "specs/s/systemd/systemd.spec": "Name: systemd\n",
    "specs/s/systemd/link.spec": { content: "../../../etc/passwd", mode: "120000" },
    "specs/s/systemd/big.tar": "x".repeat(2_000),
    "base/comps/systemd/systemd.comp.toml": "[components.systemd]\n",
  };

  it("lists, stats and reads files; blob reads are cached by SHA across views", async () => {
    const { make, counting } = view(files);
    const first = make();
    expect((await first.list("specs/s/systemd")).map((e) => [e.path, e.kind])).toEqual([
      ["specs/s/systemd/big.tar", "file"],
      ["specs/s/systemd/link.spec", "symlink"],
      ["specs/s/systemd/systemd.spec", "file"],
    ]);
    expect((await first.list("", { recursive: true })).filter((e) => e.kind === "file")).toHaveLength(4);
    expect(await first.readText("specs/s/systemd/systemd.spec")).toBe("Name: systemd\n");
    expect(await first.readText("specs/s/systemd/./systemd.spec")).toBe("Name: systemd\n");
    expect(await make().readText("specs/s/systemd/systemd.spec")).toBe("Name: systemd\n");
    expect(counting.blobReads).toBe(1);
    expect(await first.stat("specs/s/nothing")).toBeUndefined();
    expect(await first.readFile("specs/s/nothing")).toBeUndefined();
  });

  it("refuses symlinks, oversized files and escaping paths", async () => {
    const { make } = view(files, { maxFileBytes: 1_000 });
    const repo = make();
    await expect(repo.readFile("specs/s/systemd/link.spec")).rejects.toBeInstanceOf(RepoEntryError);
    await expect(repo.readFile("specs/s/systemd/big.tar")).rejects.toThrow(/above the 1000-byte limit/);
    await expect(repo.readFile("../outside")).rejects.toBeInstanceOf(RepoPathError);
    await expect(repo.readFile("/etc/passwd")).rejects.toBeInstanceOf(RepoPathError);
    await expect(repo.readFile("specs\\s")).rejects.toBeInstanceOf(RepoPathError);
  });

  it("gives the same answers from a truncated tree by walking sub-trees", async () => {
    const complete = view(files).make();
    const truncated = view(files, { limit: 2 }).make();
    for (const dir of ["", "specs", "specs/s/systemd", "base"]) {
      expect(await truncated.list(dir, { recursive: true })).toEqual(await complete.list(dir, { recursive: true }));
      expect(await truncated.list(dir)).toEqual(await complete.list(dir));
    }
    expect(truncated.complete).toBe(false);
    expect(await truncated.stat("specs/s/systemd/systemd.spec")).toEqual(await complete.stat("specs/s/systemd/systemd.spec"));
  });

  it("reads ahead many blobs in one GraphQL request, leaving what it cannot read byte for byte to REST", async () => {
    const latin1 = Buffer.from("Summary: Bibliothèque\n", "latin1");
    const contents: Record<string, string | Uint8Array> = {
      "specs/a/acl/acl.spec": "Name: acl\nSummary: Accès contrôlé — ACL ✓\n",
      "specs/a/acl/sources": "SHA512 (acl-2.3.2.tar.gz) = 31aeb39958\n",
      "specs/l/libx/libx.spec": latin1,
      "specs/l/libx/logo.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]),
      "specs/l/libx/big.spec": `# ${"x".repeat(600 * 1024)}\n`,
    };
    const github = new FakeGitHub();
    const sha = github.commit(contents);
    const octokit = new Octokit({ request: { fetch: github.fetch } }) as never;
    const reader = octokitGitReader(octokit, { owner: "azl", repo: "distro" });
    const repo = new GitHubRepoView({ owner: "azl", repo: "distro", commitSha: sha, reader, caches: createCaches() });
    const paths = [...Object.keys(contents), "specs/missing.spec", "../escape"];
    expect(await repo.prefetch(paths)).toBe(2);
    expect(github.callsTo("POST", "/graphql")).toHaveLength(1);
    expect(github.callsTo("POST", "/graphql")[0]!.body.variables).toEqual({ owner: "azl", name: "distro" });
    for (const [path, content] of Object.entries(contents)) {
      expect(Buffer.from((await repo.readFile(path))!)).toEqual(typeof content === "string" ? Buffer.from(content) : Buffer.from(content));
    }
    // the Latin-1 spec, the binary and the truncated one came over REST, the others from the batch
    expect(github.callsTo("GET", /\/git\/blobs\//)).toHaveLength(3);

    // a failing batch costs nothing but itself
    const failing = new FakeGitHub();
    const other = failing.commit(contents);
    failing.failWith = ({ path }) => (path === "/graphql" ? { status: 502, message: "Bad Gateway" } : undefined);
    const failingRepo = new GitHubRepoView({ owner: "azl", repo: "distro", commitSha: other, reader: octokitGitReader(new Octokit({ request: { fetch: failing.fetch } }) as never, { owner: "azl", repo: "distro" }), caches: createCaches() });
    const errors: unknown[] = [];
    expect(await failingRepo.prefetch(Object.keys(contents), (e) => errors.push(e))).toBe(0);
    expect(errors).toHaveLength(1);
    expect(await failingRepo.readText("specs/a/acl/acl.spec")).toBe(contents["specs/a/acl/acl.spec"]);
  });
});

describe("small pieces", () => {
  it("parses commands outside quotes and code", () => {
    expect(parseCommand("/specwarden recheck")).toBe("recheck");
    expect(parseCommand("please\n  /specwarden fix  \n")).toBe("fix");
    expect(parseCommand("> /specwarden fix\nquoted")).toBeUndefined();
    expect(parseCommand("```\n/specwarden fix\n```")).toBeUndefined();
    expect(parseCommand("run /specwarden fix please")).toBeUndefined();
    expect(parseCommand("/specwarden waive x")).toEqual({ unknown: "waive" });
  });

  it("supersedes the run for an older head and ignores a duplicate of the same head", () => {
    const runs = new InFlightRuns();
    const key = InFlightRuns.key("azl", "distro", 12);
    const first = runs.start(key, "a".repeat(40))!;
    expect(runs.start(key, "a".repeat(40))).toBeUndefined();
    const second = runs.start(key, "b".repeat(40))!;
    expect(first.signal.aborted).toBe(true);
    first.finish();
    expect(runs.size).toBe(1);
    second.finish();
    expect(runs.size).toBe(0);
  });

  it("evicts least recently used entries by weight", () => {
    const cache = new LruCache<string>(10, (v) => v.length);
    cache.set("a", "12345");
    cache.set("b", "1234");
    cache.get("a");
    cache.set("c", "123");
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual(["12345", undefined, "123"]);
    expect(cache.weight).toBe(8);
  });
});

describe("completing a check run whose annotations GitHub rejects", () => {
  function rejectingOctokit(bodies: Array<{ output: { summary: string; text?: string; annotations?: unknown[] } }>) {
    return {
      request: async (_route: string, params: { output: { summary: string; text?: string; annotations?: unknown[] } }) => {
        bodies.push(params);
        if (params.output.annotations) throw Object.assign(new Error("Validation Failed"), { status: 422 });
        return { data: {} };
      },
    };
  }
  const annotation = { path: "specs/s/systemd/systemd.spec", start_line: 88, end_line: 91, annotation_level: "failure" as const, message: "hand edit", title: "rendered-file-edited" };

  it("keeps a full summary whole (its fix fence intact) and puts the note in the text", async () => {
    const { completeCheckRun } = await import("../../src/github/checks.js");
    const fence = "```diff\n" + "+x\n".repeat(10) + "```\n";
    const summary = "a".repeat(CHECK_TEXT_MAX_BYTES - byteLength(fence) - 10) + "\n" + fence;
    const bodies: Array<{ output: { summary: string; text?: string; annotations?: unknown[] } }> = [];
    await completeCheckRun(rejectingOctokit(bodies) as never, { owner: "azl", repo: "distro" }, 7, { conclusion: "failure", title: "1 failure", summary, text: "fix", annotations: [annotation] });
    const last = bodies.at(-1)!;
    expect(last.output.annotations).toBeUndefined();
    expect(last.output.summary).toBe(summary);
    expect(last.output.text).toMatch(/^_GitHub did not accept the line annotations[^\n]*\n\nfix$/);
  });

  it("appends the note to a summary that has room", async () => {
    const { completeCheckRun } = await import("../../src/github/checks.js");
    const bodies: Array<{ output: { summary: string; text?: string; annotations?: unknown[] } }> = [];
    await completeCheckRun(rejectingOctokit(bodies) as never, { owner: "azl", repo: "distro" }, 7, { conclusion: "failure", title: "1 failure", summary: "## Findings", annotations: [annotation] });
    expect(bodies.at(-1)!.output.summary).toMatch(/^## Findings\n\n_GitHub did not accept/);
  });
});
