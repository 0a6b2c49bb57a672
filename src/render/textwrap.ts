/**
 * Python's `textwrap.TextWrapper(width=75, subsequent_indent="  ").fill()`, which rpmautospec uses to
 * wrap changelog items. Reproduced chunk for chunk (including hyphen breaking) because a different
 * break point changes the rendered spec.
 */

const WHITESPACE = "\t\n\x0b\x0c\r ";
const WS = "[\\t\\n\\x0b\\x0c\\r ]";
const NWS = "[^\\t\\n\\x0b\\x0c\\r ]";
const WORD_PUNCT = "[\\p{L}\\p{N}_!\"'&.,?]";
const LETTER = "[\\p{L}_]";
const WORD = "[\\p{L}\\p{N}_]";

// Python's TextWrapper.wordsep_re, chunk for chunk.
const WORDSEP = new RegExp(
  `(${WS}+` +
    `|(?<=${WORD_PUNCT})-{2,}(?=${WORD})` +
    `|${NWS}+?(?:-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})|(?=${WS}|$)|(?<=${WORD_PUNCT})(?=-{2,}${WORD})))`,
  "gu",
);

function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function sliceCodePoints(text: string, start: number, end?: number): string {
  return Array.from(text).slice(start, end).join("");
}

function expandTabs(text: string, tabsize = 8): string {
  let out = "";
  let column = 0;
  for (const ch of text) {
    if (ch === "\t") {
      const spaces = tabsize - (column % tabsize);
      out += " ".repeat(spaces);
      column += spaces;
    } else if (ch === "\n" || ch === "\r") {
      out += ch;
      column = 0;
    } else {
      out += ch;
      column++;
    }
  }
  return out;
}

function splitChunks(text: string): string[] {
  let munged = expandTabs(text);
  munged = Array.from(munged, (ch) => (WHITESPACE.includes(ch) ? " " : ch)).join("");
  // re.split with one capturing group: separators (the chunks) interleaved with the gaps.
  const parts: string[] = [];
  let last = 0;
  for (const match of munged.matchAll(WORDSEP)) {
    if (match[0] === "") continue;
    parts.push(munged.slice(last, match.index));
    parts.push(match[0]);
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(munged.slice(last));
  return parts.filter((part) => part !== "");
}

export function wrapText(text: string, width = 75, initialIndent = "", subsequentIndent = "  "): string[] {
  const chunks = splitChunks(text).reverse();
  const lines: string[] = [];
  while (chunks.length > 0) {
    let line: string[] = [];
    let length = 0;
    const indent = lines.length > 0 ? subsequentIndent : initialIndent;
    const available = width - codePointLength(indent);
    if ((chunks[chunks.length - 1] as string).trim() === "" && lines.length > 0) chunks.pop();
    while (chunks.length > 0) {
      const size = codePointLength(chunks[chunks.length - 1] as string);
      if (length + size <= available) {
        line.push(chunks.pop() as string);
        length += size;
      } else break;
    }
    if (chunks.length > 0 && codePointLength(chunks[chunks.length - 1] as string) > available) {
      const spaceLeft = available < 1 ? 1 : available - length;
      const chunk = chunks[chunks.length - 1] as string;
      const points = Array.from(chunk);
      let end = spaceLeft;
      if (points.length > spaceLeft) {
        const hyphen = points.slice(0, spaceLeft).lastIndexOf("-");
        if (hyphen > 0 && points.slice(0, hyphen).some((c) => c !== "-")) end = hyphen + 1;
      }
      line.push(sliceCodePoints(chunk, 0, end));
      chunks[chunks.length - 1] = sliceCodePoints(chunk, end);
      length = line.reduce((sum, part) => sum + codePointLength(part), 0);
    }
    if (line.length > 0 && (line[line.length - 1] as string).trim() === "") {
      length -= codePointLength(line[line.length - 1] as string);
      line = line.slice(0, -1);
    }
    if (line.length > 0) lines.push(indent + line.join(""));
  }
  return lines;
}

export function fillText(text: string, width = 75, initialIndent = "", subsequentIndent = "  "): string {
  return wrapText(text, width, initialIndent, subsequentIndent).join("\n");
}
