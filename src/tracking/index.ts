export { patchId, patchIds, type PatchIdEntry, type PatchIdOptions } from "./patch-id.js";
export { classifyUrl, canonicalUrl, extractUrls, isChangeReference, type UrlReference } from "./urls.js";
export { parsePatchFile, parsePatchMessages, parseDep3, decodeEncodedWords, type PatchFileInfo, type PatchMessage, type Dep3Header, type HeaderStatusHint } from "./patch-headers.js";
export { findRemovalCriteria, parseConditions, type RemovalCondition, type RemovalCriterion } from "./removal-criteria.js";
export { scanSpec, applicationOf, type SpecScan, type SpecEntry, type PrepApplication, type ScanOptions } from "./spec-scan.js";
export { expandMacros, evaluateCondition, type MacroTable } from "./spec-macros.js";
export { inventory, distroMacros, entryFileName, type InventoryOptions } from "./inventory.js";
export type * from "./types.js";
