export * from "./types.js";
export { loadProject, parseConfigText, type LoadProjectOptions } from "./loader.js";
export { formatError, formatLocation } from "./diagnostics.js";
export { canonicalJson, resolveDistroVersion } from "./fingerprint.js";
export { checkOverlay } from "./overlay-check.js";
export { checkOverlayMetadata, OVERLAY_CATEGORIES, OVERLAY_UPSTREAM_STATUSES } from "./overlay-rules.js";
export { indexTomlPositions, TomlPositions, type TomlPosition } from "./toml-positions.js";
