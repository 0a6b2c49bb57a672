/** Writes synthesised overlays as `[[components.<name>.overlays]]` tables a packager would write by hand. */
import type { Overlay } from "../azldev/types.js";

/** A TOML string: literal ('…') when that needs no escaping, basic ("…") otherwise. */
export function tomlString(value: string): string {
  if (!/['\n\r\t\u0000-\u001f\u007f]/.test(value)) return `'${value}'`;
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Basic strings ("…") unless the value has backslashes or quotes (regexes read better as '…'). */
function proseString(value: string): string {
  if (!/["\\\n\r\t\u0000-\u001f\u007f]/.test(value)) return `"${value}"`;
  return tomlString(value);
}

const KEY_ORDER = ["description", "type", "tag", "value", "section", "package", "regex", "replacement", "lines", "file", "source"] as const;

export function tomlKey(component: string): string {
  return /^[A-Za-z0-9_-]+$/.test(component) ? component : tomlString(component).replace(/^'(.*)'$/, '"$1"');
}

export interface OverlayTable {
  overlay: Overlay;
  /** comment lines written above the table (without "# ") */
  comments?: string[];
  /** commented-out keys written inside the table for the packager to fill in */
  fillIn?: string[];
}

export function overlayTable(component: string, table: OverlayTable): string {
  const out: string[] = [];
  for (const c of table.comments ?? []) out.push(`# ${c}`);
  out.push(`[[components.${tomlKey(component)}.overlays]]`);
  const o = table.overlay as unknown as Record<string, unknown>;
  for (const key of KEY_ORDER) {
    const v = o[key];
    if (v === undefined) continue;
    if (Array.isArray(v)) {
      const items = (v as string[]).map(proseString);
      out.push(items.length <= 1 ? `${key} = [${items.join(", ")}]` : `${key} = [\n${items.map((i) => `    ${i},`).join("\n")}\n]`);
    } else if (key === "regex" || key === "replacement") out.push(`${key} = ${tomlString(String(v))}`);
    else out.push(`${key} = ${proseString(String(v))}`);
  }
  for (const f of table.fillIn ?? []) out.push(`# ${f}`);
  return out.join("\n");
}

/** One overlay as an inline table (`{ type = "…", … }`), for components that list theirs in `overlays = [...]`. */
export function overlayInlineTable(table: OverlayTable): string {
  const o = table.overlay as unknown as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of KEY_ORDER) {
    const v = o[key];
    if (v === undefined) continue;
    if (Array.isArray(v)) parts.push(`${key} = [${(v as string[]).map(proseString).join(", ")}]`);
    else if (key === "regex" || key === "replacement") parts.push(`${key} = ${tomlString(String(v))}`);
    else parts.push(`${key} = ${proseString(String(v))}`);
  }
  return `{ ${parts.join(", ")} }`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Where the component's inline `overlays = [` array is: the offset of its closing `]` and of the
 * last character of its last element (or of the `[` when empty). Strings and comments are skipped.
 */
function inlineOverlayArray(existing: string, component: string): { close: number; last: number; indent: string } | undefined {
  const lines = existing.split("\n");
  const header = new RegExp(`^\\s*\\[\\s*components\\s*\\.\\s*(?:${escapeRegExp(tomlKey(component))}|"${escapeRegExp(component)}")\\s*\\]\\s*(?:#.*)?$`);
  let offset = 0;
  let inTable = false;
  let start = -1;
  for (const line of lines) {
    if (/^\s*\[/.test(line)) inTable = header.test(line);
    else if (inTable) {
      const m = /^(\s*overlays\s*=\s*)\[/.exec(line);
      if (m) {
        start = offset + (m[1] as string).length;
        break;
      }
    }
    offset += line.length + 1;
  }
  if (start < 0) return undefined;
  let depth = 0;
  let last = start;
  let indent: string | undefined;
  for (let i = start; i < existing.length; i++) {
    const ch = existing[i] as string;
    if (ch === "#") {
      while (i < existing.length && existing[i] !== "\n") i++;
      continue;
    }
    if (ch === "\n" || ch === " " || ch === "\t" || ch === "\r") continue;
    if (depth === 1 && indent === undefined && ch !== "]") {
      const lineStart = existing.lastIndexOf("\n", i) + 1;
      const lead = existing.slice(lineStart, i);
      if (/^[ \t]*$/.test(lead) && lineStart > start) indent = lead;
    }
    if (ch === '"' || ch === "'") {
      const triple = existing.startsWith(ch.repeat(3), i);
      const quote = triple ? ch.repeat(3) : ch;
      let j = i + quote.length;
      while (j < existing.length && !existing.startsWith(quote, j)) j += ch === '"' && existing[j] === "\\" ? 2 : 1;
      i = j + quote.length - 1;
      last = i;
      continue;
    }
    if (ch === "[" || ch === "{") depth++;
    else if (ch === "]" || ch === "}") {
      depth--;
      if (depth === 0) return { close: i, last, indent: indent ?? "    " };
    }
    last = i;
  }
  return undefined;
}

/**
 * The text of `existing` with the tables added: into the component's inline `overlays = [...]`
 * array when it keeps its overlays there (a `[[…overlays]]` table would redefine the key and break
 * the file), otherwise appended as tables after one blank line.
 */
export function appendTables(existing: string, component: string, tables: readonly OverlayTable[]): string {
  if (tables.length === 0) return existing;
  const inline = inlineOverlayArray(existing, component);
  if (inline) {
    const items = tables.flatMap((t) => [
      ...(t.comments ?? []).map((c) => `${inline.indent}# ${c}`),
      `${inline.indent}${overlayInlineTable(t)},`,
      // a key to fill in cannot stand alone in the array: it goes inside the braces
      ...(t.fillIn ?? []).map((f) => `${inline.indent}# ${/^[\w-]+ = /.test(f) ? `(inside the braces above) ${f}` : f}`),
    ]);
    const lastChar = existing[inline.last];
    const before = existing.slice(0, inline.last + 1) + (lastChar === "," || lastChar === "[" ? "" : ",");
    const between = existing.slice(inline.last + 1, inline.close).replace(/[ \t]*$/, "");
    const closeIndent = /\n([ \t]*)$/.exec(existing.slice(0, inline.close))?.[1] ?? "";
    return `${before}${between}${between.endsWith("\n") ? "" : "\n"}${items.join("\n")}\n${closeIndent}${existing.slice(inline.close)}`;
  }
  const body = tables.map((t) => overlayTable(component, t)).join("\n\n");
  const trimmed = existing.replace(/\s*$/, "");
  return `${trimmed}${trimmed ? "\n\n" : ""}${body}\n`;
}
