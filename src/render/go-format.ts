/**
 * Formatting helpers that reproduce the exact text of azldev's Go error messages, so that a
 * component's error reads the same whichever tool rendered it.
 */

/** Go's `%#q`: a back-quoted raw string when possible, else a double-quoted escaped string. */
export function goQuote(value: string): string {
  if (canBackquote(value)) return "`" + value + "`";
  return goDoubleQuote(value);
}

function canBackquote(value: string): boolean {
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === "`" || code === 0xfeff) return false;
    if (code < 0x20 && ch !== "\t") return false;
    if (code === 0x7f) return false;
    if (code === 0xfffd) return false;
  }
  return true;
}

/** Go's `%q` (strconv.Quote) for the characters that occur in spec values and paths. */
export function goDoubleQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}

/** Go's error wrapping as azldev writes it: each layer on its own line after a colon. */
export function wrapError(outer: string, inner: string): string {
  return `${outer}:\n${inner}`;
}

/** Go's url.QueryEscape, used by azldev for the alias symlink next to a rendered dir. */
export function queryEscape(value: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === " ") out += "+";
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}
