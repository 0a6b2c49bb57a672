import { specLines, tagLines } from "./spec-lines.js";

/**
 * A small, bounded evaluation of a spec's `Epoch`/`Version` and `%autorelease` flags, as rpmautospec
 * queries them for every commit. Only plain macro definitions and references are understood; nothing
 * is executed. An unresolvable reference leaves the text as rpm would print it.
 */

export interface VersionFlags {
  /** "E:V" or "V"; undefined when the spec has no usable Version */
  epochVersion?: string;
  prerelease: boolean;
  extraver?: string;
  snapinfo?: string;
  base: number;
}

const MAX_DEPTH = 16;
const MAX_LENGTH = 64 * 1024;

type MacroTable = Map<string, string>;

function expand(text: string, macros: MacroTable, depth = 0): string {
  if (depth > MAX_DEPTH || text.length > MAX_LENGTH) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== "%") {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "%") {
      out += "%";
      i += 2;
      continue;
    }
    if (next === "{") {
      let level = 1;
      let j = i + 2;
      while (j < text.length && level > 0) {
        if (text[j] === "{") level++;
        else if (text[j] === "}") level--;
        j++;
      }
      if (level !== 0) {
        out += text.slice(i);
        break;
      }
      const inner = text.slice(i + 2, j - 1);
      out += expandBraced(inner, text.slice(i, j), macros, depth);
      i = j;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
    if (name && macros.has(name)) {
      out += expand(macros.get(name) as string, macros, depth + 1);
      i += 1 + name.length;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

function expandBraced(inner: string, literal: string, macros: MacroTable, depth: number): string {
  const match = /^(!?)(\??)(!?)([A-Za-z_][A-Za-z0-9_]*)(?::([\s\S]*))?$/.exec(inner);
  if (!match) return literal;
  const negate = match[1] === "!" || match[3] === "!";
  const conditional = match[2] === "?";
  const name = match[4] as string;
  const alternative = match[5];
  const defined = macros.has(name);
  if (conditional) {
    if (alternative !== undefined) return defined !== negate ? expand(alternative, macros, depth + 1) : "";
    if (negate) return "";
    return defined ? expand(macros.get(name) as string, macros, depth + 1) : "";
  }
  if (defined && alternative === undefined) return expand(macros.get(name) as string, macros, depth + 1);
  return literal;
}

/** Plain `%global`/`%define` definitions before `limit` (rpm expands a tag when it reads it). */
function definitions(lines: string[], limit: number): MacroTable {
  const macros: MacroTable = new Map();
  for (const line of lines.slice(0, limit)) {
    const definition = /^\s*%(?:global|define)\s+([A-Za-z_][A-Za-z0-9_]*)(\([^)]*\))?\s+(.*?)\s*$/.exec(line);
    if (definition && !definition[2]) macros.set(definition[1] as string, expand(definition[3] as string, macros));
  }
  return macros;
}

function parseAutoreleaseFlags(release: string): Omit<VersionFlags, "epochVersion"> | undefined {
  const match = /%(?:\{\??autorelease(?:\s+([^}]*))?\}|autorelease((?:\s+\S+)*)\s*$)/.exec(release);
  if (!match) return undefined;
  const args = (match[1] ?? match[2] ?? "").trim().split(/\s+/).filter((a) => a !== "");
  const flags: Omit<VersionFlags, "epochVersion"> = { prerelease: false, base: 1 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "-p") flags.prerelease = true;
    else if (arg === "-n") continue;
    else if (arg === "-e" || arg === "-s" || arg === "-b") {
      const value = args[i + 1];
      i++;
      if (value === undefined) continue;
      if (arg === "-e") flags.extraver = value;
      else if (arg === "-s") flags.snapinfo = value;
      else if (/^\d+$/.test(value)) flags.base = Number.parseInt(value, 10);
    }
  }
  return flags;
}

export function evaluateVersionFlags(specText: string): VersionFlags {
  const lines = specLines(specText);
  const mainTags = tagLines(lines).filter((t) => t.package === "");
  const lastTag = (name: string) => {
    const found = mainTags.filter((t) => t.name.toLowerCase() === name);
    return found[found.length - 1];
  };
  const version = lastTag("version");
  const epoch = lastTag("epoch");
  const release = lastTag("release");
  const flags = parseAutoreleaseFlags(release?.value ?? "") ?? { prerelease: false, base: 1 };
  if (!version || version.value === "") return { ...flags };
  const macros = definitions(lines, version.index);
  for (const tag of ["name", "epoch"]) {
    const found = lastTag(tag);
    if (found && found.index < version.index && !macros.has(tag)) macros.set(tag, found.value);
  }
  const expandedVersion = expand(version.value, macros).trim();
  if (expandedVersion === "") return { ...flags };
  const expandedEpoch = epoch === undefined ? "" : expand(epoch.value, macros).trim();
  return { ...flags, epochVersion: expandedEpoch ? `${expandedEpoch}:${expandedVersion}` : expandedVersion };
}
