/**
 * Glob matching in the doublestar (bmatcuk/doublestar v4) dialect that azldev uses for includes,
 * overlay-files, loose-file overlays, group spec discovery and patch-remove:
 *
 *   `*`      any run of characters except `/` (a `**` that is not a whole path segment acts like `*`)
 *   `**`     as a whole segment: zero or more directories (`a/**` also matches `a`; `**\/x` matches `x`)
 *   `?`      one character except `/`
 *   `[...]`  one character of a class (`[!...]` / `[^...]` negate, `a-z` ranges, `\` escapes); never `/`
 *   `{a,b}`  alternatives, nestable, may contain `/`
 *   `\c`     the literal character c
 *
 * Matching is case-sensitive and gives dot-files no special treatment. Paths are POSIX, repo-relative.
 */

export class GlobPatternError extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`invalid glob pattern ${JSON.stringify(pattern)}: ${reason}`);
    this.name = "GlobPatternError";
  }
}

/** Upper bound on brace alternatives of one pattern (config patterns have a handful). */
const MAX_ALTERNATIVES = 4096;

/**
 * True when the pattern has any glob syntax (unescaped `*`, `?`, `[`, `{`, or an escape `\`), i.e.
 * when it may not match the path spelled the same way: `%{name}-x.patch` as a pattern does not
 * match the file `%{name}-x.patch`.
 */
export function hasGlobMeta(pattern: string): boolean {
  return /[*?[{\\]/.test(pattern);
}

/**
 * azldev's test for "a pattern that may legitimately match nothing" (includes, overlay-files): an
 * unescaped `*`, `?` or `[`. Exactly these three: a pattern whose only glob syntax is `{a,b}` counts
 * as a literal path, so matching nothing is an error.
 */
export function hasWildcard(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "*" || c === "?" || c === "[") return true;
  }
  return false;
}

/** A reason string when the pattern is malformed (unclosed `[` or `{`, empty class, dangling `\`), else undefined. */
export function validateGlob(pattern: string): string | undefined {
  try {
    compileGlob(pattern);
    return undefined;
  } catch (error) {
    if (error instanceof GlobPatternError) return error.message;
    throw error;
  }
}

/** Does `path` match `pattern` as a whole? Malformed patterns match nothing (see validateGlob). */
export function matchGlob(pattern: string, path: string): boolean {
  let compiled: CompiledGlob;
  try {
    compiled = compileGlob(pattern);
  } catch (error) {
    if (error instanceof GlobPatternError) return false;
    throw error;
  }
  return compiled.match(path);
}

/**
 * The paths among `paths` that match `pattern`, de-duplicated, in doublestar's directory-walk order
 * (per directory, entries by name; a directory's subtree sits where the directory name sorts), which is
 * not plain string order: `a/x` comes before `a-b/x`. Throws GlobPatternError for a malformed pattern.
 */
export function expandGlob(pattern: string, paths: Iterable<string>): string[] {
  const compiled = compileGlob(pattern);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of paths) {
    if (seen.has(p)) continue;
    seen.add(p);
    if (compiled.match(p)) out.push(p);
  }
  return out.sort(compareWalkOrder);
}

/** Directory-walk order: compare path segment by segment, byte-wise. */
export function compareWalkOrder(a: string, b: string): number {
  const sa = a.split("/");
  const sb = b.split("/");
  const n = Math.min(sa.length, sb.length);
  for (let i = 0; i < n; i++) {
    const x = sa[i] as string;
    const y = sb[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return sa.length - sb.length;
}

export interface CompiledGlob {
  readonly pattern: string;
  match(path: string): boolean;
}

const cache = new Map<string, CompiledGlob>();

/** Parse once, match many times. Throws GlobPatternError for a malformed pattern. */
export function compileGlob(pattern: string): CompiledGlob {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const alternatives = expandBraces(pattern).map(compileAlternative);
  const compiled: CompiledGlob = {
    pattern,
    match(path: string): boolean {
      const names = path.split("/");
      return alternatives.some((segments) => matchSegments(segments, 0, names, 0));
    },
  };
  if (cache.size > 2048) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// Brace expansion

function expandBraces(pattern: string): string[] {
  const open = findUnescaped(pattern, "{", 0);
  if (open < 0) {
    checkEscapes(pattern);
    return [pattern];
  }
  const close = matchingBrace(pattern, open);
  if (close < 0) throw new GlobPatternError(pattern, "unclosed '{'");
  const prefix = pattern.slice(0, open);
  const suffix = pattern.slice(close + 1);
  const out: string[] = [];
  for (const alternative of splitAlternatives(pattern.slice(open + 1, close))) {
    for (const expanded of expandBraces(prefix + alternative + suffix)) {
      out.push(expanded);
      if (out.length > MAX_ALTERNATIVES) throw new GlobPatternError(pattern, "too many {…} alternatives");
    }
  }
  return out;
}

function checkEscapes(pattern: string): void {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === "\\") {
      if (i + 1 >= pattern.length) throw new GlobPatternError(pattern, "dangling '\\' at the end");
      i++;
    }
  }
}

function findUnescaped(s: string, ch: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === ch) return i;
  }
  return -1;
}

function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}

function splitAlternatives(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Segments

type Token =
  | { kind: "literal"; char: string }
  | { kind: "any" } // ?
  | { kind: "star" } // *
  | { kind: "class"; negate: boolean; items: Array<{ lo: string; hi: string }> };

type Segment = { kind: "globstar" } | { kind: "tokens"; tokens: Token[]; literal?: string };

function compileAlternative(pattern: string): Segment[] {
  return splitSegments(pattern).map((raw) => {
    if (raw === "**") return { kind: "globstar" } as const;
    const tokens = tokenize(raw, pattern);
    const literal = tokens.every((t) => t.kind === "literal")
      ? tokens.map((t) => (t as { char: string }).char).join("")
      : undefined;
    return literal === undefined ? { kind: "tokens", tokens } : { kind: "tokens", tokens, literal };
  });
}

/** Split on `/` outside of `[...]` classes and escapes. */
function splitSegments(pattern: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "\\") {
      i += 2;
      continue;
    }
    if (c === "[") {
      const end = classEnd(pattern, i);
      if (end > 0) {
        i = end + 1;
        continue;
      }
    }
    if (c === "/") {
      out.push(pattern.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  out.push(pattern.slice(start));
  return out;
}

/** Index of the `]` closing the class that opens at `open`, or -1. */
function classEnd(s: string, open: number): number {
  let i = open + 1;
  if (s[i] === "!" || s[i] === "^") i++;
  let first = true;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      i++;
      first = false;
      continue;
    }
    if (c === "]" && !first) return i;
    if (c === "]" && first) return -1; // empty class: malformed
    first = false;
  }
  return -1;
}

function tokenize(raw: string, pattern: string): Token[] {
  const chars = Array.from(raw);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "\\") {
      const next = chars[++i];
      if (next === undefined) throw new GlobPatternError(pattern, "dangling '\\' at the end");
      tokens.push({ kind: "literal", char: next });
    } else if (c === "*") {
      if (tokens[tokens.length - 1]?.kind !== "star") tokens.push({ kind: "star" });
    } else if (c === "?") {
      tokens.push({ kind: "any" });
    } else if (c === "[") {
      i = parseClass(chars, i, tokens, pattern);
    } else {
      tokens.push({ kind: "literal", char: c });
    }
  }
  return tokens;
}

function parseClass(chars: string[], open: number, tokens: Token[], pattern: string): number {
  let i = open + 1;
  let negate = false;
  if (chars[i] === "!" || chars[i] === "^") {
    negate = true;
    i++;
  }
  if (i >= chars.length) throw new GlobPatternError(pattern, "unclosed '['");
  if (chars[i] === "]") throw new GlobPatternError(pattern, "empty character class '[]'");
  const items: Array<{ lo: string; hi: string }> = [];
  for (; i < chars.length; i++) {
    let c = chars[i] as string;
    if (c === "]") {
      tokens.push({ kind: "class", negate, items });
      return i;
    }
    if (c === "\\") {
      c = chars[++i] ?? "";
      if (c === "") break;
    }
    if (chars[i + 1] === "-" && chars[i + 2] !== undefined && chars[i + 2] !== "]") {
      let hi = chars[i + 2] as string;
      i += 2;
      if (hi === "\\") {
        hi = chars[++i] ?? "";
        if (hi === "") break;
      }
      items.push({ lo: c, hi });
    } else {
      items.push({ lo: c, hi: c });
    }
  }
  throw new GlobPatternError(pattern, "unclosed '['");
}

// ---------------------------------------------------------------------------------------------
// Matching

function matchSegments(segments: Segment[], si: number, names: string[], ni: number): boolean {
  while (si < segments.length) {
    const segment = segments[si] as Segment;
    if (segment.kind === "globstar") {
      // Collapse runs of `**` (they mean the same as one).
      let next = si + 1;
      while (segments[next]?.kind === "globstar") next++;
      if (next === segments.length) return true; // trailing `/**`: the dir itself and everything below
      // `dir/**/` also names the directory itself
      if (ni === names.length && next === segments.length - 1 && isEmptySegment(segments[next])) return true;
      for (let k = ni; k <= names.length; k++) {
        if (matchSegments(segments, next, names, k)) return true;
      }
      return false;
    }
    if (ni >= names.length) return false;
    const name = names[ni] as string;
    if (segment.literal !== undefined ? segment.literal !== name : !matchTokens(segment.tokens, name)) return false;
    si++;
    ni++;
  }
  return ni === names.length;
}

function isEmptySegment(segment: Segment | undefined): boolean {
  return segment?.kind === "tokens" && segment.literal === "";
}

function matchTokens(tokens: Token[], name: string): boolean {
  const chars = Array.from(name);
  let t = 0;
  let c = 0;
  let starT = -1;
  let starC = 0;
  while (c < chars.length) {
    const token = tokens[t];
    if (token !== undefined) {
      if (token.kind === "star") {
        starT = t++;
        starC = c;
        continue;
      }
      if (matchOne(token, chars[c] as string)) {
        t++;
        c++;
        continue;
      }
    }
    if (starT < 0) return false;
    t = starT + 1;
    c = ++starC;
  }
  while (tokens[t]?.kind === "star") t++;
  return t === tokens.length;
}

function matchOne(token: Token, ch: string): boolean {
  switch (token.kind) {
    case "literal":
      return token.char === ch;
    case "any":
      return true;
    case "class": {
      const cp = ch.codePointAt(0) ?? 0;
      const hit = token.items.some((item) => (item.lo.codePointAt(0) ?? 0) <= cp && cp <= (item.hi.codePointAt(0) ?? 0));
      return hit !== token.negate;
    }
    case "star":
      return true;
  }
}
