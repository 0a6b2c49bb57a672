/**
 * Review results as people and machines read them: the markdown report (the one body the app posts
 * and `specwarden check` prints: verdict, components, findings, the fix), check-run annotations,
 * and the JSON of `specwarden check --json` (DESIGN.md §4).
 */
import { applyPolicy, compareFindings, type Policy } from "../review/policy.js";
import type { Finding, Level, ReviewResult } from "../review/types.js";
import { findingLocation, truncateBytes } from "./markdown-text.js";
import { renderReport, type ReportOptions, type ReviewReport } from "./review-report.js";

export * from "./markdown-text.js";
export * from "./review-report.js";

/** The repository's policy as the report applies it (`.github/specwarden.yml`). */
export type ReportPolicy = Policy;

/** What the report shows of a review under the repository's policy: the same the app applies. */
export function reportOf(result: ReviewResult, policy: ReportPolicy = {}): ReviewReport {
  const outcome = applyPolicy(result, policy);
  return {
    verdict: outcome.conclusion,
    components: result.components,
    findings: outcome.findings,
    ...(outcome.waived.length ? { waived: outcome.waived } : {}),
    ...(result.fix && outcome.findings.length > 0 ? { fix: result.fix } : {}),
    ...(result.kind ? { kind: result.kind } : {}),
  };
}

export type MarkdownOptions = ReportOptions & { policy?: ReportPolicy };

/** The markdown report of a review, within `maxBytes` (GitHub's check-run limit by default). */
export function renderMarkdown(result: ReviewResult, options: MarkdownOptions = {}): string {
  const { policy, ...rest } = options;
  return renderReport(reportOf(result, policy), rest);
}

function sorted(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
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
    ...(result.deferred ? { deferred: result.deferred } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
