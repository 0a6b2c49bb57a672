/**
 * Section and tag lookups over a spec held as an array of lines, which is how review edits specs.
 * Classification (section keywords, package qualifiers, tag lines) is the spec module's, so that
 * synthesised overlays target what azldev would target.
 */

import { goFields, logicalText, packageOfSection, parseTagText, sectionTypeOf, tagFamily } from "../spec/index.js";

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

/** Sections of a spec given as lines (no trailing newline element). */
export function scanSections(lines: readonly string[]): SpecSection[] {
  const sections: SpecSection[] = [{ name: "", package: "", header: -1, end: lines.length }];
  lines.forEach((line, index) => {
    const logical = logicalText(line);
    if (logical.charCodeAt(0) !== 0x25 /* % */) return;
    const tokens = goFields(logical);
    const first = tokens[0] as string;
    const type = sectionTypeOf(first);
    if (type === undefined) return;
    (sections[sections.length - 1] as SpecSection).end = index;
    sections.push({ name: first, package: packageOfSection(type, tokens).name, header: index, end: lines.length });
  });
  return sections;
}

export function sectionAt(sections: readonly SpecSection[], index: number): SpecSection {
  let found = sections[0] as SpecSection;
  for (const s of sections) if (s.header <= index) found = s;
  return found;
}

export function isPackageSection(section: SpecSection): boolean {
  return section.name === "" || sectionTypeOf(section.name) === "package";
}

/** The tag on line `index`, when the line is a tag line of a package section. */
export function tagAt(lines: readonly string[], sections: readonly SpecSection[], index: number): TagLine | undefined {
  const section = sectionAt(sections, index);
  if (!isPackageSection(section) || section.header === index) return undefined;
  const text = logicalText(lines[index] ?? "");
  if (text === "") return undefined;
  const tag = parseTagText(text);
  return tag && { index, name: tag.name, value: tag.value };
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
  return tagFamily(name) === "patch";
}

export function isSourceTag(name: string): boolean {
  return tagFamily(name) === "source";
}
