import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { FakeGitHub } from "../../src/github/fake-github.js";
import {
  byteLength,
  CHECK_TEXT_MAX_BYTES,
  checkSummary,
  codeSpan,
  COMMENT_MAX_BYTES,
  fixSection,
  inlineMarkdown,
  resolvedStickyBody,
  sameResolvedBody,
  STICKY_MARKER,
  stickyBody,
} from "../../src/github/markdown.js";
import { applyPolicy } from "../../src/review/policy.js";
import { renderMarkdown } from "../../src/report/index.js";
import { upsertStickyComment } from "../../src/github/sticky-comment.js";
import type { Finding, ReviewResult } from "../../src/review/types.js";
import { markdownProblems } from "./markdown-check.js";

describe("inline Markdown from untrusted text", () => {
  it("keeps well-formed code spans and escapes everything around them", () => {
    expect(inlineMarkdown("hand-written `Patch:` line")).toBe("hand-written `Patch:` line");
    expect(inlineMarkdown("the comps produce `-Dservice-watchdog=3min` in %build_flags")).toBe("the comps produce `-Dservice-watchdog=3min` in %build\\_flags");
    // inside a span nothing is interpreted by GitHub, so nothing is escaped there
    expect(inlineMarkdown("`<script>` and <script> by @team")).toBe("`<script>` and &lt;script&gt; by @\u200bteam");
    expect(inlineMarkdown("``a ` b`` then *x*")).toBe("``a ` b`` then \\*x\\*");
  });

  it("escapes backticks that open no span, so the rest of the text cannot become code or Markdown", () => {
    expect(inlineMarkdown("it's `open and *bold*")).toBe("it's \\`open and \\*bold\\*");
    expect(inlineMarkdown("``a` b")).toBe("\\`\\`a\\` b");
    expect(inlineMarkdown("~~struck~~ [l](u)")).toBe("\\~\\~struck\\~\\~ \\[l\\](u)");
  });

  it("keeps a table cell intact: pipes escaped even inside spans, no line breaks", () => {
    expect(inlineMarkdown("`a|b` | c\nd", { tableCell: true })).toBe("`a\\|b` \\| c d");
    expect(inlineMarkdown("`multi\nline`")).toBe("`multi line`");
  });

  it("wraps any text in one code span", () => {
    expect(codeSpan("/specwarden frobnicate_now")).toBe("`/specwarden frobnicate_now`");
    expect(codeSpan("a`b")).toBe("``a`b``");
    expect(codeSpan("`x")).toBe("`` `x ``");
    expect(codeSpan("a|b", { tableCell: true })).toBe("`a\\|b`");
  });
});

const finding = (over: Partial<Finding>): Finding => ({
  rule: "rendered-file-edited",
  level: "failure",
  path: "specs/s/systemd/systemd.spec",
  line: 91,
  component: "systemd",
  message: "hand-written `Patch:` line in the rendered spec",
  ...over,
});

describe("summary layout", () => {
  const result: ReviewResult = {
    verdict: "failure",
    components: [{ name: "systemd", status: "drift", method: "incremental", reason: "the `%build` section | changed" }],
    findings: [
      finding({}),
      finding({ line: 196, message: "edited by hand (the comps produce `-Dservice-watchdog=3min`)" }),
      finding({ rule: "patch-metadata-missing", level: "warning", path: "base/comps/systemd/systemd.comp.toml", line: 27 }),
      finding({ rule: "vendored-patch-in-rendered-tree", component: "acl", path: "specs/a/acl/x.patch", line: undefined }),
    ],
    fix: { patch: "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+```b\n", verified: false, note: "Not verified: systemd (no upstream)." },
  };
  const config = { ruleLevels: {}, suggestions: true, waivers: [{ component: "acl", rule: "vendored-patch-in-rendered-tree" as const, reason: "upstream `acl` 2.3.3 ships it" }] };
  const input = { outcome: applyPolicy(result, config), components: result.components, fix: result.fix, headSha: "c".repeat(40), reason: "a *partial* run", suggestionsPosted: 2 };

  it("separates headings, paragraphs, the table and fences by blank lines and keeps the findings one tight list", () => {
    const summary = checkSummary(input);
    expect(markdownProblems(summary)).toEqual([]);
    expect(summary).toBe(
      [
        "## ❌ This pull request edits generated output or leaves it stale",
        "",
        "**Reason:** a \\*partial\\* run",
        "",
        "2 suggestion(s) were posted as a review on the changed lines.",
        "",
        "2 failures, 1 warning",
        "",
        "| component | status | render | note |",
        "|---|---|---|---|",
        "| systemd | drift | incremental | the `%build` section \\| changed |",
        "",
        "### Findings",
        "",
        "- ❌ `rendered-file-edited` **specs/s/systemd/systemd.spec:91** — hand-written `Patch:` line in the rendered spec",
        "- ❌ `rendered-file-edited` **specs/s/systemd/systemd.spec:196** — edited by hand (the comps produce `-Dservice-watchdog=3min`)",
        "- ⚠️ `patch-metadata-missing` **base/comps/systemd/systemd.comp.toml:27** — hand-written `Patch:` line in the rendered spec",
        "",
        "### Fix (not verified)",
        "",
        "Apply from the repository root with `git apply`.",
        "",
        "**Notes:** Not verified: systemd (no upstream).",
        "",
        "````diff",
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+```b",
        "````",
        "",
        "### Waived",
        "",
        "- waived `vendored-patch-in-rendered-tree` for acl: upstream `acl` 2.3.3 ships it",
      ].join("\n"),
    );
    expect(markdownProblems(stickyBody(input))).toEqual([]);
    expect(markdownProblems(fixSection(input))).toEqual([]);
  });

  it("keeps the fix whole in the comment when it fits, and otherwise says where it is, never cutting a fence", () => {
    const failures = Array.from({ length: 40 }, (_, i) => finding({ line: i + 1 }));
    const patchOf = (bytes: number) => `--- a/x\n+++ b/x\n@@ -1 +1,${bytes / 8} @@\n${"+abcdef\n".repeat(bytes / 8)}`;
    const summaryOf = (patch: string) => {
      const r: ReviewResult = { verdict: "failure", components: [], findings: failures, fix: { patch, verified: true } };
      return { outcome: applyPolicy(r, { ruleLevels: {}, waivers: [] }), components: [], fix: r.fix, headSha: "d".repeat(40) };
    };
    const small = stickyBody(summaryOf(patchOf(40_000)));
    expect(small).toContain(patchOf(40_000));
    // fits the check run's text (65,535 bytes) but not the comment next to 40 findings
    const large = summaryOf(patchOf(64_000));
    const body = stickyBody(large);
    expect(byteLength(body)).toBeLessThanOrEqual(COMMENT_MAX_BYTES);
    expect(body).not.toContain("+abcdef");
    expect(body).toContain("_The patch is too large for this summary; it is in the details of the `specwarden` check run._");
    expect(body.match(/- ❌/g)).toHaveLength(40);
    expect(fixSection(large)).toContain(patchOf(64_000));
    expect(markdownProblems(body)).toEqual([]);
    // larger than GitHub allows anywhere
    const huge = summaryOf(patchOf(80_000));
    expect(stickyBody(huge)).toContain("_The patch is larger than GitHub allows here; run `specwarden check` locally to obtain it._");
    expect(byteLength(fixSection(huge))).toBeLessThanOrEqual(CHECK_TEXT_MAX_BYTES);
    expect(markdownProblems(fixSection(huge))).toEqual([]);
  });
});

describe("the sticky comment is the review report", () => {
  it("is the marker, the report `specwarden check` prints under the same policy, and the app's footer", () => {
    const result: ReviewResult = {
      verdict: "failure",
      components: [{ name: "systemd", status: "drift", method: "unchanged" }],
      findings: [finding({ fix: { summary: "add 1 overlay", verified: true, patch: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", note: "Fill in the metadata." } })],
      fix: { patch: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", verified: true, note: "Fill in the metadata." },
    };
    const policy = { ruleLevels: {}, suggestions: true, waivers: [] };
    const body = stickyBody({ outcome: applyPolicy(result, policy), components: result.components, fix: result.fix, headSha: "e".repeat(40), suggestionsPosted: 1 });
    const footer = "<sub>specwarden · head eeeeeee · 1 suggestion(s) posted as a review on the changed lines · comment `/specwarden fix` to have the fix committed to this branch · comment `/specwarden recheck` to run again</sub>";
    expect(body).toBe(`${STICKY_MARKER}\n${renderMarkdown(result, { maxBytes: Number.MAX_SAFE_INTEGER })}\n\n${footer}`);
    expect(body).toContain("**Notes:** Fill in the metadata.");
  });

  it("points a component's own fix that does not fit to the CLI, not to the check run (which holds only a whole fix)", () => {
    const big = `--- a/x\n+++ b/x\n@@ -1 +1,9000 @@\n${"+abcdefgh\n".repeat(9000)}`;
    const result: ReviewResult = {
      verdict: "failure",
      components: [{ name: "acl", status: "drift", method: "unchanged" }],
      findings: Array.from({ length: 2 }, (_, i) => finding({ component: "acl", line: i + 1, fix: { summary: "x", verified: true, patch: big } })),
    };
    const input = { outcome: applyPolicy(result, { ruleLevels: {}, waivers: [] }), components: result.components, headSha: "f".repeat(40) };
    const body = stickyBody(input);
    expect(fixSection(input)).toBe("");
    expect(byteLength(body)).toBeLessThanOrEqual(COMMENT_MAX_BYTES);
    expect(body).toContain("### Fix for acl (verified by re-rendering)");
    expect(body).not.toContain("+abcdefgh");
    expect(body).not.toContain("details of the `specwarden` check run");
    expect(markdownProblems(body)).toEqual([]);
  });
});

describe("the resolved sticky comment", () => {
  it("lists what remains, and counts as unchanged when only the head it names differs", () => {
    const warning = finding({ rule: "patch-metadata-missing", level: "warning", path: "base/comps/systemd/systemd.comp.toml", line: 27, message: "say where `x.patch` stands upstream" });
    const a = resolvedStickyBody("a".repeat(40), [warning]);
    expect(a).toBe(
      `${STICKY_MARKER}\n## ✅ Resolved\n\nEvery specwarden failure on this pull request is fixed as of aaaaaaa.\n\n1 finding(s) remain that do not fail the check:\n\n- ⚠️ \`patch-metadata-missing\` **base/comps/systemd/systemd.comp.toml:27** — say where \`x.patch\` stands upstream`,
    );
    expect(sameResolvedBody(a, resolvedStickyBody("b".repeat(40), [warning]))).toBe(true);
    expect(sameResolvedBody(a, resolvedStickyBody("b".repeat(40)))).toBe(false);
  });

  it("turns a report of failures into the resolved note, but keeps updating a report of a PR that never failed", async () => {
    const github = new FakeGitHub();
    const octokitFor = (g: FakeGitHub) => new ProbotOctokit({ request: { fetch: g.fetch }, throttle: { enabled: false }, retry: { enabled: false } }) as never;
    const octokit = octokitFor(github);
    const repo = { owner: "azl", repo: "distro" };
    const post = (content: Parameters<typeof upsertStickyComment>[4]) => upsertStickyComment(octokit, repo, 7, github.botLogin, content);
    const passing = `${STICKY_MARKER}\n## ✅ Rendered specs are consistent with their components\n\n- ⚠️ one warning`;
    expect(await post({ report: passing, resolved: resolvedStickyBody("a".repeat(40)) })).toBe("created");
    expect(await post({ report: `${passing} more`, resolved: resolvedStickyBody("a".repeat(40)) })).toBe("updated");
    expect(github.comments[0]!.body).toBe(`${passing} more`);
    expect(await post({ report: `${STICKY_MARKER}\n## ❌ failing` })).toBe("updated");
    expect(await post({ report: passing, resolved: resolvedStickyBody("b".repeat(40)) })).toBe("resolved");
    expect(github.comments[0]!.body).toBe(resolvedStickyBody("b".repeat(40)));
    expect(await post({ resolved: resolvedStickyBody("c".repeat(40)) })).toBe("unchanged");
    expect(github.comments).toHaveLength(1);
    // a clean PR that never had a comment gets none
    const other = new FakeGitHub();
    expect(await upsertStickyComment(octokitFor(other), repo, 8, other.botLogin, { resolved: resolvedStickyBody("a".repeat(40)) })).toBe("none");
    expect(other.comments).toEqual([]);
  });
});
