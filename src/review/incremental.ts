/**
 * Incremental verification: when a pull request only appends overlays to a component whose pin
 * and earlier overlays did not change, the expected render is the base's committed render with
 * its bookkeeping set aside, the new overlays applied in azldev's order, and the bookkeeping put
 * back. Exact, offline, and without fetching the upstream tree.
 */
import type { ComponentConfig, Overlay } from "../azldev/types.js";
import type { FileContent, LineOrigin } from "../overlays/types.js";
import { applyFilter, decideFilter } from "../render/file-filter.js";
import { buildMacroSet } from "../render/macros-file.js";
import { listSourcesAndPatches, parseSpec, sourceFileName } from "../spec/index.js";
import { restore, setAside } from "./bookkeeping.js";
import { overlayFailure, type OverlayFailure, type ReviewDeps } from "./deps.js";
import { joinLines, specLines } from "./spec-scan.js";

/** Where a line of an expected rendered spec came from. */
export type ExpectedLineOrigin =
  | { kind: "committed"; /** 0-based line in the base's committed spec */ line: number }
  | { kind: "overlay"; /** index into the appended overlay list */ index: number }
  | { kind: "bookkeeping" };

export interface IncrementalRender {
  files: Map<string, Uint8Array>;
  /** per line of the expected spec */
  provenance: ExpectedLineOrigin[];
  /**
   * Top-level names that a Source/Patch tag of the expected spec newly names and that neither the
   * base render nor an overlay holds: the upstream checkout has them or not, which only a full
   * render can tell. Not in `files`.
   */
  fromUpstream?: string[];
}

export type IncrementalOutcome =
  | { ok: true; render: IncrementalRender }
  | { ok: false; failure: OverlayFailure; /** a loose-file overlay that may need files the render filter dropped */ needsFullRender: boolean };

/** What azldev's file filter needs to know about the component (AZLDEV.md §4.10). */
export interface FilterSettings {
  skipFileFilter: boolean;
  /** the component's build macros (with/without/defines), used to expand Source/Patch names */
  macros: Map<string, string>;
}

type FilterDecision = ReturnType<typeof decideFilter>;
type ListedSource = Parameters<typeof decideFilter>[1][number];

export function filterSettings(config: ComponentConfig): FilterSettings {
  return { skipFileFilter: config.render.skipFileFilter, macros: buildMacroSet(config.build) };
}

/**
 * The files azldev keeps after a render: the spec, `sources`, and what Source/Patch tags name;
 * everything when the filter is skipped or a name cannot be expanded.
 */
export function filterDecision(component: string, specText: string, settings: FilterSettings): FilterDecision {
  const defines: Record<string, string> = { _sourcedir: `/render/${component}` };
  for (const [macro, value] of settings.macros) defines[macro] = value;
  const listed: ListedSource[] = listSourcesAndPatches(parseSpec(specText), { defines }).map((entry) => ({
    ...(entry.expanded !== undefined ? { value: entry.expanded } : {}),
    ...(entry.unexpandable !== undefined ? { unexpandable: entry.unexpandable } : {}),
  }));
  return decideFilter(`${component}.spec`, listed, settings.skipFileFilter);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const LOOSE_FILE_TYPES = new Set(["file-remove", "file-rename", "file-prepend-lines", "file-search-replace", "patch-remove"]);

export function incrementalRender(
  component: string,
  committed: ReadonlyMap<string, Uint8Array>,
  appended: readonly Overlay[],
  sourceFiles: Record<string, FileContent>,
  apply: ReviewDeps["applyOverlays"],
  filter: FilterSettings = { skipFileFilter: false, macros: new Map() },
): IncrementalOutcome {
  const specName = `${component}.spec`;
  const specBytes = committed.get(specName);
  const lines = specLines(specBytes ? decoder.decode(specBytes) : "");
  const aside = setAside(lines);
  const files: Record<string, FileContent> = {};
  for (const [path, bytes] of committed) if (path !== specName) files[path] = bytes;
  let result;
  try {
    result = apply({ spec: joinLines(aside.body), files }, [...appended], { sourceFiles, component });
  } catch (error) {
    const failure = overlayFailure(error) ?? { index: -1, message: error instanceof Error ? error.message : String(error) };
    const overlay = appended[failure.index];
    return { ok: false, failure, needsFullRender: overlay !== undefined && LOOSE_FILE_TYPES.has(overlay.type) };
  }
  const body = specLines(result.spec);
  const restored = restore(aside, body);
  const provenance = restored.fromBody.map((i): ExpectedLineOrigin => {
    if (i === undefined) return { kind: "bookkeeping" };
    const origin: LineOrigin | undefined = result.provenance[i];
    if (!origin) return { kind: "bookkeeping" };
    if (origin.kind === "overlay") return { kind: "overlay", index: origin.index };
    return { kind: "committed", line: aside.bodyOrigin[origin.line - 1] ?? 0 };
  });
  const specText = joinLines(restored.lines);
  const all = new Map<string, Uint8Array>();
  for (const [path, content] of Object.entries(result.files)) all.set(path, typeof content === "string" ? encoder.encode(content) : content);
  all.set(specName, encoder.encode(specText));
  const before = filterDecision(component, specBytes ? decoder.decode(specBytes) : "", filter);
  const after = filterDecision(component, specText, filter);
  if (before.filtered && !after.filtered) {
    // azldev would now keep every file of the upstream checkout, which the base render dropped
    return { ok: false, failure: { index: -1, message: "the file filter no longer applies" }, needsFullRender: true };
  }
  // A new or edited Source/Patch tag (a `#/name` hint, say) names a file the base render does not
  // hold: it comes from the upstream checkout, which only a full render has — never a file a person
  // vendored. When the filter cannot be decided here (a `%(...)` that rpm would expand), the names
  // as written stand in for it.
  const beforeText = specBytes ? decoder.decode(specBytes) : "";
  const named = before.filtered && after.filtered ? { before: before.keep, after: after.keep } : { before: referencedNames(beforeText), after: referencedNames(specText) };
  const fromUpstream =
    after.filtered || after.reason === "unexpandable"
      ? [...named.after].filter((name) => !named.before.has(name) && !name.includes("%") && ![...all.keys()].some((p) => p === name || p.startsWith(`${name}/`))).sort()
      : [];
  const kept = applyFilter(all, after);
  const keptBefore = applyFilter(new Map(committed), before);
  const out = new Map<string, Uint8Array>();
  for (const [path, bytes] of all) {
    // a committed file the base's own filter would not keep is the base's business: leave it alone
    if (kept.has(path) || (committed.has(path) && !keptBefore.has(path))) out.set(path, bytes);
  }
  return { ok: true, render: { files: out, provenance, ...(fromUpstream.length > 0 ? { fromUpstream } : {}) } };
}

/** Top-level names of the files Source/Patch tags and %sourcelist/%patchlist entries name. */
export function referencedNames(specText: string): Set<string> {
  const names = new Set<string>();
  for (const entry of listSourcesAndPatches(parseSpec(specText))) {
    const file = entry.fileName ?? sourceFileName(entry.expanded ?? entry.value, { asWritten: true });
    if (file) names.add(file.split("/")[0] as string);
  }
  return names;
}

/**
 * Where a `patch-add` / `file-add` overlay copies its source file into the rendered dir, when the
 * copy is verbatim (no later loose-file overlay touches it): editing the source then changes
 * exactly that rendered file, so the render can be updated without re-rendering.
 */
export function verbatimCopies(overlays: readonly Overlay[], source: string): string[] | undefined {
  const dests: string[] = [];
  overlays.forEach((o, i) => {
    if (o.source !== source) return;
    if (o.type !== "patch-add" && o.type !== "file-add") return;
    const dest = o.file ?? source.slice(source.lastIndexOf("/") + 1);
    const touchedLater = overlays.slice(i + 1).some((later) => later.type.startsWith("file-") && later.type !== "file-add" && later.file !== undefined && (later.file === dest || /[*?[{]/.test(later.file)));
    dests.push(touchedLater ? "" : dest);
  });
  if (dests.length === 0 || dests.includes("")) return undefined;
  return dests;
}
