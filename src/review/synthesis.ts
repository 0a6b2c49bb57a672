/**
 * Fix synthesis: turns hand edits of a rendered tree into the comp.toml overlays that reproduce
 * them, moves vendored files under base/comps/<name>/, and re-renders. Every overlay is checked by
 * applying it with the real overlay engine before it is proposed; an edit that no overlay
 * reproduces is reported, never papered over.
 */
import { RE2JS } from "re2js";
import { hasGlobMeta } from "../glob/index.js";
import type { ComponentConfig, ConfiguredOverlay, Overlay, Project } from "../azldev/types.js";
import type { FileContent } from "../overlays/types.js";
import type { RepoView } from "../repo/types.js";
import { setAside } from "./bookkeeping.js";
import type { ReviewDeps } from "./deps.js";
import { copySource, text, type ComponentReview } from "./engine.js";
import { filterSettings, incrementalRender, verbatimCopies } from "./incremental.js";
import { changedNewLines, diffLineArrays, type LineHunk } from "./line-diff.js";
import { utf8Text, type FileEdit } from "./patch-text.js";
import { sameBytes } from "./tree.js";
import { appliesEveryPatch, parseSpec, patchApplication, sourceFileName } from "../spec/index.js";
import { unappliedPatches } from "./lint.js";
import {
  isPackageSection,
  isPatchTag,
  isSourceTag,
  joinLines,
  scanSections,
  sectionAt,
  specLines,
  tagAt,
  type SpecSection,
} from "./spec-scan.js";
import { appendTables, tomlKey, type OverlayTable } from "./toml-write.js";

const encoder = new TextEncoder();

export interface ComponentFix {
  component: string;
  /** repo-level edits: comp.toml, files moved under base/comps, the re-rendered tree */
  edits: FileEdit[];
  summary: string;
  /** what the packager should know: placements that differ from the hand edit, metadata to fill in */
  notes: string[];
  /** hand edits no overlay reproduces, said plainly */
  unsynthesised: string[];
  /** the re-rendered tree after the fix */
  rendered: Map<string, Uint8Array>;
  overlays: OverlayTable[];
}

interface Planned {
  table: OverlayTable;
  /** the overlay as the engine applies it (sources repo-relative) */
  apply: Overlay;
}

function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i < 0 ? "" : p.slice(0, i);
}
function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

function applyHunks(lines: readonly string[], hunks: readonly LineHunk[]): string[] {
  const out: string[] = [];
  let i = 0;
  for (const h of hunks) {
    while (i < h.oldStart) out.push(lines[i++] as string);
    for (const line of h.added) out.push(line);
    i += h.removed.length;
  }
  while (i < lines.length) out.push(lines[i++] as string);
  return out;
}

function scope(section: SpecSection): Pick<Overlay, "section" | "package"> {
  if (section.header < 0) return {};
  return { section: section.name, ...(section.package ? { package: section.package } : {}) };
}

function lineRegex(line: string): string {
  return `^${RE2JS.quote(line)}$`;
}

interface HunkContext {
  body: string[];
  /** files of the expected tree the change deleted */
  deletedFiles: Set<string>;
  sections: SpecSection[];
  tryApply(overlays: Overlay[]): string[] | undefined;
}

type HunkResult = { overlays: Overlay[]; note?: string } | { unsynthesised: string };

const TAG_LINE = /^\s*([^\s:#%][^\s:]*):\s*(.*?)\s*$/;

function withoutBlank(lines: readonly string[]): string[] {
  return lines.filter((l) => l.trim() !== "");
}

function sameLines(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((l, i) => l === b[i]);
}

/** Equal, except that tag lines may differ in the whitespace between `Tag:` and the value. */
function sameUpToTagSpacing(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((l, i) => {
    const other = b[i] as string;
    if (l === other) return true;
    const x = TAG_LINE.exec(l);
    const y = TAG_LINE.exec(other);
    return !!x && !!y && x[1] === y[1] && x[2] === y[2];
  });
}

function describeSection(s: SpecSection): string {
  if (s.header < 0) return "the preamble";
  return `${s.name}${s.package ? ` (${s.package})` : ""}`;
}

/** Overlays that turn `ctx.body` into `body` with hunk `h` applied. */
function synthesiseHunk(h: LineHunk, ctx: HunkContext): HunkResult {
  const want = applyHunks(ctx.body, [h]);
  const exact = (candidates: Overlay[][]): Overlay[] | undefined => candidates.find((c) => sameLines(ctx.tryApply(c), want));
  const { body, sections } = ctx;
  const A = h.added;
  const R = h.removed;
  if (R.length === 0) {
    const p = h.oldStart;
    const section = p === 0 ? (sections[0] as SpecSection) : sectionAt(sections, p - 1);
    if (A.every((l) => l.trim() === "")) return { overlays: [], note: "blank lines added by hand are not reproduced" };
    const pkg = isPackageSection(section);
    const nonBlank = A.filter((l) => l.trim() !== "");
    const tags = pkg ? nonBlank.map((l) => TAG_LINE.exec(l)) : [];
    const candidates: Overlay[][] = [];
    if (pkg && tags.length > 0 && tags.every(Boolean)) {
      const target = section.package ? { package: section.package } : {};
      const make = (type: string) => tags.map((m) => ({ type, tag: (m as RegExpExecArray)[1] as string, value: (m as RegExpExecArray)[2] as string, ...target }));
      candidates.push(make("spec-insert-tag"), make("spec-add-tag"));
      const found = exact(candidates);
      if (found) return { overlays: found };
      const relaxed = make("spec-add-tag");
      if (ctx.tryApply(relaxed)) return { overlays: relaxed, note: `${nonBlank.map((l) => `\`${l.trim()}\``).join(", ")} is added at the end of ${describeSection(section)} rather than where it was written by hand` };
    }
    if (section.header >= 0 && p === section.header + 1) candidates.push([{ type: "spec-prepend-lines", ...scope(section), lines: A }]);
    if (section.header >= 0 && p === section.end) candidates.push([{ type: "spec-append-lines", ...scope(section), lines: A }]);
    if (p === 0) candidates.push([{ type: "spec-prepend-lines", lines: A }]);
    if (p === body.length) candidates.push([{ type: "spec-append-lines", lines: A }]);
    const anchored = candidates.length;
    const prev = body[p - 1];
    if (p > 0 && prev !== undefined && prev.trim() !== "" && (sectionAt(sections, p - 1).header !== p - 1)) {
      candidates.push([{ type: "spec-search-replace", ...scope(sectionAt(sections, p - 1)), regex: lineRegex(prev), replacement: [prev, ...A].join("\n") }]);
    }
    const next = body[p];
    if (next !== undefined && next.trim() !== "" && sectionAt(sections, p).header !== p) {
      candidates.push([{ type: "spec-search-replace", ...scope(sectionAt(sections, p)), regex: lineRegex(next), replacement: [...A, next].join("\n") }]);
    }
    const exactFound = exact(candidates.slice(0, anchored));
    if (exactFound) return { overlays: exactFound };
    // lines added before the blank lines that close a section: spec-append-lines puts them after
    // those blank lines, which reads the same and survives upstream changes better than an anchor
    if (section.header >= 0 && p < section.end && body.slice(p, section.end).every((l) => l.trim() === "")) {
      const append: Overlay[] = [{ type: "spec-append-lines", ...scope(section), lines: A }];
      const got = ctx.tryApply(append);
      if (got && sameLines(withoutBlank(got), withoutBlank(want))) {
        return { overlays: append, note: `the lines added to the end of ${describeSection(section)} go after its trailing blank line` };
      }
    }
    const found = exact(candidates);
    if (found) return { overlays: found };
    return { unsynthesised: `the line(s) ${A.map((l) => `\`${l.trim()}\``).join(", ")} added in ${describeSection(section)}: no overlay places them there exactly (the lines around them are not unique)` };
  }
  if (A.length === 0) {
    const section = sectionAt(sections, h.oldStart);
    const tags = R.map((_, i) => tagAt(body, sections, h.oldStart + i));
    if (tags.every(Boolean)) {
      const removeTags = tags.map((t) => ({ type: "spec-remove-tag", tag: t?.name as string, value: t?.value as string, ...(section.package ? { package: section.package } : {}) }));
      // a numbered patch dropped together with its file: patch-remove says exactly that
      const dropped = tags.map((t) => (t && /^patch\d+$/i.test(t.name) ? sourceFileName(t.value, { asWritten: true }) : undefined));
      if (dropped.every((f) => f !== undefined && ctx.deletedFiles.has(f) && !hasGlobMeta(f))) {
        const removePatches = dropped.map((f) => ({ type: "patch-remove", file: f as string }));
        if (exact([removePatches])) return { overlays: removePatches };
      }
      if (exact([removeTags])) return { overlays: removeTags };
    }
    return {
      unsynthesised: `deleting ${R.map((l) => `\`${l.trim()}\``).join(", ")} from ${describeSection(section)}: azldev overlays delete tags, sections and sub-packages, but not a single ordinary line (spec-search-replace can only rewrite the text of a line)`,
    };
  }
  // changed lines: pair them, extra added lines ride on the last pair's replacement
  const overlays: Overlay[] = [];
  const pairs = Math.min(R.length, A.length);
  const notes: string[] = [];
  if (R.length > A.length) {
    return { unsynthesised: `replacing ${R.length} lines with ${A.length} at ${describeSection(sectionAt(sections, h.oldStart))} line ${h.oldStart + 1}: an overlay cannot delete the extra lines` };
  }
  for (let i = 0; i < pairs; i++) {
    const index = h.oldStart + i;
    const oldLine = R[i] as string;
    const newLine = i === pairs - 1 ? A.slice(i).join("\n") : (A[i] as string);
    const section = sectionAt(sections, index);
    const sub: LineHunk = { oldStart: index, removed: [oldLine], newStart: 0, added: i === pairs - 1 ? A.slice(i) : [A[i] as string] };
    const wantSub = applyHunks(body, [sub]);
    const candidates: Overlay[][] = [];
    const oldTag = tagAt(body, sections, index);
    const newTag = TAG_LINE.exec(newLine);
    if (oldTag && newTag && !newLine.includes("\n") && (newTag[1] as string).toLowerCase() === oldTag.name.toLowerCase()) {
      candidates.push([{ type: "spec-update-tag", tag: newTag[1] as string, value: newTag[2] as string, ...(section.package ? { package: section.package } : {}) }]);
    }
    candidates.push([{ type: "spec-search-replace", ...scope(section), regex: lineRegex(oldLine), replacement: newLine }]);
    let found = candidates.find((c) => sameLines(ctx.tryApply(c), wantSub));
    // spec-update-tag writes `Tag: value` with azldev's own spacing: when that is the only
    // difference it is still the overlay a packager wants (a tag value change, failing loudly when
    // the tag goes away), and the re-rendered line shows the spacing
    const updateTag = candidates[0]?.[0]?.type === "spec-update-tag" ? candidates[0] : undefined;
    if (updateTag && found !== updateTag) {
      const got = ctx.tryApply(updateTag);
      if (got && sameUpToTagSpacing(got, wantSub)) {
        found = updateTag;
        notes.push(`spec-update-tag writes \`${(got[index] ?? "").trim()}\` with azldev's spacing after the colon`);
      }
    }
    if (!found) return { unsynthesised: `the change of \`${oldLine.trim()}\` in ${describeSection(section)}: the line is not unique there, so no overlay changes exactly this one` };
    overlays.push(...found);
  }
  return { overlays, ...(notes.length ? { note: notes.join("; ") } : {}) };
}

export interface SynthesisContext {
  head: RepoView;
  /** the head's project */
  project: Project;
  deps: ReviewDeps;
  /** repo paths the change touched */
  changed: Set<string>;
}

function tableFor(o: Overlay, description: string, extra: Partial<OverlayTable> = {}): OverlayTable {
  return { overlay: { description, ...o }, ...extra };
}

function describeOverlay(o: Overlay): string {
  switch (o.type) {
    case "spec-search-replace": {
      const from = (o.regex ?? "").replace(/^\^|\$$/g, "").replace(/\\(.)/g, "$1").trim();
      const to = (o.replacement ?? "").split("\n").map((l) => l.trim()).join(" / ");
      return `Change "${from}" to "${to}"${o.section ? ` in ${o.section}${o.package ? ` (${o.package})` : ""}` : ""}`;
    }
    case "spec-append-lines":
    case "spec-prepend-lines":
      return `Add ${o.lines?.length ?? 0} line(s)${o.section ? ` to ${o.section}${o.package ? ` (${o.package})` : ""}` : ""}`;
    case "spec-add-tag":
    case "spec-insert-tag":
      return `Add ${o.tag}: ${o.value}`;
    case "spec-update-tag":
      return `Set ${o.tag} to ${o.value}`;
    case "spec-remove-tag":
      return `Remove ${o.tag}: ${o.value}`;
    default:
      return o.type;
  }
}

const DESCRIPTION_TODO = "TODO: say why";

/** Line `line` (1-based) is `[components.<name>]` and the table has no keys of its own. */
function isBareDeclaration(text: string, line: number, name: string): boolean {
  const lines = text.split("\n");
  const header = (lines[line - 1] ?? "").trim();
  if (header !== `[components.${tomlKey(name)}]`) return false;
  for (let i = line; i < lines.length; i++) {
    const l = (lines[i] as string).trim();
    if (l === "" || l.startsWith("#")) continue;
    return l.startsWith("[");
  }
  return true;
}

function patchSubject(content: string): string | undefined {
  const m = /^Subject:\s*(?:\[PATCH[^\]]*\]\s*)?(.+)$/m.exec(content);
  return m ? (m[1] as string).trim() : undefined;
}

/** The fix for one component, or undefined when nothing needs fixing. */
export async function synthesiseFix(review: ComponentReview, ctx: SynthesisContext): Promise<ComponentFix | undefined> {
  const { name, dir } = review;
  const expected = review.expected;
  const notes: string[] = [];
  const unsynthesised: string[] = [];
  if (!expected) return undefined;
  const headConfig = review.headConfig;
  const specName = `${name}.spec`;
  const planned: Planned[] = [];
  const moves: { path: string; bytes: Uint8Array }[] = [];
  /** edits of existing overlay sources in base/comps, and what they make of their rendered copies */
  const sourceEdits: FileEdit[] = [];
  const renderedOverrides = new Map<string, Uint8Array>();

  if (!headConfig) {
    // an undeclared component: the fix deletes its rendered dir
    return {
      component: name,
      edits: [...review.committed].map(([rel, bytes]) => ({ path: `${dir}/${rel}`, before: bytes })),
      summary: `delete ${dir}/ (no component ${name} is declared)`,
      notes,
      unsynthesised,
      rendered: new Map(),
      overlays: [],
    };
  }

  const declared = headConfig.declaredAt?.file;
  let compFile = declared;
  // A bare `[components.<name>]` in a shared list moves to its own <name>.comp.toml when the repo
  // keeps components with overlays that way (AZLDEV.md §4.14: `**/*.comp.toml` includes).
  let moveFrom: { file: string; line: number; text: string; bytes: Uint8Array } | undefined;
  if (declared && basename(declared) !== `${name}.comp.toml`) {
    const sharedDir = dirname(declared);
    const target = `${sharedDir}${sharedDir ? "/" : ""}${name}/${name}.comp.toml`;
    const conventional = ctx.project.files.some((f) => f.endsWith(".comp.toml") && f.startsWith(sharedDir ? `${sharedDir}/` : ""));
    const sharedBytes = await ctx.head.readFile(declared).catch(() => undefined);
    // the fix rewrites the file from its text: only when that text is exactly its bytes
    const shared = sharedBytes ? utf8Text(sharedBytes) : null;
    const line = headConfig.declaredAt?.line ?? 0;
    if (conventional && shared !== null && isBareDeclaration(shared, line, name) && !(await ctx.head.stat(target).catch(() => undefined))) {
      moveFrom = { file: declared, line, text: shared, bytes: sharedBytes as Uint8Array };
      compFile = target;
    }
  }
  const compDir = compFile ? (basename(compFile) === `${name}.comp.toml` ? dirname(compFile) : `${dirname(compFile)}${dirname(compFile) ? "/" : ""}${name}`) : undefined;
  const sourceFiles: Record<string, FileContent> = {};

  if (review.handEdited.size > 0) {
    const expectedSpec = specLines(text(expected.get(specName)));
    const committedSpec = specLines(text(review.committed.get(specName)));
    const baseSpec = specLines(text(review.baseCommitted.get(specName)));
    // only what the change wrote by hand is turned into overlays; stale parts are re-rendered
    const prLines = changedNewLines(diffLineArrays(baseSpec, committedSpec));
    let touchedHunks = diffLineArrays(expectedSpec, committedSpec).filter(
      (h) => h.added.some((_, i) => prLines.has(h.newStart + i)) || (h.added.length === 0 && review.handEdited.has(specName)),
    );
    const committedSpecBytes = review.committed.get(specName);
    if (committedSpecBytes && utf8Text(committedSpecBytes) === null) {
      // decoding replaced those bytes with U+FFFD: an overlay written from that text would change
      // them, and TOML cannot hold them at all — such an edit is left to the re-render, and said so
      touchedHunks = touchedHunks.filter((h) => {
        const lossy = h.added.findIndex((l) => l.includes("\uFFFD"));
        if (lossy < 0) return true;
        const lines = h.added.length > 1 ? `the edit of lines ${h.newStart + 1}-${h.newStart + h.added.length}, whose line ${h.newStart + lossy + 1} holds` : `line ${h.newStart + 1}:`;
        unsynthesised.push(`${dir}/${specName} ${lines} bytes that are not UTF-8 text, which an overlay (TOML text) cannot carry`);
        return false;
      });
    }
    const desiredSpec = review.handEdited.has(specName) ? applyHunks(expectedSpec, touchedHunks) : expectedSpec;
    const asideE = setAside(expectedSpec);
    const asideD = setAside(desiredSpec);
    let desiredBody = asideD.body;

    // vendored files: moved under base/comps/<name>/ and wired by an overlay
    const vendored = [...review.handEdited].filter((rel) => !expected.has(rel) && review.committed.has(rel));
    const bodyHunks = diffLineArrays(asideE.body, desiredBody);
    const addedIdx = changedNewLines(bodyHunks);
    const dSections = scanSections(desiredBody);
    const drop = new Set<number>();
    const usesFileAdd = headConfig.overlays.some((o) => o.type === "file-add" && /\.(patch|diff)$/i.test(o.file ?? o.source ?? ""));
    const fileAddTagType = headConfig.overlays.find((o) => o.type === "spec-add-tag" || o.type === "spec-insert-tag")?.type ?? "spec-add-tag";
    for (const rel of vendored) {
      const bytes = review.committed.get(rel) as Uint8Array;
      if (!compDir || !compFile) {
        unsynthesised.push(`${rel}: ${name} is not declared in any comp.toml, so there is nowhere to put the overlay`);
        continue;
      }
      if (rel.includes("/")) {
        unsynthesised.push(`${rel}: files in sub-directories of a rendered dir cannot be added by an overlay`);
        continue;
      }
      // the hand-written tag wiring it, and the comment block above it
      let wiring: { index: number; tag: string; value: string } | undefined;
      for (const i of addedIdx) {
        const t = tagAt(desiredBody, dSections, i);
        if (t && (isPatchTag(t.name) || isSourceTag(t.name)) && sourceFileName(t.value, { asWritten: true }) === rel) wiring = { index: i, tag: t.name, value: t.value };
      }
      const comments: string[] = [];
      if (wiring) {
        drop.add(wiring.index);
        let k = wiring.index - 1;
        while (k >= 0 && addedIdx.has(k) && (desiredBody[k] as string).trim().startsWith("#")) {
          comments.unshift((desiredBody[k] as string).replace(/^\s*#\s?/, ""));
          drop.add(k);
          k--;
        }
        if (k >= 0 && addedIdx.has(k) && (desiredBody[k] as string).trim() === "") drop.add(k);
      }
      const path = `${compDir}/${rel}`;
      const existing = await ctx.head.readFile(path).catch(() => undefined);
      if (existing && !sameBytes(existing, bytes)) {
        unsynthesised.push(`${rel}: ${path} already exists with different content`);
        continue;
      }
      if (!existing) moves.push({ path, bytes });
      sourceFiles[path] = bytes;
      const relSource = path.slice(dirname(compFile).length + (dirname(compFile) ? 1 : 0));
      const isPatch = /\.(patch|diff)$/i.test(rel) || (wiring !== undefined && isPatchTag(wiring.tag));
      const description = comments.join(" ").trim() || (isPatch ? patchSubject(text(bytes)) : undefined) || `Add ${rel}`;
      const explicitPrep = !appliesEveryPatch(patchApplication(parseSpec(joinLines(expectedSpec))).applications);
      const fillIn = isPatch
        ? [
            "Where does this patch stand upstream? Fill in and uncomment (upstream-status: upstreamed, upstreamable,",
            "needs-upstream-hook, inapplicable or unknown; category: e.g. upstream-backport, azl-temp-workaround):",
            `metadata = { category = "…", upstream-status = "…", bugs = ["https://…"], commits = ["https://…"] }`,
          ]
        : undefined;
      if (fillIn) notes.push(`Fill in where ${rel} stands upstream: the fix leaves a commented \`metadata\` line in ${compFile} for it.`);
      const numbered = wiring !== undefined && /\d$/.test(wiring.tag);
      if (isPatch && !usesFileAdd && !(numbered && explicitPrep)) {
        planned.push({
          table: { overlay: { description, type: "patch-add", source: relSource }, ...(fillIn ? { fillIn } : {}) },
          apply: { type: "patch-add", source: path },
        });
        if (wiring) notes.push(`\`${wiring.tag}: ${wiring.value}\` becomes a numbered Patch tag that patch-add appends to the main package's tags, outside any %if block it was written in.`);
      } else {
        const tag = wiring?.tag ?? (isPatch ? "Patch" : "Source");
        const value = wiring?.value ?? rel;
        planned.push({
          table: { overlay: { description, type: "file-add", file: rel, source: relSource }, ...(fillIn ? { fillIn } : {}) },
          apply: { type: "file-add", file: rel, source: path },
        });
        const tagType = isPatch ? fileAddTagType : "spec-insert-tag";
        planned.push({ table: { overlay: { description: `Register ${rel}`, type: tagType, tag, value } }, apply: { type: tagType, tag, value } });
      }
    }
    desiredBody = desiredBody.filter((_, i) => !drop.has(i));

    // the other spec edits, hunk by hunk
    const files: Record<string, FileContent> = {};
    for (const [rel, bytes] of expected) if (rel !== specName) files[rel] = bytes;
    const tryApply = (overlays: Overlay[]): string[] | undefined => {
      try {
        return specLines(ctx.deps.applyOverlays({ spec: joinLines(asideE.body), files }, overlays, { sourceFiles, component: name }).spec);
      } catch {
        return undefined;
      }
    };
    const deletedFiles = new Set([...expected.keys()].filter((rel) => !review.committed.has(rel)));
    const hctx: HunkContext = { body: asideE.body, deletedFiles, sections: scanSections(asideE.body), tryApply };
    for (const h of diffLineArrays(asideE.body, desiredBody)) {
      const r = synthesiseHunk(h, hctx);
      if ("unsynthesised" in r) {
        unsynthesised.push(`${dir}/${specName}: ${r.unsynthesised}`);
        continue;
      }
      if (r.note) notes.push(r.note);
      for (const o of r.overlays) planned.push({ table: tableFor(o, describeOverlay(o)), apply: o });
    }

    // loose files edited by hand: a copy of an overlay's source is edited at the source; other
    // line-for-line changes become file-search-replace
    for (const rel of review.handEdited) {
      if (rel === specName || !expected.has(rel) || !review.committed.has(rel)) continue;
      const copied = copySource(headConfig, rel);
      if (copied?.source && verbatimCopies(headConfig.overlays, copied.source)?.includes(rel)) {
        const before = await ctx.head.readFile(copied.source).catch(() => undefined);
        const after = review.committed.get(rel) as Uint8Array;
        sourceEdits.push({ path: copied.source, ...(before ? { before } : {}), after });
        renderedOverrides.set(rel, after);
        notes.push(`${dir}/${rel} is a copy of ${copied.source}: the fix makes the same edit there.`);
        continue;
      }
      if ([expected.get(rel), review.committed.get(rel)].some((b) => b?.subarray(0, 8000).includes(0))) {
        unsynthesised.push(`${dir}/${rel}: a binary file; overlays cannot reproduce its content (add it to base/comps/${name}/ with a file-add overlay if the new content is wanted)`);
        continue;
      }
      const committedText = utf8Text(review.committed.get(rel) as Uint8Array);
      const expectedText = utf8Text(expected.get(rel) as Uint8Array);
      if (committedText === null || expectedText === null) {
        unsynthesised.push(`${dir}/${rel}: not UTF-8 text; file overlays (TOML text) cannot reproduce its bytes`);
        continue;
      }
      const before = specLines(expectedText);
      const after = specLines(committedText);
      for (const h of diffLineArrays(before, after)) {
        if (h.removed.length !== 1 || h.added.length !== 1 || before.filter((l) => l === h.removed[0]).length !== 1) {
          unsynthesised.push(`${dir}/${rel}: the edit at line ${h.newStart + 1} is not a change of one unique line; file overlays cannot reproduce it exactly`);
          continue;
        }
        const o: Overlay = { type: "file-search-replace", file: rel, regex: `(?m)${lineRegex(h.removed[0] as string)}`, replacement: h.added[0] as string };
        planned.push({ table: tableFor(o, `Change \`${(h.removed[0] as string).trim()}\` in ${rel}`), apply: o });
      }
    }
  }

  // patches registered by new overlays but never applied by %prep
  for (const u of review.unapplied) {
    const o: Overlay = { type: "spec-append-lines", section: "%prep", lines: [`%patch -P${u.number} -p1`] };
    planned.push({ table: tableFor(o, `Apply ${u.file}`), apply: o });
    notes.push(`%prep of ${name} applies patches one by one, so the fix also applies ${u.file} with \`%patch -P${u.number} -p1\` at the end of %prep; move the line if it must run earlier.`);
  }
  // a patch the fix wires itself must be applied too, when %prep lists patches explicitly
  let outcome = incrementalRender(name, expected, planned.map((p) => p.apply), sourceFiles, ctx.deps.applyOverlays, filterSettings(headConfig));
  if (outcome.ok) {
    const spec = specLines(text(outcome.render.files.get(specName)));
    const newPatches = new Set(planned.filter((p) => p.apply.type === "patch-add" || (p.apply.type === "file-add" && /\.(patch|diff)$/i.test(p.apply.file ?? ""))).map((p) => basename(p.apply.file ?? p.apply.source ?? "")));
    const extra: Planned[] = [];
    for (const u of unappliedPatches(spec, newPatches)) {
      const o: Overlay = { type: "spec-append-lines", section: "%prep", lines: [`%patch -P${u.number} -p1`] };
      extra.push({ table: tableFor(o, `Apply ${u.file}`), apply: o });
      notes.push(`%prep of ${name} applies patches one by one, so the fix also applies ${u.file} with \`%patch -P${u.number} -p1\` at the end of %prep; move the line if it must run earlier.`);
    }
    if (extra.length) {
      planned.push(...extra);
      outcome = incrementalRender(name, expected, planned.map((p) => p.apply), sourceFiles, ctx.deps.applyOverlays, filterSettings(headConfig));
    }
  }
  if (!outcome.ok) {
    const failed = planned[outcome.failure.index];
    unsynthesised.push(`the synthesised overlays do not apply together (${failed ? failed.apply.type : "overlay"}: ${outcome.failure.message})`);
    return { component: name, edits: [], summary: `no fix for ${name}`, notes, unsynthesised, rendered: expected, overlays: [] };
  }
  const rendered = outcome.render.files;
  for (const [rel, bytes] of renderedOverrides) if (rendered.has(rel)) rendered.set(rel, bytes);
  const edits: FileEdit[] = [];
  if (planned.length > 0 && compFile) {
    const tables = planned.map((p) => p.table);
    for (const t of tables) if (!t.overlay.description) t.overlay.description = DESCRIPTION_TODO;
    if (moveFrom) {
      const lines = moveFrom.text.split("\n");
      lines.splice(moveFrom.line - 1, 1);
      edits.push({ path: moveFrom.file, before: moveFrom.bytes, after: encoder.encode(lines.join("\n")) });
      edits.push({ path: compFile, after: encoder.encode(appendTables(`[components.${tomlKey(name)}]\n`, name, tables)) });
      notes.push(`${name} moves from ${moveFrom.file} to its own ${compFile}, as the repository keeps components that carry overlays.`);
    } else {
      const before = await ctx.head.readFile(compFile);
      const existing = before ? utf8Text(before) : "";
      if (existing === null) {
        unsynthesised.push(`${compFile} is not UTF-8 text, so the fix does not rewrite it`);
        return { component: name, edits: [], summary: `no fix for ${name}`, notes, unsynthesised, rendered: expected, overlays: [] };
      }
      edits.push({ path: compFile, ...(before ? { before } : {}), after: encoder.encode(appendTables(existing, name, tables)) });
    }
  }
  edits.push(...sourceEdits);
  for (const m of moves) edits.push({ path: m.path, after: m.bytes });
  for (const rel of [...new Set([...rendered.keys(), ...review.committed.keys()])].sort()) {
    const after = rendered.get(rel);
    const before = review.committed.get(rel);
    if (after && before && sameBytes(after, before)) continue;
    edits.push({ path: `${dir}/${rel}`, ...(before ? { before } : {}), ...(after ? { after } : {}) });
  }
  const parts: string[] = [];
  if (moves.length) parts.push(`move ${moves.map((m) => basename(m.path)).join(", ")} to ${compDir}/`);
  if (planned.length) parts.push(`add ${planned.length} overlay(s) to ${compFile}`);
  if (sourceEdits.length) parts.push(`edit ${sourceEdits.map((e) => e.path).join(", ")}`);
  if (edits.some((e) => e.path.startsWith(`${dir}/`))) parts.push(`re-render ${dir}/`);
  return {
    component: name,
    edits,
    summary: parts.join(", ") || `no change needed for ${name}`,
    notes,
    unsynthesised,
    rendered,
    overlays: planned.map((p) => p.table),
  };
}

export type { ConfiguredOverlay, ComponentConfig };
