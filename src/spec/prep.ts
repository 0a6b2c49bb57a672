/**
 * Which patches (and patch-like sources) `%prep` applies, and how: `%autosetup`, `%autopatch` with
 * its `-m`/`-M` bounds or explicit numbers, `%patch N` / `%patchN` / `%patch -P N`, and hand-written
 * `patch < %{PATCHn}` / `git apply %{SOURCEn}` / `patch -i %{_sourcedir}/name` commands. Each
 * application carries its line and whether rpm reads that line under the given build options.
 */
import { expandMacros } from "./macros.js";
import type { Spec } from "./model.js";
import { evaluateSpec, type ListOptions, type SpecEvaluation } from "./sources.js";
import { goFields, goTrimSpace } from "./text.js";

export type PatchApplicationMethod = "autosetup" | "autopatch" | "%patch" | "patch-command";

export interface PatchApplication {
  method: PatchApplicationMethod;
  /** `kind` says whether `numbers` are Patch or Source numbers */
  kind: "Patch" | "Source";
  /** "all": every Patch (within `range`); otherwise the numbers the line names */
  numbers: "all" | number[];
  /** `%autopatch -m MIN -M MAX` bounds */
  range?: { min?: number; max?: number };
  /** 1-based line in %prep */
  line: number;
  /** the line, trimmed */
  text: string;
  /** whether rpm reads the line: false in a branch not taken, undefined when undecidable */
  active: boolean | undefined;
}

export interface PrepAnalysis {
  /** 1-based line of the first `%prep` header, when there is one */
  prepLine?: number;
  applications: PatchApplication[];
}

export interface PrepOptions extends ListOptions {
  /** `evaluateSpec(spec, options)` when the caller already has it (saves reading the spec again) */
  evaluation?: SpecEvaluation;
}

/** The `%prep` patch applications of a spec, in file order. */
export function patchApplication(spec: Spec, options: PrepOptions = {}): PrepAnalysis {
  const prepSections = spec.sections.filter((s) => s.keyword === "%prep");
  const analysis: PrepAnalysis = { applications: [] };
  if (prepSections.length === 0) return analysis;
  analysis.prepLine = (prepSections[0] as (typeof prepSections)[number]).headerLine;
  const { activity, entries, macros } = options.evaluation ?? evaluateSpec(spec, options);
  const context: LineContext = { entries, expand: (text) => expandMacros(text, macros).value };
  for (const section of prepSections) {
    for (let number = section.bodyStart; number <= section.endLine; number++) {
      const line = spec.lines[number - 1];
      if (!line || (line.kind !== "text" && line.kind !== "tag")) continue;
      const text = goTrimSpace(line.text);
      if (text === "") continue;
      for (const app of applicationsOnLine(text, context)) {
        analysis.applications.push({ ...app, line: number, text, active: activity[number] });
      }
    }
  }
  return analysis;
}

type LineApplication = Omit<PatchApplication, "line" | "text" | "active">;

interface LineContext {
  /** numbered entries that `%{_sourcedir}/file` references resolve against */
  entries: SpecEvaluation["entries"];
  expand: (text: string) => string;
}

const PATCH_COMMAND = /(^|[\s;|&(])(%\{__patch\}|%__patch|patch|git\s+apply|git\s+am|%\{__git\}\s+(apply|am))(\s|$)/;

function applicationsOnLine(text: string, context: LineContext): LineApplication[] {
  const words = goFields(text);
  const head = words[0] as string;
  if (head === "%autosetup" || head === "%{autosetup}") {
    // -N: unpack only; -p sets the strip level but does not gate applying
    return words.includes("-N") ? [] : [{ method: "autosetup", kind: "Patch", numbers: "all" }];
  }
  if (head === "%autopatch" || head === "%{autopatch}") {
    const numbers: number[] = [];
    const range: { min?: number; max?: number } = {};
    for (let k = 1; k < words.length; k++) {
      const w = words[k] as string;
      if (w === "-m" || w === "-M") {
        const v = words[++k];
        if (v !== undefined && /^\d+$/.test(v)) range[w === "-m" ? "min" : "max"] = Number(v);
      } else if (/^-[mM]\d+$/.test(w)) range[w[1] === "m" ? "min" : "max"] = Number(w.slice(2));
      else if (/^\d+$/.test(w)) numbers.push(Number(w));
    }
    const bounded = range.min !== undefined || range.max !== undefined;
    return [{ method: "autopatch", kind: "Patch", numbers: numbers.length > 0 ? numbers : "all", ...(bounded ? { range } : {}) }];
  }
  const oldStyle = /^%\{?patch(\d+)\}?$/.exec(head);
  if (oldStyle || head === "%patch" || head === "%{patch}") {
    const numbers: number[] = [];
    if (oldStyle) numbers.push(Number(oldStyle[1]));
    let sawP = false;
    for (let k = 1; k < words.length; k++) {
      const w = words[k] as string;
      if (w === "-P") {
        const v = words[++k];
        if (v !== undefined && /^\d+$/.test(v)) numbers.push(Number(v));
        sawP = true;
      } else if (/^-P\d+$/.test(w)) {
        numbers.push(Number(w.slice(2)));
        sawP = true;
      } else if (w === "-b" || w === "-z" || w === "-d" || w === "-o" || w === "-F") {
        k++; // option with an argument
      } else if (/^\d+$/.test(w)) {
        numbers.push(Number(w));
      }
    }
    // a bare `%patch` (no number, no -P) is patch 0 in rpm before 4.18
    if (!oldStyle && numbers.length === 0 && !sawP) numbers.push(0);
    return [{ method: "%patch", kind: "Patch", numbers }];
  }
  if (!PATCH_COMMAND.test(text)) return [];
  const out: LineApplication[] = [];
  for (const ref of text.matchAll(/%\{?(PATCH|SOURCE)(\d+)\}?/g)) {
    out.push({ method: "patch-command", kind: ref[1] === "PATCH" ? "Patch" : "Source", numbers: [Number(ref[2])] });
  }
  // `patch -p1 < %{_sourcedir}/name.patch` names the file instead of the number
  for (const ref of text.matchAll(/%\{?_sourcedir\}?\/(\S+)/g)) {
    const file = context.expand(ref[1] as string);
    const entry = context.entries.find((e) => e.number !== undefined && baseName(e.fileName ?? e.expanded ?? e.value) === file);
    if (entry?.number !== undefined) out.push({ method: "patch-command", kind: entry.kind, numbers: [entry.number] });
  }
  return out;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * How `%prep` applies entry `kind` `number`: the first application rpm surely reads, else the first
 * one it may read; undefined when no line that may be read applies it.
 */
export function applicationOf(applications: readonly PatchApplication[], kind: "Patch" | "Source", number: number): PatchApplication | undefined {
  const candidates = applications.filter((app) => app.active !== false && appliesTo(app, kind, number));
  return candidates.find((c) => c.active === true) ?? candidates[0];
}

/** Whether the line of `app` names entry `kind` `number`, whatever the conditionals around it. */
export function appliesTo(app: PatchApplication, kind: "Patch" | "Source", number: number): boolean {
  if (app.kind !== kind) return false;
  if (app.numbers === "all") {
    if (kind !== "Patch") return false;
    const { min, max } = app.range ?? {};
    return (min === undefined || number >= min) && (max === undefined || number <= max);
  }
  return app.numbers.includes(number);
}

/** Whether some line applies every patch (`%autosetup` without -N, `%autopatch` without bounds or numbers). */
export function appliesEveryPatch(applications: readonly PatchApplication[]): boolean {
  return applications.some((app) => app.kind === "Patch" && app.numbers === "all" && app.range === undefined);
}
