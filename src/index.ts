/**
 * The library entry (`import … from "specwarden"`): the stable surface other tools build on
 * (DESIGN.md §4). Change these only with a deprecation path.
 */
export type * from "./azldev/types.js";
export type * from "./repo/types.js";
export type * from "./overlays/types.js";
export type * from "./render/types.js";
export type * from "./review/types.js";
export type * from "./tracking/types.js";

export { RepoPathError, RepoEntryError, DEFAULT_MAX_FILE_BYTES } from "./repo/types.js";
export { openRepo, memoryRepo, type OpenRepoOptions } from "./repo/index.js";
export { loadProject, formatError, type LoadProjectOptions } from "./azldev/index.js";
export { renderedDirOf, OVERLAY_TYPES } from "./azldev/types.js";
export { parseSpec, Spec, expandMacros, listSourcesAndPatches } from "./spec/index.js";
export { applyOverlays, OverlayError, validateOverlay } from "./overlays/index.js";
export { renderComponent, renderComponents, compareRender } from "./render/index.js";
export { directoryUpstream, distGitUpstream, memoryUpstream } from "./upstream/index.js";
export { reviewChange, type ReviewChangeInput } from "./review/index.js";
export { RULE_IDS } from "./review/types.js";
export { rpmvercmp, compareEVR, parseEVR, tagToVersion } from "./version/index.js";
export {
  patchId,
  patchIds,
  inventory,
  trackPatches,
  githubForge,
  gitlabForge,
  localGitForge,
  combineForges,
  memoryForge,
  ForgeError,
  type UpstreamForge,
  type UpstreamProject,
  type ChangeState,
  type IssueState,
  type HttpForgeOptions,
  type PatchVerdict,
  type TrackOptions,
} from "./tracking/index.js";
export {
  nixInventory,
  detectNixKind,
  trackNix,
  reviewNixChange,
  parseNix,
  compareVersions as nixCompareVersions,
  versionOlder as nixVersionOlder,
  versionAtLeast as nixVersionAtLeast,
  type NixInventory,
  type NixPackage,
  type NixPatchEntry,
  type NixWorkaround,
  type NixTrackOptions,
  type NixReviewInput,
} from "./nix/index.js";
