/**
 * Markdown for the check run and the sticky comment, within GitHub's size limits. Everything taken
 * from the pull request is escaped; content is emitted most important first and cut by priority,
 * so the verdict and the fix instructions survive truncation.
 */
import type { ComponentVerdict, Finding } from "../review/types.js";
import type { Conclusion, PolicyOutcome } from "./policy.js";

/** check run summary/text: 65,535 bytes */
export const CHECK_TEXT_MAX_BYTES = 65_535;
/** issue comment body: 65,536 characters; we budget bytes, which is stricter */
export const COMMENT_MAX_BYTES = 65_536;
export const STICKY_MARKER = "<!-- specwarden:summary -->";

const utf8 = new TextEncoder();
export function byteLength(text: string): number {
  return utf8.encode(text).length;
}

/** Escape untrusted text for inline Markdown: no HTML, no mentions, no table breaks. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|")
    .replace(/([`*_[\]])/g, "\\$1")
    .replace(/@(?=\w)/g, "@\u200b")
    .replace(/\r?\n/g, " ");
}

/** A code fence longer than any backtick run inside `body`. */
export function fenced(body: string, info = ""): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  // An empty body stays empty: an empty ```suggestion block means "delete these lines".
  return `${fence}${info}\n${body === "" || body.endsWith("\n") ? body : `${body}\n`}${fence}`;
}

/** Joins blocks in order until the next one would exceed the budget; reports what was left out. */
export function joinWithinBudget(blocks: string[], maxBytes: number, omittedNote: (omitted: number) => string): string {
  let out = "";
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i] as string;
    const candidate = out ? `${out}\n${block}` : block;
    const note = omittedNote(blocks.length - i - 1);
    if (byteLength(candidate) + (i < blocks.length - 1 ? byteLength(note) + 2 : 0) <= maxBytes) {
      out = candidate;
      continue;
    }
    const cut = `${out}\n\n${omittedNote(blocks.length - i)}`;
    return byteLength(cut) <= maxBytes ? cut : truncateBytes(out, maxBytes);
  }
  return out;
}

export function truncateBytes(text: string, maxBytes: number): string {
  if (byteLength(text) <= maxBytes) return text;
  let end = Math.min(text.length, maxBytes);
  while (end > 0 && byteLength(text.slice(0, end)) > maxBytes - 3) end = Math.floor(end * 0.9);
  return `${text.slice(0, end)}…`;
}

export function findingLocation(f: Finding): string {
  if (f.line === undefined) return f.path;
  return f.endLine !== undefined && f.endLine !== f.line ? `${f.path}:${f.line}-${f.endLine}` : `${f.path}:${f.line}`;
}

const LEVEL_ICON: Record<Finding["level"], string> = { failure: "❌", warning: "⚠️", notice: "ℹ️" };
const CONCLUSION_HEADLINE: Record<Conclusion, string> = {
  success: "✅ Rendered specs are consistent with their components",
  failure: "❌ This pull request edits generated output or leaves it stale",
  neutral: "⚪ specwarden could not verify this pull request",
};

export function checkTitle(outcome: PolicyOutcome): string {
  const counts = countLevels(outcome.findings);
  if (outcome.findings.length === 0) return outcome.conclusion === "success" ? "No problems found" : "Not verified";
  const parts = (["failure", "warning", "notice"] as const)
    .filter((l) => counts[l] > 0)
    .map((l) => `${counts[l]} ${l}${counts[l] === 1 ? "" : "s"}`);
  return parts.join(", ");
}

function countLevels(findings: Finding[]): Record<Finding["level"], number> {
  const counts = { failure: 0, warning: 0, notice: 0 };
  for (const f of findings) counts[f.level]++;
  return counts;
}

function componentTable(components: ComponentVerdict[]): string {
  if (components.length === 0) return "";
  const rows = components.map(
    (c) => `| ${escapeMarkdown(c.name)} | ${c.status} | ${c.method ?? ""} | ${escapeMarkdown(c.reason ?? "")} |`,
  );
  return ["| component | status | render | note |", "|---|---|---|---|", ...rows].join("\n");
}

function findingLine(f: Finding): string {
  return `- ${LEVEL_ICON[f.level]} \`${f.rule}\` **${escapeMarkdown(findingLocation(f))}** — ${escapeMarkdown(f.message)}`;
}

export interface SummaryInput {
  outcome: PolicyOutcome;
  components: ComponentVerdict[];
  fix?: { patch: string; verified: boolean; note?: string } | undefined;
  headSha: string;
  /** a one-line reason when the check is neutral because something failed */
  reason?: string;
  /** findings whose suggestion was posted inline, so the summary can say so */
  suggestionsPosted?: number;
}

function fixBlocks(input: SummaryInput): string[] {
  if (!input.fix) return [];
  const status = input.fix.verified ? "verified by re-rendering" : `not verified${input.fix.note ? `: ${escapeMarkdown(input.fix.note)}` : ""}`;
  return [
    `### Fix (${status})`,
    "Apply from the repository root with `git apply`, or comment `/specwarden fix` to have it committed to this branch.",
    fenced(input.fix.patch, "diff"),
  ];
}

/** The fix as its own document (the check run's `text`), or "" when there is none. */
export function fixSection(input: SummaryInput): string {
  const blocks = fixBlocks(input);
  if (blocks.length === 0) return "";
  const text = blocks.join("\n\n");
  if (byteLength(text) <= CHECK_TEXT_MAX_BYTES) return text;
  return `${blocks.slice(0, 2).join("\n\n")}\n\n_The patch is larger than GitHub allows here; run \`specwarden check\` locally to obtain it._`;
}

/** The check run summary: verdict, components, findings by severity, then the fix. */
export function checkSummary(input: SummaryInput): string {
  const { outcome } = input;
  const head: string[] = [`## ${CONCLUSION_HEADLINE[outcome.conclusion]}`];
  if (input.reason) head.push(`**Reason:** ${escapeMarkdown(input.reason)}`);
  if (input.suggestionsPosted) head.push(`${input.suggestionsPosted} suggestion(s) were posted as a review on the changed lines.`);
  const table = componentTable(input.components);
  if (table) head.push(table);
  const findingBlocks = outcome.findings.map(findingLine);
  const waived = outcome.waived.map(
    (w) => `- waived \`${w.finding.rule}\` for ${escapeMarkdown(w.waiver.component)}: ${escapeMarkdown(w.waiver.reason)}`,
  );
  const fix = fixBlocks(input);
  const blocks = [...head, ...(findingBlocks.length ? ["### Findings", ...findingBlocks] : []), ...(fix.length ? [fix.join("\n\n")] : []), ...(waived.length ? ["### Waived", ...waived] : [])];
  return joinWithinBudget(blocks, CHECK_TEXT_MAX_BYTES, (n) => `_${n} more item(s) omitted to fit GitHub's size limit; run \`specwarden check\` locally for the full report._`);
}

/** The sticky comment: same content, prefixed by the hidden marker. */
export function stickyBody(input: SummaryInput): string {
  const summary = checkSummary(input);
  const footer = `\n\n<sub>specwarden · head ${input.headSha.slice(0, 7)} · comment \`/specwarden recheck\` to run again</sub>`;
  return `${STICKY_MARKER}\n${truncateBytes(summary, COMMENT_MAX_BYTES - byteLength(STICKY_MARKER) - byteLength(footer) - 2)}${footer}`;
}

/** The sticky comment once the pull request is clean: edited in place, never re-posted. */
export function resolvedStickyBody(headSha: string): string {
  return `${STICKY_MARKER}\n## ✅ Resolved\n\nEvery specwarden finding on this pull request is fixed as of ${headSha.slice(0, 7)}.`;
}

export function isResolvedBody(body: string): boolean {
  return body.includes("## ✅ Resolved");
}
