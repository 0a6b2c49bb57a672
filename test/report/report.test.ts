import { describe, expect, it } from "vitest";
import { renderMarkdown, toAnnotations, toJson } from "../../src/report/index.js";
import { markdownProblems } from "../github/markdown-check.js";
import type { Finding, ReviewResult } from "../../src/review/types.js";

const patch = `diff --git a/base/comps/systemd/systemd.comp.toml b/base/comps/systemd/systemd.comp.toml
--- a/base/comps/systemd/systemd.comp.toml
+++ b/base/comps/systemd/systemd.comp.toml
@@ -1 +1,5 @@
 [components.systemd]
+
+[[components.systemd.overlays]]
+type = "patch-add"
+source = "0001-fix.patch"
`;

function finding(extra: Partial<Finding>): Finding {
  return { rule: "rendered-file-edited", level: "failure", path: "specs/s/systemd/systemd.spec", line: 10, component: "systemd", message: "edited by hand", ...extra };
}

const result: ReviewResult = {
  verdict: "failure",
  components: [{ name: "systemd", status: "drift", method: "unchanged", reason: "comps and pin unchanged" }],
  findings: [
    finding({ rule: "overlay-lint", level: "notice", path: "base/comps/systemd/systemd.comp.toml", line: 3, message: "inline array" }),
    finding({ line: 91, endLine: 94, message: "hand-written `Patch:` line", suggestion: { startLine: 91, endLine: 94, replacement: [] } }),
    finding({ rule: "vendored-patch-in-rendered-tree", path: "specs/s/systemd/0001-fix.patch", line: undefined, message: "added by hand" }),
    finding({ rule: "patch-metadata-missing", level: "warning", path: "base/comps/systemd/systemd.comp.toml", line: 4, message: "no status" }),
  ],
  fix: { patch, verified: true, note: "Patch4 lands at the end of the main package's tags." },
};

describe("markdown report", () => {
  it("puts the verdict first, then the component table, findings most severe first, then the fix as one patch", () => {
    const md = renderMarkdown(result);
    const order = ["## ❌", "2 failures, 1 warning, 1 notice", "| systemd | drift | unchanged |", "### Findings", "vendored-patch-in-rendered-tree", "patch-metadata-missing", "overlay-lint", "### Fix (verified by re-rendering)", "```diff"];
    let at = -1;
    for (const needle of order) {
      const next = md.indexOf(needle, at + 1);
      expect(next, needle).toBeGreaterThan(at);
      at = next;
    }
    expect(md).toContain("**specs/s/systemd/systemd.spec:91-94**");
    expect(md).toContain("suggestion: delete lines 91–94");
    expect(md).toContain(patch);
    expect(md).toContain("Patch4 lands at the end");
  });

  it("escapes what comes from the repository: no HTML, no mentions, no table breaks", () => {
    const hostile: ReviewResult = {
      verdict: "failure",
      components: [{ name: "evil|<img src=x>", status: "drift", reason: "@admin look" }],
      findings: [finding({ message: "<script>alert(1)</script> ping @octocat | col", path: "specs/e/evil/<b>.spec" })],
    };
    const md = renderMarkdown(hostile);
    expect(md).not.toContain("<script>");
    expect(md).not.toContain("<img");
    expect(md).not.toContain("<b>");
    expect(md).not.toMatch(/@octocat|@admin/);
    expect(md).toContain("evil\\|&lt;img src=x&gt;");
  });

  it("stays within its byte budget and says what it left out, keeping the verdict and the fix first", () => {
    const many: ReviewResult = {
      verdict: "failure",
      components: [{ name: "systemd", status: "drift" }],
      findings: Array.from({ length: 2000 }, (_, i) => finding({ line: i + 1, message: `edited by hand ${"x".repeat(80)}` })),
      fix: { patch, verified: true },
    };
    const md = renderMarkdown(many, { maxBytes: 20_000 });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(20_000);
    expect(md.startsWith("## ❌")).toBe(true);
    expect(md).toMatch(/more item\(s\) omitted/);
  });

  it("an unverified fix says why", () => {
    const md = renderMarkdown({ ...result, fix: { patch, verified: false, note: "Not verified: systemd (no upstream source was given)." } });
    expect(md).toContain("### Fix (not verified)");
    expect(md).toContain("no upstream source was given");
  });
});

describe("JSON report", () => {
  it("follows DESIGN.md §4: verdict, components, findings with rule/level/path/line/component/message/fix, fix.patch", () => {
    const doc = JSON.parse(toJson(result));
    expect(Object.keys(doc)).toEqual(["verdict", "components", "findings", "fix"]);
    expect(doc.components).toEqual([{ name: "systemd", status: "drift", method: "unchanged", reason: "comps and pin unchanged" }]);
    expect(doc.findings.map((f: Finding) => f.level)).toEqual(["failure", "failure", "warning", "notice"]);
    expect(doc.findings[1]).toEqual({
      rule: "rendered-file-edited",
      level: "failure",
      path: "specs/s/systemd/systemd.spec",
      line: 91,
      endLine: 94,
      component: "systemd",
      message: "hand-written `Patch:` line",
      suggestion: { startLine: 91, endLine: 94, replacement: [] },
    });
    expect(doc.fix.patch).toBe(patch);
  });
});

describe("annotations", () => {
  it("one per finding, most severe first, whole-file findings on line 1", () => {
    const annotations = toAnnotations(result.findings);
    expect(annotations.map((a) => [a.annotation_level, a.path, a.start_line, a.end_line])).toEqual([
      ["failure", "specs/s/systemd/0001-fix.patch", 1, 1],
      ["failure", "specs/s/systemd/systemd.spec", 91, 94],
      ["warning", "base/comps/systemd/systemd.comp.toml", 4, 4],
      ["notice", "base/comps/systemd/systemd.comp.toml", 3, 3],
    ]);
    expect(annotations[1]?.title).toBe("rendered-file-edited: specs/s/systemd/systemd.spec:91-94");
  });
});

describe("partial fixes", () => {
  it("without a fix for the whole change, each component's own verified fix is shown", () => {
    const md = renderMarkdown({
      verdict: "failure",
      components: [
        { name: "acl", status: "drift", method: "unchanged" },
        { name: "systemd", status: "failed", method: "incremental" },
      ],
      findings: [
        finding({ component: "acl", path: "specs/a/acl/acl.spec", fix: { summary: "add 1 overlay", verified: true, patch } }),
        finding({ rule: "overlay-failed", component: "systemd", path: "base/comps/systemd/systemd.comp.toml", line: 22, fix: { summary: "none", verified: false, note: "no fix is offered: 1 problem(s) remain" } }),
      ],
    });
    expect(md).toContain("### No fix for the whole change");
    expect(md).toContain("### Fix for acl (verified by re-rendering)");
    expect(md).toContain(patch);
  });
});

describe("the one report of the app and the CLI", () => {
  it("says, without a whole fix, why not per component, and shows each component's own fix with only its own notes", () => {
    const md = renderMarkdown({
      verdict: "failure",
      components: [
        { name: "acl", status: "drift", method: "unchanged" },
        { name: "systemd", status: "drift", method: "incremental" },
      ],
      findings: [
        finding({ component: "acl", path: "specs/a/acl/acl.spec", fix: { summary: "add 1 overlay", verified: true, patch, note: "Fill in where 0002-acl.patch stands upstream." } }),
        finding({ line: 196, fix: { summary: "none", verified: false, note: "no fix is offered: 1 problem(s) remain (render-stale at specs/s/systemd/systemd.spec)" } }),
      ],
    });
    expect(markdownProblems(md)).toEqual([]);
    expect(md).toContain("### Fix for acl (verified by re-rendering)\n\nApply from the repository root with `git apply`.\n\n**Notes:** Fill in where 0002-acl.patch stands upstream.\n\n```diff\n");
    expect(md).toContain("### No fix for the whole change\n\n- systemd: no fix is offered: 1 problem(s) remain (render-stale at specs/s/systemd/systemd.spec)");
    expect(md.match(/Fill in/g)).toHaveLength(1);
  });

  it("keeps the engine's code spans as code and escapes everything else from the pull request", () => {
    const md = renderMarkdown({
      verdict: "failure",
      components: [{ name: "systemd", status: "drift", method: "unchanged", reason: "`a|b` <b>x</b>" }],
      findings: [finding({ message: "hand-written `Patch:` line next to @octocat's <img src=x> *bold* [link](http://x)" })],
    });
    expect(md).toContain("— hand-written `Patch:` line next to @\u200boctocat's &lt;img src=x&gt; \\*bold\\* \\[link\\](http://x)");
    expect(md).toContain("| systemd | drift | unchanged | `a\\|b` &lt;b&gt;x&lt;/b&gt; |");
    expect(md).not.toContain("\\`Patch:\\`");
  });

  it("applies the repository's policy like the app: levels, waivers listed, the verdict from what remains", () => {
    const md = renderMarkdown(result, {
      policy: {
        ruleLevels: { "overlay-lint": "off", "patch-metadata-missing": "failure" },
        waivers: [{ component: "systemd", rule: "vendored-patch-in-rendered-tree", reason: "upstream `systemd` 258 ships it" }],
      },
    });
    expect(md).toMatch(/^## ❌ [^\n]*\n\n2 failures\n\n/);
    expect(md).not.toContain("inline array");
    expect(md).toContain("- ❌ `patch-metadata-missing`");
    expect(md).toContain("### Waived\n\n- waived `vendored-patch-in-rendered-tree` for systemd: upstream `systemd` 258 ships it");
    const clean = renderMarkdown({ ...result, findings: result.findings.filter((f) => f.level !== "failure") }, { policy: { ruleLevels: { "patch-metadata-missing": "off", "overlay-lint": "off" }, waivers: [] } });
    expect(clean).toMatch(/^## ✅ /);
    // nothing left to fix: no fix section
    expect(clean).not.toContain("### Fix");
  });

  it("shows suggestions under their finding and closes with the context line", () => {
    const md = renderMarkdown(
      {
        ...result,
        findings: [finding({ line: 196, suggestion: { startLine: 196, endLine: 196, replacement: ["        -Dservice-watchdog=3min"] } })],
      },
      { context: "main (1234567) → pr/7 <x>", maxBytes: Number.MAX_SAFE_INTEGER },
    );
    expect(markdownProblems(md)).toEqual([]);
    expect(md).toContain("  - suggestion: replace line 196 with:\n\n    ```spec\n            -Dservice-watchdog=3min\n    ```");
    expect(md.endsWith("\n\n<sub>main (1234567) → pr/7 &lt;x&gt;</sub>")).toBe(true);
  });

  it("keeps a fix that does not fit whole as a pointer, never a cut fence, within the budget", () => {
    const big = `${patch}${"+# padding line of the fix\n".repeat(4000)}`;
    const md = renderMarkdown({ ...result, fix: { patch: big, verified: true, note: "Fill in the metadata." } }, { maxBytes: 20_000 });
    expect(new TextEncoder().encode(md).length).toBeLessThanOrEqual(20_000);
    expect(markdownProblems(md)).toEqual([]);
    expect(md).not.toContain("padding line");
    expect(md).toContain("**Notes:** Fill in the metadata.\n\n_The patch is larger than the size limit here; run `specwarden check` locally to obtain it._");
    expect(md).toContain("### Findings");
  });
});
