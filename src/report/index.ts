/**
 * Review results as people and machines read them: the markdown report (the same structure the
 * app posts: verdict, components, findings, the fix), check-run annotations, and the JSON of
 * `specwarden check --json` (DESIGN.md §4). Everything taken from the repository is escaped and
 * the text is size-budgeted, most important first.
 */
import {
  byteLength,
  CHECK_TEXT_MAX_BYTES,
  escapeMarkdown,
  fenced,
  findingLocation,
  joinWithinBudget,
  truncateBytes,
} from "../github/markdown.js";
import type { ComponentVerdict, Finding, Level, ReviewResult } from "../review/types.js";

const LEVEL_ICON: Record<Level, string> = { failure: "❌", warning: "⚠️", notice: "ℹ️" };
const HEADLINE: Record<ReviewResult["verdict"], string> = {
  success: "✅ Rendered specs are consistent with their components",
  failure: "❌ This pull request edits generated output or leaves it stale",
  neutral: "⚪ specwarden could not verify this pull request",
};
const SEVERITY: Record<Level, number> = { failure: 0, warning: 1, notice: 2 };

export interface MarkdownOptions {
  /** byte budget of the whole report (GitHub's check-run summary limit by default) */
  maxBytes?: number;
  /** a line under the headline, e.g. which revisions were compared */
  subtitle?: string;
}

function sorted(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => SEVERITY[a.level] - SEVERITY[b.level] || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || (a.line ?? 0) - (b.line ?? 0),
  );
}

function componentTable(components: readonly ComponentVerdict[]): string {
  if (components.length === 0) return "";
  const rows = components.map((c) => `| ${escapeMarkdown(c.name)} | ${c.status} | ${c.method ?? ""} | ${escapeMarkdown(c.reason ?? "")} |`);
  return ["| component | status | render | note |", "|---|---|---|---|", ...rows].join("\n");
}

function findingLine(f: Finding): string {
  const base = `- ${LEVEL_ICON[f.level]} \`${f.rule}\` **${escapeMarkdown(findingLocation(f))}** — ${escapeMarkdown(f.message)}`;
  if (!f.suggestion) return base;
  const replacement = f.suggestion.replacement.map((l) => `${l}\n`).join("");
  const range = f.suggestion.startLine === f.suggestion.endLine ? `line ${f.suggestion.startLine}` : `lines ${f.suggestion.startLine}–${f.suggestion.endLine}`;
  const what = f.suggestion.replacement.length === 0 ? `delete ${range}` : `replace ${range} with:`;
  return f.suggestion.replacement.length === 0 ? `${base}\n  - suggestion: ${what}` : `${base}\n  - suggestion: ${what}\n\n${indent(fenced(replacement, "spec"))}`;
}

function indent(block: string): string {
  return block
    .split("\n")
    .map((l) => (l ? `    ${l}` : l))
    .join("\n");
}

/** The fix section: status, how to apply, notes, the patch. */
export function fixMarkdown(fix: NonNullable<ReviewResult["fix"]>): string[] {
  const status = fix.verified ? "verified by re-rendering" : "not verified";
  const blocks = [
    `### Fix (${status})`,
    "Apply from the repository root with `git apply`, or comment `/specwarden fix` to have it committed to this branch.",
  ];
  if (fix.note) blocks.push(`**Notes:** ${escapeMarkdown(fix.note)}`);
  blocks.push(fenced(fix.patch, "diff"));
  return blocks;
}

/** The markdown report of a review, within `maxBytes`. */
export function renderMarkdown(result: ReviewResult, options: MarkdownOptions = {}): string {
  const maxBytes = options.maxBytes ?? CHECK_TEXT_MAX_BYTES;
  const findings = sorted(result.findings);
  const head: string[] = [`## ${HEADLINE[result.verdict]}`];
  if (options.subtitle) head.push(escapeMarkdown(options.subtitle));
  const counts = (["failure", "warning", "notice"] as const)
    .map((l) => [l, findings.filter((f) => f.level === l).length] as const)
    .filter(([, n]) => n > 0)
    .map(([l, n]) => `${n} ${l}${n === 1 ? "" : "s"}`);
  if (counts.length) head.push(counts.join(", "));
  const table = componentTable(result.components);
  if (table) head.push(table);
  const unfixed = findings.filter((f) => f.level === "failure" && f.fix && !f.fix.patch && f.fix.note);
  // without a fix for the whole change, the components that do have one still show theirs
  const partial = new Map<string, NonNullable<Finding["fix"]>>();
  if (!result.fix) for (const f of findings) if (f.fix?.patch && f.component && !partial.has(f.component)) partial.set(f.component, f.fix);
  const blocks = [
    ...head,
    ...(findings.length ? ["### Findings", ...findings.map(findingLine)] : []),
    ...(result.fix ? [fixMarkdown(result.fix).join("\n\n")] : []),
    ...(!result.fix && unfixed.length ? [`### No fix for the whole change\n\n${escapeMarkdown((unfixed[0] as Finding).fix?.note ?? "")}`] : []),
    ...[...partial].map(
      ([component, fix]) =>
        `### Fix for ${escapeMarkdown(component)} (${fix.verified ? "verified by re-rendering" : "not verified"})\n\n${fix.note ? `**Notes:** ${escapeMarkdown(fix.note)}\n\n` : ""}${fenced(fix.patch as string, "diff")}`,
    ),
  ];
  const text = joinWithinBudget(blocks, maxBytes, (n) => `_${n} more item(s) omitted to fit the size limit; run \`specwarden check --json\` for the full report._`);
  return byteLength(text) <= maxBytes ? text : truncateBytes(text, maxBytes);
}

export interface AnnotationData {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: Level;
  title: string;
  message: string;
}

/** Check-run annotations, most severe first (GitHub shows the first 50 prominently). */
export function toAnnotations(findings: readonly Finding[]): AnnotationData[] {
  return sorted(findings).map((f) => {
    const start = f.line ?? 1;
    return {
      path: f.path,
      start_line: start,
      end_line: Math.max(start, f.endLine ?? start),
      annotation_level: f.level,
      title: truncateBytes(`${f.rule}: ${findingLocation(f)}`, 250),
      message: truncateBytes(f.message, 60_000),
    };
  });
}

/** The `check --json` document (DESIGN.md §4): stable keys, findings most severe first. */
export function toJson(result: ReviewResult): string {
  const doc = {
    verdict: result.verdict,
    components: result.components.map((c) => ({ name: c.name, status: c.status, ...(c.method ? { method: c.method } : {}), ...(c.reason ? { reason: c.reason } : {}) })),
    findings: sorted(result.findings).map((f) => ({
      rule: f.rule,
      level: f.level,
      path: f.path,
      ...(f.line !== undefined ? { line: f.line } : {}),
      ...(f.endLine !== undefined ? { endLine: f.endLine } : {}),
      ...(f.component ? { component: f.component } : {}),
      message: f.message,
      ...(f.suggestion ? { suggestion: f.suggestion } : {}),
      ...(f.fix ? { fix: f.fix } : {}),
    })),
    ...(result.fix ? { fix: result.fix } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
