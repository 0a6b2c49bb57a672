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

/**
 * Untrusted text as inline Markdown that keeps its code spans: a backtick-delimited span is literal
 * to GitHub (no HTML, links or mentions inside), so it is kept as is; everything else goes through
 * `escapeMarkdown`, and a backtick run that closes nothing is escaped. Escaping the inside of a code
 * span would show the backslashes, and escaping its backticks would lose the span. In a table cell
 * `|` must be escaped even inside a span, as GitHub splits cells before it reads spans.
 */
export function inlineMarkdown(text: string, options: { tableCell?: boolean } = {}): string {
  const plain = (t: string) => escapeMarkdown(t).replace(/~/g, "\\~");
  let out = "";
  let at = 0;
  const runs = /`+/g;
  for (let match = runs.exec(text); match; match = runs.exec(text)) {
    const open = match[0];
    const start = match.index;
    // the span closes at the next run of exactly the same length (CommonMark)
    const closer = new RegExp(`(?<!\`)${open}(?!\`)`, "g");
    closer.lastIndex = start + open.length;
    const close = closer.exec(text);
    if (!close) {
      out += plain(text.slice(at, start)) + "\\`".repeat(open.length);
      at = start + open.length;
      continue;
    }
    let span = text.slice(start, close.index + open.length).replace(/\r?\n/g, " ");
    if (options.tableCell) span = span.replace(/\|/g, "\\|");
    out += plain(text.slice(at, start)) + span;
    at = close.index + open.length;
    runs.lastIndex = at;
  }
  return out + plain(text.slice(at));
}

/** Any text as one code span, whatever backticks it holds (a longer fence, padded when needed). */
export function codeSpan(text: string, options: { tableCell?: boolean } = {}): string {
  const flat = text.replace(/\r?\n/g, " ");
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") || flat === "" ? " " : "";
  const body = options.tableCell ? flat.replace(/\|/g, "\\|") : flat;
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A code fence longer than any backtick run inside `body`. */
export function fenced(body: string, info = ""): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  // An empty body stays empty: an empty ```suggestion block means "delete these lines".
  return `${fence}${info}\n${body === "" || body.endsWith("\n") ? body : `${body}\n`}${fence}`;
}

/**
 * Blocks of a GitHub Markdown document are separated by a blank line: GitHub does not start a table,
 * and may not start a heading or a fence, right under a line of text. Consecutive list items stay on
 * adjacent lines so they form one tight list.
 */
export function markdownSeparator(previous: string, next: string): string {
  const item = /^(?:[-*+]|\d+[.)]) /;
  return item.test(previous) && item.test(next) && !previous.includes("\n\n") ? "\n" : "\n\n";
}

/** Joins blocks in order until the next one would exceed the budget; reports what was left out. */
export function joinWithinBudget(
  blocks: string[],
  maxBytes: number,
  omittedNote: (omitted: number) => string,
  separator: (previous: string, next: string) => string = () => "\n",
): string {
  return packWithinBudget(blocks, maxBytes, omittedNote, separator).text;
}

/** `joinWithinBudget`, also saying how many blocks were left out. Linear in the size of the blocks. */
export function packWithinBudget(
  blocks: string[],
  maxBytes: number,
  omittedNote: (omitted: number) => string,
  separator: (previous: string, next: string) => string = () => "\n",
): { text: string; omitted: number } {
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i] as string;
    const joint = parts.length ? separator(blocks[i - 1] as string, block) : "";
    const candidateBytes = bytes + byteLength(joint) + byteLength(block);
    const last = i === blocks.length - 1;
    if (candidateBytes + (last ? 0 : byteLength(omittedNote(blocks.length - i - 1)) + 2) <= maxBytes) {
      parts.push(joint, block);
      bytes = candidateBytes;
      continue;
    }
    const out = parts.join("");
    const cut = `${out}\n\n${omittedNote(blocks.length - i)}`;
    return { text: byteLength(cut) <= maxBytes ? cut : truncateBytes(out, maxBytes), omitted: blocks.length - i };
  }
  return { text: parts.join(""), omitted: 0 };
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
    (c) => `| ${inlineMarkdown(c.name, { tableCell: true })} | ${c.status} | ${c.method ?? ""} | ${inlineMarkdown(c.reason ?? "", { tableCell: true })} |`,
  );
  return ["| component | status | render | note |", "|---|---|---|---|", ...rows].join("\n");
}

export function findingLine(f: Finding): string {
  return `- ${LEVEL_ICON[f.level]} \`${f.rule}\` **${inlineMarkdown(findingLocation(f))}** — ${inlineMarkdown(f.message)}`;
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

const APPLY_HINT = "Apply from the repository root with `git apply`, or comment `/specwarden fix` to have it committed to this branch.";

/** Heading, how to apply, notes; the patch itself is added by the caller when it fits. */
function fixHead(fix: NonNullable<SummaryInput["fix"]>): string[] {
  return [
    `### Fix (${fix.verified ? "verified by re-rendering" : "not verified"})`,
    APPLY_HINT,
    ...(fix.note ? [`**Notes:** ${inlineMarkdown(fix.note)}`] : []),
  ];
}

function fixDocument(fix: NonNullable<SummaryInput["fix"]>): string {
  return [...fixHead(fix), fenced(fix.patch, "diff")].join("\n\n");
}

/** The fix as its own document (the check run's `text`), or "" when there is none. */
export function fixSection(input: SummaryInput): string {
  if (!input.fix) return "";
  const text = fixDocument(input.fix);
  if (byteLength(text) <= CHECK_TEXT_MAX_BYTES) return text;
  return truncateBytes(
    [...fixHead(input.fix), "_The patch is larger than GitHub allows here; run `specwarden check` locally to obtain it._"].join("\n\n"),
    CHECK_TEXT_MAX_BYTES,
  );
}

/** The fix block of the summary: the whole patch when it fits in `room`, else where to find it. */
function fixBlock(fix: NonNullable<SummaryInput["fix"]>, room: number): string {
  const full = fixDocument(fix);
  if (byteLength(full) <= room) return full;
  const where =
    byteLength(full) <= CHECK_TEXT_MAX_BYTES
      ? "The patch is too large for this summary; it is in the details of the `specwarden` check run."
      : "The patch is larger than GitHub allows here; run `specwarden check` locally to obtain it.";
  return [...fixHead(fix), `_${where}_`].join("\n\n");
}

const OMITTED = (n: number) => `_${n} more item(s) omitted to fit GitHub's size limit; run \`specwarden check\` locally for the full report._`;

/**
 * The summary: verdict, components, findings by severity, the fix, waivers. Within `maxBytes`, the
 * verdict and the fix (or where to get it) are kept whole; findings are cut from the least severe.
 */
export function checkSummary(input: SummaryInput, maxBytes = CHECK_TEXT_MAX_BYTES): string {
  const { outcome } = input;
  const head: string[] = [`## ${CONCLUSION_HEADLINE[outcome.conclusion]}`];
  if (input.reason) head.push(`**Reason:** ${inlineMarkdown(input.reason)}`);
  if (input.suggestionsPosted) head.push(`${input.suggestionsPosted} suggestion(s) were posted as a review on the changed lines.`);
  const table = componentTable(input.components);
  if (table) head.push(table);
  const findingBlocks = outcome.findings.map(findingLine);
  const waived = outcome.waived.map(
    (w) => `- waived \`${w.finding.rule}\` for ${inlineMarkdown(w.waiver.component)}: ${inlineMarkdown(w.waiver.reason)}`,
  );
  const tail = waived.length ? ["### Waived", ...waived] : [];
  const main = [...head, ...(findingBlocks.length ? ["### Findings", ...findingBlocks] : [])];
  if (!input.fix) return joinWithinBudget([...main, ...tail], maxBytes, OMITTED, markdownSeparator);
  // The fix is kept whole when it fits next to the verdict and the failures (up to half the budget);
  // otherwise the summary says where to get it. Warnings, notices and waivers are cut first.
  const failures = outcome.findings.filter((f) => f.level === "failure").map(findingLine);
  const failureBytes = Math.min(Math.floor(maxBytes / 2), failures.length ? byteLength(["### Findings", ...failures].join("\n")) + 2 : 0);
  const reserve = byteLength(OMITTED(findingBlocks.length + tail.length)) + 8;
  const fix = fixBlock(input.fix, Math.max(0, maxBytes - byteLength(head.join("\n\n")) - failureBytes - reserve));
  const before = packWithinBudget(main, maxBytes - byteLength(fix) - 2, (n) => OMITTED(n + tail.length), markdownSeparator);
  const withFix = `${before.text}\n\n${fix}`;
  if (tail.length === 0 || before.omitted > 0) return withFix;
  const rest = joinWithinBudget(tail, maxBytes - byteLength(withFix) - 2, OMITTED, markdownSeparator);
  return rest && byteLength(`${withFix}\n\n${rest}`) <= maxBytes ? `${withFix}\n\n${rest}` : withFix;
}

function footer(headSha: string): string {
  return `<sub>specwarden · head ${headSha.slice(0, 7)} · comment \`/specwarden recheck\` to run again</sub>`;
}

/** The sticky comment: the hidden marker, the same summary with the fix, a footer. */
export function stickyBody(input: SummaryInput): string {
  const end = footer(input.headSha);
  const budget = COMMENT_MAX_BYTES - byteLength(STICKY_MARKER) - byteLength(end) - 3;
  return `${STICKY_MARKER}\n${checkSummary(input, budget)}\n\n${end}`;
}

const RESOLVED_HEADING = "## ✅ Resolved";

/**
 * The sticky comment once nothing fails: edited in place, never re-posted. Findings that do not
 * fail the check (warnings, notices) are still listed.
 */
export function resolvedStickyBody(headSha: string, remaining: Finding[] = []): string {
  const head = `${STICKY_MARKER}\n${RESOLVED_HEADING}\n\nEvery specwarden failure on this pull request is fixed as of ${headSha.slice(0, 7)}.`;
  if (remaining.length === 0) return head;
  const intro = `${remaining.length} finding(s) remain that do not fail the check:`;
  const list = joinWithinBudget(remaining.map(findingLine), COMMENT_MAX_BYTES - byteLength(head) - byteLength(intro) - 4, OMITTED, markdownSeparator);
  return `${head}\n\n${intro}\n\n${list}`;
}

/** Two resolved bodies say the same when they differ only in the head they name. */
export function sameResolvedBody(a: string, b: string): boolean {
  const strip = (body: string) => body.replace(/fixed as of [0-9a-f]{7}\./, "fixed as of …");
  return strip(a) === strip(b);
}

export function isResolvedBody(body: string): boolean {
  return body.startsWith(`${STICKY_MARKER}\n${RESOLVED_HEADING}\n`);
}

/** A summary of a passing check (only warnings or notices): nothing in it was ever "resolved". */
export function isPassingReportBody(body: string): boolean {
  return body.startsWith(`${STICKY_MARKER}\n## ${CONCLUSION_HEADLINE.success}`);
}
