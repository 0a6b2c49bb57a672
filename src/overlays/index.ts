/** azldev's overlay engine: every overlay type with its exact semantics, plus provenance. */
export { applyOverlays, OverlayError, modifiesSpec, isArchiveScoped } from "./apply.js";
export { validateOverlay, ARCHIVE_EXTENSIONS, type ValidateOptions } from "./validate.js";
export { globComponentFiles, isGitInternalPath, isSpecFile, modifiesLooseFiles } from "./files.js";
export { compileRegex, regexError, replaceAllLiteral } from "./regex.js";
export { SpecEditor, EditError, type EditLine } from "./editor.js";
export type { ApplyOptions, ApplyResult, ComponentTree, FileContent, LineOrigin } from "./types.js";
