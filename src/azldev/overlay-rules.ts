/**
 * Overlay metadata rules (category / upstream-status), with azldev's wording. Per-type overlay
 * rules, including the RE2 compile check, live with the overlay engine (validateOverlay).
 */
import type { OverlayMetadata } from "./types.js";

export const OVERLAY_CATEGORIES = [
  "upstream-backport",
  "azl-pruning",
  "azl-compatibility",
  "azl-temp-workaround",
  "azl-branding-policy",
  "azl-disable-flaky-tests",
  "azl-disable-unsupported-tests",
  "azl-security-compliance",
  "azl-release-management",
  "azl-platform-adaptation",
] as const;

export const OVERLAY_UPSTREAM_STATUSES = ["upstreamed", "upstreamable", "needs-upstream-hook", "inapplicable", "unknown"] as const;

/** A reason string when overlay metadata breaks azldev's rules, else undefined. */
export function checkOverlayMetadata(metadata: OverlayMetadata): string | undefined {
  const category = metadata.category;
  if (!category) return "'metadata' requires 'category'";
  if (!(OVERLAY_CATEGORIES as readonly string[]).includes(category)) {
    return `unknown overlay category \`${category}\` (known: ${OVERLAY_CATEGORIES.join(", ")})`;
  }
  if (category === "upstream-backport" && (metadata.commits ?? []).length === 0) {
    return "overlay category `upstream-backport` requires at least one entry in 'commits'";
  }
  const status = metadata["upstream-status"];
  if (!status) return "'metadata' requires 'upstream-status'";
  if (!(OVERLAY_UPSTREAM_STATUSES as readonly string[]).includes(status)) {
    return `unknown overlay upstream-status \`${status}\` (known: ${OVERLAY_UPSTREAM_STATUSES.join(", ")})`;
  }
  if (category === "upstream-backport" && status !== "upstreamed" && status !== "upstreamable") {
    return `overlay category \`upstream-backport\` implies the change is already upstream or upstreamable; 'upstream-status' value \`${status}\` is contradictory (allowed: \`upstreamed\` or \`upstreamable\`)`;
  }
  for (const field of ["commits", "bugs"] as const) {
    for (const url of metadata[field] ?? []) {
      if (!isHttpUrl(url)) return `'${field}' entry \`${url}\` must be an http(s) URL`;
    }
  }
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}
