/**
 * Line classification exactly as azldev's spec parser does it (AZLDEV.md §2.2–2.6). The spec model
 * and the overlay engine share these functions, so what the model calls a section or a tag is what
 * an overlay will act on.
 */
import { goFields, goFirstField, goTrimSpace, isRe2Space } from "./text.js";

/** azldev's section types. The preamble is a "package" section with name "" and package "". */
export type SectionType = "package" | "script" | "raw" | "files" | "changelog" | "sourcelist";

const SECTION_TYPES: ReadonlyMap<string, SectionType> = new Map<string, SectionType>([
  ["%package", "package"],
  ...[
    "%prep",
    "%conf",
    "%build",
    "%install",
    "%check",
    "%clean",
    "%generate_buildrequires",
    "%pre",
    "%post",
    "%preun",
    "%postun",
    "%pretrans",
    "%posttrans",
    "%preuntrans",
    "%postuntrans",
    "%verify",
    "%triggerin",
    "%triggerun",
    "%triggerprein",
    "%triggerpostun",
    "%filetriggerin",
    "%filetriggerun",
    "%filetriggerpostun",
    "%transfiletriggerin",
    "%transfiletriggerun",
    "%transfiletriggerpostun",
  ].map((k): [string, SectionType] => [k, "script"]),
  ["%description", "raw"],
  ["%files", "files"],
  ["%changelog", "changelog"],
  ["%patchlist", "sourcelist"],
  ["%sourcelist", "sourcelist"],
]);

/** Section keywords (lower-case, with `%`) that start a section. */
export const SECTION_KEYWORDS: readonly string[] = [...SECTION_TYPES.keys()];

/** The section type of a header token (case-insensitive), or undefined when it is not a header. */
export function sectionTypeOf(token: string): SectionType | undefined {
  if (token.length < 4 || token.length > 24 || token.charCodeAt(0) !== 0x25 /* % */) return undefined;
  return SECTION_TYPES.get(token.toLowerCase());
}

/**
 * The package qualifier of a section header (tokens include the keyword): `-n NAME` wins, else the
 * first bare token; `-f/-p/-l/-P` skip their argument; `--` ends the scan. Never expanded.
 */
export function packageFromHeaderTokens(tokens: readonly string[]): { name: string; form: "absolute" | "suffix" | "none" } {
  let fullName = "";
  let suffix = "";
  let i = 1;
  while (i < tokens.length) {
    const token = tokens[i] as string;
    if (token === "--") {
      i = tokens.length;
    } else if (token === "-n") {
      i++;
      if (i < tokens.length) {
        fullName = tokens[i] as string;
        i++;
      }
    } else if (token === "-f" || token === "-p" || token === "-l" || token === "-P") {
      i += 2;
    } else if (token.startsWith("-")) {
      i++;
    } else {
      if (suffix === "") suffix = token;
      i++;
    }
  }
  if (fullName !== "") return { name: fullName, form: "absolute" };
  if (suffix !== "") return { name: suffix, form: "suffix" };
  return { name: "", form: "none" };
}

/** Package of a section as azldev sees it: changelog and source lists never carry one. */
export function packageOfSection(type: SectionType, tokens: readonly string[]): { name: string; form: "absolute" | "suffix" | "none" } {
  if (type === "changelog" || type === "sourcelist") return { name: "", form: "none" };
  return packageFromHeaderTokens(tokens);
}

/** azldev's logical text of a physical line: blank when the first character is `#`, else trimmed. */
export function logicalText(physical: string): string {
  if (physical.charCodeAt(0) === 0x23 /* # */) return "";
  return goTrimSpace(physical);
}

/**
 * The tag in a logical line, per azldev's `^\s*([^\s:]+):\s*(.*?)\s*$` (RE2, so `\s` is ASCII and
 * `.` stops at a newline). Undefined when the line is not a tag.
 */
export function parseTagText(logical: string): { name: string; value: string } | undefined {
  const n = logical.length;
  let i = 0;
  while (i < n && isRe2Space(logical.charCodeAt(i))) i++;
  const nameStart = i;
  while (i < n) {
    const c = logical.charCodeAt(i);
    if (c === 0x3a /* : */ || isRe2Space(c)) break;
    i++;
  }
  if (i === nameStart || i >= n || logical.charCodeAt(i) !== 0x3a) return undefined;
  const name = logical.slice(nameStart, i);
  let vs = i + 1;
  let ve = n;
  while (vs < ve && isRe2Space(logical.charCodeAt(vs))) vs++;
  while (ve > vs && isRe2Space(logical.charCodeAt(ve - 1))) ve--;
  const value = logical.slice(vs, ve);
  if (value.includes("\n")) return undefined;
  return { name, value };
}

export type LineClass =
  | { kind: "header"; sectionType: SectionType; name: string; tokens: string[] }
  | { kind: "tag"; name: string; value: string }
  | { kind: "raw" };

const RAW: LineClass = { kind: "raw" };

/**
 * Classify one physical line. `inPackageSection`: the current section is the preamble or a
 * `%package`. `continued`: the previous physical line ended with a backslash (azldev's newer
 * parser treats such a line as plain text).
 */
export function classifyLine(physical: string, inPackageSection: boolean, continued = false): LineClass {
  if (continued) return RAW;
  const logical = logicalText(physical);
  if (logical === "") return RAW;
  if (logical.charCodeAt(0) === 0x25 /* % */) {
    const first = goFirstField(logical);
    const type = sectionTypeOf(first);
    if (type !== undefined) return { kind: "header", sectionType: type, name: first, tokens: goFields(logical) };
  }
  if (inPackageSection) {
    const tag = parseTagText(logical);
    if (tag) return { kind: "tag", name: tag.name, value: tag.value };
  }
  return RAW;
}

export const CONDITIONAL_OPENERS: readonly string[] = ["%if", "%ifarch", "%ifnarch", "%ifos", "%ifnos"];
export const CONDITIONAL_BRANCHES: readonly string[] = ["%else", "%elif", "%elifarch", "%elifnarch", "%elifos", "%elifnos"];

/**
 * +1 for `%if*` openers, -1 for `%endif`, 0 otherwise; comments (after trimming) are ignored.
 * This is azldev's conditional scanner (it trims before looking for `#`, unlike the line parser).
 */
export function conditionalDepthChange(physical: string): -1 | 0 | 1 {
  const first = conditionalToken(physical);
  if (first === "") return 0;
  if (first === "%endif") return -1;
  if (first === "%if" || first === "%ifarch" || first === "%ifnarch" || first === "%ifos" || first === "%ifnos") return 1;
  return 0;
}

/** True for `%else` / `%elif*` lines (comments ignored). */
export function isConditionalBranch(physical: string): boolean {
  const first = conditionalToken(physical);
  return (
    first === "%else" ||
    first === "%elif" ||
    first === "%elifarch" ||
    first === "%elifnarch" ||
    first === "%elifos" ||
    first === "%elifnos"
  );
}

/** The lower-cased first token of a line when it could be a conditional directive, else "". */
export function conditionalToken(physical: string): string {
  // Fast path: directives start with `%` after optional white space.
  let i = 0;
  const n = physical.length;
  while (i < n) {
    const c = physical.charCodeAt(i);
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) i++;
    else break;
  }
  if (i < n && physical.charCodeAt(i) !== 0x25 && physical.charCodeAt(i) < 0x80) return "";
  const trimmed = goTrimSpace(physical);
  if (trimmed.charCodeAt(0) !== 0x25) return "";
  const first = goFirstField(trimmed);
  if (first.length < 3 || first.length > 10) return "";
  return first.toLowerCase();
}

/** azldev's "blank or comment" test (trimmed text empty or starting with `#`). */
export function isBlankOrComment(physical: string): boolean {
  const trimmed = goTrimSpace(physical);
  return trimmed === "" || trimmed.charCodeAt(0) === 0x23;
}

/** Tag family: lower-cased name without trailing digits (`Source0` → `source`). */
export function tagFamily(tag: string): string {
  const lower = tag.toLowerCase();
  let end = lower.length;
  while (end > 0) {
    const c = lower.charCodeAt(end - 1);
    if (c >= 0x30 && c <= 0x39) end--;
    else break;
  }
  return end === 0 ? lower : lower.slice(0, end);
}

const INT64_MAX = 9223372036854775807n;

/** Go strconv.Atoi: optional sign, decimal digits, within int64. */
function goAtoi(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const big = BigInt(s);
  if (big > INT64_MAX || big < -INT64_MAX - 1n) return undefined;
  return Number(big);
}

/** N of a `PatchN` tag name (case-insensitive, as Go's strconv.Atoi reads N), else undefined. */
export function patchTagNumber(tag: string): number | undefined {
  const lower = tag.toLowerCase();
  if (!lower.startsWith("patch") || lower.length === 5) return undefined;
  return goAtoi(lower.slice(5));
}

/** N of a `SourceN` / `PatchN` tag name for the given family, else undefined. */
export function numberedTagNumber(tag: string, family: "source" | "patch"): number | undefined {
  const lower = tag.toLowerCase();
  if (!lower.startsWith(family) || lower.length === family.length) return undefined;
  const digits = lower.slice(family.length);
  if (!/^[0-9]+$/.test(digits)) return undefined;
  return Number(digits);
}
