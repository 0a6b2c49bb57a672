import { posix } from "node:path";

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
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  const url = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]+)([^?#]*)(\?[^#]*)?(#.*)?$/.exec(trimmed);
  if (url) {
    const fragment = url[5]?.slice(1);
    if (fragment !== undefined && (fragment.startsWith("/") || fragment.startsWith("./"))) {
      return safeName(posix.basename(fragment));
    }
    return safeName(posix.basename(safeDecode(url[3] ?? "")));
  }
  if (trimmed.startsWith("/")) return undefined;
  const cleaned = posix.normalize(trimmed).replace(/\/+$/, "");
  if (cleaned === "." || cleaned === ".." || cleaned.startsWith("../") || cleaned === "") return undefined;
  return cleaned;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function safeName(name: string): string | undefined {
  if (name === "" || name === "." || name === ".." || name === "/") return undefined;
  return name;
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
