/**
 * The facts the tracker needs from a rendered spec, for one target architecture and one set of
 * distro macros: every Source/Patch entry with its number, expanded value, the comment block above
 * it and whether its conditionals hold; and how %prep applies patches. Parsing, macro expansion,
 * conditional evaluation and the %prep analysis are the spec module's; this adds what only the
 * tracker asks for (comment blocks, explicit numbering, the package version).
 */
import {
  applicationOf as specApplicationOf,
  evaluateSpec,
  expandMacros,
  parseSpec,
  patchApplication,
  type ListOptions,
  type MacroTable,
  type PatchApplication,
  type PatchApplicationMethod,
  type Spec,
} from "../spec/index.js";

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

export type PrepMethod = PatchApplicationMethod;
export type PrepApplication = PatchApplication;

export interface SpecScan {
  name?: string;
  version?: string;
  /** the URL tag, expanded (only when every macro in it expanded) */
  url?: string;
  entries: SpecEntry[];
  prep: PrepApplication[];
  /** 1-based line of %prep, when present */
  prepLine?: number;
}

export interface ScanOptions {
  /** distro macros (e.g. fedora=43, dist=.azl4) and build defines */
  macros?: Record<string, string>;
  /** `--with` / `--without` build options */
  with?: string[];
  without?: string[];
  /** target architecture for %ifarch and %{_arch} (default x86_64) */
  arch?: string;
}

export function scanSpec(text: string, options: ScanOptions = {}): SpecScan {
  const spec = parseSpec(text);
  const listOptions: ListOptions = {
    defines: options.macros ?? {},
    arch: options.arch ?? "x86_64",
    ...(options.with ? { with: options.with } : {}),
    ...(options.without ? { without: options.without } : {}),
  };
  const evaluation = evaluateSpec(spec, listOptions);
  const listed = evaluation.entries;
  const tagsByLine = new Map(spec.tags.map((t) => [t.line, t]));
  const highest: Record<EntryKind, number> = { Patch: -1, Source: -1 };
  const entries: SpecEntry[] = listed.map((e) => {
    // rpm never reads an unnumbered tag in a branch not taken; number it where it would have been
    const number = e.number ?? highest[e.kind] + 1;
    highest[e.kind] = Math.max(highest[e.kind], number);
    const tag = e.fromList ? undefined : tagsByLine.get(e.line);
    const entry: SpecEntry = {
      kind: e.kind,
      number,
      value: e.value,
      line: e.line,
      fromList: e.fromList === true,
      explicitNumber: tag !== undefined && (tag.number !== undefined || tag.name.includes("%")),
      active: e.conditional ? e.active : true,
      comment: [],
    };
    if (e.unexpandable === undefined && e.expanded !== undefined) entry.expanded = e.expanded.trim();
    if (e.condition !== undefined) entry.condition = e.condition;
    const block = commentAbove(spec, e.line);
    if (block) {
      entry.comment = block.lines;
      entry.commentLine = block.line;
    }
    return entry;
  });
  const { prepLine, applications } = patchApplication(spec, { ...listOptions, evaluation });
  const scan: SpecScan = { entries, prep: applications, ...(prepLine !== undefined ? { prepLine } : {}) };
  const identity = packageIdentity(spec, evaluation.macros);
  if (identity.name !== undefined) scan.name = identity.name;
  if (identity.version !== undefined) scan.version = identity.version;
  if (identity.url !== undefined) scan.url = identity.url;
  return scan;
}

const COMMENT_TRANSPARENT = /^%(if|ifarch|ifnarch|ifos|ifnos|undefine|bcond|bcond_with|bcond_without)\b/;

/**
 * The comment lines directly above line `line`: `%if` openers, `%undefine` and `%bcond` lines
 * between the comment and the entry do not separate them (a comment above `%if` explains the
 * entries inside it).
 */
function commentAbove(spec: Spec, line: number): { lines: string[]; line: number } | undefined {
  const lines: string[] = [];
  let first: number | undefined;
  for (let n = line - 1; n >= 1; n--) {
    const trimmed = (spec.lines[n - 1]?.text ?? "").trim();
    if (trimmed.startsWith("#")) {
      lines.unshift(trimmed.replace(/^#+\s?/, ""));
      first = n;
    } else if (!COMMENT_TRANSPARENT.test(trimmed)) break;
  }
  return first === undefined ? undefined : { lines, line: first };
}

/** Name and Version of the main package: expanded, or the version as written when it cannot be. */
function packageIdentity(spec: Spec, table: MacroTable): { name?: string; version?: string; url?: string } {
  const out: { name?: string; version?: string; url?: string } = {};
  const url = spec.tag("URL");
  if (url) {
    const expansion = expandMacros(url.value, table);
    if (expansion.complete) out.url = expansion.value.trim();
  }
  const name = spec.tag("Name");
  if (name) out.name = expandMacros(name.value, table).value;
  const version = spec.tag("Version");
  if (version) {
    const expansion = expandMacros(version.value, table);
    out.version = expansion.complete ? expansion.value : version.value;
  }
  return out;
}

/** How (and whether) %prep applies one entry; undefined when nothing applies it. */
export function applicationOf(scan: SpecScan, entry: SpecEntry): PrepApplication | undefined {
  return specApplicationOf(scan.prep, entry.kind, entry.number);
}
