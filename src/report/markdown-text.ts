/**
 * Markdown text primitives for the review report: escaping of untrusted text (keeping the engine's
 * code spans), fences, block separation as GitHub needs it, and byte budgets (GitHub's limits).
 */
import type { Finding } from "../review/types.js";

/** check run summary/text: 65,535 bytes */
export const CHECK_TEXT_MAX_BYTES = 65_535;
/** issue comment body: 65,536 characters; we budget bytes, which is stricter */
export const COMMENT_MAX_BYTES = 65_536;

const utf8 = new TextEncoder();
export function byteLength(text: string): number {
  return utf8.encode(text).length;
}

/** Every line ending CommonMark knows — CRLF, LF and a lone CR — as one space: inline text stays one line. */
function oneLine(text: string): string {
  return text.replace(/\r\n?|\n/g, " ");
}

/**
 * Escape untrusted text for inline Markdown: no HTML, no mentions, no table breaks. The backslash
 * goes first: left alone, a `\` in the text would undo the escape of the character after it (a
 * backtick would then open a code span that swallows the escapes that follow).
 * A mention is defused with a zero-width space after the `@`, which GitHub does not link and people
 * do not see.
 */
export function escapeMarkdown(text: string): string {
  return oneLine(text)
    .replace(/\\/g, "\\\\")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|")
    .replace(/([`*_[\]])/g, "\\$1")
    .replace(/@(?=\w)/g, "@\u200b");
}

/**
 * Untrusted text as inline Markdown that keeps its code spans: a backtick-delimited span is literal
 * to GitHub (no HTML, links or mentions inside), so it is kept as is; everything else goes through
 * `escapeMarkdown`, and a backtick run that closes nothing is escaped. Escaping the inside of a code
 * span would show the backslashes, and escaping its backticks would lose the span. In a table cell
 * `|` must be escaped even inside a span, as GitHub splits cells before it reads spans.
 */
export function inlineMarkdown(text: string, options: { tableCell?: boolean } = {}): string {
  const plain = (t: string) => escapeMarkdown(t).replace(/~/g, "\\~");
  let out = "";
  let at = 0;
  const runs = /`+/g;
  for (let match = runs.exec(text); match; match = runs.exec(text)) {
    const open = match[0];
    const start = match.index;
    // the span closes at the next run of exactly the same length (CommonMark)
    const closer = new RegExp(`(?<!\`)${open}(?!\`)`, "g");
    closer.lastIndex = start + open.length;
    const close = closer.exec(text);
    if (!close) {
      out += plain(text.slice(at, start)) + "\\`".repeat(open.length);
      at = start + open.length;
      continue;
    }
    let span = oneLine(text.slice(start, close.index + open.length));
    if (options.tableCell) span = span.replace(/\|/g, "\\|");
    out += plain(text.slice(at, start)) + span;
    at = close.index + open.length;
    runs.lastIndex = at;
  }
  return out + plain(text.slice(at));
}

/** Any text as one code span, whatever backticks it holds (a longer fence, padded when needed). */
export function codeSpan(text: string, options: { tableCell?: boolean } = {}): string {
  const flat = oneLine(text);
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") || flat === "" ? " " : "";
  const body = options.tableCell ? flat.replace(/\|/g, "\\|") : flat;
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A code fence longer than any backtick run inside `body`. */
export function fenced(body: string, info = ""): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  // An empty body stays empty: an empty ```suggestion block means "delete these lines".
  return `${fence}${info}\n${body === "" || body.endsWith("\n") ? body : `${body}\n`}${fence}`;
}

/**
 * Blocks of a GitHub Markdown document are separated by a blank line: GitHub does not start a table,
 * and may not start a heading or a fence, right under a line of text. Consecutive list items stay on
 * adjacent lines so they form one tight list.
 */
export function markdownSeparator(previous: string, next: string): string {
  const item = /^(?:[-*+]|\d+[.)]) /;
  return item.test(previous) && item.test(next) && !previous.includes("\n\n") ? "\n" : "\n\n";
}

/** Joins blocks in order until the next one would exceed the budget; reports what was left out. */
export function joinWithinBudget(
  blocks: string[],
  maxBytes: number,
  omittedNote: (omitted: number) => string,
  separator: (previous: string, next: string) => string = () => "\n",
): string {
  return packWithinBudget(blocks, maxBytes, omittedNote, separator).text;
}

/** `joinWithinBudget`, also saying how many blocks were left out. Linear in the size of the blocks. */
export function packWithinBudget(
  blocks: string[],
  maxBytes: number,
  omittedNote: (omitted: number) => string,
  separator: (previous: string, next: string) => string = () => "\n",
): { text: string; omitted: number } {
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i] as string;
    const joint = parts.length ? separator(blocks[i - 1] as string, block) : "";
    const candidateBytes = bytes + byteLength(joint) + byteLength(block);
    const last = i === blocks.length - 1;
    if (candidateBytes + (last ? 0 : byteLength(omittedNote(blocks.length - i - 1)) + 2) <= maxBytes) {
      parts.push(joint, block);
      bytes = candidateBytes;
      continue;
    }
    const out = parts.join("");
    const cut = `${out}\n\n${omittedNote(blocks.length - i)}`;
    return { text: byteLength(cut) <= maxBytes ? cut : truncateBytes(out, maxBytes), omitted: blocks.length - i };
  }
  return { text: parts.join(""), omitted: 0 };
}

export function truncateBytes(text: string, maxBytes: number): string {
  if (byteLength(text) <= maxBytes) return text;
  let end = Math.min(text.length, maxBytes);
  while (end > 0 && byteLength(text.slice(0, end)) > maxBytes - 3) end = Math.floor(end * 0.9);
  return `${text.slice(0, end)}…`;
}

export function findingLocation(f: Finding): string {
  if (f.line === undefined) return f.path;
  return f.endLine !== undefined && f.endLine !== f.line ? `${f.path}:${f.line}-${f.endLine}` : `${f.path}:${f.line}`;
}
