import type { ComponentConfig, ConfiguredOverlay, Overlay } from "../azldev/types.js";
import { macrosFileName } from "./macros-file.js";

export const BANNER_LINES = [
  "# This spec file has been modified by azldev to include build configuration overlays.",
  "# Do not edit manually; changes may be overwritten.",
  "",
];

export const MACROS_LOAD_COMMENT =
  "# All Azure Linux specs with overlays include this macro file, irrespective of whether new macros have been added.";

/** Which part of the render produced an overlay of the final list. */
export type OverlayRole = "macros-load" | "macros-source" | "user" | "check-skip" | "banner";

export interface PlannedOverlay {
  overlay: Overlay | ConfiguredOverlay;
  role: OverlayRole;
}

/**
 * The component's final ordered overlay list (AZLDEV.md §3.1): macro loading, the user's overlays,
 * the check-skip block, and always the banner last (so that it ends up on top).
 */
export function planOverlays(config: ComponentConfig, hasMacrosFile: boolean): PlannedOverlay[] {
  const planned: PlannedOverlay[] = [];
  if (hasMacrosFile) {
    const file = macrosFileName(config.name);
    planned.push({
      role: "macros-load",
      overlay: { type: "spec-prepend-lines", lines: [MACROS_LOAD_COMMENT, `%{load:%{_sourcedir}/${file}}`, ""] },
    });
    planned.push({
      role: "macros-source",
      overlay: { type: "spec-insert-tag", tag: "Source9999", value: file },
    });
  }
  for (const overlay of config.overlays) planned.push({ role: "user", overlay });
  if (config.build.check.skip) {
    planned.push({
      role: "check-skip",
      overlay: {
        type: "spec-prepend-lines",
        section: "%check",
        lines: [`# Check section disabled: ${config.build.check.skipReason ?? ""}`, "exit 0", ""],
      },
    });
  }
  planned.push({ role: "banner", overlay: { type: "spec-prepend-lines", lines: [...BANNER_LINES] } });
  return planned;
}
