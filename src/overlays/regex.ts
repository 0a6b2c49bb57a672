/**
 * Go `regexp` semantics on re2js: compile with RE2 syntax (linear time, no backtracking) and
 * replace-all-literal exactly as Go's ReplaceAllLiteralString does it, including how empty matches
 * next to a previous match are skipped.
 */
import { RE2JS } from "re2js";

const cache = new Map<string, RE2JS>();

/** Compile a Go/RE2 regular expression. Throws with Go's message ("error parsing regexp: ..."). */
export function compileRegex(pattern: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const re = RE2JS.compile(pattern);
  if (cache.size > 512) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** The compile error message for a pattern, or undefined when it compiles. */
export function regexError(pattern: string): string | undefined {
  try {
    compileRegex(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Go's Regexp.ReplaceAllLiteralString: every non-overlapping match replaced by `replacement` verbatim. */
/** A replacement whose output would pass the caller's size budget (a pattern like `(?m)^` multiplies lines). */
export class ReplacementBudgetError extends Error {
  constructor(readonly limit: number) {
    super(`the replacement would grow the text past ${limit.toLocaleString("en-US")} characters`);
    this.name = "ReplacementBudgetError";
  }
}

export function replaceAllLiteral(re: RE2JS, src: string, replacement: string, maxLength = Number.POSITIVE_INFINITY): string {
  const matcher = re.matcher(src);
  const end = src.length;
  let out = "";
  let lastMatchEnd = 0;
  let searchPos = 0;
  let changed = false;
  while (searchPos <= end) {
    if (!matcher.find(searchPos)) break;
    const a0 = matcher.start();
    const a1 = matcher.end();
    out += src.slice(lastMatchEnd, a0);
    // No replacement for an empty match right after the previous match.
    if (a1 > lastMatchEnd || a0 === 0) {
      out += replacement;
      changed = true;
    }
    // checked as it grows: the whole result is never built when it is over the budget
    if (out.length + (end - a1) > maxLength) throw new ReplacementBudgetError(maxLength);
    lastMatchEnd = a1;
    let width = 0;
    if (searchPos < end) {
      const code = src.charCodeAt(searchPos);
      width = code >= 0xd800 && code <= 0xdbff && searchPos + 1 < end ? 2 : 1;
    }
    if (searchPos + width > a1) searchPos += width;
    else if (searchPos + 1 > a1) searchPos++;
    else searchPos = a1;
  }
  if (!changed && lastMatchEnd === 0) return src;
  return out + src.slice(lastMatchEnd);
}
