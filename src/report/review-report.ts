/**
 * The review report in Markdown: the one body the app posts (sticky comment, check-run summary) and
 * `specwarden check` prints. Verdict, counts, the per-component table, findings most severe first
 * (with their suggested replacements), the fix as one `git apply`-able patch with its notes (the
 * metadata to fill in), or, without a fix for the whole change, why not and each component's own
 * fix; then waivers. Text from the repository is escaped, the engine's code spans kept. Within the
 * byte budget the verdict and the fix (or where to get it) are kept whole, findings cut from the
 * least severe, and a code fence is never cut.
 */
import type { ComponentVerdict, Finding, FixProposal, Level, ReviewResult } from "../review/types.js";
import {
  byteLength,
  CHECK_TEXT_MAX_BYTES,
  fenced,
  findingLocation,
  inlineMarkdown,
  joinWithinBudget,
  markdownSeparator,
  packWithinBudget,
} from "./markdown-text.js";

export type Verdict = ReviewResult["verdict"];

/** What the report shows: a review result after the repository's policy (levels, waivers). */
export interface ReviewReport {
  verdict: Verdict;
  components: readonly ComponentVerdict[];
  /** in the order shown, most severe first */
  findings: readonly Finding[];
  waived?: readonly { finding: Finding; waiver: { component: string; reason: string } }[];
  fix?: ReviewResult["fix"];
  /** a one-line reason when the review could not finish or verify */
  reason?: string;
  kind?: ReviewResult["kind"];
}

export interface ReportOptions {
  /** byte budget of the whole report (GitHub's check-run summary limit by default) */
  maxBytes?: number;
  /** a line saying what was compared (e.g. revisions), untrusted: shown escaped as the last line */
  context?: string;
  /** trusted Markdown paragraphs under the verdict (e.g. what the app posted elsewhere) */
  notes?: readonly string[];
  /** trusted Markdown closing the report (e.g. the app's footer) */
  footer?: string;
  /** the whole fix is shown elsewhere: leave its section out */
  omitFix?: boolean;
  /** trusted Markdown said instead of the whole fix's patch when it does not fit the budget */
  fixPointer?: string;
}

const LEVEL_ICON: Record<Level, string> = { failure: "❌", warning: "⚠️", notice: "ℹ️" };
export const VERDICT_HEADLINE: Record<Verdict, string> = {
  success: "✅ Rendered specs are consistent with their components",
  failure: "❌ This pull request edits generated output or leaves it stale",
  neutral: "⚪ specwarden could not verify this pull request",
};
/** Headlines of a Nix repository's review: patches and workarounds, not rendered specs. */
export const NIX_VERDICT_HEADLINE: Record<Verdict, string> = {
  success: "✅ No patch or workaround in this change is broken or obsolete",
  failure: "❌ This change breaks a Nix expression or adds a patch that cannot stay",
  neutral: "⚪ specwarden could not review this change",
};
export const APPLY_HINT = "Apply from the repository root with `git apply`.";
const DEFAULT_FIX_POINTER = "The patch is larger than the size limit here; run `specwarden check` locally to obtain it.";
const OMITTED = (n: number) => `_${n} more item(s) omitted to fit GitHub's size limit; run \`specwarden check\` locally for the full report._`;

export function countsLine(findings: readonly Finding[]): string {
  return (["failure", "warning", "notice"] as const)
    .map((l) => [l, findings.filter((f) => f.level === l).length] as const)
    .filter(([, n]) => n > 0)
    .map(([l, n]) => `${n} ${l}${n === 1 ? "" : "s"}`)
    .join(", ");
}

function componentTable(components: readonly ComponentVerdict[]): string {
  if (components.length === 0) return "";
  const rows = components.map(
    (c) => `| ${inlineMarkdown(c.name, { tableCell: true })} | ${c.status} | ${c.method ?? ""} | ${inlineMarkdown(c.reason ?? "", { tableCell: true })} |`,
  );
  return ["| component | status | render | note |", "|---|---|---|---|", ...rows].join("\n");
}

/** One finding as a list item. */
export function findingLine(f: Finding): string {
  return `- ${LEVEL_ICON[f.level]} \`${f.rule}\` **${inlineMarkdown(findingLocation(f))}** — ${inlineMarkdown(f.message)}`;
}

/** A finding with its suggested replacement of head lines, when it has one. */
function findingBlock(f: Finding): string {
  const line = findingLine(f);
  const s = f.suggestion;
  if (!s) return line;
  const range = s.startLine === s.endLine ? `line ${s.startLine}` : `lines ${s.startLine}–${s.endLine}`;
  if (s.replacement.length === 0) return `${line}\n  - suggestion: delete ${range}`;
  const block = fenced(s.replacement.map((l) => `${l}\n`).join(""), "spec")
    .split("\n")
    .map((l) => (l ? `    ${l}` : l))
    .join("\n");
  return `${line}\n  - suggestion: replace ${range} with:\n\n${block}`;
}

function status(fix: { verified: boolean }): string {
  return fix.verified ? "verified by re-rendering" : "not verified";
}

/** Heading, how to apply, notes (what to fill in, what the fix could not do). */
export function fixHead(fix: { verified: boolean; note?: string | undefined }, options: { title?: string; hint?: string } = {}): string[] {
  return [
    `### ${options.title ?? "Fix"} (${status(fix)})`,
    options.hint ?? APPLY_HINT,
    ...(fix.note ? [`**Notes:** ${inlineMarkdown(fix.note)}`] : []),
  ];
}

/** The fix with its patch, as one block of Markdown. */
export function fixDocument(fix: { patch: string; verified: boolean; note?: string | undefined }, options: { title?: string; hint?: string } = {}): string {
  return [...fixHead(fix, options), fenced(fix.patch, "diff")].join("\n\n");
}

interface FixPart {
  fix: { patch: string; verified: boolean; note?: string | undefined };
  title?: string;
  /** where the patch is when it does not fit */
  pointer?: string;
}

/** Without a fix for the whole change: why not, and each component's own fix. */
function partialFixes(findings: readonly Finding[]): { why: string[]; parts: FixPart[] } {
  const byComponent = new Map<string, FixProposal>();
  for (const f of findings) if (f.level === "failure" && f.fix && f.component && !byComponent.has(f.component)) byComponent.set(f.component, f.fix);
  const why: string[] = [];
  const parts: FixPart[] = [];
  for (const [component, fix] of byComponent) {
    if (fix.patch) parts.push({ fix: { patch: fix.patch, verified: fix.verified, note: fix.note }, title: `Fix for ${inlineMarkdown(component)}` });
    else if (fix.note) why.push(`- ${inlineMarkdown(component)}: ${inlineMarkdown(fix.note)}`);
  }
  return { why: why.length ? ["### No fix for the whole change", ...why] : [], parts };
}

/** The report, within `maxBytes` (the footer and context line included). */
export function renderReport(report: ReviewReport, options: ReportOptions = {}): string {
  const maxBytes = options.maxBytes ?? CHECK_TEXT_MAX_BYTES;
  const closing = [
    ...(options.context ? [`<sub>${inlineMarkdown(options.context)}</sub>`] : []),
    ...(options.footer ? [options.footer] : []),
  ].join("\n\n");
  const budget = maxBytes - (closing ? byteLength(closing) + 2 : 0);
  const close = (text: string) => (closing ? `${text}\n\n${closing}` : text);

  const head: string[] = [`## ${(report.kind === "nix" ? NIX_VERDICT_HEADLINE : VERDICT_HEADLINE)[report.verdict]}`];
  if (report.reason) head.push(`**Reason:** ${inlineMarkdown(report.reason)}`);
  head.push(...(options.notes ?? []));
  const counts = countsLine(report.findings);
  if (counts) head.push(counts);
  const table = componentTable(report.components);
  if (table) head.push(table);
  const findingBlocks = report.findings.map(findingBlock);
  const main = [...head, ...(findingBlocks.length ? ["### Findings", ...findingBlocks] : [])];
  const waived = (report.waived ?? []).map(
    (w) => `- waived \`${w.finding.rule}\` for ${inlineMarkdown(w.waiver.component)}: ${inlineMarkdown(w.waiver.reason)}`,
  );
  const partial = report.fix ? { why: [], parts: [] } : partialFixes(report.findings);
  const tail = [...partial.why, ...(waived.length ? ["### Waived", ...waived] : [])];
  const parts: FixPart[] =
    report.fix && !options.omitFix ? [{ fix: report.fix, ...(options.fixPointer ? { pointer: options.fixPointer } : {}) }] : partial.parts;
  if (parts.length === 0) return close(joinWithinBudget([...main, ...tail], budget, OMITTED, markdownSeparator));

  // Each fix is kept whole when it fits next to the verdict and the failures (up to half the
  // budget); otherwise the report says where to get it. Warnings, notices and waivers are cut first.
  const failures = report.findings.filter((f) => f.level === "failure").map(findingBlock);
  const failureBytes = Math.min(Math.floor(budget / 2), failures.length ? byteLength(["### Findings", ...failures].join("\n")) + 2 : 0);
  const reserve = byteLength(OMITTED(findingBlocks.length + tail.length)) + 8;
  let room = Math.max(0, budget - byteLength(head.join("\n\n")) - failureBytes - reserve);
  const fixBlocks: string[] = [];
  for (const part of parts) {
    const whole = fixDocument(part.fix, part.title ? { title: part.title } : {});
    const block =
      byteLength(whole) + 2 <= room
        ? whole
        : [...fixHead(part.fix, part.title ? { title: part.title } : {}), `_${part.pointer ?? DEFAULT_FIX_POINTER}_`].join("\n\n");
    fixBlocks.push(block);
    room = Math.max(0, room - byteLength(block) - 2);
  }
  const fix = fixBlocks.join("\n\n");
  const before = packWithinBudget(main, budget - byteLength(fix) - 2, (n) => OMITTED(n + tail.length), markdownSeparator);
  const withFix = `${before.text}\n\n${fix}`;
  if (tail.length === 0 || before.omitted > 0) return close(withFix);
  const rest = joinWithinBudget(tail, budget - byteLength(withFix) - 2, OMITTED, markdownSeparator);
  return close(rest && byteLength(`${withFix}\n\n${rest}`) <= budget ? `${withFix}\n\n${rest}` : withFix);
}
