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

/** The text of `existing` with the tables appended after one blank line. */
export function appendTables(existing: string, component: string, tables: readonly OverlayTable[]): string {
  if (tables.length === 0) return existing;
  const body = tables.map((t) => overlayTable(component, t)).join("\n\n");
  const trimmed = existing.replace(/\s*$/, "");
  return `${trimmed}${trimmed ? "\n\n" : ""}${body}\n`;
}
