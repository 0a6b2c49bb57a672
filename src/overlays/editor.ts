/**
 * azldev's spec editor, operation for operation. Every edit walks the lines with the same visitor
 * state machine azldev uses (parse state rolled back and lines re-parsed after each mutation,
 * inserted lines parsed but not visited), because several observable quirks come from exactly
 * that walk: edits hit every duplicate section, `spec-add-tag` can land inside an open `%if`, and a
 * replacement that turns a line into a header changes the section of the lines after it.
 *
 * Errors carry azldev's own message chain (inner layers joined by ":\n").
 */
import { RE2JS } from "re2js";
import {
  classifyLine,
  conditionalDepthChange,
  isBlankOrComment,
  isConditionalBranch,
  packageOfSection,
  patchTagNumber,
  tagFamily,
  type SectionType,
} from "../spec/classify.js";
import { goQ, goTrimSpace } from "../spec/text.js";
import { matchGlob } from "../glob/index.js";
import { compileRegex, ReplacementBudgetError, replaceAllLiteral } from "./regex.js";
import type { LineOrigin } from "./types.js";

/** One spec line while overlays run. `text` may contain "\n" until the spec is written and re-read. */
export interface EditLine {
  text: string;
  origin: LineOrigin;
}

/** An editor failure with azldev's message chain. */
export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EditError";
  }
}

/** Wraps an inner error the way Go's fmt.Errorf("...:\n%w") does. */
function wrap(prefix: string, error: unknown): EditError {
  const inner = error instanceof Error ? error.message : String(error);
  return new EditError(`${prefix}:\n${inner}`);
}

const NO_SUCH_TAG = "no such tag";
const SECTION_NOT_FOUND = "section not found";
const SPANS_SECTIONS = "conditional block spans across section boundaries";
const PATTERN_NOT_FOUND = "pattern not found";

interface SectionState {
  name: string;
  type: SectionType;
  pkg: string;
}

interface ParseState {
  sect: SectionState;
  continued: boolean;
}

type Target = "section-start" | "section-line" | "section-end";

type Parsed = ReturnType<typeof classifyLine>;

const PREAMBLE: SectionState = { name: "", type: "package", pkg: "" };

/** The visitor context: azldev's spec.Context. */
class VisitContext {
  target: Target = "section-start";
  section: SectionState = PREAMBLE;
  lineNum = 0;
  parsed: Parsed | undefined;
  lineText: string | undefined;
  parseStateBefore: ParseState = { sect: PREAMBLE, continued: false };
  parseState: ParseState = { sect: PREAMBLE, continued: false };
  nextLineNumToParse = 1;
  nextLineNumToVisit = 0;

  constructor(
    private readonly editor: SpecEditor,
    private readonly origin: LineOrigin,
  ) {}

  private make(lines: readonly string[]): EditLine[] {
    return lines.map((text) => ({ text, origin: this.origin }));
  }

  insertLinesBefore(lines: readonly string[]): void {
    this.editor.lines.splice(this.lineNum, 0, ...this.make(lines));
    this.parseState = this.parseStateBefore;
    this.nextLineNumToParse = this.lineNum;
    this.nextLineNumToVisit = this.lineNum + lines.length + 1;
  }

  insertLinesAfter(lines: readonly string[]): void {
    this.editor.lines.splice(this.lineNum + 1, 0, ...this.make(lines));
    this.nextLineNumToParse = this.lineNum + 1;
    this.nextLineNumToVisit += lines.length;
  }

  removeLine(): void {
    this.editor.lines.splice(this.lineNum, 1);
    this.parseState = this.parseStateBefore;
    this.nextLineNumToParse = this.lineNum;
    this.nextLineNumToVisit = this.lineNum;
  }

  replaceLine(text: string): void {
    const old = this.editor.lines[this.lineNum] as EditLine;
    this.editor.lines[this.lineNum] = { text, origin: rewrittenOrigin(old.origin, this.origin) };
    this.parseState = this.parseStateBefore;
    this.nextLineNumToParse = this.lineNum;
    this.nextLineNumToVisit = this.lineNum + 1;
  }
}

/** A rewritten line is attributed to the overlay, remembering which input line it rewrote. */
function rewrittenOrigin(old: LineOrigin, by: LineOrigin): LineOrigin {
  if (by.kind !== "overlay") return by;
  const rewrites = old.kind === "input" ? old.line : old.rewrites;
  return rewrites !== undefined ? { ...by, rewrites } : by;
}

export interface EditorOptions {
  /** azldev's newer parser: a line after a trailing backslash is plain text */
  continuation?: boolean;
  /** the most characters a spec may grow to through search-and-replace (default SPEC_MAX_CHARS) */
  maxSpecChars?: number;
}

/**
 * The largest spec an overlay may produce: real specs stay under 1 MB (texlive's, the largest in
 * Azure Linux, is about 0.5 MB); a few short overlays with `(?m)^` and a long replacement would
 * otherwise multiply a spec into gigabytes.
 */
export const SPEC_MAX_CHARS = 16 * 1024 * 1024;
/** The most lines, for the same reason: each line carries its provenance, so lines cost more than characters. */
export const SPEC_MAX_LINES = 250_000;

export class SpecEditor {
  constructor(
    public lines: EditLine[],
    private readonly options: EditorOptions = {},
  ) {}

  texts(): string[] {
    return this.lines.map((l) => l.text);
  }

  private parseLine(text: string, state: ParseState): [Parsed, ParseState] {
    const continuation = this.options.continuation === true;
    const parsed = classifyLine(text, state.sect.type === "package", continuation && state.continued);
    let sect = state.sect;
    if (parsed.kind === "header") {
      const pkg = packageOfSection(parsed.sectionType, parsed.tokens);
      sect = { name: parsed.name, type: parsed.sectionType, pkg: pkg.name };
    }
    const continued = continuation ? text.endsWith("\\") : false;
    return [parsed, sect === state.sect && continued === state.continued ? state : { sect, continued }];
  }

  /** azldev's Spec.Visit. The visitor may mutate through the context. */
  visit(origin: LineOrigin, visitor: (ctx: VisitContext) => void): void {
    const ctx = new VisitContext(this, origin);
    ctx.target = "section-start";
    visitor(ctx);
    // A visitor that keeps inserting lines it then visits would never stop; azldev would hang.
    let budget = 4 * this.lines.length + 100_000;
    while (ctx.lineNum < this.lines.length) {
      if (--budget < 0) throw new EditError("overlay did not terminate: it keeps matching the lines it inserts");
      const raw = (this.lines[ctx.lineNum] as EditLine).text;
      ctx.parseStateBefore = ctx.parseState;
      const [parsed, state] = this.parseLine(raw, ctx.parseStateBefore);
      ctx.parseState = state;
      if (parsed.kind === "header") {
        ctx.target = "section-end";
        ctx.parsed = undefined;
        ctx.lineText = undefined;
        if (ctx.lineNum >= ctx.nextLineNumToVisit) visitor(ctx);
        ctx.section = ctx.parseState.sect;
        ctx.target = "section-start";
        ctx.lineText = raw;
      } else {
        ctx.target = "section-line";
        ctx.parsed = parsed;
        ctx.lineText = raw;
      }
      if (ctx.lineNum >= ctx.nextLineNumToVisit) visitor(ctx);
      ctx.lineNum = ctx.nextLineNumToParse;
      ctx.nextLineNumToParse++;
      ctx.nextLineNumToVisit = Math.max(ctx.lineNum, ctx.nextLineNumToVisit);
    }
    ctx.target = "section-end";
    ctx.parsed = undefined;
    ctx.lineText = undefined;
    visitor(ctx);
  }

  /** Visits tag lines of every package. */
  private visitTags(origin: LineOrigin, visitor: (tag: { name: string; value: string }, ctx: VisitContext) => void): void {
    this.visit(origin, (ctx) => {
      if (ctx.target !== "section-line" || ctx.parsed?.kind !== "tag") return;
      visitor(ctx.parsed, ctx);
    });
  }

  private visitTagsPackage(origin: LineOrigin, pkg: string, visitor: (tag: { name: string; value: string }, ctx: VisitContext) => void): void {
    this.visitTags(origin, (tag, ctx) => {
      if (ctx.section.pkg !== pkg) return;
      visitor(tag, ctx);
    });
  }

  // ---- tags ---------------------------------------------------------------------------------

  setTag(origin: LineOrigin, pkg: string, tag: string, value: string): void {
    try {
      this.updateExistingTag(origin, pkg, tag, value);
    } catch (error) {
      if (error instanceof EditError && error.message.endsWith(`\n${NO_SUCH_TAG}`)) {
        this.addTag(origin, pkg, tag, value);
        return;
      }
      throw error;
    }
  }

  updateExistingTag(origin: LineOrigin, pkg: string, tag: string, value: string): void {
    const lower = tag.toLowerCase();
    let updated = false;
    this.visitTagsPackage(origin, pkg, (t, ctx) => {
      if (t.name.toLowerCase() !== lower) return;
      ctx.replaceLine(`${tag}: ${value}`);
      updated = true;
    });
    if (!updated) throw new EditError(`tag ${goQ(tag)} not found in spec:\n${NO_SUCH_TAG}`);
  }

  removeTag(origin: LineOrigin, pkg: string, tag: string, value: string): void {
    const lower = tag.toLowerCase();
    const wanted = value.toLowerCase();
    // Go's strings.EqualFold, approximated by comparing lower-cased strings.
    const removed = this.removeTagsMatching(origin, pkg, (t, v) => t.toLowerCase() === lower && (value === "" || v.toLowerCase() === wanted));
    if (removed === 0) throw new EditError(`tag ${goQ(tag)} with value ${goQ(value)} not found in spec:\n${NO_SUCH_TAG}`);
  }

  removeTagsMatching(origin: LineOrigin, pkg: string, matcher: (tag: string, value: string) => boolean): number {
    let removed = 0;
    this.visitTagsPackage(origin, pkg, (t, ctx) => {
      if (!matcher(t.name, t.value)) return;
      ctx.removeLine();
      removed++;
    });
    return removed;
  }

  addTag(origin: LineOrigin, pkg: string, tag: string, value: string): void {
    this.appendLinesToSection(origin, pkg !== "" ? "%package" : "", pkg, [`${tag}: ${value}`]);
  }

  insertTag(origin: LineOrigin, pkg: string, tag: string, value: string): void {
    const family = tagFamily(tag);
    const sectionName = pkg !== "" ? "%package" : "";
    let lastFamily = -1;
    let lastAny = -1;
    let sectionEnd = this.lines.length;
    let found = false;
    this.visit(origin, (ctx) => {
      const matches = ctx.section.name === sectionName && ctx.section.pkg === pkg;
      if (ctx.target === "section-start" && matches) found = true;
      if (ctx.target === "section-end" && matches) sectionEnd = ctx.lineNum;
      if (ctx.target !== "section-line" || !matches || ctx.parsed?.kind !== "tag") return;
      lastAny = ctx.lineNum;
      if (tagFamily(ctx.parsed.name) === family) lastFamily = ctx.lineNum;
    });
    if (!found) throw new EditError(`section ${goQ(sectionName)} (package=${goQ(pkg)}) not found:\n${SECTION_NOT_FOUND}`);
    let after = lastFamily >= 0 ? lastFamily : lastAny;
    if (after < 0) {
      this.addTag(origin, pkg, tag, value);
      return;
    }
    after = this.skipPastConditional(after, sectionEnd);
    this.lines.splice(after + 1, 0, { text: `${tag}: ${value}`, origin });
  }

  private skipPastConditional(lineNum: number, sectionEnd: number): number {
    let depth = 0;
    for (let i = 0; i <= lineNum && i < this.lines.length; i++) depth += conditionalDepthChange((this.lines[i] as EditLine).text);
    if (depth <= 0) return lineNum;
    for (let i = lineNum + 1; i < sectionEnd && i < this.lines.length; i++) {
      depth += conditionalDepthChange((this.lines[i] as EditLine).text);
      if (depth <= 0) return i;
    }
    return lineNum;
  }

  // ---- lines --------------------------------------------------------------------------------

  prependLines(origin: LineOrigin, lines: readonly string[]): void {
    this.lines.unshift(...lines.map((text) => ({ text, origin })));
  }

  appendLines(origin: LineOrigin, lines: readonly string[]): void {
    this.lines.push(...lines.map((text) => ({ text, origin })));
  }

  prependLinesToSection(origin: LineOrigin, sectionName: string, pkg: string, lines: readonly string[]): void {
    let updated = false;
    this.visit(origin, (ctx) => {
      if (ctx.target !== "section-start" || ctx.section.name !== sectionName || ctx.section.pkg !== pkg) return;
      if (ctx.section.name === "" && ctx.section.pkg === "") ctx.insertLinesBefore(lines);
      else ctx.insertLinesAfter(lines);
      updated = true;
    });
    if (!updated) throw new EditError(`section ${goQ(sectionName)} (package=${goQ(pkg)}) not found:\n${SECTION_NOT_FOUND}`);
  }

  appendLinesToSection(origin: LineOrigin, sectionName: string, pkg: string, lines: readonly string[]): void {
    let updated = false;
    this.visit(origin, (ctx) => {
      if (ctx.target !== "section-end" || ctx.section.name !== sectionName || ctx.section.pkg !== pkg) return;
      ctx.insertLinesBefore(lines);
      updated = true;
    });
    if (!updated) throw new EditError(`section ${goQ(sectionName)} (package=${goQ(pkg)}) not found:\n${SECTION_NOT_FOUND}`);
  }

  searchAndReplace(origin: LineOrigin, sectionName: string, pkg: string, regex: string, replacement: string): void {
    let re: RE2JS;
    try {
      re = compileRegex(regex);
    } catch (error) {
      throw wrap(`failed to compile regex ${goQ(regex)}`, error);
    }
    let updated = false;
    const budget = this.options.maxSpecChars ?? SPEC_MAX_CHARS;
    let size = this.lines.reduce((total, l) => total + l.text.length + 1, 0);
    let lineCount = this.lines.length;
    this.visit(origin, (ctx) => {
      if (ctx.target !== "section-line") return;
      if (sectionName !== "" && ctx.section.name !== sectionName) return;
      if (pkg !== "" && ctx.section.pkg !== pkg) return;
      const line = ctx.lineText as string;
      let result: string;
      try {
        result = replaceAllLiteral(re, line, replacement, budget - (size - line.length));
      } catch (error) {
        if (error instanceof ReplacementBudgetError) {
          throw new EditError(`pattern ${goQ(regex)} would grow the spec past ${budget.toLocaleString("en-US")} characters; no real spec needs that, so the overlay is refused`);
        }
        throw error;
      }
      size += result.length - line.length;
      if (result === line) return;
      lineCount += countNewlines(result);
      if (lineCount > SPEC_MAX_LINES) {
        throw new EditError(`pattern ${goQ(regex)} would grow the spec past ${SPEC_MAX_LINES.toLocaleString("en-US")} lines; no real spec needs that, so the overlay is refused`);
      }
      ctx.replaceLine(result);
      updated = true;
    });
    if (!updated) {
      throw new EditError(`pattern ${goQ(regex)} not found (section=${goQ(sectionName)}, package=${goQ(pkg)}):\n${PATTERN_NOT_FOUND}`);
    }
  }

  // ---- patches ------------------------------------------------------------------------------

  hasSection(origin: LineOrigin, sectionName: string): boolean {
    let found = false;
    this.visit(origin, (ctx) => {
      if (ctx.target === "section-start" && ctx.section.name === sectionName) found = true;
    });
    return found;
  }

  highestPatchTagNumber(origin: LineOrigin): number {
    let highest = -1;
    let unnumbered = 0;
    this.visitTags(origin, (t) => {
      const n = patchTagNumber(t.name);
      if (n !== undefined && n > highest) highest = n;
      else if (t.name.toLowerCase() === "patch") unnumbered++;
    });
    if (unnumbered > 0 && unnumbered - 1 > highest) highest = unnumbered - 1;
    return highest;
  }

  addPatchEntry(origin: LineOrigin, pkg: string, filename: string): void {
    if (this.hasSection(origin, "%patchlist")) {
      this.appendLinesToSection(origin, "%patchlist", "", [filename]);
      return;
    }
    const highest = this.highestPatchTagNumber(origin);
    this.addTag(origin, pkg, `Patch${highest + 1}`, filename);
  }

  removePatchEntry(origin: LineOrigin, pattern: string): void {
    let removed = 0;
    this.visitTags(origin, (t, ctx) => {
      if (patchTagNumber(t.name) === undefined) return;
      if (matchGlob(pattern, t.value)) {
        ctx.removeLine();
        removed++;
      }
    });
    if (this.hasSection(origin, "%patchlist")) {
      this.visit(origin, (ctx) => {
        if (ctx.target !== "section-line" || ctx.section.name !== "%patchlist") return;
        const line = goTrimSpace(ctx.lineText as string);
        if (line === "") return;
        if (matchGlob(pattern, line)) {
          ctx.removeLine();
          removed++;
        }
      });
    }
    if (removed === 0) throw new EditError(`no patches matching ${goQ(pattern)} found in spec`);
  }

  // ---- section removal ----------------------------------------------------------------------

  removeSection(origin: LineOrigin, sectionName: string, pkg: string): void {
    if (sectionName === "") throw new EditError("cannot remove the global/preamble section");
    let ranges: Range[];
    try {
      ranges = this.collectSectionRanges(origin, (sn, pn) => sn === sectionName && pn === pkg);
    } catch (error) {
      throw wrap(`failed to scan spec for section ${goQ(sectionName)} (package=${goQ(pkg)})`, error);
    }
    if (ranges.length === 0) throw new EditError(`section ${goQ(sectionName)} (package=${goQ(pkg)}) not found:\n${SECTION_NOT_FOUND}`);
    this.removeRanges(ranges);
  }

  removeSubpackage(origin: LineOrigin, pkg: string): void {
    if (pkg === "") throw new EditError("cannot remove sub-package with empty name");
    let ranges: Range[];
    try {
      ranges = this.collectSectionRanges(origin, (_, pn) => pn === pkg);
    } catch (error) {
      throw wrap(`failed to scan spec for sub-package ${goQ(pkg)}`, error);
    }
    if (ranges.length === 0) throw new EditError(`sub-package ${goQ(pkg)} not found:\n${SECTION_NOT_FOUND}`);
    this.removeRanges(ranges);
  }

  private collectSectionRanges(origin: LineOrigin, matches: (sectionName: string, pkg: string) => boolean): Range[] {
    const ranges: Range[] = [];
    let start = -1;
    this.visit(origin, (ctx) => {
      const matched = matches(ctx.section.name, ctx.section.pkg);
      if (ctx.target === "section-start" && matched) start = ctx.lineNum;
      else if (ctx.target === "section-end" && matched && start >= 0) {
        ranges.push({ start, end: ctx.lineNum });
        start = -1;
      }
    });
    if (start >= 0) ranges.push({ start, end: this.lines.length });
    if (ranges.length === 0) return ranges;
    const texts = this.texts();
    let pairs: Pair[];
    try {
      pairs = conditionalPairs(texts);
    } catch (error) {
      throw wrap("failed to parse conditional structure", error);
    }
    return ranges.map((r) => balanceRange(r, texts, pairs));
  }

  private removeRanges(ranges: Range[]): void {
    for (let i = ranges.length - 1; i >= 0; i--) {
      const r = ranges[i] as Range;
      this.lines.splice(r.start, r.end - r.start);
    }
  }
}


interface Range {
  start: number;
  end: number;
}

interface Pair {
  ifLine: number;
  endifLine: number;
}

/** Pairs every `%if*` with its `%endif` over the whole file; any unmatched directive is an error. */
function conditionalPairs(lines: readonly string[]): Pair[] {
  const pairs: Pair[] = [];
  const stack: number[] = [];
  lines.forEach((line, i) => {
    const change = conditionalDepthChange(line);
    if (change === 1) stack.push(i);
    else if (change === -1) {
      const open = stack.pop();
      if (open === undefined) throw new EditError(`unmatched %endif at line ${i + 1}`);
      pairs.push({ ifLine: open, endifLine: i });
    }
  });
  if (stack.length > 0) throw new EditError(`unmatched %if at line ${(stack[0] as number) + 1}`);
  return pairs;
}

function spansError(range: Range): EditError {
  return new EditError(
    `section at lines ${range.start + 1}-${range.end} has a conditional block that spans into the next section; ` +
      `use a spec-search-replace overlay to adjust conditionals before removing:\n${SPANS_SECTIONS}`,
  );
}

/** Real content (not blank, comment or %if/%endif) strictly between `from` and `to`? */
function hasContentBetween(from: number, to: number, lines: readonly string[]): boolean {
  for (let i = from + 1; i < to; i++) {
    const line = lines[i] as string;
    if (!isBlankOrComment(line) && conditionalDepthChange(line) === 0) return true;
  }
  return false;
}

/** azldev's balanceRange: trims straddling %if/%endif lines out of a removal range, or refuses. */
function balanceRange(range: Range, lines: readonly string[], pairs: readonly Pair[]): Range {
  let trimmed = range.end;
  for (const pair of pairs) {
    const ifInside = pair.ifLine >= range.start && pair.ifLine < range.end;
    const endifInside = pair.endifLine >= range.start && pair.endifLine < range.end;
    if (ifInside === endifInside) continue;
    const inside = ifInside ? pair.ifLine : pair.endifLine;
    if (inside < trimmed) trimmed = inside;
    if (ifInside && hasContentBetween(pair.ifLine, range.end, lines)) throw spansError(range);
  }
  for (let i = range.start; i < range.end; i++) {
    if (!isConditionalBranch(lines[i] as string)) continue;
    for (const pair of pairs) {
      if (pair.ifLine <= i && pair.endifLine >= i) {
        const fullyInside = pair.ifLine >= range.start && pair.endifLine < range.end;
        if (!fullyInside) {
          throw new EditError(
            `section at lines ${range.start + 1}-${range.end} contains a %else/%elif branch directive inside a ` +
              `conditional block that extends beyond the section boundary; ` +
              `use a spec-search-replace overlay to adjust conditionals before removing:\n${SPANS_SECTIONS}`,
          );
        }
        break;
      }
    }
  }
  if (trimmed === range.end) return range;
  if (hasContentBetween(trimmed - 1, range.end, lines)) throw spansError(range);
  return { start: range.start, end: trimmed };
}

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) count++;
  return count;
}
