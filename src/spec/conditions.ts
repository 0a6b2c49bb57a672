/**
 * Evaluation of rpm `%if` expressions after macro expansion, three-valued: true, false, or
 * undefined when the expression cannot be decided safely (unexpanded macros, syntax we do not
 * model). Used to tell which Source/Patch lines rpm would see, never to execute anything.
 */

import { rpmvercmp } from "../version/index.js";

type Value = { kind: "int"; n: number } | { kind: "str"; s: string } | { kind: "ver"; v: string };

class Unknown extends Error {}

interface Token {
  kind: "int" | "str" | "ver" | "op" | "end";
  text: string;
}

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c >= "0" && c <= "9") {
      let j = i;
      while (j < expr.length && /[0-9]/.test(expr[j] as string)) j++;
      if (j < expr.length && /[A-Za-z_.]/.test(expr[j] as string)) throw new Unknown(); // "0x", "1.2" and other bare words
      tokens.push({ kind: "int", text: expr.slice(i, j) });
      i = j;
      continue;
    }
    if (c === '"' || (c === "v" && expr[i + 1] === '"')) {
      const start = c === "v" ? i + 2 : i + 1;
      const end = expr.indexOf('"', start);
      if (end < 0) throw new Unknown();
      tokens.push({ kind: c === "v" ? "ver" : "str", text: expr.slice(start, end) });
      i = end + 1;
      continue;
    }
    const two = expr.slice(i, i + 2);
    if (["&&", "||", "==", "!=", "<=", ">="].includes(two)) {
      tokens.push({ kind: "op", text: two });
      i += 2;
      continue;
    }
    if ("()!<>+-*/?:".includes(c)) {
      tokens.push({ kind: "op", text: c });
      i++;
      continue;
    }
    // Bare words, unexpanded macros (%...), anything else: not decidable.
    throw new Unknown();
  }
  tokens.push({ kind: "end", text: "" });
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private take(text?: string): Token {
    const t = this.peek();
    if (text !== undefined && (t.kind !== "op" || t.text !== text)) throw new Unknown();
    this.pos++;
    return t;
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === "op" && t.text === text;
  }

  parse(): Value {
    const v = this.ternary();
    if (this.peek().kind !== "end") throw new Unknown();
    return v;
  }

  private ternary(): Value {
    const cond = this.or();
    if (!this.isOp("?")) return cond;
    this.take("?");
    const a = this.ternary();
    this.take(":");
    const b = this.ternary();
    return truthy(cond) ? a : b;
  }

  private or(): Value {
    let left = this.and();
    while (this.isOp("||")) {
      this.take();
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.compare();
    while (this.isOp("&&")) {
      this.take();
      const right = this.compare();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private compare(): Value {
    let left = this.additive();
    for (;;) {
      const t = this.peek();
      if (t.kind !== "op" || !["==", "!=", "<", ">", "<=", ">="].includes(t.text)) return left;
      this.take();
      const right = this.additive();
      if (left.kind !== right.kind) throw new Unknown();
      const cmp =
        left.kind === "int"
          ? Math.sign(left.n - (right as { n: number }).n)
          : left.kind === "ver"
            ? rpmvercmp(left.v, (right as { v: string }).v)
            : compareStrings(left.s, (right as { s: string }).s);
      const result =
        t.text === "==" ? cmp === 0 : t.text === "!=" ? cmp !== 0 : t.text === "<" ? cmp < 0 : t.text === ">" ? cmp > 0 : t.text === "<=" ? cmp <= 0 : cmp >= 0;
      left = { kind: "int", n: result ? 1 : 0 };
    }
  }

  private additive(): Value {
    let left = this.multiplicative();
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.take().text;
      const right = this.multiplicative();
      if (op === "+" && left.kind === "str" && right.kind === "str") left = { kind: "str", s: left.s + right.s };
      else if (left.kind === "int" && right.kind === "int") left = { kind: "int", n: op === "+" ? left.n + right.n : left.n - right.n };
      else throw new Unknown();
    }
    return left;
  }

  private multiplicative(): Value {
    let left = this.unary();
    while (this.isOp("*") || this.isOp("/")) {
      const op = this.take().text;
      const right = this.unary();
      if (left.kind !== "int" || right.kind !== "int") throw new Unknown();
      if (op === "/" && right.n === 0) throw new Unknown();
      left = { kind: "int", n: op === "*" ? left.n * right.n : Math.trunc(left.n / right.n) };
    }
    return left;
  }

  private unary(): Value {
    if (this.isOp("!")) {
      this.take();
      return { kind: "int", n: truthy(this.unary()) ? 0 : 1 };
    }
    if (this.isOp("-")) {
      this.take();
      const v = this.unary();
      if (v.kind !== "int") throw new Unknown();
      return { kind: "int", n: -v.n };
    }
    if (this.isOp("(")) {
      this.take();
      const v = this.ternary();
      this.take(")");
      return v;
    }
    const t = this.take();
    if (t.kind === "int") return { kind: "int", n: Number(t.text) };
    if (t.kind === "str") return { kind: "str", s: t.text };
    if (t.kind === "ver") return { kind: "ver", v: t.text };
    throw new Unknown();
  }
}

function compareStrings(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function truthy(v: Value): boolean {
  return v.kind === "int" ? v.n !== 0 : v.kind === "str" ? v.s !== "" : v.v !== "";
}

/** Truth of an already macro-expanded `%if` expression; undefined when it cannot be decided. */
export function evaluateCondition(expanded: string): boolean | undefined {
  if (expanded.includes("%")) return undefined;
  try {
    const tokens = tokenize(expanded);
    if (tokens.length === 1) return undefined; // empty expression: rpm reports an error
    return truthy(new Parser(tokens).parse());
  } catch (error) {
    if (error instanceof Unknown) return undefined;
    throw error;
  }
}

/** `%ifarch` / `%ifos` style match of a value against an expanded, white-space separated list. */
export function matchesList(value: string | undefined, expandedList: string): boolean | undefined {
  if (value === undefined || expandedList.includes("%")) return undefined;
  return expandedList.split(/[\s,]+/).filter((s) => s !== "").includes(value);
}

/** Three-valued logic helpers. */
export function and3(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  if (a === false || b === false) return false;
  if (a === undefined || b === undefined) return undefined;
  return true;
}

export function or3(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  if (a === true || b === true) return true;
  if (a === undefined || b === undefined) return undefined;
  return false;
}

export function not3(a: boolean | undefined): boolean | undefined {
  return a === undefined ? undefined : !a;
}
