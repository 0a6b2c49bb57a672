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
  let best: { k: number; hunks: number; files: Map<string, Uint8Array>; provenance: ExpectedLineOrigin[] } | undefined;
  if (touched.has(specName) && files.has(specName)) {
    const asIs = contentHunks(files.get(specName), head.get(specName));
    const n = input.overlays.length;
    for (let k = n - 1; asIs > 0 && k >= Math.max(0, n - MAX_SUFFIX); k--) {
      // from the base render itself: an overlay of the suffix may add the very file caught up above
      const outcome = incrementalRender(name, input.base, input.overlays.slice(k), input.sourceFiles, input.apply, input.filter);
      if (!outcome.ok || outcome.render.fromUpstream) continue;
      const hunks = contentHunks(outcome.render.files.get(specName), head.get(specName));
      // fewer differences than the base render leaves, and the fewest: a hand edit on a current base
      // never gets closer by applying its overlays a second time
      if (hunks < asIs && (!best || hunks < best.hunks)) best = { k, hunks, files: outcome.render.files, provenance: outcome.render.provenance };
      if (hunks === 0) break;
    }
  }
  if (!best && copies.length === 0) return undefined;
  if (!best) return { files, overlays: [], copies };
  const caughtUp = new Map(best.files);
  for (const dest of copies) caughtUp.set(dest, files.get(dest) as Uint8Array);
  return { files: caughtUp, provenance: best.provenance, overlays: input.overlays.slice(best.k), copies: copies.filter((dest) => !sameBytes(best.files.get(dest), files.get(dest))) };
}
