/**
 * applyOverlays: azldev's overlay dispatcher. Overlays run strictly in order; each spec overlay
 * reads the spec as azldev does (split on "\n", one trailing "\r" dropped per line), edits it and
 * writes it back (every line + "\n"), so the next overlay sees freshly parsed lines. The first
 * failure stops everything, like azldev, with its message chain.
 */
import { OVERLAY_TYPES, type Overlay, type SourceLocation } from "../azldev/types.js";
import { goQ } from "../spec/text.js";
import { EditError, SpecEditor, type EditLine } from "./editor.js";
import { FileOverlayError, applyFileOverlay, modifiesLooseFiles } from "./files.js";
import type { ApplyOptions, ApplyResult, ComponentTree, FileContent, LineOrigin } from "./types.js";
import { basename, validateOverlay } from "./validate.js";

/** azldev reads specs with Go's bufio.Scanner: a line of 64 KiB or more fails the read. */
const MAX_LINE_BYTES = 64 * 1024;

/** The overlay that failed (0-based `index` into the list given to applyOverlays) and azldev's message. */
export class OverlayError extends Error {
  readonly index: number;
  readonly overlay: Overlay;
  readonly component: string | undefined;
  /** the component directory as azldev leaves it: earlier overlays (and a spec half) applied */
  readonly partial: ApplyResult | undefined;

  constructor(index: number, overlay: Overlay, message: string, extra: { component?: string; partial?: ApplyResult } = {}) {
    super(message);
    this.name = "OverlayError";
    this.index = index;
    this.overlay = overlay;
    this.component = extra.component;
    this.partial = extra.partial;
  }

  /** Where the overlay was declared, when it came from config. */
  get location(): SourceLocation | undefined {
    const origin = (this.overlay as { origin?: SourceLocation }).origin;
    return origin && typeof origin.file === "string" ? origin : undefined;
  }

  /** One self-contained sentence for people: component, overlay number, type, description, comp.toml:line. */
  get summary(): string {
    const parts = [`overlay ${this.index + 1} (${this.overlay.type})`];
    if (this.overlay.description) parts.push(`"${this.overlay.description}"`);
    if (this.component) parts.push(`of component ${this.component}`);
    const at = this.location;
    if (at) parts.push(`at ${at.file}:${at.line}:${at.column}`);
    return `${parts.join(" ")} failed: ${this.message}`;
  }
}

// Every spec-* type, plus patch-add / patch-remove, which edit Patch tags and %patchlist.
const SPEC_TYPES: ReadonlySet<string> = new Set(OVERLAY_TYPES.filter((type) => type.startsWith("spec-") || type.startsWith("patch-")));

/** Does this overlay edit the spec? */
export function modifiesSpec(overlay: Overlay): boolean {
  return SPEC_TYPES.has(overlay.type);
}

/** Is this overlay archive-scoped (file-remove / file-search-replace with `archive`)? Render skips those. */
export function isArchiveScoped(overlay: Overlay): boolean {
  return Boolean(overlay.archive) && (overlay.type === "file-remove" || overlay.type === "file-search-replace");
}

class SpecReadError extends Error {}

/** Go's bufio.Scanner line split: "\n" separated, final empty token dropped, one trailing "\r" dropped. */
function readLines(parts: readonly { text: string; origin: LineOrigin }[], specPath: string): EditLine[] {
  const out: EditLine[] = [];
  for (const part of parts) {
    const text = part.text;
    if (text.length < MAX_LINE_BYTES / 3 && !text.includes("\n") && !text.endsWith("\r")) {
      // Already one clean line: reuse it (the editor replaces line objects, it never mutates them).
      out.push(part as EditLine);
      continue;
    }
    const pieces = text.includes("\n") ? text.split("\n") : [text];
    for (const piece of pieces) {
      if (piece.length >= MAX_LINE_BYTES / 3 && Buffer.byteLength(piece, "utf8") >= MAX_LINE_BYTES) {
        throw new SpecReadError(`failed to load spec ${goQ(specPath)}:\nfailed to read spec:\nbufio.Scanner: token too long`);
      }
      out.push({ text: piece.endsWith("\r") ? piece.slice(0, -1) : piece, origin: part.origin });
    }
  }
  return out;
}

/** Lines of the input spec text with their 1-based input line numbers. */
function inputLines(text: string): { text: string; origin: LineOrigin }[] {
  if (text === "") return [];
  const raw = text.split("\n");
  if (raw[raw.length - 1] === "") raw.pop();
  return raw.map((t, i) => ({ text: t, origin: { kind: "input", line: i + 1 } as LineOrigin }));
}

function serialize(lines: readonly EditLine[]): string {
  let out = "";
  for (const l of lines) out += l.text + "\n";
  return out;
}

/** Provenance of serialized lines: an element holding "\n" becomes several lines with one origin. */
function provenanceOf(lines: readonly EditLine[]): LineOrigin[] {
  const out: LineOrigin[] = [];
  for (const l of lines) {
    const count = l.text.includes("\n") ? l.text.split("\n").length : 1;
    for (let i = 0; i < count; i++) out.push(l.origin);
  }
  return out;
}

function originOf(index: number, overlay: Overlay): LineOrigin {
  const location = (overlay as { origin?: SourceLocation }).origin;
  return {
    kind: "overlay",
    index,
    type: overlay.type,
    ...(overlay.description ? { description: overlay.description } : {}),
    ...(location && typeof location.file === "string" ? { origin: location } : {}),
  };
}

function prefixed(prefix: string, run: () => void): void {
  try {
    run();
  } catch (error) {
    if (error instanceof EditError) throw new EditError(`${prefix}:\n${error.message}`);
    throw error;
  }
}

/** The spec half of an overlay (azldev's ApplySpecOverlay). */
function applySpecOverlay(editor: SpecEditor, overlay: Overlay, origin: LineOrigin): void {
  const tag = overlay.tag ?? "";
  const value = overlay.value ?? "";
  const pkg = overlay.package ?? "";
  const section = overlay.section ?? "";
  const lines = overlay.lines ?? [];
  switch (overlay.type) {
    case "spec-add-tag":
      return prefixed(`failed to add tag ${goQ(tag)} to spec`, () => editor.addTag(origin, pkg, tag, value));
    case "spec-insert-tag":
      return prefixed(`failed to insert tag ${goQ(tag)} into spec`, () => editor.insertTag(origin, pkg, tag, value));
    case "spec-update-tag":
      return prefixed(`failed to update tag ${goQ(tag)} in spec`, () => editor.updateExistingTag(origin, pkg, tag, value));
    case "spec-set-tag":
      return prefixed(`failed to set tag ${goQ(tag)} in spec`, () => editor.setTag(origin, pkg, tag, value));
    case "spec-remove-tag":
      return prefixed(`failed to remove tag ${goQ(tag)} from spec`, () => editor.removeTag(origin, pkg, tag, value));
    case "spec-prepend-lines":
      return prefixed("failed to prepend lines to spec", () => {
        if (section === "" && pkg === "") editor.prependLines(origin, lines);
        else editor.prependLinesToSection(origin, section, pkg, lines);
      });
    case "spec-append-lines":
      return prefixed("failed to append lines to spec", () => {
        if (section === "" && pkg === "") editor.appendLines(origin, lines);
        else editor.appendLinesToSection(origin, section, pkg, lines);
      });
    case "spec-search-replace":
      return prefixed("failed to search and replace in spec", () =>
        editor.searchAndReplace(origin, section, pkg, overlay.regex ?? "", overlay.replacement ?? ""),
      );
    case "spec-remove-section":
      return prefixed("failed to remove section from spec", () => editor.removeSection(origin, section, pkg));
    case "spec-remove-subpackage":
      return prefixed("failed to remove sub-package from spec", () => editor.removeSubpackage(origin, pkg));
    case "patch-add": {
      const name = overlay.file ? overlay.file : basename(overlay.source ?? "");
      return prefixed("failed to add patch entry to spec", () => editor.addPatchEntry(origin, pkg, name));
    }
    case "patch-remove":
      return prefixed("failed to remove patch entry from spec", () => editor.removePatchEntry(origin, overlay.file ?? ""));
    default:
      throw new EditError(`invalid overlay type found: ${overlay.type}`);
  }
}

/**
 * Apply overlays to a component directory. Pure: the input is not modified. Throws OverlayError
 * at the first overlay that fails (its `partial` holds what azldev would have left behind).
 */
export function applyOverlays(
  input: ComponentTree | { spec: string; files?: Record<string, FileContent> },
  overlays: readonly Overlay[],
  options: ApplyOptions = {},
): ApplyResult {
  // File names come from the repository: a table without a prototype keeps `__proto__` an ordinary name.
  const files: Record<string, FileContent> = Object.assign(Object.create(null) as Record<string, FileContent>, input.files ?? {});
  const sourceFiles = options.sourceFiles ?? {};
  const specPath = options.specPath ?? `${options.component ?? "component"}.spec`;
  const skipped: { index: number; reason: string }[] = [];
  let lines: EditLine[] | undefined;

  const result = (): ApplyResult => {
    const spec = lines ? serialize(lines) : input.spec;
    const provenance = lines ? provenanceOf(lines) : provenanceOf(inputLines(input.spec));
    return { spec, files: Object.assign(Object.create(null) as Record<string, FileContent>, files), provenance, ...(skipped.length > 0 ? { skipped: [...skipped] } : {}) };
  };

  overlays.forEach((overlay, index) => {
    const fail = (message: string): never => {
      throw new OverlayError(index, overlay, message, {
        ...(options.component !== undefined ? { component: options.component } : {}),
        partial: result(),
      });
    };
    // Config loading rejects malformed overlays before azldev applies anything; a bad regex is left
    // to the editor, which reports it in its own words.
    const invalid = validateOverlay(overlay, { checkRegex: false });
    if (invalid !== undefined) fail(invalid);
    if (isArchiveScoped(overlay)) {
      skipped.push({ index, reason: `archive-scoped overlay on ${overlay.archive} is not applied when rendering (archives are not downloaded)` });
      return;
    }
    const origin = originOf(index, overlay);
    try {
      if (modifiesSpec(overlay)) {
        // A failed spec edit is never written back: the spec stays as the previous overlay left it.
        const editor = new SpecEditor(readLines(lines ?? inputLines(input.spec), specPath), {
          continuation: options.continuation === true,
        });
        applySpecOverlay(editor, overlay, origin);
        lines = editor.lines;
      }
      if (!options.specOnly && modifiesLooseFiles(overlay)) applyFileOverlay(files, overlay, sourceFiles);
    } catch (error) {
      if (error instanceof EditError || error instanceof FileOverlayError || error instanceof SpecReadError) fail(error.message);
      throw error;
    }
  });
  return result();
}
