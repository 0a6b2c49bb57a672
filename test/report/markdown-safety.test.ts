import { Parser, type Node } from "commonmark";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderDashboard, renderPatchIssue, patchIssueState } from "../../src/github/tracking/index.js";
import { codeSpan, escapeMarkdown, inlineMarkdown, renderMarkdown } from "../../src/report/index.js";
import type { ReviewResult } from "../../src/review/types.js";
import { trackPatches, type PatchVerdict } from "../../src/tracking/index.js";
import { fixtureForge } from "../tracking/forge-fixture.js";
import { fixtureInventory } from "../tracking/helpers.js";

/**
 * Everything a repository or pull request controls — overlay descriptions, file names, spec lines,
 * patch headers — reaches the markdown we post. Rendered by a CommonMark parser, none of it may turn
 * into HTML, a link or image, or a mention.
 */

const HOSTILE = [
  "\\`<img src=x onerror=alert(1)>\\`",
  "a\\`b` <a href=https://evil.example>x</a>",
  "line\rbreak <details open><summary>s</summary>",
  "line\r\n\r\n<script>alert(1)</script>",
  "@octocat and @github/security-team please look",
  "[click](https://evil.example) ![i](https://evil.example/i.png) <https://evil.example>",
  "&lt;b&gt; &#60;i&#62; | table | break",
  "``` fence\n<img src=y>\n```",
  "\\\\`<b>bold</b>`",
  "*__emphasis__* ~~strike~~ # heading",
];

interface Leak {
  kind: string;
  text: string;
}

/** HTML, link and image nodes anywhere in the document, and text that would mention someone. */
function leaks(markdown: string): Leak[] {
  const found: Leak[] = [];
  const walker = new Parser().parse(markdown).walker();
  for (let event = walker.next(); event; event = walker.next()) {
    if (!event.entering) continue;
    const node: Node = event.node;
    if (node.type === "html_inline" || node.type === "html_block") found.push({ kind: node.type, text: node.literal ?? "" });
    if (node.type === "link" || node.type === "image") found.push({ kind: node.type, text: node.destination ?? "" });
    if (node.type === "text" && /(^|[^\w`])@[A-Za-z0-9]/.test(node.literal ?? "")) found.push({ kind: "mention", text: node.literal ?? "" });
  }
  return found;
}

/**
 * What specwarden itself writes: its hidden markers (base64 state), `<sub>` footers, folded
 * `<details>` sections with its own summaries, and links to
 * upstream evidence that the forge returned (never from the hostile strings, which all point at
 * evil.example).
 */
function notOurs(leak: Leak): boolean {
  if (leak.kind === "html_block" || leak.kind === "html_inline") return !/^(<!-- specwarden:[a-z-]+( [A-Za-z0-9+/=]*)? -->|<\/?sub>|<details><summary>[^<>@]*<\/summary>|<\/details>)\n?$/.test(leak.text);
  if (leak.kind === "link" || leak.kind === "image") return leak.text.includes("evil");
  return true;
}

function hostileResult(text: string): ReviewResult {
  return {
    verdict: "failure",
    components: [{ name: `sys${text}`, status: "drift", method: "full", reason: text }],
    findings: [
      { rule: "rendered-file-edited", level: "failure", path: `specs/s/sys/${text}.spec`, line: 3, component: `sys${text}`, message: `"${text}" edited by hand: \`${text}\`` },
      { rule: "overlay-failed", level: "failure", path: "base/comps/sys/sys.comp.toml", line: 7, component: "sys", message: `${text}`, fix: { summary: text, verified: false, note: text } },
    ],
    fix: { patch: `diff --git a/${text} b/${text}\n`, verified: false, note: text },
  };
}

describe("markdown from repository text", () => {
  it("the review report (sticky comment, check summary, check --markdown) carries no HTML, link or mention", () => {
    for (const text of HOSTILE) {
      const md = renderMarkdown(hostileResult(text));
      expect(leaks(md), text).toEqual([]);
    }
  });

  it("a backslash before a backtick or a lone CR does not open a span that lets HTML through", () => {
    expect(escapeMarkdown("\\`<img>`")).toBe("\\\\\\`&lt;img&gt;\\`");
    expect(escapeMarkdown("a\rb")).toBe("a b");
    expect(codeSpan("a\rb`c")).toBe("``a b`c``");
    expect(leaks(`x ${inlineMarkdown("\\`<img src=x>`")} y`)).toEqual([]);
    expect(leaks(`x ${inlineMarkdown("a `code` @user")} y`)).toEqual([]);
  });

  it("tracking dashboards and issue bodies carry no HTML, link or mention from patch text", async () => {
    const { inv, repo } = await fixtureInventory();
    const verdicts = await trackPatches(inv, { forge: fixtureForge(), readText: (p) => repo.readText(p) });
    for (const text of HOSTILE) {
      const poisoned: PatchVerdict[] = verdicts.map(
        (v) =>
          ({
            ...v,
            component: `${v.component}${text}`,
            file: `${text}.patch`,
            reason: text,
            problems: [text],
            // inherited ones: where they come from (config values) and the overlay that drops them now
            ...(v.origin === "inherited" ? { inheritedFrom: { distro: text, version: text, branch: text, snapshot: text, name: text }, drop: { ...v.drop, addOverlay: { file: `${text}.toml`, toml: text } } } : {}),
          }) as PatchVerdict,
      );
      const { body } = renderDashboard({ verdicts: poisoned, issues: new Map(), problems: [text] });
      expect(leaks(body).filter(notOurs), text).toEqual([]);
      for (const v of poisoned) expect(leaks(renderPatchIssue(v, patchIssueState(v))).filter(notOurs), text).toEqual([]);
    }
  });

  it("holds for any text (seeded property test)", () => {
    const pieces = fc.constantFrom("`", "``", "\\", "<", ">", "img ", "a href=x", "@", "user", "\r", "\n", "&", "#", ";", "[", "](", ")", "!", "|", " ", "x", "*", "_");
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }).map((p) => p.join("")), (text) => {
        expect(leaks(`- ${escapeMarkdown(text)} and ${codeSpan(text)} and ${inlineMarkdown(text)}`)).toEqual([]);
        expect(leaks(renderMarkdown(hostileResult(text)))).toEqual([]);
      }),
      { seed: 20261205, numRuns: 300 },
    );
  });
});
