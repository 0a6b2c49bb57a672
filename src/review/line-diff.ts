/** Line-level differences between two versions of a file, grouped into hunks and classified. */
// the two modules needed rather than the package index (25 modules to load)
import { diffArrays } from "diff/lib/diff/array.js";
import { bookkeepingBoundaries, bookkeepingMask, bookkeepingReason } from "./bookkeeping.js";

export interface LineHunk {
  /** 0-based index in the old file of the first removed line, or of the line the addition precedes */
  oldStart: number;
  removed: string[];
  /** 0-based index in the new file of the first added line, or of the line the removal precedes */
  newStart: number;
  added: string[];
  /** set when the hunk is explained by tool bookkeeping (rpmautospec, banner, release number) */
  bookkeeping?: string;
}

/**
 * Past this many inserted plus deleted lines an exact shortest diff costs O((N+M)·D): the
 * differing middle is then reported as one replaced block. A hand edit of that size is one finding
 * either way; what matters is that a pull request of 150,000 changed lines is checked in seconds.
 */
const MAX_EDIT_LENGTH = 2_000;

type LineChange = { value: string[]; added?: boolean; removed?: boolean };

/** The shortest diff of the differing middle (common prefix and suffix trimmed, linear), or one replaced block when it is too large. */
function lineChanges(oldLines: readonly string[], newLines: readonly string[]): LineChange[] {
  const shorter = Math.min(oldLines.length, newLines.length);
  let prefix = 0;
  while (prefix < shorter && oldLines[prefix] === newLines[prefix]) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && oldLines[oldLines.length - 1 - suffix] === newLines[newLines.length - 1 - suffix]) suffix++;
  const removed = oldLines.slice(prefix, oldLines.length - suffix);
  const added = newLines.slice(prefix, newLines.length - suffix);
  const middle: LineChange[] =
    removed.length === 0 || added.length === 0
      ? []
      : (diffArrays(removed, added, { maxEditLength: MAX_EDIT_LENGTH }) as LineChange[] | undefined) ?? [];
  if (middle.length === 0) {
    if (removed.length > 0) middle.push({ value: removed, removed: true });
    if (added.length > 0) middle.push({ value: added, added: true });
  }
  const out: LineChange[] = [];
  if (prefix > 0) out.push({ value: oldLines.slice(0, prefix) });
  for (const change of middle) out.push(change);
  if (suffix > 0) out.push({ value: oldLines.slice(oldLines.length - suffix) });
  return out;
}

export function diffLineArrays(oldLines: readonly string[], newLines: readonly string[]): LineHunk[] {
  if (oldLines.length === newLines.length && oldLines.every((l, i) => l === newLines[i])) return [];
  const hunks: LineHunk[] = [];
  let o = 0;
  let n = 0;
  let current: LineHunk | undefined;
  for (const change of lineChanges(oldLines, newLines)) {
    const count = change.value.length;
    if (!change.added && !change.removed) {
      if (current) hunks.push(current);
      current = undefined;
      o += count;
      n += count;
      continue;
    }
    current ??= { oldStart: o, removed: [], newStart: n, added: [] };
    if (change.removed) {
      for (const line of change.value) current.removed.push(line);
      o += count;
    } else {
      for (const line of change.value) current.added.push(line);
      n += count;
    }
  }
  if (current) hunks.push(current);
  return hunks;
}

/**
 * Diffs two rendered specs part by part — rpmautospec block, spec body, generated changelog — when
 * both have the same parts. A newer rpmautospec can rewrite thousands of changelog lines (the whole
 * history instead of one entry): diffed as one file, that change would swallow the body into one
 * replaced block past the edit budget, and a bookkeeping-only re-render would read as a hand edit.
 */
function regionDiff(oldLines: readonly string[], newLines: readonly string[]): LineHunk[] {
  const oldCuts = bookkeepingBoundaries(oldLines);
  const newCuts = bookkeepingBoundaries(newLines);
  const names = [...oldCuts.keys()];
  if (names.length === 0 || names.length !== newCuts.size || names.some((n) => !newCuts.has(n))) return diffLineArrays(oldLines, newLines);
  const order = names.sort((a, b) => (oldCuts.get(a) as number) - (oldCuts.get(b) as number));
  const oldAt = [0, ...order.map((n) => oldCuts.get(n) as number), oldLines.length];
  const newAt = [0, ...order.map((n) => newCuts.get(n) as number), newLines.length];
  for (let i = 1; i < newAt.length; i++) if ((newAt[i] as number) < (newAt[i - 1] as number)) return diffLineArrays(oldLines, newLines);
  const hunks: LineHunk[] = [];
  for (let i = 0; i + 1 < oldAt.length; i++) {
    const o = oldAt[i] as number;
    const n = newAt[i] as number;
    for (const h of diffLineArrays(oldLines.slice(o, oldAt[i + 1]), newLines.slice(n, newAt[i + 1]))) {
      hunks.push({ ...h, oldStart: h.oldStart + o, newStart: h.newStart + n });
    }
  }
  return hunks;
}

/** Diff of two rendered specs with each hunk marked bookkeeping or content. */
export function classifiedSpecDiff(oldLines: readonly string[], newLines: readonly string[]): LineHunk[] {
  const hunks = regionDiff(oldLines, newLines);
  if (hunks.length === 0) return hunks;
  const oldMask = bookkeepingMask(oldLines);
  const newMask = bookkeepingMask(newLines);
  for (const h of hunks) {
    const reason = bookkeepingReason(
      h.removed.map((text, i) => ({ text, bookkeeping: oldMask[h.oldStart + i] ?? false })),
      h.added.map((text, i) => ({ text, bookkeeping: newMask[h.newStart + i] ?? false })),
    );
    if (reason) h.bookkeeping = reason;
  }
  return hunks;
}

/** Lines of the new file (0-based) that a hunk list marks as changed relative to the old file. */
export function changedNewLines(hunks: readonly LineHunk[]): Set<number> {
  const set = new Set<number>();
  for (const h of hunks) for (let i = 0; i < h.added.length; i++) set.add(h.newStart + i);
  return set;
}
