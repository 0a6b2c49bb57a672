/** Line-level differences between two versions of a file, grouped into hunks and classified. */
import { diffArrays } from "diff";
import { bookkeepingMask, bookkeepingReason } from "./bookkeeping.js";

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

export function diffLineArrays(oldLines: readonly string[], newLines: readonly string[]): LineHunk[] {
  if (oldLines.length === newLines.length && oldLines.every((l, i) => l === newLines[i])) return [];
  const hunks: LineHunk[] = [];
  let o = 0;
  let n = 0;
  let current: LineHunk | undefined;
  for (const change of diffArrays(oldLines as string[], newLines as string[])) {
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
      current.removed.push(...change.value);
      o += count;
    } else {
      current.added.push(...change.value);
      n += count;
    }
  }
  if (current) hunks.push(current);
  return hunks;
}

/** Diff of two rendered specs with each hunk marked bookkeeping or content. */
export function classifiedSpecDiff(oldLines: readonly string[], newLines: readonly string[]): LineHunk[] {
  const hunks = diffLineArrays(oldLines, newLines);
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
