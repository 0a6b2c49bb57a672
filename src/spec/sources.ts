/**
 * Source and Patch listing equivalent to `spectool -l -a`: every SourceN/PatchN tag plus every
 * `%sourcelist` / `%patchlist` entry, with macros expanded by our own bounded expander. Unlike
 * rpm, conditionals are not evaluated: sources of every branch are listed (flagged `conditional`),
 * which is the safe superset for "which files does this spec need".
 */
import { expandMacros, type MacroTable, type MacroValue } from "./macros.js";
import type { Spec } from "./model.js";

export interface SourceEntry {
  kind: "Source" | "Patch";
  /** N of SourceN/PatchN; bare tags and list entries are numbered in order, as rpm does */
  number?: number;
  /** the value as written */
  value: string;
  /** the value with macros expanded (undefined macros stay as written, like rpm leaves them) */
  expanded?: string;
  /** what could not be expanded (comma-separated names or constructs); absent when fully expanded */
  unexpandable?: string;
  /** 1-based spec line */
  line: number;
  /** from a `%sourcelist` / `%patchlist` section */
  fromList?: boolean;
  /** the file name azldev derives from the expanded value (URL basename, `#/name` fragment, relative path) */
  fileName?: string;
  /** inside an `%if` block (rpm may or may not include it) */
  conditional?: boolean;
}

export interface ListOptions {
  /** macros defined before the spec is read, like `rpmspec --define` */
  defines?: Record<string, string>;
}

/** Preamble tags that rpm also defines as macros (`%{name}`, `%{version}`, `%{url}`, ...). */
const TAG_MACROS = new Set(["name", "version", "release", "epoch", "summary", "license", "url", "bugurl", "vcs", "group", "packager", "vendor"]);

/** The macro table in effect after the whole spec is read (same rules as listSourcesAndPatches). */
export function specMacros(spec: Spec, options: ListOptions = {}): MacroTable {
  return walk(spec, options).table;
}

/** spectool-equivalent listing of a spec's sources and patches, in file order. */
export function listSourcesAndPatches(spec: Spec, options: ListOptions = {}): SourceEntry[] {
  return walk(spec, options).entries;
}

function walk(spec: Spec, options: ListOptions): { table: MacroTable; entries: SourceEntry[] } {
  const table: MacroTable = new Map<string, MacroValue>(Object.entries(options.defines ?? {}));
  const entries: SourceEntry[] = [];
  const macrosByLine = new Map(spec.macros.map((m) => [m.line, m]));
  const tagsByLine = new Map(spec.tags.map((t) => [t.line, t]));
  const listByLine = new Map(spec.sourceLists.map((e) => [e.line, e]));
  const auto = { Source: 0, Patch: 0 };

  const add = (kind: "Source" | "Patch", number: number | undefined, value: string, line: number, fromList: boolean, conditional: boolean) => {
    const expansion = expandMacros(value, table);
    const fileName = spectoolFileName(expansion.value);
    const entry: SourceEntry = {
      kind,
      ...(number !== undefined ? { number } : {}),
      value,
      expanded: expansion.value,
      ...(expansion.complete ? {} : { unexpandable: expansion.unexpandable.join(", ") || "(limit reached)" }),
      line,
      ...(fromList ? { fromList: true } : {}),
      ...(fileName !== undefined ? { fileName } : {}),
      ...(conditional ? { conditional: true } : {}),
    };
    entries.push(entry);
    if (number !== undefined) {
      const sourceDir = table.get("_sourcedir");
      const base = fileName?.split("/").pop() ?? expansion.value;
      table.set(`${kind.toUpperCase()}${number}`, typeof sourceDir === "string" ? `${sourceDir}/${base}` : `%{_sourcedir}/${base}`);
    }
  };

  for (const line of spec.lines) {
    const def = macrosByLine.get(line.number);
    if (def) {
      if (def.kind === "undefine") table.delete(def.name);
      else if (def.params !== undefined) table.set(def.name, { params: def.params, body: def.body });
      else if (def.kind === "global") table.set(def.name, expandMacros(def.body, table).value);
      else table.set(def.name, def.body);
      continue;
    }
    const tag = tagsByLine.get(line.number);
    if (tag) {
      const lower = tag.name.toLowerCase();
      if (tag.family === "source" || tag.family === "patch") {
        const kind = tag.family === "source" ? "Source" : "Patch";
        const explicit = tag.number;
        if (explicit !== undefined || lower === tag.family) {
          const number = explicit ?? auto[kind]++;
          add(kind, number, tag.value, tag.line, false, tag.conditional !== undefined);
        }
      } else if (tag.package === "" && TAG_MACROS.has(lower)) {
        const value = expandMacros(tag.value, table).value;
        table.set(lower, value);
        if (lower === "name" || lower === "version" || lower === "release") table.set(lower.toUpperCase(), value);
      }
      continue;
    }
    const listed = listByLine.get(line.number);
    if (listed) {
      const kind = listed.list === "%patchlist" ? "Patch" : "Source";
      add(kind, auto[kind]++, listed.value, listed.line, true, listed.conditional !== undefined);
    }
  }
  return { table, entries };
}

/**
 * The file name azldev takes from a spectool value: for a URL with scheme and host, the basename
 * of its path, or of a `#/name` / `#./name` fragment (rpm's rename convention); otherwise the
 * cleaned relative path. Absolute paths, `..` escapes, `/` and `.` yield undefined.
 */
export function spectoolFileName(value: string): string | undefined {
  const url = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]+)([^?#]*)(\?[^#]*)?(#.*)?$/.exec(value);
  if (url) {
    const fragment = url[5]?.slice(1);
    if (fragment !== undefined && (fragment.startsWith("/") || fragment.startsWith("./"))) {
      return nonEmptyBase(fragment);
    }
    return nonEmptyBase(decodeSafe(url[3] ?? ""));
  }
  if (value.startsWith("/")) return undefined;
  const cleaned = cleanPath(value);
  if (cleaned === "." || cleaned === ".." || cleaned.startsWith("../") || cleaned === "") return undefined;
  return cleaned;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function nonEmptyBase(path: string): string | undefined {
  const trimmed = path.replace(/\/+$/, "");
  const base = trimmed.slice(trimmed.lastIndexOf("/") + 1);
  if (base === "" || base === "." || base === "..") return undefined;
  return base;
}

/** Go's path.Clean for a relative path. */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else out.push("..");
      continue;
    }
    out.push(seg);
  }
  return out.length === 0 ? "." : out.join("/");
}
