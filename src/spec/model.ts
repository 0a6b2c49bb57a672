/**
 * Lossless RPM spec model. `parseSpec(text).toString() === text` for every input: each physical
 * line keeps its own terminator ("\n", "\r\n", a final "\r", or none). Structure (sections, tags,
 * conditionals) follows azldev's parser so that it agrees with what overlays act on.
 */
import { numberedTagNumber, packageOfSection, parseTagText, sectionTypeOf, tagFamily, type SectionType } from "./classify.js";
import { goFields, goFirstField, goTrimSpace } from "./text.js";

export type LineKind = "header" | "tag" | "conditional" | "macro" | "comment" | "blank" | "text";

export interface SpecLine {
  /** 1-based line number */
  readonly number: number;
  /** the line without its terminator (a CR before the LF belongs to the terminator) */
  readonly text: string;
  /** "\n", "\r\n", "\r" (last line only) or "" (last line only) */
  readonly eol: string;
  readonly kind: LineKind;
  /** index into Spec.sections */
  readonly section: number;
}

export interface SpecSection {
  readonly index: number;
  /** header token as written (`%files`, `%Files`), "" for the preamble */
  readonly name: string;
  /** lower-cased keyword (`%files`), "" for the preamble */
  readonly keyword: string;
  readonly type: SectionType;
  /** package qualifier as written in the header (`devel`, `%{name}-libs`), "" for the main package */
  readonly package: string;
  /** how the qualifier was written: `-n NAME`, a bare suffix, or none */
  readonly packageForm: "absolute" | "suffix" | "none";
  /** header tokens (keyword first); empty for the preamble */
  readonly tokens: readonly string[];
  /** 1-based header line, 0 for the preamble (which has no header) */
  readonly headerLine: number;
  /** 1-based first line of the body (the line after the header) */
  readonly bodyStart: number;
  /** 1-based last line of the section (header included); headerLine - 1 ... when the section is empty */
  readonly endLine: number;
}

export interface SpecTag {
  /** 1-based line */
  readonly line: number;
  /** as written (`Source0`, `BuildRequires`, `Requires(post)`) */
  readonly name: string;
  /** trimmed value, unexpanded */
  readonly value: string;
  /** lower-cased name without trailing digits */
  readonly family: string;
  /** N of SourceN / PatchN */
  readonly number?: number;
  readonly section: number;
  readonly package: string;
  /** the innermost conditional (index into Spec.conditionals) enclosing the line, if any */
  readonly conditional?: number;
}

export interface ConditionalBlock {
  readonly index: number;
  /** lower-cased directive: `%if`, `%ifarch`, ... */
  readonly directive: string;
  /** the rest of the opener line (trimmed), e.g. `0%{?with_devel}` */
  readonly condition: string;
  /** 1-based line of the opener */
  readonly line: number;
  /** 1-based lines of `%else` / `%elif*` directives of this block */
  readonly branches: readonly number[];
  /** 1-based line of the matching `%endif`; undefined when unclosed */
  readonly endLine?: number;
  /** nesting depth (0 = outermost) */
  readonly depth: number;
  /** enclosing block index */
  readonly parent?: number;
}

export interface SpecDiagnostic {
  /** 1-based */
  readonly line: number;
  readonly severity: "error" | "warning";
  readonly code: "unmatched-endif" | "unclosed-if" | "branch-outside-if" | "line-too-long";
  readonly message: string;
}

export interface MacroDefinition {
  /** 1-based line of `%global` / `%define` / `%undefine` */
  readonly line: number;
  /** 1-based last line (continuations with a trailing backslash extend the body) */
  readonly endLine: number;
  readonly kind: "global" | "define" | "undefine";
  readonly name: string;
  /** parameter spec of a parametric macro (`%define foo(a:) ...`) */
  readonly params?: string;
  /** unexpanded body ("" for %undefine) */
  readonly body: string;
  readonly conditional?: number;
}

export interface SourceListEntry {
  readonly line: number;
  readonly list: "%patchlist" | "%sourcelist";
  readonly value: string;
  readonly conditional?: number;
}

export interface ParseOptions {
  /**
   * Treat a line that follows a line ending in a backslash as plain text (never a header or tag),
   * as azldev's newer parser does. Default false, which is what azldev's editor does at the version
   * that produced the conformance corpus.
   */
  continuation?: boolean;
}

/** azldev reads specs with Go's bufio.Scanner: a line of 64 KiB or more cannot be read. */
export const MAX_AZLDEV_LINE_BYTES = 64 * 1024;

export class Spec {
  readonly lines: readonly SpecLine[];
  readonly sections: readonly SpecSection[];
  readonly tags: readonly SpecTag[];
  readonly conditionals: readonly ConditionalBlock[];
  readonly macros: readonly MacroDefinition[];
  readonly sourceLists: readonly SourceListEntry[];
  readonly diagnostics: readonly SpecDiagnostic[];
  private readonly source: string;

  constructor(text: string, options: ParseOptions = {}) {
    this.source = text;
    const built = build(text, options);
    this.lines = built.lines;
    this.sections = built.sections;
    this.tags = built.tags;
    this.conditionals = built.conditionals;
    this.macros = built.macros;
    this.sourceLists = built.sourceLists;
    this.diagnostics = built.diagnostics;
  }

  /** The exact input text. */
  toString(): string {
    return this.source;
  }

  /** Text of a 1-based line (without terminator). */
  lineText(line: number): string {
    return this.lines[line - 1]?.text ?? "";
  }

  /** Every section whose header token equals `name` exactly (and whose package equals `pkg`, when given). */
  sectionsNamed(name: string, pkg?: string): SpecSection[] {
    return this.sections.filter((s) => s.name === name && (pkg === undefined || s.package === pkg));
  }

  /** Every section carrying package qualifier `pkg` (all kinds: %package, %description, %files, scriptlets). */
  sectionsOfPackage(pkg: string): SpecSection[] {
    return this.sections.filter((s) => s.package === pkg && s.index > 0);
  }

  /** Names of sub-packages declared by `%package` headers, as written. */
  subpackages(): string[] {
    const out: string[] = [];
    for (const s of this.sections) if (s.keyword === "%package" && s.package !== "" && !out.includes(s.package)) out.push(s.package);
    return out;
  }

  /** Tags of one package ("" = main package), in file order. */
  tagsOf(pkg = ""): SpecTag[] {
    return this.tags.filter((t) => t.package === pkg);
  }

  /** First tag of that name (case-insensitive) in a package. */
  tag(name: string, pkg = ""): SpecTag | undefined {
    const lower = name.toLowerCase();
    return this.tags.find((t) => t.package === pkg && t.name.toLowerCase() === lower);
  }

  /** Entries of every `%patchlist`. */
  patchlist(): SourceListEntry[] {
    return this.sourceLists.filter((e) => e.list === "%patchlist");
  }

  /** Entries of every `%sourcelist`. */
  sourcelist(): SourceListEntry[] {
    return this.sourceLists.filter((e) => e.list === "%sourcelist");
  }

  /** The innermost conditional enclosing a 1-based line (the directive lines themselves excluded). */
  conditionalAt(line: number): ConditionalBlock | undefined {
    let best: ConditionalBlock | undefined;
    for (const c of this.conditionals) {
      const end = c.endLine ?? this.lines.length + 1;
      if (c.line < line && line < end && (!best || c.depth > best.depth)) best = c;
    }
    return best;
  }
}

/** Parse a spec. Never throws; structural problems are in `spec.diagnostics`. */
export function parseSpec(text: string, options?: ParseOptions): Spec {
  return new Spec(text, options);
}

interface Built {
  lines: SpecLine[];
  sections: SpecSection[];
  tags: SpecTag[];
  conditionals: ConditionalBlock[];
  macros: MacroDefinition[];
  sourceLists: SourceListEntry[];
  diagnostics: SpecDiagnostic[];
}

interface MutableSection {
  index: number;
  name: string;
  keyword: string;
  type: SectionType;
  package: string;
  packageForm: "absolute" | "suffix" | "none";
  tokens: readonly string[];
  headerLine: number;
  bodyStart: number;
  endLine: number;
}

interface MutableConditional {
  index: number;
  directive: string;
  condition: string;
  line: number;
  branches: number[];
  endLine?: number;
  depth: number;
  parent?: number;
}

function build(text: string, options: ParseOptions): Built {
  const lines: SpecLine[] = [];
  const sections: MutableSection[] = [
    { index: 0, name: "", keyword: "", type: "package", package: "", packageForm: "none", tokens: [], headerLine: 0, bodyStart: 1, endLine: 0 },
  ];
  const tags: SpecTag[] = [];
  const conditionals: MutableConditional[] = [];
  const macros: MacroDefinition[] = [];
  const sourceLists: SourceListEntry[] = [];
  const diagnostics: SpecDiagnostic[] = [];
  const stack: number[] = [];
  const continuationMode = options.continuation === true;

  let current = sections[0] as MutableSection;
  let continued = false;
  let pos = 0;
  const n = text.length;
  let lineNo = 0;
  // A macro definition whose body continues on the next physical line.
  let openMacro: { def: MacroDefinition; body: string } | undefined;

  const noteDirective = (directive: string, trimmed: string, lineNo: number): LineKind => {
    const enclosing = stack.length > 0 ? stack[stack.length - 1] : undefined;
    if (directive === "%if" || directive === "%ifarch" || directive === "%ifnarch" || directive === "%ifos" || directive === "%ifnos") {
      const block: MutableConditional = {
        index: conditionals.length,
        directive,
        condition: goTrimSpace(trimmed.slice(goFirstField(trimmed).length)),
        line: lineNo,
        branches: [],
        depth: stack.length,
        ...(enclosing !== undefined ? { parent: enclosing } : {}),
      };
      conditionals.push(block);
      stack.push(block.index);
      return "conditional";
    }
    if (directive === "%endif") {
      const open = stack.pop();
      if (open === undefined) {
        diagnostics.push({ line: lineNo, severity: "error", code: "unmatched-endif", message: `unmatched %endif at line ${lineNo}` });
      } else {
        (conditionals[open] as MutableConditional).endLine = lineNo;
      }
      return "conditional";
    }
    if (
      directive === "%else" ||
      directive === "%elif" ||
      directive === "%elifarch" ||
      directive === "%elifnarch" ||
      directive === "%elifos" ||
      directive === "%elifnos"
    ) {
      if (enclosing === undefined) {
        diagnostics.push({
          line: lineNo,
          severity: "error",
          code: "branch-outside-if",
          message: `${directive} at line ${lineNo} is outside any %if`,
        });
      } else {
        (conditionals[enclosing] as MutableConditional).branches.push(lineNo);
      }
      return "conditional";
    }
    return "text";
  };

  while (pos < n) {
    let nl = text.indexOf("\n", pos);
    let lineText: string;
    let eol: string;
    if (nl < 0) {
      nl = n;
      lineText = text.slice(pos);
      eol = "";
      if (lineText.endsWith("\r")) {
        lineText = lineText.slice(0, -1);
        eol = "\r";
      }
      pos = n;
    } else {
      if (nl > pos && text.charCodeAt(nl - 1) === 0x0d) {
        lineText = text.slice(pos, nl - 1);
        eol = "\r\n";
      } else {
        lineText = text.slice(pos, nl);
        eol = "\n";
      }
      pos = nl + 1;
    }
    lineNo++;

    if (lineText.length >= MAX_AZLDEV_LINE_BYTES / 3 && Buffer.byteLength(lineText, "utf8") >= MAX_AZLDEV_LINE_BYTES) {
      diagnostics.push({
        line: lineNo,
        severity: "warning",
        code: "line-too-long",
        message: `line ${lineNo} is 64 KiB or longer; azldev cannot read this spec`,
      });
    }

    // One trim per line serves the header, tag, directive and comment checks.
    const trimmed = goTrimSpace(lineText);
    const hashFirst = lineText.charCodeAt(0) === 0x23; /* azldev blanks a line whose first character is # */
    const plainText = continuationMode && continued;
    if (continuationMode) continued = lineText.endsWith("\\");
    let kind: LineKind = "text";
    const enclosing = stack.length > 0 ? stack[stack.length - 1] : undefined;
    const percentFirst = trimmed.charCodeAt(0) === 0x25;
    const firstToken = percentFirst ? goFirstField(trimmed) : "";
    const headerType = !plainText && !hashFirst && percentFirst ? sectionTypeOf(firstToken) : undefined;

    if (headerType !== undefined) {
      current.endLine = lineNo - 1;
      const tokens = goFields(trimmed);
      const pkg = packageOfSection(headerType, tokens);
      current = {
        index: sections.length,
        name: firstToken,
        keyword: firstToken.toLowerCase(),
        type: headerType,
        package: pkg.name,
        packageForm: pkg.form,
        tokens,
        headerLine: lineNo,
        bodyStart: lineNo + 1,
        endLine: lineNo,
      };
      sections.push(current);
      kind = "header";
      openMacro = undefined;
    } else if (!plainText && !hashFirst && trimmed !== "" && current.type === "package") {
      const tag = parseTagText(trimmed);
      if (tag !== undefined) {
        kind = "tag";
        const family = tagFamily(tag.name);
        const entry: { -readonly [K in keyof SpecTag]: SpecTag[K] } = {
          line: lineNo,
          name: tag.name,
          value: tag.value,
          family,
          section: current.index,
          package: current.package,
        };
        if (family === "source" || family === "patch") {
          const number = numberedTagNumber(tag.name, family);
          if (number !== undefined) entry.number = number;
        }
        if (enclosing !== undefined) entry.conditional = enclosing;
        tags.push(entry);
      }
    }

    // Conditionals and the finer line kinds (never for headers and tags, which keep their role).
    if (kind === "text") {
      const continuingMacro = openMacro;
      const directive = percentFirst && firstToken.length >= 3 && firstToken.length <= 10 ? firstToken.toLowerCase() : "";
      if (directive !== "") kind = noteDirective(directive, trimmed, lineNo);
      if (continuingMacro) {
        const body = continuingMacro.body + "\n" + lineText;
        const updated: MacroDefinition = { ...continuingMacro.def, endLine: lineNo, body };
        macros[macros.indexOf(continuingMacro.def)] = updated;
        openMacro = lineText.endsWith("\\") ? { def: updated, body } : undefined;
        if (kind === "text") kind = "macro";
      } else if (directive === "%global" || directive === "%define" || directive === "%undefine") {
        kind = "macro";
        const def = parseMacroDefinition(trimmed, lineNo, directive.slice(1) as "global" | "define" | "undefine", enclosing);
        if (def) {
          macros.push(def);
          if (def.kind !== "undefine" && lineText.endsWith("\\")) openMacro = { def, body: def.body };
        }
      }
      if (kind === "text") {
        if (trimmed === "") kind = "blank";
        else if (trimmed.charCodeAt(0) === 0x23) kind = "comment";
        else if (current.type === "sourcelist") {
          const entry: { -readonly [K in keyof SourceListEntry]: SourceListEntry[K] } = {
            line: lineNo,
            list: current.keyword as "%patchlist" | "%sourcelist",
            value: trimmed,
          };
          if (enclosing !== undefined) entry.conditional = enclosing;
          sourceLists.push(entry);
        }
      }
    }

    lines.push({ number: lineNo, text: lineText, eol, kind, section: current.index });
  }

  current.endLine = lineNo;
  for (const open of stack) {
    const c = conditionals[open] as MutableConditional;
    diagnostics.push({ line: c.line, severity: "error", code: "unclosed-if", message: `unmatched ${c.directive} at line ${c.line}` });
  }
  diagnostics.sort((a, b) => a.line - b.line);
  return { lines, sections, tags, conditionals, macros, sourceLists, diagnostics };
}

function parseMacroDefinition(
  lineText: string,
  lineNo: number,
  kind: "global" | "define" | "undefine",
  conditional: number | undefined,
): MacroDefinition | undefined {
  const trimmed = goTrimSpace(lineText);
  // Skip the directive token.
  let i = 0;
  while (i < trimmed.length && !/\s/.test(trimmed.charAt(i))) i++;
  const rest = trimmed.slice(i).replace(/^[ \t]+/, "");
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(\([^)]*\))?/.exec(rest);
  if (!m) return undefined;
  const name = m[1] as string;
  const params = m[2] !== undefined ? (m[2] as string).slice(1, -1) : undefined;
  const body = kind === "undefine" ? "" : rest.slice(m[0].length).replace(/^[ \t]+/, "");
  return {
    line: lineNo,
    endLine: lineNo,
    kind,
    name,
    ...(params !== undefined ? { params } : {}),
    body,
    ...(conditional !== undefined ? { conditional } : {}),
  };
}
