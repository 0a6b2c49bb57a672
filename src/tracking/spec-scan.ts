/**
 * Reads the facts the tracker needs from a rendered spec, for one target architecture and one set of
 * distro macros: every Source/Patch entry (tags and %patchlist/%sourcelist lines) with its number,
 * expanded value, comment block and whether its conditionals hold; and how %prep applies patches
 * (%autosetup, %autopatch, %patch N, hand-written `patch < %{PATCHn}` / `%{SOURCEn}` lines).
 */
import { rpmvercmp } from "../version/index.js";
import { evaluateCondition, expandMacros, type MacroTable } from "./spec-macros.js";

export type EntryKind = "Patch" | "Source";

export interface SpecEntry {
  kind: EntryKind;
  number: number;
  /** the value as written */
  value: string;
  /** the value after macro expansion (undefined when a macro could not be expanded) */
  expanded?: string;
  /** 1-based line */
  line: number;
  /** from %patchlist / %sourcelist rather than a tag */
  fromList: boolean;
  /** the tag carries its number (`Patch4:`), as opposed to an auto-numbered `Patch:` */
  explicitNumber: boolean;
  /** false when an enclosing conditional is false; undefined when one cannot be decided */
  active: boolean | undefined;
  /** the innermost enclosing conditional that is not true, as written */
  condition?: string;
  /** the comment block directly above the entry (without `#`) */
  comment: string[];
  /** line of the first comment line */
  commentLine?: number;
}

export type PrepMethod = "autosetup" | "autopatch" | "%patch" | "patch-command";

export interface PrepApplication {
  method: PrepMethod;
  /** which entries: "all" or explicit numbers (`kind` says whether they are Patch or Source numbers) */
  numbers: "all" | number[];
  /** %autopatch -m/-M bounds */
  range?: { min?: number; max?: number };
  kind: EntryKind;
  line: number;
  text: string;
  active: boolean | undefined;
}

export interface SpecScan {
  name?: string;
  version?: string;
  entries: SpecEntry[];
  prep: PrepApplication[];
  /** 1-based line of %prep, when present */
  prepLine?: number;
  macros: MacroTable;
}

interface Frame {
  /** is this branch taken (true/false/unknown) */
  state: boolean | undefined;
  /** has an earlier branch of this %if chain been taken */
  taken: boolean | undefined;
  text: string;
  parentActive: boolean | undefined;
}

const SECTION = /^%(prep|build|install|check|clean|files|changelog|description|package|pre|post|preun|postun|pretrans|posttrans|triggerin|triggerun|triggerpostun|triggerprein|filetriggerin|filetriggerun|filetriggerpostun|transfiletriggerin|transfiletriggerun|transfiletriggerpostun|verifyscript|sepolicy|generate_buildrequires|conf|patchlist|sourcelist)\b/;

function and3(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  if (a === false || b === false) return false;
  if (a === undefined || b === undefined) return undefined;
  return true;
}

function not3(a: boolean | undefined): boolean | undefined {
  return a === undefined ? undefined : !a;
}

export interface ScanOptions {
  /** distro macros (e.g. fedora=43, dist=.azl4) and build defines */
  macros?: Record<string, string>;
  /** `--with` / `--without` build options */
  with?: string[];
  without?: string[];
  /** target architecture for %ifarch and %{_arch} */
  arch?: string;
}

const ARCH_ALIASES: Record<string, string[]> = {
  x86_64: ["x86_64", "amd64", "em64t"],
  aarch64: ["aarch64", "arm64"],
};

function archMatches(list: string, arch: string, macros: MacroTable): boolean | undefined {
  const expanded = expandMacros(list, macros);
  const words = expanded.text.split(/[\s,]+/).filter(Boolean);
  const names = ARCH_ALIASES[arch] ?? [arch];
  if (words.some((w) => names.includes(w))) return true;
  return expanded.incomplete ? undefined : false;
}

/** Unescaped line continuation joins (for %global values spanning lines). */
function logicalLines(text: string): { text: string; line: number; span: number }[] {
  const raw = text.split(/\r?\n/);
  const out: { text: string; line: number; span: number }[] = [];
  for (let k = 0; k < raw.length; k++) {
    let line = raw[k] as string;
    const start = k;
    if (/^%(global|define)\s/.test(line)) {
      // a value continues over `\` line ends and over unbalanced `%{…}` braces (multi-line %{expand:…})
      const unbalanced = (t: string): boolean => (t.match(/\{/g)?.length ?? 0) > (t.match(/\}/g)?.length ?? 0);
      while ((line.endsWith("\\") || unbalanced(line)) && k + 1 < raw.length) {
        line = line.endsWith("\\") ? `${line.slice(0, -1)}\n${raw[++k] as string}` : `${line}\n${raw[++k] as string}`;
      }
    }
    out.push({ text: line, line: start + 1, span: k - start + 1 });
  }
  return out;
}

export function scanSpec(text: string, options: ScanOptions = {}): SpecScan {
  const arch = options.arch ?? "x86_64";
  const macros: MacroTable = new Map(Object.entries(options.macros ?? {}));
  macros.set("_arch", arch);
  macros.set("_target_cpu", arch);
  macros.set("_host_cpu", arch);
  // Command-line --with/--without win over the spec's %bcond defaults.
  const forcedWith = new Set(options.with ?? []);
  const forcedWithout = new Set(options.without ?? []);
  for (const w of forcedWith) macros.set(`with_${w}`, "1");

  const scan: SpecScan = { entries: [], prep: [], macros };
  const stack: Frame[] = [];
  const active = (): boolean | undefined => stack.reduce<boolean | undefined>((acc, f) => and3(acc, f.state), true);
  const innermostCondition = (): string | undefined => [...stack].reverse().find((f) => f.state !== true)?.text;
  let section = "preamble";
  let comment: { lines: string[]; line: number } | undefined;
  const nextNumber: Record<EntryKind, number> = { Patch: 0, Source: 0 };

  const addEntry = (kind: EntryKind, explicit: number | undefined, value: string, line: number, fromList: boolean) => {
    const number = explicit ?? nextNumber[kind];
    nextNumber[kind] = Math.max(nextNumber[kind], number + 1);
    const expansion = expandMacros(value, macros);
    const entry: SpecEntry = { kind, number, value, line, fromList, explicitNumber: explicit !== undefined, active: active(), comment: comment?.lines ?? [] };
    if (!expansion.incomplete) entry.expanded = expansion.text.trim();
    const condition = innermostCondition();
    if (condition !== undefined) entry.condition = condition;
    if (comment) entry.commentLine = comment.line;
    scan.entries.push(entry);
    // rpm defines PATCHn / SOURCEn (and patch path macros) for later references
    if (active() !== false) macros.set(`${kind.toUpperCase()}${number}`, entry.expanded ?? value);
  };

  for (const { text: line, line: lineNo } of logicalLines(text)) {
    const trimmed = line.trim();

    // conditionals apply in every section
    let m: RegExpExecArray | null;
    if ((m = /^%if\s+(.*)$/.exec(trimmed))) {
      const parentActive = active();
      const state = evaluateCondition(stripComment(m[1] as string), macros, rpmvercmp);
      stack.push({ state, taken: state, text: trimmed, parentActive });
      continue;
    }
    if ((m = /^%(ifarch|ifnarch|ifos|ifnos)\s+(.*)$/.exec(trimmed))) {
      const kindWord = m[1] as string;
      let state: boolean | undefined;
      if (kindWord === "ifarch" || kindWord === "ifnarch") {
        const matched = archMatches(stripComment(m[2] as string), arch, macros);
        state = kindWord === "ifarch" ? matched : not3(matched);
      } else {
        const matched = /\blinux\b/.test(m[2] as string);
        state = kindWord === "ifos" ? matched : !matched;
      }
      stack.push({ state, taken: state, text: trimmed, parentActive: active() });
      continue;
    }
    if ((m = /^%(elif|elifarch|elifnarch)\s+(.*)$/.exec(trimmed))) {
      const frame = stack.at(-1);
      if (frame) {
        let cond: boolean | undefined;
        if (m[1] === "elif") cond = evaluateCondition(stripComment(m[2] as string), macros, rpmvercmp);
        else {
          const matched = archMatches(stripComment(m[2] as string), arch, macros);
          cond = m[1] === "elifarch" ? matched : not3(matched);
        }
        frame.state = and3(not3(frame.taken), cond);
        frame.taken = frame.taken === true || cond === true ? true : frame.taken === undefined || cond === undefined ? undefined : false;
        frame.text = trimmed;
      }
      comment = undefined;
      continue;
    }
    if (/^%else\b/.test(trimmed)) {
      const frame = stack.at(-1);
      if (frame) {
        frame.state = not3(frame.taken);
        frame.text = `%else of ${frame.text}`;
      }
      comment = undefined;
      continue;
    }
    if (/^%endif\b/.test(trimmed)) {
      stack.pop();
      comment = undefined;
      continue;
    }

    const sectionMatch = SECTION.exec(trimmed);
    if (sectionMatch) {
      section = sectionMatch[1] as string;
      if (section === "prep") scan.prepLine = lineNo;
      comment = undefined;
      continue;
    }

    const isActive = active();
    // macro definitions take effect only on branches that are (or may be) taken
    if ((m = /^%(global|define)\s+([A-Za-z_][A-Za-z0-9_]*)(?:\([^)]*\))?\s+([\s\S]*)$/.exec(trimmed))) {
      if (isActive !== false) {
        const name = m[2] as string;
        const body = (m[3] as string).trim();
        const value = m[1] === "global" ? expandMacros(body, macros) : { text: body, incomplete: false };
        macros.set(name, value.incomplete ? body : value.text);
      }
      comment = undefined;
      continue;
    }
    if ((m = /^%undefine\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(trimmed))) {
      if (isActive !== false) macros.delete(m[1] as string);
      continue;
    }
    if ((m = /^%bcond_(with|without)\s+([A-Za-z0-9_]+)/.exec(trimmed)) || (m = /^%bcond\s+([A-Za-z0-9_]+)\s+(.+)$/.exec(trimmed))) {
      if (isActive !== false) {
        let name: string;
        let enabledByDefault: boolean | undefined;
        if (m[0].startsWith("%bcond_")) {
          name = m[2] as string;
          enabledByDefault = m[1] === "without";
        } else {
          name = m[1] as string;
          enabledByDefault = evaluateCondition(stripComment(m[2] as string), macros, rpmvercmp);
        }
        const enabled = forcedWith.has(name) ? true : forcedWithout.has(name) ? false : enabledByDefault;
        if (enabled) macros.set(`with_${name}`, "1");
        else if (enabled === false) macros.delete(`with_${name}`);
      }
      continue;
    }

    if (trimmed.startsWith("#")) {
      const body = trimmed.replace(/^#+\s?/, "");
      if (comment) comment.lines.push(body);
      else comment = { lines: [body], line: lineNo };
      continue;
    }

    if (section === "preamble" || section === "package") {
      const tag = /^([A-Za-z][A-Za-z0-9]*?)(\d*)\s*:\s*(.*)$/.exec(line);
      if (tag) {
        const name = (tag[1] as string).toLowerCase();
        const value = (tag[3] as string).trim();
        if (name === "patch" || name === "source") {
          addEntry(name === "patch" ? "Patch" : "Source", tag[2] ? Number(tag[2]) : undefined, value, lineNo, false);
        } else if (section === "preamble" && isActive !== false && (name === "name" || name === "version" || name === "release" || name === "epoch" || name === "url" || name === "summary" || name === "license")) {
          const expansion = expandMacros(value, macros);
          macros.set(name, expansion.text);
          if (name === "name") scan.name = expansion.text;
          if (name === "version") scan.version = expansion.incomplete ? value : expansion.text;
        }
      }
    } else if (section === "patchlist" || section === "sourcelist") {
      if (trimmed) addEntry(section === "patchlist" ? "Patch" : "Source", undefined, trimmed, lineNo, true);
    } else if (section === "prep" && trimmed) {
      scanPrepLine(trimmed, lineNo, isActive, scan, macros);
    }
    comment = undefined;
  }
  return scan;
}

function stripComment(expr: string): string {
  return expr.replace(/\s+#.*$/, "");
}

function scanPrepLine(line: string, lineNo: number, active: boolean | undefined, scan: SpecScan, macros: MacroTable): void {
  const push = (app: Omit<PrepApplication, "line" | "text" | "active">) => scan.prep.push({ ...app, line: lineNo, text: line, active });
  const words = line.split(/\s+/);
  const head = words[0] as string;
  if (head === "%autosetup" || head === "%{autosetup}") {
    // -N: do not apply patches; -p is needed for anything but -p0 patches but does not gate applying
    if (!words.includes("-N")) push({ method: "autosetup", numbers: "all", kind: "Patch" });
    return;
  }
  if (head === "%autopatch" || head === "%{autopatch}") {
    const numbers: number[] = [];
    const range: { min?: number; max?: number } = {};
    for (let k = 1; k < words.length; k++) {
      const w = words[k] as string;
      if (w === "-m" || w === "-M") {
        const v = Number(words[++k]);
        if (Number.isFinite(v)) range[w === "-m" ? "min" : "max"] = v;
      } else if (/^-[mM]\d+$/.test(w)) range[w[1] === "m" ? "min" : "max"] = Number(w.slice(2));
      else if (/^\d+$/.test(w)) numbers.push(Number(w));
    }
    push({ method: "autopatch", numbers: numbers.length ? numbers : "all", ...(range.min !== undefined || range.max !== undefined ? { range } : {}), kind: "Patch" });
    return;
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
        if (v && /^\d+$/.test(v)) numbers.push(Number(v));
        sawP = true;
      } else if (/^-P\d+$/.test(w)) {
        numbers.push(Number(w.slice(2)));
        sawP = true;
      } else if (/^-[bz]$/.test(w) || w === "-d" || w === "-o" || w === "-F") {
        k++; // option with an argument
      } else if (/^\d+$/.test(w)) {
        numbers.push(Number(w));
      }
    }
    // a bare "%patch" (no number, no -P) is patch 0 in rpm < 4.18
    if (!oldStyle && numbers.length === 0 && !sawP) numbers.push(0);
    push({ method: "%patch", numbers, kind: "Patch" });
    return;
  }
  // Hand-written application: `patch -p1 < %{PATCH3}`, `git apply %{SOURCE4}`, `%{__patch} -p1 -i %{PATCH1}`
  if (/(^|[\s;|&(])(%\{__patch\}|patch|git\s+apply|git\s+am|%\{__git\}\s+(apply|am))(\s|$)/.test(line)) {
    for (const ref of line.matchAll(/%\{?(PATCH|SOURCE)(\d+)\}?/g)) {
      push({ method: "patch-command", numbers: [Number(ref[2])], kind: ref[1] === "PATCH" ? "Patch" : "Source" });
    }
    // `patch -p1 < %{_sourcedir}/name.patch` names the file instead of the number
    for (const ref of line.matchAll(/%\{?_sourcedir\}?\/(\S+)/g)) {
      const file = expandMacros(ref[1] as string, macros).text;
      const entry = scan.entries.find((e) => (e.expanded ?? e.value).split("/").pop() === file);
      if (entry) push({ method: "patch-command", numbers: [entry.number], kind: entry.kind });
    }
  }
}

/** How (and whether) %prep applies one entry; undefined when nothing applies it. */
export function applicationOf(scan: SpecScan, entry: SpecEntry): PrepApplication | undefined {
  const candidates = scan.prep.filter((app) => {
    if (app.kind !== entry.kind || app.active === false) return false;
    if (app.numbers === "all") {
      if (entry.kind !== "Patch") return false;
      const { min, max } = app.range ?? {};
      return (min === undefined || entry.number >= min) && (max === undefined || entry.number <= max);
    }
    return app.numbers.includes(entry.number);
  });
  return candidates.find((c) => c.active === true) ?? candidates[0];
}
