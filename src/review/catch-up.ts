/**
 * A re-render that catches up with the comps. When a component's comps did not change, its
 * committed base render normally stands for what the comps produce. It does not when the base was
 * stale: overlays added (or vendored files edited) in base/comps by an earlier change that never
 * re-rendered. A later change that re-renders — often a bulk re-render by a newer azldev — then
 * changes rendered files with no config change, and those edits are the comps' output, not a hand
 * edit. Offline evidence that shows it, exactly:
 * - a file that an overlay copies verbatim from base/comps holds that file's content at the head;
 * - the spec is, bookkeeping aside, what the component's last overlays make of the base render
 *   (the overlays the base render lacked are the newest ones, appended last).
 * Anything the evidence does not reproduce is still compared as before.
 */
import type { ConfiguredOverlay } from "../azldev/types.js";
import type { FileContent } from "../overlays/types.js";
import type { ReviewDeps } from "./deps.js";
import { incrementalRender, verbatimCopies, type ExpectedLineOrigin, type FilterSettings } from "./incremental.js";
import { classifiedSpecDiff } from "./line-diff.js";
import { specLines } from "./spec-scan.js";
import { sameBytes } from "./tree.js";

/** How many of the newest overlays are tried as the ones a stale base render lacks. */
export const MAX_SUFFIX = 32;

export interface CatchUp {
  /** the base render with the caught-up files in place */
  files: Map<string, Uint8Array>;
  provenance?: ExpectedLineOrigin[];
  /** the overlays whose effect the base render lacked and the head has */
  overlays: ConfiguredOverlay[];
  /** rendered files that are verbatim copies of base/comps files the base render held stale */
  copies: string[];
}

export interface CatchUpInput {
  name: string;
  /** committed base render (relative paths) */
  base: ReadonlyMap<string, Uint8Array>;
  /** committed head render */
  head: ReadonlyMap<string, Uint8Array>;
  /** rendered files (relative paths) the change touched */
  touched: ReadonlySet<string>;
  overlays: readonly ConfiguredOverlay[];
  /** base/comps files the overlays read, at the head */
  sourceFiles: Record<string, FileContent>;
  apply: ReviewDeps["applyOverlays"];
  filter: FilterSettings;
}

const decoder = new TextDecoder();
const contentHunks = (expected: Uint8Array | undefined, committed: Uint8Array | undefined): number =>
  classifiedSpecDiff(specLines(decoder.decode(expected ?? new Uint8Array())), specLines(decoder.decode(committed ?? new Uint8Array()))).filter((h) => !h.bookkeeping).length;

/** What the comps produce when the base render was stale and the change caught up, or undefined when nothing shows it. */
export function catchUpRender(input: CatchUpInput): CatchUp | undefined {
  const { name, head, touched } = input;
  const files = new Map(input.base);
  const copies: string[] = [];
  for (const overlay of input.overlays) {
    if (!overlay.source) continue;
    const content = input.sourceFiles[overlay.source];
    if (content === undefined) continue;
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    for (const dest of verbatimCopies(input.overlays, overlay.source) ?? []) {
      if (!touched.has(dest) || copies.includes(dest)) continue;
      // the change wrote exactly the comps' file where the base held something else
      if (sameBytes(head.get(dest), bytes) && !sameBytes(input.base.get(dest), bytes)) {
        files.set(dest, bytes);
        copies.push(dest);
      }
    }
  }

  const specName = `${name}.spec`;
  // how far a candidate render is from what the change committed: content hunks of the spec, and
  // each other touched file that differs
  const distance = (candidate: ReadonlyMap<string, Uint8Array>): number => {
    let d = 0;
    for (const rel of touched) {
      if (rel === specName) d += contentHunks(candidate.get(specName), head.get(specName));
      else if (!sameBytes(candidate.get(rel), head.get(rel))) d++;
    }
    return d;
  };
  let best: { k: number; distance: number; files: Map<string, Uint8Array>; provenance: ExpectedLineOrigin[] } | undefined;
  if (files.has(specName)) {
    const asIs = distance(files);
    const n = input.overlays.length;
    for (let k = n - 1; asIs > 0 && k >= Math.max(0, n - MAX_SUFFIX); k--) {
      // from the base render itself: an overlay of the suffix may add the very file caught up above
      const outcome = incrementalRender(name, input.base, input.overlays.slice(k), input.sourceFiles, input.apply, input.filter);
      if (!outcome.ok || outcome.render.fromUpstream) continue;
      const candidate = new Map(outcome.render.files);
      for (const dest of copies) candidate.set(dest, files.get(dest) as Uint8Array);
      const d = distance(candidate);
      // closer than the base render, and the closest: a hand edit on a current base never gets
      // closer by applying its overlays a second time
      if (d < asIs && (!best || d < best.distance)) best = { k, distance: d, files: candidate, provenance: outcome.render.provenance };
      if (d === 0) break;
    }
  }
  if (!best && copies.length === 0) return undefined;
  if (!best) return { files, overlays: [], copies };
  const suffix = input.overlays.slice(best.k);
  // copies the suffix's own overlays make are theirs; the others were caught up on their own
  const byOverlay = new Set(suffix.flatMap((o) => (o.source ? (verbatimCopies(input.overlays, o.source) ?? []) : [])));
  return { files: best.files, provenance: best.provenance, overlays: suffix, copies: copies.filter((dest) => !byOverlay.has(dest)) };
}
