/**
 * What the review engine needs from the rest of specwarden, as one injectable record: config
 * loading, the overlay engine and the full renderer. Tests inject doubles to count or fail calls;
 * production uses the real modules.
 */
import { loadProject } from "../azldev/index.js";
import type { Overlay, Project } from "../azldev/types.js";
import { applyOverlays } from "../overlays/index.js";
import type { ApplyOptions, ApplyResult, FileContent } from "../overlays/types.js";
import type { ComponentRender } from "../render/types.js";
import type { RepoView } from "../repo/types.js";
import type { UpstreamSource } from "../upstream/types.js";
import { gitApplyCheck } from "./git-apply-check.js";
import type { FileEdit } from "./patch-text.js";

export interface ReviewDeps {
  loadProject(repo: RepoView): Promise<Project>;
  applyOverlays(input: { spec: string; files?: Record<string, FileContent> }, overlays: Overlay[], options?: ApplyOptions): ApplyResult;
  /** full native render of one component; absent when the renderer is not available */
  renderComponent?(input: { project: Project; repo: RepoView; name: string; upstream?: UpstreamSource }): Promise<ComponentRender>;
  /** undefined when the fix applies with `git apply` on `head` (else on the edits' pre-images), else why not; absent: not checked */
  checkPatch?(patch: string, edits: readonly FileEdit[], head?: RepoView): Promise<string | undefined>;
}

/** An overlay that failed, as the overlay engine reports it (OverlayError). */
export interface OverlayFailure {
  index: number;
  message: string;
}

export function overlayFailure(error: unknown): OverlayFailure | undefined {
  if (error && typeof error === "object" && "index" in error && typeof (error as { index: unknown }).index === "number") {
    return { index: (error as { index: number }).index, message: error instanceof Error ? error.message : String(error) };
  }
  return undefined;
}

/** The real modules; the renderer is loaded when a review first needs a full render (most never do). */
export async function defaultDeps(): Promise<ReviewDeps> {
  return {
    loadProject: (repo) => loadProject(repo),
    applyOverlays,
    renderComponent: async (input) => (await import("../render/index.js")).renderComponent(input),
    checkPatch: gitApplyCheck,
  };
}
