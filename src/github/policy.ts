/**
 * Applies the repository's policy (rule levels, waivers) to a review result and decides the check
 * conclusion. Idempotent, so it is safe whether or not the review engine already applied it.
 */
import type { Finding, Level, ReviewResult } from "../review/types.js";
import type { RepoConfig, Waiver } from "./config.js";

export type Conclusion = "success" | "failure" | "neutral";

export interface PolicyOutcome {
  conclusion: Conclusion;
  /** findings that remain after levels and waivers, most severe first */
  findings: Finding[];
  waived: { finding: Finding; waiver: Waiver }[];
}

const SEVERITY: Record<Level, number> = { failure: 0, warning: 1, notice: 2 };

export function applyPolicy(result: ReviewResult, config: RepoConfig): PolicyOutcome {
  const findings: Finding[] = [];
  const waived: PolicyOutcome["waived"] = [];
  for (const finding of result.findings) {
    const setting = config.ruleLevels[finding.rule];
    if (setting === "off") continue;
    const waiver = config.waivers.find((w) => w.rule === finding.rule && w.component === finding.component);
    if (waiver) {
      waived.push({ finding, waiver });
      continue;
    }
    findings.push(setting ? { ...finding, level: setting } : finding);
  }
  findings.sort(compareFindings);
  let conclusion: Conclusion;
  if (findings.some((f) => f.level === "failure")) conclusion = "failure";
  else if (result.verdict === "neutral") conclusion = "neutral";
  else conclusion = "success";
  return { conclusion, findings, waived };
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY[a.level] - SEVERITY[b.level] ||
    a.path.localeCompare(b.path) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    a.rule.localeCompare(b.rule)
  );
}
