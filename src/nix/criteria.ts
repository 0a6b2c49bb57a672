/**
 * Removal criteria in Nix comments: the tracker's phrase parser, plus the wording nixpkgs uses for
 * flags and options rather than patches ("can be turned off on systemd 258", "can be disabled with
 * 3.0") and "part of the next release after V" (any version above V).
 */
import { findRemovalCriteria, type RemovalCondition, type RemovalCriterion } from "../tracking/removal-criteria.js";
import { extractUrls } from "../tracking/urls.js";

const SWITCH_OFF = /\b(?:can|could|should|may)\s+be\s+(?:turned\s+off|disabled|dropped|removed|deleted|reverted|switched\s+off)\s+(?:on|with|in|from|at|after|for|once\s+we\s+have)\s+(?:([A-Za-z][\w+-]*)\s+)?v?(\d[\w.]*\d|\d)/i;
const UPSTREAMED_IN = /\b(?:upstreamed|merged|included|fixed|landed)\s+(?:upstream\s+)?(?:as\s+part\s+of|in|for)\s+(?:([A-Za-z][\w+-]*)\s+)?v?(\d[\w.]*\d|\d)/i;
const NEXT_AFTER = /\b(?:part\s+of|in)\s+the\s+next\s+release\s+after\s+v?(\d[\w.]*\d|\d)/i;

export function nixRemovalCriteria(text: string, options: { component: string; file: string; line: number }): RemovalCriterion[] {
  const found = findRemovalCriteria(text, options);
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const location = `${options.file}:${options.line + i}`;
    const conditions: RemovalCondition[] = [];
    const off = SWITCH_OFF.exec(line) ?? UPSTREAMED_IN.exec(line);
    if (off) {
      const pkg = off[1]?.toLowerCase();
      const version = off[2] as string;
      if (!pkg || pkg === options.component.toLowerCase() || pkg === "version" || pkg === "release") conditions.push({ kind: "upstream-version", version });
      else conditions.push({ kind: "package-version", package: pkg, operator: ">=", version });
    }
    const next = NEXT_AFTER.exec(line);
    // "the next release after 0.13.5": anything newer than 0.13.5 carries it; `0.13.5.1` is the least such version
    if (next) conditions.push({ kind: "upstream-version", version: `${next[1]}.1` });
    if (conditions.length && !found.some((c) => c.text.includes(line.trim()) || line.includes(c.text))) found.push({ text: line.trim(), conditions, urls: extractUrls(line), location });
  });
  return found;
}
