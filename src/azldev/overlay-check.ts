/**
 * The load-time check applied to every overlay from a component table or an overlay file:
 * the overlay engine's own validation (azldev's per-type rules and messages), plus the one rule
 * azldev applies at load time that concerns configuration only.
 */
import { posix } from "node:path";
import { validateOverlay } from "../overlays/index.js";
import { OVERLAY_TYPES, type Overlay, type OverlayType } from "./types.js";

/** A reason string when the overlay is invalid, else undefined. Always one line. */
export function checkOverlay(overlay: Overlay): string | undefined {
  const problem = validateOverlay(overlay);
  if (problem) {
    const oneLine = problem.replace(/:?\s*\n\s*/g, ": ");
    return OVERLAY_TYPES.includes(overlay.type as OverlayType) ? oneLine : `${oneLine} (known types: ${OVERLAY_TYPES.join(", ")})`;
  }
  if (overlay.archive && !overlay.file) {
    return `overlay type \`${overlay.type}\` with \`archive\` requires \`file\` field: ${overlay.description || "(no description)"}`;
  }
  return undefined;
}

/** Does a relative path climb out of the directory it is relative to? */
export function escapesDirectory(path: string): boolean {
  const normalized = posix.normalize(path);
  return normalized === ".." || normalized.startsWith("../");
}
