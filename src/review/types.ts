/** Contract of `specwarden check --json` (DESIGN.md §4). Rule IDs are stable: add, never rename. */

export const RULE_IDS = [
  "rendered-file-edited",
  "vendored-patch-in-rendered-tree",
  "render-stale",
  "rendered-file-missing",
  "rendered-file-unexpected",
  "config-invalid",
  "overlay-failed",
  "overlay-lint",
  "patch-metadata-missing",
  "upstream-unavailable",
  "render-deferred",
  "nix-patch-droppable",
  "nix-guard-dead",
  "nix-guard-scale",
  "nix-patch-hygiene",
  "nix-parse-error",
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export type Level = "failure" | "warning" | "notice";

export interface FixProposal {
  summary: string;
  /** unified diff, `git apply`-able from the repo root */
  patch?: string;
  verified: boolean;
  /** why it is unverified, or what could not be synthesised */
  note?: string;
}

export interface Finding {
  rule: RuleId;
  level: Level;
  path: string;
  /** 1-based; absent for whole-file findings */
  line?: number;
  endLine?: number;
  component?: string;
  message: string;
  /** a replacement for [line, endLine] of `path` in the head (review suggestion), when one applies */
  suggestion?: { startLine: number; endLine: number; replacement: string[] };
  fix?: FixProposal;
}

export interface ComponentVerdict {
  name: string;
  status: "clean" | "drift" | "failed" | "unverified";
  /** "incremental" | "full" render, or why nothing was rendered */
  method?: "incremental" | "full" | "unchanged" | "none";
  reason?: string;
}

export interface ReviewResult {
  verdict: "success" | "failure" | "neutral";
  /** what was reviewed, when it is not an azldev repository ("nix"): the report's headline says so */
  kind?: "azldev" | "nix";
  components: ComponentVerdict[];
  findings: Finding[];
  fix?: { patch: string; verified: boolean; note?: string };
  /**
   * components the change reaches only through a shared default (a distro snapshot, a project or
   * group default) and that were too many to verify inline: they are listed for verification one by one outside the check
   */
  deferred?: string[];
}
