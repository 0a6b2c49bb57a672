/**
 * The repository's policy over findings: rule levels (including "off"), waivers with reasons, the
 * order findings are shown in, and the conclusion they lead to. Pure; the engine, the report and
 * the app all decide with these, so the CLI and the check run can never disagree.
 */
import type { RuleSetting, Waiver } from "./input.js";
import type { Finding, Level, ReviewResult, RuleId } from "./types.js";

export type Conclusion = "success" | "failure" | "neutral";

export interface Policy {
  ruleLevels?: Partial<Record<RuleId, RuleSetting>>;
  waivers?: readonly Waiver[];
}

export interface PolicyOutcome {
  conclusion: Conclusion;
  /** findings that remain after levels and waivers, most severe first */
  findings: Finding[];
  waived: { finding: Finding; waiver: Waiver }[];
}

const SEVERITY: Record<Level, number> = { failure: 0, warning: 1, notice: 2 };

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Most severe first, then by path, line and rule (code-point order: the same on every machine). */
export function compareFindings(a: Finding, b: Finding): number {
  return SEVERITY[a.level] - SEVERITY[b.level] || compareText(a.path, b.path) || (a.line ?? 0) - (b.line ?? 0) || compareText(a.rule, b.rule);
}

/** Findings at their configured levels; rules set to "off" are dropped. */
export function applyRuleLevels(findings: readonly Finding[], levels: Policy["ruleLevels"]): Finding[] {
  if (!levels) return [...findings];
  const out: Finding[] = [];
  for (const finding of findings) {
    const setting = levels[finding.rule];
    if (setting === "off") continue;
    out.push(setting ? { ...finding, level: setting } : finding);
  }
  return out;
}

export function waiverFor(finding: Finding, waivers: Policy["waivers"]): Waiver | undefined {
  return (waivers ?? []).find((w) => w.rule === finding.rule && w.component === finding.component);
}

/** Applies levels and waivers and decides the conclusion. Idempotent. */
export function applyPolicy(result: ReviewResult, policy: Policy): PolicyOutcome {
  const findings: Finding[] = [];
  const waived: PolicyOutcome["waived"] = [];
  for (const finding of applyRuleLevels(result.findings, policy.ruleLevels)) {
    const waiver = waiverFor(finding, policy.waivers);
    if (waiver) waived.push({ finding, waiver });
    else findings.push(finding);
  }
  findings.sort(compareFindings);
  const conclusion: Conclusion = findings.some((f) => f.level === "failure") ? "failure" : result.verdict === "neutral" ? "neutral" : "success";
  return { conclusion, findings, waived };
}
