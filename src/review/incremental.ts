/**
 * Incremental verification: when a pull request only appends overlays to a component whose pin
 * and earlier overlays did not change, the expected render is the base's committed render with
 * its bookkeeping set aside, the new overlays applied in azldev's order, and the bookkeeping put
 * back. Exact, offline, and without fetching the upstream tree.
 */
import type { Overlay } from "../azldev/types.js";
import type { FileContent, LineOrigin } from "../overlays/types.js";
import { restore, setAside } from "./bookkeeping.js";
import { overlayFailure, type OverlayFailure, type ReviewDeps } from "./deps.js";
import { isPatchTag, isSourceTag, joinLines, referencedFileName, scanSections, specLines, tagAt } from "./spec-scan.js";

/** Where a line of an expected rendered spec came from. */
export type ExpectedLineOrigin =
  | { kind: "committed"; /** 0-based line in the base's committed spec */ line: number }
  | { kind: "overlay"; /** index into the appended overlay list */ index: number }
  | { kind: "bookkeeping" };

export interface IncrementalRender {
  files: Map<string, Uint8Array>;
  /** per line of the expected spec */
  provenance: ExpectedLineOrigin[];
}

export type IncrementalOutcome =
  | { ok: true; render: IncrementalRender }
  | { ok: false; failure: OverlayFailure; /** a loose-file overlay that may need files the render filter dropped */ needsFullRender: boolean };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const LOOSE_FILE_TYPES = new Set(["file-remove", "file-rename", "file-prepend-lines", "file-search-replace", "patch-remove"]);

export function incrementalRender(
  component: string,
  committed: ReadonlyMap<string, Uint8Array>,
  appended: readonly Overlay[],
  sourceFiles: Record<string, FileContent>,
  apply: ReviewDeps["applyOverlays"],
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
  const out = new Map<string, Uint8Array>();
  out.set(specName, encoder.encode(joinLines(restored.lines)));
  const referenced = referencedNames(restored.lines);
  for (const [path, content] of Object.entries(result.files)) {
    const bytes = typeof content === "string" ? encoder.encode(content) : content;
    // files new to the render survive azldev's filter only when a Source/Patch references them
    if (!committed.has(path) && !referenced.all && !referenced.names.has(path.split("/")[0] as string)) continue;
    out.set(path, bytes);
  }
  return { ok: true, render: { files: out, provenance } };
}

/** Names referenced by Source/Patch tags and %patchlist/%sourcelist lines (the render filter's keep set). */
export function referencedNames(lines: readonly string[]): { names: Set<string>; all: boolean } {
  const sections = scanSections(lines);
  const names = new Set<string>(["sources"]);
  let all = false;
  const add = (value: string) => {
    if (value.includes("%{") || value.includes("%(")) {
      // a macro we do not expand: azldev skips the filter when spectool output keeps a `%{`
      if (/%\{[^}]*\}/.test(value.replace(/%\{(name|version)\}/g, ""))) all = true;
    }
    const file = referencedFileName(value);
    if (file) names.add(file.split("/")[0] as string);
  };
  for (const s of sections) {
    if (s.name === "%patchlist" || s.name === "%sourcelist") {
      for (let i = s.header + 1; i < s.end; i++) {
        const t = (lines[i] ?? "").trim();
        if (t && !t.startsWith("#")) add(t);
      }
      continue;
    }
    for (let i = s.header + 1; i < s.end; i++) {
      const tag = tagAt(lines, sections, i);
      if (tag && (isSourceTag(tag.name) || isPatchTag(tag.name))) add(tag.value);
    }
  }
  return { names, all };
}
