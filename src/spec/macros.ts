/**
 * A bounded, side-effect-free RPM macro expander for the values that matter to us (Source and
 * Patch names). It never runs anything: `%(...)` shell, `%{lua:...}`, `%[...]` expressions and
 * parametric macro calls are left as written and reported as unexpandable. Recursion depth, the
 * number of expansions and the output size are all capped, so a macro bomb stays bounded.
 */

/** A user macro: a plain body, or a parametric one (which we never call). */
export type MacroValue = string | { params: string; body: string };

export type MacroTable = Map<string, MacroValue>;

export interface ExpandOptions {
  /** nesting limit (rpm's own is 64) */
  maxDepth?: number;
  /** output cap in characters */
  maxOutput?: number;
  /** cap on the number of macro expansions */
  maxExpansions?: number;
}

export interface MacroExpansion {
  /** the expanded text; undefined macros and unsafe constructs stay as written, like rpm leaves them */
  value: string;
  /** true when every macro was expanded */
  complete: boolean;
  /** names (or constructs: `%(...)`, `%{lua:...}`, `%[...]`) that could not be expanded, first seen first */
  unexpandable: string[];
  /** a limit was hit (depth, expansions or output size); `value` is then partial */
  truncated: boolean;
}

const DEFAULTS = { maxDepth: 64, maxOutput: 64 * 1024, maxExpansions: 10_000 };

class LimitReached extends Error {}

interface State {
  table: ReadonlyMap<string, MacroValue>;
  unexpandable: string[];
  truncated: boolean;
  expansions: number;
  maxDepth: number;
  maxOutput: number;
  maxExpansions: number;
}

/** Expand macros in `text` using `table` (or a plain record of name → body). */
export function expandMacros(
  text: string,
  table: ReadonlyMap<string, MacroValue> | Readonly<Record<string, string>>,
  options: ExpandOptions = {},
): MacroExpansion {
  const map: ReadonlyMap<string, MacroValue> = table instanceof Map ? table : new Map(Object.entries(table as Record<string, string>));
  const state: State = {
    table: map,
    unexpandable: [],
    truncated: false,
    expansions: 0,
    maxDepth: options.maxDepth ?? DEFAULTS.maxDepth,
    maxOutput: options.maxOutput ?? DEFAULTS.maxOutput,
    maxExpansions: options.maxExpansions ?? DEFAULTS.maxExpansions,
  };
  const out = { s: "" };
  try {
    expandInto(text, 0, state, out);
  } catch (error) {
    if (!(error instanceof LimitReached)) throw error;
    state.truncated = true;
  }
  return {
    value: out.s,
    complete: state.unexpandable.length === 0 && !state.truncated,
    unexpandable: state.unexpandable,
    truncated: state.truncated,
  };
}

function report(state: State, what: string): void {
  if (!state.unexpandable.includes(what)) state.unexpandable.push(what);
}

function emit(out: { s: string }, text: string, state: State): void {
  if (out.s.length + text.length > state.maxOutput) {
    out.s += text.slice(0, Math.max(0, state.maxOutput - out.s.length));
    throw new LimitReached();
  }
  out.s += text;
}

function isNameStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39);
}

/** Index of the bracket closing the one at `open`, honouring nesting; -1 when unbalanced. */
function matchClose(s: string, open: number, openCh: string, closeCh: string): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === "\\") {
      i++;
      continue;
    }
    if (ch === openCh) depth++;
    else if (ch === closeCh) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function expandInto(text: string, depth: number, state: State, out: { s: string }): void {
  if (depth > state.maxDepth) {
    report(state, "(recursion too deep)");
    throw new LimitReached();
  }
  let i = 0;
  const n = text.length;
  while (i < n) {
    const pct = text.indexOf("%", i);
    if (pct < 0) {
      emit(out, text.slice(i), state);
      return;
    }
    if (pct > i) emit(out, text.slice(i, pct), state);
    const next = text.charCodeAt(pct + 1);
    if (next === 0x25 /* % */) {
      emit(out, "%", state);
      i = pct + 2;
      continue;
    }
    if (next === 0x7b /* { */) {
      const close = matchClose(text, pct + 1, "{", "}");
      if (close < 0) {
        emit(out, text.slice(pct), state);
        return;
      }
      expandBraced(text.slice(pct + 2, close), text.slice(pct, close + 1), depth, state, out);
      i = close + 1;
      continue;
    }
    if (next === 0x28 /* ( */) {
      const close = matchClose(text, pct + 1, "(", ")");
      const end = close < 0 ? n : close + 1;
      report(state, "%(...)");
      emit(out, text.slice(pct, end), state);
      i = end;
      continue;
    }
    if (next === 0x5b /* [ */) {
      const close = matchClose(text, pct + 1, "[", "]");
      const end = close < 0 ? n : close + 1;
      report(state, "%[...]");
      emit(out, text.slice(pct, end), state);
      i = end;
      continue;
    }
    // Bare form: %name, %?name, %!?name
    let j = pct + 1;
    let negate = false;
    let query = false;
    while (j < n && (text[j] === "!" || text[j] === "?")) {
      if (text[j] === "!") negate = !negate;
      else query = true;
      j++;
    }
    if (j < n && isNameStart(text.charCodeAt(j))) {
      let k = j;
      while (k < n && isNameChar(text.charCodeAt(k))) k++;
      const name = text.slice(j, k);
      const written = text.slice(pct, k);
      expandName(name, query, negate, undefined, written, depth, state, out);
      i = k;
      continue;
    }
    // A lone percent sign (or positional/special macros we do not model) stays as written.
    emit(out, "%", state);
    i = pct + 1;
  }
}

const PURE_FUNCTIONS = new Set(["lower", "upper", "basename", "dirname", "suffix", "len", "quote", "shrink", "url2path", "u2p", "expand", "S", "P", "defined", "undefined", "echo", "warn", "verbose"]);
const UNSAFE_FUNCTIONS = new Set(["lua", "getenv", "uncompress", "load", "error", "macrobody", "dump", "trace", "getconfdir", "exists", "rpmversion"]);

function expandBraced(inner: string, written: string, depth: number, state: State, out: { s: string }): void {
  let j = 0;
  let negate = false;
  let query = false;
  while (j < inner.length && (inner[j] === "!" || inner[j] === "?")) {
    if (inner[j] === "!") negate = !negate;
    else query = true;
    j++;
  }
  const colon = inner.indexOf(":", j);
  const head = colon < 0 ? inner.slice(j) : inner.slice(j, colon);
  const arg = colon < 0 ? undefined : inner.slice(colon + 1);
  const name = head.trim();
  const call = /^(with|without|defined|undefined)\s+([A-Za-z_][A-Za-z0-9_]*)$/.exec(head.trim());
  if (!query && arg === undefined && call) {
    // rpm's %{with x} / %{without x} (bcond) and %{defined x} / %{undefined x}: pure lookups.
    const [, fn, macro] = call;
    const key = fn === "with" || fn === "without" ? `with_${macro}` : (macro as string);
    if ((fn === "with" || fn === "without") && typeof state.table.get(key) === "object") {
      // a build condition whose default could not be decided
      report(state, written);
      emit(out, written, state);
      return;
    }
    const has = state.table.has(key);
    emit(out, (fn === "with" || fn === "defined") === has ? "1" : "0", state);
    return;
  }
  const gsub = !query && arg === undefined ? /^gsub\s+(\S+)\s+(\S+)(?:\s+(\S*))?\s*$/.exec(head.trim()) : null;
  if (gsub) {
    // `%{gsub %version ~ -}` (rpm's string macro, e.g. systemd's %version_no_tilde): done here when the
    // pattern is a plain string; a Lua pattern with magic characters stays unexpanded
    const subject = expandToString(gsub[1] as string, depth, state);
    const pattern = (gsub[2] as string).replace(/%(\W)/g, "$1");
    const replacement = (gsub[3] ?? "").replace(/%%/g, "%");
    if (/[\^$()%.[\]*+\-?]/.test(gsub[2] as string) && !/^(?:%\W|[^\^$()%.[\]*+\-?])+$/.test(gsub[2] as string)) {
      report(state, written);
      emit(out, written, state);
      return;
    }
    emit(out, subject.split(pattern).join(replacement), state);
    return;
  }
  if (name === "" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    // `%{name args}` call syntax or something we do not model.
    report(state, written);
    emit(out, written, state);
    return;
  }
  if (!query && arg !== undefined && (PURE_FUNCTIONS.has(name) || UNSAFE_FUNCTIONS.has(name))) {
    callFunction(name, arg, written, depth, state, out);
    return;
  }
  expandName(name, query, negate, arg, written, depth, state, out);
}

function expandName(
  name: string,
  query: boolean,
  negate: boolean,
  conditionalText: string | undefined,
  written: string,
  depth: number,
  state: State,
  out: { s: string },
): void {
  const value = state.table.get(name);
  const defined = value !== undefined;
  if (query) {
    if (conditionalText !== undefined) {
      // %{?name:text} / %{!?name:text}
      if (defined !== negate) expandInto(conditionalText, depth + 1, state, out);
      return;
    }
    if (negate || !defined) return; // %{!?name} and undefined %{?name} expand to nothing
  }
  if (!defined) {
    report(state, name);
    emit(out, written, state);
    return;
  }
  if (typeof value !== "string") {
    report(state, `${name}()`);
    emit(out, written, state);
    return;
  }
  if (++state.expansions > state.maxExpansions) {
    report(state, "(too many expansions)");
    throw new LimitReached();
  }
  expandInto(value, depth + 1, state, out);
}

function expandToString(text: string, depth: number, state: State): string {
  const sub = { s: "" };
  expandInto(text, depth + 1, state, sub);
  return sub.s;
}

function callFunction(name: string, arg: string, written: string, depth: number, state: State, out: { s: string }): void {
  if (UNSAFE_FUNCTIONS.has(name)) {
    report(state, `%{${name}:...}`);
    emit(out, written, state);
    return;
  }
  if (++state.expansions > state.maxExpansions) {
    report(state, "(too many expansions)");
    throw new LimitReached();
  }
  const value = expandToString(arg, depth, state);
  switch (name) {
    case "lower":
      emit(out, value.toLowerCase(), state);
      return;
    case "upper":
      emit(out, value.toUpperCase(), state);
      return;
    case "basename": {
      const trimmed = value.replace(/\/+$/, "");
      emit(out, trimmed.slice(trimmed.lastIndexOf("/") + 1), state);
      return;
    }
    case "dirname": {
      const slash = value.lastIndexOf("/");
      emit(out, slash < 0 ? value : value.slice(0, slash), state);
      return;
    }
    case "suffix": {
      const dot = value.lastIndexOf(".");
      emit(out, dot < 0 ? "" : value.slice(dot + 1), state);
      return;
    }
    case "len":
      emit(out, String(value.length), state);
      return;
    case "quote":
      emit(out, `"${value}"`, state);
      return;
    case "shrink":
      emit(out, value.trim().replace(/[ \t\n]+/g, " "), state);
      return;
    case "url2path":
    case "u2p": {
      const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(value);
      emit(out, m ? (m[1] ?? "") : value, state);
      return;
    }
    case "expand":
      expandInto(value, depth + 1, state, out);
      return;
    case "S":
    case "P": {
      const key = (name === "S" ? "SOURCE" : "PATCH") + value.trim();
      expandName(key, false, false, undefined, `%{${key}}`, depth, state, out);
      return;
    }
    case "defined":
      emit(out, state.table.has(value.trim()) ? "1" : "0", state);
      return;
    case "undefined":
      emit(out, state.table.has(value.trim()) ? "0" : "1", state);
      return;
    default:
      // echo / warn / verbose print to the terminal in rpm and expand to nothing.
      return;
  }
}
