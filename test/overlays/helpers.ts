import type { Overlay } from "../../src/azldev/types.js";
import { OverlayError, applyOverlays, type ApplyOptions, type ApplyResult, type FileContent } from "../../src/overlays/index.js";

/** Lines as a spec text (each followed by "\n"). */
export function spec(...lines: string[]): string {
  return lines.map((l) => l + "\n").join("");
}

export function apply(text: string, overlays: Overlay | Overlay[], options?: ApplyOptions & { files?: Record<string, FileContent> }): ApplyResult {
  const { files, ...rest } = options ?? {};
  return applyOverlays({ spec: text, ...(files ? { files } : {}) }, Array.isArray(overlays) ? overlays : [overlays], rest);
}

/** The OverlayError an application throws (fails the test when none is thrown). */
export function failure(text: string, overlays: Overlay | Overlay[], options?: ApplyOptions & { files?: Record<string, FileContent> }): OverlayError {
  try {
    apply(text, overlays, options);
  } catch (error) {
    if (error instanceof OverlayError) return error;
    throw error;
  }
  throw new Error("expected the overlays to fail");
}
