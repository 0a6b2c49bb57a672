/**
 * Source and Patch listing equivalent to `spectool -l -a`: every SourceN/PatchN tag plus every
 * `%sourcelist` / `%patchlist` entry, with macros expanded by our own bounded expander. Sources of
 * every branch are listed; entries inside `%if` blocks are flagged `conditional` and, when the
 * conditions can be decided from the known macros (and the `arch` option), `active` says whether
 * rpm (hence spectool) would see them. Definitions in branches not taken do not count.
 */
import { expandMacros, type MacroTable, type MacroValue } from "./macros.js";
import { and3, evaluateCondition, matchesList, not3, or3 } from "./conditions.js";
import type { Spec } from "./model.js";
import { goFirstField, goTrimSpace } from "./text.js";
import { sourceFileName } from "./file-name.js";

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
  /** inside an `%if` block */
  conditional?: boolean;
  /**
   * For conditional entries: whether rpm would see the line, from evaluating the enclosing
   * conditions (true / false); absent when that cannot be decided (unknown macros, `%ifarch`
   * without an `arch` option, expressions we do not model).
   */
  active?: boolean;
  /**
   * For conditional entries rpm may not see: the innermost enclosing branch that is not surely
   * taken, as written (`%if 0%{?fedora} < 40`, `%elifarch aarch64`, `%else of %if %{with docs}`).
   */
  condition?: string;
}

export interface ListOptions {
  /** macros defined before the spec is read, like `rpmspec --define` */
  defines?: Record<string, string>;
  /** build architecture for `%ifarch` / `%ifnarch` (undecided without it) */
  arch?: string;
  /** build OS for `%ifos` / `%ifnos` (default "linux") */
  os?: string;
  /** `rpmbuild --with NAME`: turns on `%bcond` NAME whatever its default */
  with?: readonly string[];
  /** `rpmbuild --without NAME`: turns off `%bcond` NAME whatever its default */
  without?: readonly string[];
}

/**
 * Other spellings of an architecture that specs write in `%ifarch` lists (names rpmrc translates to
 * the canonical one), so that `%ifarch amd64` is not taken as false on x86_64.
 */
const ARCH_ALIASES: Readonly<Record<string, readonly string[]>> = {
  x86_64: ["x86_64", "amd64", "em64t"],
  aarch64: ["aarch64", "arm64"],
};

/** `%ifarch` match of the build architecture (or one of its aliases) against an expanded list. */
export function matchesArch(arch: string | undefined, expandedList: string): boolean | undefined {
  if (arch === undefined) return undefined;
  const names = ARCH_ALIASES[arch] ?? [arch];
  let result: boolean | undefined = false;
  for (const name of names) result = or3(result, matchesList(name, expandedList));
  return result;
}

/**
 * The macros rpm defines before reading a spec for these options: the `defines`, the architecture
 * macros for `arch`, and `_with_NAME` / `_without_NAME` for `--with` / `--without`.
 */
export function initialMacros(options: ListOptions): MacroTable {
  const table: MacroTable = new Map<string, MacroValue>();
  if (options.arch !== undefined) {
    for (const name of ["_arch", "_target_cpu", "_host_cpu"]) table.set(name, options.arch);
  }
  for (const [name, value] of Object.entries(options.defines ?? {})) table.set(name, value);
  for (const name of options.with ?? []) table.set(`_with_${name}`, `--with-${name}`);
  for (const name of options.without ?? []) table.set(`_without_${name}`, `--without-${name}`);
  return table;
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

/**
 * Whether rpm reads each line under these options, indexed by 1-based line number: true, false
 * (a branch not taken), or undefined when an enclosing condition cannot be decided. Conditional
 * directive lines themselves are marked as their enclosing context.
 */
export function lineActivity(spec: Spec, options: ListOptions = {}): (boolean | undefined)[] {
  return evaluateSpec(spec, options).activity;
}

/** What one read of the spec under these options yields: the listing, the final macros, and `lineActivity`. */
export interface SpecEvaluation {
  entries: SourceEntry[];
  macros: MacroTable;
  activity: (boolean | undefined)[];
}

/** The listing, macro table and per-line activity together, for callers that need more than one. */
export function evaluateSpec(spec: Spec, options: ListOptions = {}): SpecEvaluation {
  const activity: (boolean | undefined)[] = [];
  const { table, entries } = walk(spec, options, activity);
  return { entries, macros: table, activity };
}

interface Frame {
  /** is the current branch taken? */
  current: boolean | undefined;
  /** has any branch so far been taken? */
  taken: boolean | undefined;
  /** the directive line of the current branch, trimmed */
  text: string;
  /** is every enclosing branch and this one taken? (kept per frame: reading it is O(1) at any depth) */
  active: boolean | undefined;
  /** the innermost frame, this one or an enclosing one, whose branch is not surely taken */
  uncertain: Frame | undefined;
}

/** Sets a frame's derived fields from its branch and its parent's: constant time per directive. */
function settle(frame: Frame, parent: Frame | undefined): Frame {
  frame.active = and3(parent ? parent.active : true, frame.current);
  frame.uncertain = frame.current !== true ? frame : parent?.uncertain;
  return frame;
}

function walk(spec: Spec, options: ListOptions, activity?: (boolean | undefined)[]): { table: MacroTable; entries: SourceEntry[] } {
  const table = initialMacros(options);
  const entries: SourceEntry[] = [];
  const macrosByLine = new Map(spec.macros.map((m) => [m.line, m]));
  const tagsByLine = new Map(spec.tags.map((t) => [t.line, t]));
  const listByLine = new Map(spec.sourceLists.map((e) => [e.line, e]));
  const auto = { Source: 0, Patch: 0 };
  const frames: Frame[] = [];
  const os = options.os ?? "linux";

  /** Would rpm read the current line? (false wins over unknown) */
  const activeNow = (): boolean | undefined => (frames.length > 0 ? (frames[frames.length - 1] as Frame).active : true);

  const decide = (directive: string, rest: string): boolean | undefined => {
    // A trailing `# comment` on a directive line is not part of the expression.
    const expanded = expandMacros(rest.replace(/\s+#.*$/, ""), table);
    if (!expanded.complete) {
      // `%ifarch %{ix86} x86_64` still matches x86_64 when %{ix86} is unknown
      const known = expanded.value.split(/[\s,]+/).filter((w) => w !== "" && !w.includes("%")).join(" ");
      const matched = directive.endsWith("arch") ? matchesArch(options.arch, known) : directive.endsWith("os") ? matchesList(os, known) : undefined;
      if (matched !== true) return undefined;
      const negated = directive.startsWith("%ifn") || directive.startsWith("%elifn");
      return !negated;
    }
    switch (directive) {
      case "%if":
      case "%elif":
        return evaluateCondition(expanded.value);
      case "%ifarch":
      case "%elifarch":
        return matchesArch(options.arch, expanded.value);
      case "%ifnarch":
      case "%elifnarch":
        return not3(matchesArch(options.arch, expanded.value));
      case "%ifos":
      case "%elifos":
        return matchesList(os, expanded.value);
      case "%ifnos":
      case "%elifnos":
        return not3(matchesList(os, expanded.value));
      default:
        return undefined;
    }
  };

  const add = (kind: "Source" | "Patch", number: number | undefined, value: string, line: number, fromList: boolean) => {
    const expansion = expandMacros(value, table);
    const fileName = sourceFileName(expansion.value);
    const active = frames.length > 0 ? activeNow() : true;
    const entry: SourceEntry = {
      kind,
      ...(number !== undefined ? { number } : {}),
      value,
      expanded: expansion.value,
      ...(expansion.complete ? {} : { unexpandable: expansion.unexpandable.join(", ") || "(limit reached)" }),
      line,
      ...(fromList ? { fromList: true } : {}),
      ...(fileName !== undefined ? { fileName } : {}),
      ...(frames.length > 0 ? { conditional: true } : {}),
      ...(frames.length > 0 && active !== undefined ? { active } : {}),
    };
    const notSurelyTaken = active === true ? undefined : frames[frames.length - 1]?.uncertain;
    if (notSurelyTaken) entry.condition = notSurelyTaken.text;
    entries.push(entry);
    // rpm numbers an unnumbered tag one past the highest number read so far
    if (number !== undefined && active !== false && number >= auto[kind]) auto[kind] = number + 1;
    if (number !== undefined && active !== false) {
      const sourceDir = table.get("_sourcedir");
      const base = fileName?.split("/").pop() ?? expansion.value;
      table.set(`${kind.toUpperCase()}${number}`, typeof sourceDir === "string" ? `${sourceDir}/${base}` : `%{_sourcedir}/${base}`);
    }
  };

  for (const line of spec.lines) {
    if (activity) activity[line.number] = activeNow();
    if (line.kind === "conditional") {
      const trimmed = goTrimSpace(line.text);
      const directive = goFirstField(trimmed).toLowerCase();
      const rest = trimmed.slice(directive.length);
      if (directive === "%endif") {
        frames.pop();
      } else if (directive === "%else") {
        const frame = frames[frames.length - 1];
        if (frame) {
          frame.current = not3(frame.taken);
          frame.taken = true;
          frame.text = `%else of ${frame.text}`;
          settle(frame, frames[frames.length - 2]);
        }
      } else if (directive.startsWith("%elif")) {
        const frame = frames[frames.length - 1];
        if (frame) {
          const cond = frame.taken === true ? false : decide(directive, rest);
          frame.current = frame.taken === true ? false : frame.taken === false ? cond : and3(undefined, cond);
          frame.taken = or3(frame.taken, cond);
          frame.text = trimmed;
          settle(frame, frames[frames.length - 2]);
        }
      } else if (directive.startsWith("%if")) {
        const cond = activeNow() === false ? false : decide(directive, rest);
        frames.push(settle({ current: cond, taken: cond, text: trimmed, active: undefined, uncertain: undefined }, frames[frames.length - 1]));
      }
      continue;
    }
    // rpm never reads lines of a branch that is not taken: their sources are listed (active: false)
    // but their definitions do not count.
    const inactive = activeNow() === false;
    const def = macrosByLine.get(line.number);
    if (def) {
      if (inactive) continue;
      if (def.kind === "undefine") table.delete(def.name);
      else if (def.params !== undefined) table.set(def.name, { params: def.params, body: def.body });
      else if (def.kind === "global") table.set(def.name, expandMacros(def.body, table).value);
      else table.set(def.name, def.body);
      continue;
    }
    const tag = tagsByLine.get(line.number);
    if (tag) {
      const lower = tag.name.toLowerCase();
      if ((lower.startsWith("source") || lower.startsWith("patch")) && lower.includes("%")) {
        // A macro-numbered tag (`Patch%{n}:`): rpm expands the name before reading it.
        const name = expandMacros(tag.name, table);
        const m = name.complete ? /^(source|patch)([0-9]*)$/i.exec(name.value) : null;
        if (m) {
          const kind = (m[1] as string).toLowerCase() === "source" ? "Source" : "Patch";
          const number = m[2] ? Number(m[2]) : inactive ? undefined : auto[kind]++;
          add(kind, number, tag.value, tag.line, false);
        }
        continue;
      }
      if (tag.family === "source" || tag.family === "patch") {
        const kind = tag.family === "source" ? "Source" : "Patch";
        const explicit = tag.number;
        if (explicit !== undefined || lower === tag.family) {
          const number = explicit ?? (inactive ? undefined : auto[kind]++);
          add(kind, number, tag.value, tag.line, false);
        }
      } else if (!inactive && tag.package === "" && TAG_MACROS.has(lower)) {
        const value = expandMacros(tag.value, table).value;
        table.set(lower, value);
        if (lower === "name" || lower === "version" || lower === "release") table.set(lower.toUpperCase(), value);
      }
      continue;
    }
    const listed = listByLine.get(line.number);
    if (listed) {
      const kind = listed.list === "%patchlist" ? "Patch" : "Source";
      add(kind, inactive ? undefined : auto[kind]++, listed.value, listed.line, true);
      continue;
    }
    if (line.kind === "text" && !inactive) noteBcond(line.text, table);
  }
  return { table, entries };
}

/** `%bcond_with x`, `%bcond_without x`, `%bcond x DEFAULT`: define `with_x` as rpm's macros do. */
function noteBcond(text: string, table: MacroTable): void {
  if (!text.includes("%bcond")) return; // nearly every line: not worth splitting into fields
  const fields = goTrimSpace(text).split(/\s+/);
  const [directive, name, ...rest] = fields;
  if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return;
  let enabled: boolean | undefined;
  if (directive === "%bcond_with") enabled = table.has(`_with_${name}`);
  else if (directive === "%bcond_without") enabled = !table.has(`_without_${name}`);
  else if (directive === "%bcond") {
    const byDefault = evaluateCondition(expandMacros(rest.join(" "), table).value);
    if (table.has(`_with_${name}`)) enabled = true;
    else if (table.has(`_without_${name}`)) enabled = false;
    else enabled = byDefault;
  } else return;
  if (enabled === true) table.set(`with_${name}`, "1");
  else if (enabled === false) table.delete(`with_${name}`);
  else table.set(`with_${name}`, { params: "", body: "" }); // undecided: %{with name} stays unexpandable
}

/**
 * Why a listing may miss sources rpm would see: preamble lines that generate tags at parse time
 * (`%{lua:...}`, `%(...)`, `%include`, `%{load:...}`, `%{expand:...}`) and tag names whose macros
 * could not be expanded. An empty result means the listing is complete as far as we can tell;
 * otherwise a file filter should keep everything, as azldev does when spectool output is unexpanded.
 */
export function sourceListingGaps(spec: Spec): { line: number; reason: string }[] {
  const gaps: { line: number; reason: string }[] = [];
  for (const line of spec.lines) {
    if (!line.text.includes("%")) continue; // every generator below starts with one
    const section = spec.sections[line.section];
    if (!section || section.type !== "package") continue;
    const trimmed = goTrimSpace(line.text);
    const generator = /^(%\{lua:|%\(|%include\b|%\{load:|%\{expand:|%\{\?include)/.exec(trimmed);
    if (generator) gaps.push({ line: line.number, reason: `${generator[1]} can generate Source/Patch tags at parse time` });
  }
  // The macro table takes a walk of the whole spec; only tag names written with macros need it.
  let table: MacroTable | undefined;
  for (const tag of spec.tags) {
    const lower = tag.name.toLowerCase();
    if ((lower.startsWith("source") || lower.startsWith("patch")) && lower.includes("%")) {
      table ??= walk(spec, {}).table;
      if (!expandMacros(tag.name, table).complete) gaps.push({ line: tag.line, reason: `tag name ${tag.name} cannot be expanded` });
    }
  }
  return gaps.sort((a, b) => a.line - b.line);
}
