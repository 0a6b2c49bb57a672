/**
 * The app's Markdown: the hidden marker of the sticky comment, its footer, the check run's title
 * and text, the "resolved" note. The report itself is the review report of `src/report/`, the same
 * body `specwarden check` prints.
 */
import {
  byteLength,
  CHECK_TEXT_MAX_BYTES,
  COMMENT_MAX_BYTES,
  findingLine,
  fixDocument,
  fixHead,
  joinWithinBudget,
  markdownSeparator,
  renderReport,
  truncateBytes,
  VERDICT_HEADLINE,
} from "../report/index.js";
import type { ComponentVerdict, Finding } from "../review/types.js";
import type { PolicyOutcome } from "../review/policy.js";

export {
  byteLength,
  CHECK_TEXT_MAX_BYTES,
  codeSpan,
  COMMENT_MAX_BYTES,
  escapeMarkdown,
  fenced,
  findingLine,
  findingLocation,
  inlineMarkdown,
  joinWithinBudget,
  markdownSeparator,
  packWithinBudget,
  truncateBytes,
} from "../report/index.js";

export const STICKY_MARKER = "<!-- specwarden:summary -->";

export function checkTitle(outcome: PolicyOutcome): string {
  if (outcome.findings.length === 0) return outcome.conclusion === "success" ? "No problems found" : "Not verified";
  const counts = { failure: 0, warning: 0, notice: 0 };
  for (const f of outcome.findings) counts[f.level]++;
  return (["failure", "warning", "notice"] as const)
    .filter((l) => counts[l] > 0)
    .map((l) => `${counts[l]} ${l}${counts[l] === 1 ? "" : "s"}`)
    .join(", ");
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
  /** the whole fix is in the check run's text: the summary leaves it out */
  fixInText?: boolean;
  /** the repository's kind when it is not azldev: the headline speaks of patches, not rendered specs */
  kind?: "azldev" | "nix";
}

const FIX_COMMAND_HINT = "Apply from the repository root with `git apply`, or comment `/specwarden fix` to have it committed to this branch.";
const TOO_LARGE = "The patch is larger than GitHub allows here; run `specwarden check` locally to obtain it.";

/** The fix as its own document (the check run's `text`), or "" when there is none. */
export function fixSection(input: SummaryInput): string {
  if (!input.fix) return "";
  const text = fixDocument(input.fix, { hint: FIX_COMMAND_HINT });
  if (byteLength(text) <= CHECK_TEXT_MAX_BYTES) return text;
  return truncateBytes([...fixHead(input.fix, { hint: FIX_COMMAND_HINT }), `_${TOO_LARGE}_`].join("\n\n"), CHECK_TEXT_MAX_BYTES);
}

function suggestionsNote(n: number | undefined): string[] {
  return n ? [`${n} suggestion(s) were posted as a review on the changed lines.`] : [];
}

/** Where the fix is when it does not fit the report. */
function fixPointer(fix: NonNullable<SummaryInput["fix"]>): string {
  return byteLength(fixDocument(fix, { hint: FIX_COMMAND_HINT })) <= CHECK_TEXT_MAX_BYTES
    ? "The patch is too large for this summary; it is in the details of the `specwarden` check run."
    : TOO_LARGE;
}

function reportInput(input: SummaryInput) {
  return {
    verdict: input.outcome.conclusion,
    components: input.components,
    findings: input.outcome.findings,
    waived: input.outcome.waived,
    ...(input.fix ? { fix: input.fix } : {}),
    ...(input.reason ? { reason: input.reason } : {}),
    ...(input.kind ? { kind: input.kind } : {}),
  };
}

/**
 * The check run's summary: the review report (the fix left out when it is in the check run's
 * text), and how many suggestions were posted inline.
 */
export function checkSummary(input: SummaryInput, maxBytes = CHECK_TEXT_MAX_BYTES): string {
  return renderReport(reportInput(input), {
    maxBytes,
    notes: suggestionsNote(input.suggestionsPosted),
    ...(input.fixInText ? { omitFix: true } : {}),
    ...(input.fix ? { fixPointer: fixPointer(input.fix) } : {}),
  });
}

/** The app-only closing line of the sticky comment: the head, what was posted inline, the commands. */
export function stickyFooter(input: Pick<SummaryInput, "headSha" | "fix" | "suggestionsPosted">): string {
  const parts = [
    `specwarden · head ${input.headSha.slice(0, 7)}`,
    ...(input.suggestionsPosted ? [`${input.suggestionsPosted} suggestion(s) posted as a review on the changed lines`] : []),
    ...(input.fix ? ["comment `/specwarden fix` to have the fix committed to this branch"] : []),
    "comment `/specwarden recheck` to run again",
  ];
  return `<sub>${parts.join(" · ")}</sub>`;
}

/**
 * The sticky comment: the hidden marker, the review report with the fix (exactly what
 * `specwarden check` prints for the change), the app's footer.
 */
export function stickyBody(input: SummaryInput): string {
  const budget = COMMENT_MAX_BYTES - byteLength(STICKY_MARKER) - 1;
  const report = renderReport(reportInput(input), {
    maxBytes: budget,
    footer: stickyFooter(input),
    ...(input.fix ? { fixPointer: fixPointer(input.fix) } : {}),
  });
  return `${STICKY_MARKER}\n${report}`;
}

const OMITTED = (n: number) => `_${n} more item(s) omitted to fit GitHub's size limit; run \`specwarden check\` locally for the full report._`;

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
  return body.startsWith(`${STICKY_MARKER}\n## ${VERDICT_HEADLINE.success}`);
}
