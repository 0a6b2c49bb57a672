import type { RepoView } from "../repo/types.js";
import type { UpstreamSource } from "../upstream/types.js";
import type { Level, RuleId } from "./types.js";

/** A rule's configured level, or "off". */
export type RuleSetting = Level | "off";

export interface Waiver {
  component: string;
  rule: RuleId;
  reason: string;
}

/** One change to review: the two snapshots and, optionally, what changed and the repo's policy. */
export interface ReviewChangeInput {
  base: RepoView;
  head: RepoView;
  upstream?: UpstreamSource;
  /** why there is no `upstream` (e.g. the user asked for nothing to be fetched), said to components that need one */
  noUpstreamReason?: string;
  /** paths that differ between base and head; computed from the trees when absent */
  changedPaths?: string[];
  config?: {
    ruleLevels?: Partial<Record<RuleId, RuleSetting>>;
    waivers?: Waiver[];
    renderedSpecsDir?: string;
    /** from how many components reached only through a shared default the check defers them (default 200) */
    deferAbove?: number;
    /** who verifies deferred components: the user with `render --check` (default), or the app's fan-out jobs after the report */
    deferredVerification?: "render-check" | "fan-out";
  };
}
