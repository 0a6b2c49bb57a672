/** Lossless RPM spec model, azldev-compatible line classification, safe macro expansion, conditional evaluation, source listing, %prep patch application. */
export {
  Spec,
  parseSpec,
  MAX_AZLDEV_LINE_BYTES,
  type ParseOptions,
  type LineKind,
  type SpecLine,
  type SpecSection,
  type SpecTag,
  type ConditionalBlock,
  type SpecDiagnostic,
  type MacroDefinition,
  type SourceListEntry,
} from "./model.js";
export {
  classifyLine,
  conditionalDepthChange,
  conditionalToken,
  isConditionalBranch,
  isBlankOrComment,
  logicalText,
  packageFromHeaderTokens,
  packageOfSection,
  parseTagText,
  patchTagNumber,
  numberedTagNumber,
  sectionTypeOf,
  tagFamily,
  SECTION_KEYWORDS,
  CONDITIONAL_OPENERS,
  CONDITIONAL_BRANCHES,
  type LineClass,
  type SectionType,
} from "./classify.js";
export { expandMacros, type ExpandOptions, type MacroExpansion, type MacroTable, type MacroValue } from "./macros.js";
export {
  listSourcesAndPatches,
  lineActivity,
  evaluateSpec,
  initialMacros,
  matchesArch,
  sourceListingGaps,
  specMacros,
  type SourceEntry,
  type ListOptions,
  type SpecEvaluation,
} from "./sources.js";
export { patchApplication, applicationOf, appliesTo, appliesEveryPatch, type PatchApplication, type PatchApplicationMethod, type PrepAnalysis, type PrepOptions } from "./prep.js";
export { sourceFileName, type SourceFileNameOptions } from "./file-name.js";
export { evaluateCondition, matchesList } from "./conditions.js";
export { goFields, goTrimSpace, goQ, goQQ, isGoSpace, isRe2Space } from "./text.js";
