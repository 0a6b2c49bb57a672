/** Native re-render, byte-compatible with `azldev component render`, and comparison with a committed tree. */
import { applyOverlays } from "../overlays/index.js";
import { renderWithEngine, type RenderComponentInput, type RenderEngine } from "./render-component.js";
import { renderComponentsWith, type RenderComponentsInput } from "./render-components.js";
import type { ComponentRender } from "./types.js";

export * from "./types.js";
export { compareRender, summarizeComparison, compareFile, classifyHunks, rpmautospecLines } from "./compare.js";
export {
  RENDER_FAILED_FILE,
  RENDER_FAILED_TEXT,
  failedRender,
  resolveComponentName,
  unsafeComponentName,
  type RenderComponentInput,
  type RenderEngine,
} from "./render-component.js";
export type { RenderComponentsInput } from "./render-components.js";
export { GitProjectHistory, memoryProjectHistory, fingerprintChanges, type ProjectHistory, type LockRevision, type FingerprintChange } from "./project-history.js";
export { parseLockFile, lockFilePath, type ComponentLock } from "./lock-file.js";
export { buildMacroSet, renderMacrosFile, macrosFileName, MACROS_FILE_HEADER } from "./macros-file.js";
export { planOverlays, BANNER_LINES, type PlannedOverlay } from "./overlay-list.js";
export { decideRelease, bumpStaticRelease, releaseUsesAutorelease, ReleaseError, type ReleaseDecision } from "./release.js";
export { rewriteSourcesFile, SourcesFileError } from "./sources-file.js";
export { processDistgit, specFeatures, commitLogToItems, changelogDate, DEFAULT_RPMAUTOSPEC_VERSION, type AutospecCommit } from "./rpmautospec.js";
export { decideFilter, applyFilter, localNameOf } from "./file-filter.js";
export { writeRenders, renderChanged, type WriteOptions, type WriteResult } from "./output.js";
export { queryEscape } from "./go-format.js";

const defaultEngine: RenderEngine = { applyOverlays };

/** Renders one component in memory. Never throws: failures come back as status "error" with RENDER_FAILED. */
export function renderComponent(input: RenderComponentInput): Promise<ComponentRender> {
  return renderWithEngine({ ...input, engine: input.engine ?? defaultEngine });
}

/** Renders a set of components with bounded concurrency, sorted by name. */
export function renderComponents(input: RenderComponentsInput & { engine?: RenderEngine }): Promise<ComponentRender[]> {
  return renderComponentsWith(input, input.engine ?? defaultEngine);
}
