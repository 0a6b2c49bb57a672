/**
 * The fan-out's section of the check run summary: progress while the components a distro-wide change
 * reaches are verified one by one, then their verdicts. It sits under a hidden marker at the end of
 * the report and is rewritten in place; the report above it is never cut (its fenced fix must stay
 * whole), so the section has its own byte budget, reserved when the report is rendered.
 */
import type { ComponentVerdict } from "../review/types.js";
import { byteLength, CHECK_TEXT_MAX_BYTES, codeSpan, inlineMarkdown, packWithinBudget } from "../report/markdown-text.js";

export const FAN_OUT_MARKER = "<!-- specwarden:fan-out -->";
/** Bytes of the summary kept for the section (the report is rendered within the rest). */
export const FAN_OUT_SECTION_MAX_BYTES = 12_000;
/** Components listed per group of the final section; the rest are counted. */
const LIST_MAX = 40;

const number = (n: number) => n.toLocaleString("en-US");

export function fanOutProgressSection(done: number, total: number): string {
  return `### Components the change reaches\n\n${number(Math.min(done, total))} / ${number(total)} components verified…`;
}

/** The summary with its fan-out section replaced (or added). */
export function withFanOutSection(summary: string, section: string): string {
  const at = summary.indexOf(FAN_OUT_MARKER);
  const report = (at >= 0 ? summary.slice(0, at) : summary).trimEnd();
  const budget = Math.min(FAN_OUT_SECTION_MAX_BYTES, CHECK_TEXT_MAX_BYTES - byteLength(report) - byteLength(FAN_OUT_MARKER) - 4);
  const body = byteLength(section) <= budget ? section : packWithinBudget(section.split("\n"), Math.max(0, budget), () => "- … (cut to fit)").text;
  return `${report}\n\n${FAN_OUT_MARKER}\n${body}`;
}

export function withFanOutProgress(summary: string, done: number, total: number): string {
  return withFanOutSection(summary, fanOutProgressSection(done, total));
}

export interface FanOutVerdicts {
  total: number;
  components: ComponentVerdict[];
}

/** Counts of the verdicts, and the ones that need attention by name (drift first, then unverified). */
export function fanOutResultSection({ total, components }: FanOutVerdicts): string {
  const clean = components.filter((c) => c.status === "clean").length;
  const drift = components.filter((c) => c.status === "drift" || c.status === "failed");
  const unverified = components.filter((c) => c.status === "unverified");
  const list = (items: ComponentVerdict[]) => [
    ...items.slice(0, LIST_MAX).map((c) => `- ${codeSpan(c.name)}${c.reason ? ` — ${inlineMarkdown(c.reason.length > 200 ? `${c.reason.slice(0, 200)}…` : c.reason)}` : ""}`),
    ...(items.length > LIST_MAX ? [`- … and ${number(items.length - LIST_MAX)} more`] : []),
  ];
  return [
    "### Components the change reaches",
    "",
    `${number(components.length)} / ${number(total)} components verified one by one: ${number(clean)} clean, ${number(drift.length)} not re-rendered, ${number(unverified.length)} unverified.`,
    ...(drift.length ? ["", "**Not what their comps produce after this change (re-render them):**", "", ...list(drift)] : []),
    ...(unverified.length ? ["", "**Not verified:**", "", ...list(unverified)] : []),
  ].join("\n");
}
