/**
 * The little of azldev's spec model that review decisions need: which section and package a line
 * belongs to, and which lines are tags. Follows AZLDEV.md §2.2–2.4 (line classification, section
 * keywords, package qualifiers) so that synthesised overlays target what azldev would target.
 */

const PACKAGE_SECTIONS = new Set(["%package"]);
const QUALIFIED_SECTIONS = new Set([
  "%package",
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
  "%description",
  "%files",
]);
const UNQUALIFIED_SECTIONS = new Set(["%changelog", "%patchlist", "%sourcelist"]);

export interface SpecSection {
  /** the header's first token as written ("%files"); "" for the preamble */
  name: string;
  /** package qualifier (suffix or -n name); "" for the main package */
  package: string;
  /** 0-based index of the header line (-1 for the preamble) */
  header: number;
  /** 0-based index of the first line after the section */
  end: number;
}

export interface TagLine {
  index: number;
  name: string;
  value: string;
}

function logical(line: string): string {
  return line.startsWith("#") ? "" : line.trim();
}

export function isSectionKeyword(token: string): boolean {
  const t = token.toLowerCase();
  return QUALIFIED_SECTIONS.has(t) || UNQUALIFIED_SECTIONS.has(t);
}

export function headerPackage(tokens: string[]): string {
  const keyword = (tokens[0] ?? "").toLowerCase();
  if (UNQUALIFIED_SECTIONS.has(keyword)) return "";
  let suffix: string | undefined;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t === "--") break;
    if (t === "-n") return tokens[i + 1] ?? "";
    if (t === "-f" || t === "-p" || t === "-l" || t === "-P") {
      i++;
      continue;
    }
    if (t.startsWith("-")) continue;
    suffix ??= t;
  }
  return suffix ?? "";
}

/** Sections of a spec given as lines (no trailing newline element). */
export function scanSections(lines: readonly string[]): SpecSection[] {
  const sections: SpecSection[] = [{ name: "", package: "", header: -1, end: lines.length }];
  lines.forEach((line, index) => {
    const tokens = logical(line).split(/\s+/).filter(Boolean);
    const first = tokens[0];
    if (!first || !first.startsWith("%") || !isSectionKeyword(first)) return;
    (sections[sections.length - 1] as SpecSection).end = index;
    sections.push({ name: first, package: headerPackage(tokens), header: index, end: lines.length });
  });
  return sections;
}

export function sectionAt(sections: readonly SpecSection[], index: number): SpecSection {
  let found = sections[0] as SpecSection;
  for (const s of sections) if (s.header <= index) found = s;
  return found;
}

export function isPackageSection(section: SpecSection): boolean {
  return section.name === "" || PACKAGE_SECTIONS.has(section.name.toLowerCase());
}

const TAG = /^\s*([^\s:]+):\s*(.*?)\s*$/;

/** The tag on line `index`, when the line is a tag line of a package section. */
export function tagAt(lines: readonly string[], sections: readonly SpecSection[], index: number): TagLine | undefined {
  const section = sectionAt(sections, index);
  if (!isPackageSection(section) || section.header === index) return undefined;
  const text = logical(lines[index] ?? "");
  if (text === "") return undefined;
  const match = TAG.exec(text);
  if (!match) return undefined;
  return { index, name: match[1] as string, value: match[2] as string };
}

export function tagsOf(lines: readonly string[], sections: readonly SpecSection[], pkg = ""): TagLine[] {
  const tags: TagLine[] = [];
  for (const s of sections) {
    if (!isPackageSection(s) || s.package !== pkg) continue;
    for (let i = s.header + 1; i < s.end; i++) {
      const tag = tagAt(lines, sections, i);
      if (tag) tags.push(tag);
    }
  }
  return tags;
}

/** Splits text into lines the way azldev reads a spec (LF, one trailing CR stripped, no final empty line). */
export function specLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function joinLines(lines: readonly string[]): string {
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

export function isPatchTag(name: string): boolean {
  return /^patch\d*$/i.test(name);
}

export function isSourceTag(name: string): boolean {
  return /^source\d*$/i.test(name);
}

/** The file name a Source/Patch value names: basename of a URL path, or of a `#/renamed` fragment. */
export function referencedFileName(value: string): string | undefined {
  const v = value.trim();
  if (v === "") return undefined;
  const fragment = /#(\.?\/[^#]+)$/.exec(v);
  if (fragment) return basename(fragment[1] as string);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    const path = v.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "").replace(/[?#].*$/, "");
    return basename(path) || undefined;
  }
  return v.replace(/^\.\//, "");
}

function basename(p: string): string {
  const parts = p.split("/").filter(Boolean);
  return parts[parts.length - 1] ?? "";
}
