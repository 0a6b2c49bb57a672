/**
 * A small, bounded RPM macro expander and `%if` evaluator for the parts of a spec the tracker reads
 * (Patch/Source values, conditionals, %prep). Nothing is executed: `%(…)`, `%{lua:…}` and unknown
 * parametric macros leave the text marked as unexpandable, and a condition that depends on one is
 * "unknown" rather than guessed.
 */

export type MacroTable = Map<string, string>;

const MAX_DEPTH = 16;
const MAX_OUTPUT = 64 * 1024;

export interface Expansion {
  text: string;
  /** something could not be expanded (unknown macro, shell or lua) */
  incomplete: boolean;
}

/** Expands %name, %{name}, %{?name}, %{!?name:x}, %{?name:x}, %{with x}, %{without x}, %{expand:x}, %%. */
export function expandMacros(text: string, macros: MacroTable, depth = 0): Expansion {
  let incomplete = false;
  if (depth > MAX_DEPTH) return { text, incomplete: true };
  let out = "";
  let k = 0;
  while (k < text.length) {
    const c = text[k] as string;
    if (c !== "%") {
      out += c;
      k++;
      continue;
    }
    const next = text[k + 1];
    if (next === "%") {
      out += "%";
      k += 2;
      continue;
    }
    if (next === "(" || next === "[") {
      // shell or expression expansion: never run; keep the text and mark it unknown
      const end = matchClose(text, k + 1, next, next === "(" ? ")" : "]");
      out += text.slice(k, end + 1);
      incomplete = true;
      k = end + 1;
      continue;
    }
    if (next === "{") {
      const end = matchClose(text, k + 1, "{", "}");
      if (end < 0) {
        out += text.slice(k);
        incomplete = true;
        break;
      }
      const inner = text.slice(k + 2, end);
      const r = expandBraced(inner, macros, depth);
      out += r.text;
      incomplete ||= r.incomplete;
      k = end + 1;
      continue;
    }
    const m = /^%(\??)(!?)([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(k));
    if (!m) {
      out += c;
      k++;
      continue;
    }
    const [whole, optional, negated, name] = m as unknown as [string, string, string, string];
    const value = macros.get(name);
    if (value !== undefined && !negated) {
      const r = expandMacros(value, macros, depth + 1);
      out += r.text;
      incomplete ||= r.incomplete;
    } else if (optional) {
      // %?name expands to nothing when undefined
    } else if (value === undefined) {
      out += whole;
      incomplete = true;
    }
    k += whole.length;
    if (out.length > MAX_OUTPUT) return { text: out, incomplete: true };
  }
  return { text: out, incomplete };
}

function matchClose(text: string, open: number, openChar: string, closeChar: string): number {
  let level = 0;
  for (let k = open; k < text.length; k++) {
    if (text[k] === openChar) level++;
    else if (text[k] === closeChar) {
      level--;
      if (level === 0) return k;
    }
  }
  return -1;
}

function expandBraced(inner: string, macros: MacroTable, depth: number): Expansion {
  const withMatch = /^(with|without)\s+([A-Za-z0-9_]+)$/.exec(inner.trim());
  if (withMatch) {
    const defined = macros.has(`with_${withMatch[2]}`);
    return { text: (withMatch[1] === "with") === defined ? "1" : "0", incomplete: false };
  }
  if (inner.startsWith("lua:")) return { text: `%{${inner}}`, incomplete: true };
  if (inner.startsWith("expand:")) return expandMacros(inner.slice(7), macros, depth + 1);
  const m = /^([?!]*)([A-Za-z_][A-Za-z0-9_]*)(?::([\s\S]*))?$/.exec(inner);
  if (!m) {
    // parametric or builtin macro (%{basename:…}, %{sub …}): not modelled
    return { text: `%{${inner}}`, incomplete: true };
  }
  const flags = m[1] as string;
  const name = m[2] as string;
  const alternative = m[3];
  const optional = flags.includes("?");
  const negated = flags.includes("!");
  const defined = macros.has(name);
  if (optional) {
    if (alternative !== undefined) {
      return defined !== negated ? expandMacros(alternative, macros, depth + 1) : { text: "", incomplete: false };
    }
    if (negated) return { text: "", incomplete: false };
    return defined ? expandMacros(macros.get(name) as string, macros, depth + 1) : { text: "", incomplete: false };
  }
  if (!defined) return { text: `%{${inner}}`, incomplete: true };
  return expandMacros(macros.get(name) as string, macros, depth + 1);
}

// ---- %if expressions ----

type Token = { t: "num"; v: number } | { t: "str"; v: string } | { t: "ver"; v: string } | { t: "op"; v: string } | { t: "word"; v: string };

function tokenize(expr: string): Token[] | undefined {
  const tokens: Token[] = [];
  let k = 0;
  while (k < expr.length) {
    const rest = expr.slice(k);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      k += ws[0].length;
      continue;
    }
    const num = /^\d+/.exec(rest);
    if (num) {
      tokens.push({ t: "num", v: Number(num[0]) });
      k += num[0].length;
      continue;
    }
    const ver = /^v"([^"]*)"/.exec(rest);
    if (ver) {
      tokens.push({ t: "ver", v: ver[1] as string });
      k += ver[0].length;
      continue;
    }
    const str = /^"([^"]*)"/.exec(rest);
    if (str) {
      tokens.push({ t: "str", v: str[1] as string });
      k += str[0].length;
      continue;
    }
    const op = /^(&&|\|\||==|!=|<=|>=|<|>|!|\(|\)|\+|-|\*|\/|\?|:)/.exec(rest);
    if (op) {
      tokens.push({ t: "op", v: op[0] });
      k += op[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (word) {
      tokens.push({ t: "word", v: word[0] });
      k += word[0].length;
      continue;
    }
    return undefined;
  }
  return tokens;
}

type Value = number | string | { version: string };

/**
 * Evaluates an rpm `%if` expression after macro expansion: true/false, or undefined when it depends
 * on something unknown (an unexpandable macro, a bare word, a syntax rpm would reject).
 */
export function evaluateCondition(expression: string, macros: MacroTable, compareVersions: (a: string, b: string) => number): boolean | undefined {
  const expanded = expandMacros(expression, macros);
  if (expanded.incomplete) return undefined;
  const tokens = tokenize(expanded.text);
  if (!tokens || tokens.length === 0) return undefined;
  let pos = 0;
  const peek = () => tokens[pos];
  const fail = (): never => {
    throw new SyntaxError("bad expression");
  };
  const truthy = (v: Value): boolean => (typeof v === "number" ? v !== 0 : typeof v === "string" ? v !== "" : v.version !== "");
  const compare = (a: Value, b: Value): number => {
    if (typeof a === "number" && typeof b === "number") return a - b;
    if (typeof a === "object" && typeof b === "object") return compareVersions(a.version, b.version);
    if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
    return fail();
  };
  const primary = (): Value => {
    const tok = tokens[pos++];
    if (!tok) return fail();
    if (tok.t === "num") return tok.v;
    if (tok.t === "str") return tok.v;
    if (tok.t === "ver") return { version: tok.v };
    if (tok.t === "op" && tok.v === "(") {
      const v = ternary();
      const close = tokens[pos++];
      if (!close || close.t !== "op" || close.v !== ")") fail();
      return v;
    }
    if (tok.t === "op" && tok.v === "!") return truthy(primary()) ? 0 : 1;
    if (tok.t === "op" && tok.v === "-") {
      const v = primary();
      return typeof v === "number" ? -v : fail();
    }
    return fail();
  };
  const binary = (ops: string[], next: () => Value, apply: (op: string, a: Value, b: Value) => Value) => (): Value => {
    let left = next();
    for (;;) {
      const tok = peek();
      if (!tok || tok.t !== "op" || !ops.includes(tok.v)) return left;
      pos++;
      left = apply(tok.v, left, next());
    }
  };
  const arith = (op: string, a: Value, b: Value): Value => {
    if (typeof a !== "number" || typeof b !== "number") {
      if (op === "+" && typeof a === "string" && typeof b === "string") return a + b;
      return fail();
    }
    if (op === "+") return a + b;
    if (op === "-") return a - b;
    if (op === "*") return a * b;
    return b === 0 ? fail() : Math.trunc(a / b);
  };
  const mul = binary(["*", "/"], primary, arith);
  const add = binary(["+", "-"], mul, arith);
  const rel = binary(["<", ">", "<=", ">="], add, (op, a, b) => {
    const c = compare(a, b);
    return (op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : c >= 0) ? 1 : 0;
  });
  const eq = binary(["==", "!="], rel, (op, a, b) => ((compare(a, b) === 0) === (op === "==") ? 1 : 0));
  const and = binary(["&&"], eq, (_op, a, b) => (truthy(a) && truthy(b) ? 1 : 0));
  const or = binary(["||"], and, (_op, a, b) => (truthy(a) || truthy(b) ? 1 : 0));
  const ternary = (): Value => {
    const cond = or();
    const tok = peek();
    if (!tok || tok.t !== "op" || tok.v !== "?") return cond;
    pos++;
    const a = ternary();
    const colon = tokens[pos++];
    if (!colon || colon.t !== "op" || colon.v !== ":") fail();
    const b = ternary();
    return truthy(cond) ? a : b;
  };
  try {
    const value = ternary();
    if (pos !== tokens.length) return undefined;
    return truthy(value);
  } catch {
    return undefined;
  }
}
