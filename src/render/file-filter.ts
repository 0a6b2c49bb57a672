import { sourceFileName } from "../spec/index.js";

/**
 * azldev's post-render filter (AZLDEV.md §4.9–4.10): keep the spec, `sources` and every top-level
 * entry that spectool's Source/Patch listing references; skip filtering when a name could not be
 * expanded or the component opts out.
 */

export interface ListedSource {
  /** the value after macro expansion; undefined when it could not be expanded */
  value?: string;
  /** why the value could not be expanded */
  unexpandable?: string;
}

/** The local file name spectool's value refers to, or undefined when azldev ignores it. */
export function localNameOf(value: string): string | undefined {
  return sourceFileName(value);
}

export type FilterDecision =
  | { filtered: false; reason: "skip-file-filter" | "unexpandable"; detail?: string }
  | { filtered: true; keep: Set<string> };

export function decideFilter(specFileName: string, listed: ListedSource[], skipFileFilter: boolean): FilterDecision {
  if (skipFileFilter) return { filtered: false, reason: "skip-file-filter" };
  const keep = new Set<string>([specFileName, "sources"]);
  for (const entry of listed) {
    if (entry.value === undefined || entry.unexpandable !== undefined || entry.value.includes("%{")) {
      return { filtered: false, reason: "unexpandable", detail: entry.unexpandable ?? entry.value };
    }
    const name = localNameOf(entry.value);
    if (name === undefined) continue;
    keep.add(name.split("/")[0] as string);
  }
  return { filtered: true, keep };
}

/** The files of the component dir that survive the filter (paths relative to the dir). */
export function applyFilter<T>(files: ReadonlyMap<string, T>, decision: FilterDecision): Map<string, T> {
  const kept = new Map<string, T>();
  for (const [path, content] of files) {
    const top = path.split("/")[0] as string;
    if (top === ".git") continue;
    if (decision.filtered && !decision.keep.has(top)) continue;
    kept.set(path, content);
  }
  return kept;
}
