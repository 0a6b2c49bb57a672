/**
 * The load-time check applied to every overlay from a component table or an overlay file.
 */
import { checkOverlayRules } from "./overlay-rules.js";
import type { Overlay } from "./types.js";

/** A reason string when the overlay is invalid, else undefined. */
export function checkOverlay(overlay: Overlay): string | undefined {
  return checkOverlayRules(overlay);
}
