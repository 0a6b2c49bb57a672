/**
 * Text primitives with Go semantics. azldev is written in Go and its spec editor trims and splits
 * with `strings.TrimSpace` / `strings.Fields` (Unicode White_Space, which differs from JavaScript's
 * `\s`: U+0085 is a space, U+FEFF is not) and quotes values in messages with `%#q`.
 */

/** Go's unicode.IsSpace. */
export function isGoSpace(code: number): boolean {
  if (code <= 0xff) {
    return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0x85 || code === 0xa0;
  }
  return (
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** RE2's `\s` (ASCII only): tab, newline, form feed, carriage return, space. */
export function isRe2Space(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}

/** Go's strings.TrimSpace. */
export function goTrimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Go's strings.Fields: split around runs of white space, no empty fields. */
export function goFields(s: string): string[] {
  const fields: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && isGoSpace(s.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isGoSpace(s.charCodeAt(i))) i++;
    fields.push(s.slice(start, i));
  }
  return fields;
}

/** The first field of `s` (Go strings.Fields(s)[0]) or "" when there is none. */
export function goFirstField(s: string): string {
  let i = 0;
  const n = s.length;
  while (i < n && isGoSpace(s.charCodeAt(i))) i++;
  const start = i;
  while (i < n && !isGoSpace(s.charCodeAt(i))) i++;
  return s.slice(start, i);
}

/** Go's strconv.CanBackquote. */
function canBackquote(s: string): boolean {
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (code === 0xfeff) return false;
    if (code >= 0xd800 && code <= 0xdfff) return false; // lone surrogate: invalid UTF-8 in Go
    if ((code < 0x20 && code !== 0x09) || code === 0x60 || code === 0x7f) return false;
  }
  return true;
}

/** Go's strconv.Quote, close enough for messages: escapes controls, quotes and backslashes. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else if (code >= 0xd800 && code <= 0xdfff) out += "\\ufffd";
    else if (code === 0xfeff) out += "\\ufeff";
    else out += ch;
  }
  return out + '"';
}

/** Go's `%#q` verb: backquoted when possible, else a double-quoted Go string literal. */
export function goQ(s: string): string {
  return canBackquote(s) ? "`" + s + "`" : goQuote(s);
}

/** Go's `%q` verb (always double-quoted). */
export function goQQ(s: string): string {
  return goQuote(s);
}
