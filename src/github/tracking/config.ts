/**
 * The `tracking` section of `.github/specwarden.yml`. Tracking writes issues, so it is opt-in: it runs
 * only when the section exists (and `enabled` is not false). Drop pull requests need their own opt-in.
 *
 * ```yaml
 * tracking:
 *   per-patch-issues: actionable   # actionable | all | none
 *   drop-pull-requests: false
 *   labels: { dashboard: "specwarden:patch-dashboard", patch: "specwarden:upstream-tracking" }
 *   dashboard-title: "Downstream patch dashboard"
 *   macros: { fedora: "43" }        # override the distro macros conditionals are evaluated with
 *   arches: [x86_64, aarch64]
 * ```
 */

export type PerPatchIssues = "actionable" | "all" | "none";

export interface TrackingConfig {
  enabled: boolean;
  perPatchIssues: PerPatchIssues;
  dropPullRequests: boolean;
  labels: { dashboard: string; patch: string };
  dashboardTitle: string;
  macros?: Record<string, string>;
  arches?: string[];
}

export const DEFAULT_TRACKING: TrackingConfig = {
  enabled: false,
  perPatchIssues: "actionable",
  dropPullRequests: false,
  labels: { dashboard: "specwarden:patch-dashboard", patch: "specwarden:upstream-tracking" },
  dashboardTitle: "Downstream patch dashboard",
};

export class TrackingConfigError extends Error {
  constructor(message: string) {
    super(`.github/specwarden.yml: tracking: ${message}`);
    this.name = "TrackingConfigError";
  }
}

const KEYS = ["enabled", "per-patch-issues", "drop-pull-requests", "labels", "dashboard-title", "macros", "arches"];

/** Validates the raw `tracking` value (as the repo config parser passes it through). */
export function parseTrackingConfig(raw: unknown): TrackingConfig {
  const config: TrackingConfig = structuredClone(DEFAULT_TRACKING);
  if (raw === undefined) return config;
  if (raw === null || raw === true) return { ...config, enabled: true };
  if (raw === false) return config;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new TrackingConfigError("must be a mapping (or true/false)");
  const value = raw as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (!KEYS.includes(key)) throw new TrackingConfigError(`unknown key ${JSON.stringify(key)} (expected one of: ${KEYS.join(", ")})`);
  }
  config.enabled = value.enabled === undefined ? true : bool(value.enabled, "enabled");
  if (value["per-patch-issues"] !== undefined) {
    const v = value["per-patch-issues"];
    if (v !== "actionable" && v !== "all" && v !== "none") throw new TrackingConfigError(`per-patch-issues must be actionable, all or none, got ${JSON.stringify(v)}`);
    config.perPatchIssues = v;
  }
  if (value["drop-pull-requests"] !== undefined) config.dropPullRequests = bool(value["drop-pull-requests"], "drop-pull-requests");
  if (value.labels !== undefined) {
    const labels = value.labels as Record<string, unknown>;
    if (typeof labels !== "object" || labels === null) throw new TrackingConfigError("labels must be a mapping with dashboard and patch");
    for (const [k, v] of Object.entries(labels)) {
      if (k !== "dashboard" && k !== "patch") throw new TrackingConfigError(`unknown label key ${JSON.stringify(k)} (expected dashboard, patch)`);
      if (typeof v !== "string" || !v.trim() || v.length > 50 || v.includes(",")) throw new TrackingConfigError(`labels.${k} must be a label name (1–50 characters, no comma)`);
      config.labels[k] = v.trim();
    }
  }
  if (value["dashboard-title"] !== undefined) {
    const t = value["dashboard-title"];
    if (typeof t !== "string" || !t.trim() || t.length > 200) throw new TrackingConfigError("dashboard-title must be a non-empty string of at most 200 characters");
    config.dashboardTitle = t.trim();
  }
  if (value.macros !== undefined) {
    const m = value.macros;
    if (typeof m !== "object" || m === null || Array.isArray(m)) throw new TrackingConfigError("macros must map macro names to values");
    config.macros = {};
    for (const [k, v] of Object.entries(m)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new TrackingConfigError(`macro name ${JSON.stringify(k)} is not a valid rpm macro name`);
      if (typeof v !== "string" && typeof v !== "number") throw new TrackingConfigError(`macro ${k} must be a string or a number`);
      config.macros[k] = String(v);
    }
  }
  if (value.arches !== undefined) {
    if (!Array.isArray(value.arches) || value.arches.some((a) => typeof a !== "string" || !/^[a-z0-9_]+$/.test(a))) throw new TrackingConfigError("arches must be a list of architecture names");
    config.arches = value.arches as string[];
  }
  return config;
}

function bool(v: unknown, key: string): boolean {
  if (typeof v !== "boolean") throw new TrackingConfigError(`${key} must be true or false`);
  return v;
}
