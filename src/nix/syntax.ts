/**
 * Small readers over the tree-sitter-nix syntax tree: literal strings and string templates,
 * attribute sets as path → binding, function applications, attached comments. Each reader is
 * syntactic only — nothing is evaluated, and an expression it cannot read comes back undefined.
 */
import type { NixNode } from "./parser.js";

/** A node's 1-based first and last line. */
export function lines(node: NixNode): { line: number; endLine: number } {
  const end = node.endPosition;
  // a node that ends at column 0 ends on the previous line
  const endRow = end.column === 0 && end.row > node.startPosition.row ? end.row - 1 : end.row;
  return { line: node.startPosition.row + 1, endLine: endRow + 1 };
}

/** `lines` plus the columns the node starts and ends at. */
export function span(node: NixNode): { line: number; endLine: number; column: number; endColumn: number } {
  return { ...lines(node), column: node.startPosition.column, endColumn: node.endPosition.column };
}

/** Strips parentheses: `((x))` → `x`. */
export function unwrap(node: NixNode | null | undefined): NixNode | undefined {
  let current = node ?? undefined;
  while (current && current.type === "parenthesized_expression") current = current.childForFieldName("expression") ?? undefined;
  return current;
}

/** One piece of a string: literal text, or the source of an interpolated expression. */
export type TemplatePart = { text: string } | { expr: string; node: NixNode };

const STRING_TYPES = new Set(["string_expression", "indented_string_expression"]);

/** The parts of a string literal (`"…"` or `''…''`), escapes resolved; undefined for other nodes. */
export function templateOf(node: NixNode | null | undefined): TemplatePart[] | undefined {
  const n = unwrap(node);
  if (!n || !STRING_TYPES.has(n.type)) return undefined;
  const indented = n.type === "indented_string_expression";
  const parts: TemplatePart[] = [];
  const push = (text: string) => {
    const last = parts[parts.length - 1];
    if (last && "text" in last) last.text += text;
    else parts.push({ text });
  };
  for (const child of n.namedChildren) {
    if (!child) continue;
    switch (child.type) {
      case "string_fragment":
        push(child.text);
        break;
      case "escape_sequence":
        push(indented ? unescapeIndented(child.text) : unescapeDouble(child.text));
        break;
      case "dollar_escape":
        // `''$` / `\$`: the escape itself; the `$` follows as a fragment
        break;
      case "interpolation": {
        const expr = child.childForFieldName("expression") ?? child.namedChildren[0];
        if (expr) parts.push({ expr: expr.text, node: expr });
        break;
      }
      default:
        push(child.text);
    }
  }
  return parts;
}

function unescapeDouble(text: string): string {
  const c = text.slice(1);
  return c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c;
}

function unescapeIndented(text: string): string {
  // ''' → '' ; ''\n → newline ; ''\x → x
  if (text === "'''") return "''";
  if (text.startsWith("''\\")) return unescapeDouble(text.slice(2));
  return text;
}


/** The value of a string without interpolation; undefined when it is not one. */
export function literalString(node: NixNode | null | undefined): string | undefined {
  const parts = templateOf(node);
  if (!parts) return undefined;
  if (parts.some((p) => "expr" in p)) return undefined;
  return parts.map((p) => ("text" in p ? p.text : "")).join("");
}

/** A string's source-like template: literal text with `${expr}` kept as written. */
export function templateText(parts: TemplatePart[]): string {
  return parts.map((p) => ("text" in p ? p.text : `\${${p.expr}}`)).join("");
}

/** The attribute names of an attrpath (`a.b."c"` → ["a", "b", "c"]); undefined when one is dynamic. */
export function attrPath(node: NixNode | null | undefined): string[] | undefined {
  if (!node) return undefined;
  const out: string[] = [];
  for (const attr of node.namedChildren) {
    if (!attr) continue;
    if (attr.type === "identifier") out.push(attr.text);
    else {
      const s = literalString(attr);
      if (s === undefined) return undefined;
      out.push(s);
    }
  }
  return out;
}

export interface Binding {
  path: string[];
  node: NixNode;
  value: NixNode;
}

const ATTRSET_TYPES = new Set(["attrset_expression", "rec_attrset_expression"]);

export function isAttrset(node: NixNode | null | undefined): node is NixNode {
  return !!node && ATTRSET_TYPES.has(node.type);
}

/** The binding_set of an attrset or let expression. */
function bindingSet(node: NixNode): NixNode | undefined {
  return node.namedChildren.find((c): c is NixNode => !!c && c.type === "binding_set");
}

/** Bindings per tree and node id: readers ask for the same set's attributes many times. */
const bindingCache = new WeakMap<object, Map<number, Binding[]>>();

/** The direct bindings of an attrset (or a let's bindings), in source order. */
export function bindings(node: NixNode | null | undefined): Binding[] {
  const n = unwrap(node);
  if (!n) return [];
  let perTree = bindingCache.get(n.tree);
  if (!perTree) {
    perTree = new Map();
    bindingCache.set(n.tree, perTree);
  }
  const cached = perTree.get(n.id);
  if (cached) return cached;
  const out = readBindings(n);
  perTree.set(n.id, out);
  return out;
}

function readBindings(n: NixNode): Binding[] {
  const set = bindingSet(n);
  if (!set) return [];
  const out: Binding[] = [];
  for (const child of set.namedChildren) {
    if (!child || child.type !== "binding") continue;
    const path = attrPath(child.childForFieldName("attrpath"));
    const value = child.childForFieldName("expression");
    if (path && value) out.push({ path, node: child, value });
  }
  return out;
}

/** The value bound to `name` (a one-element path) in an attrset; undefined when absent. */
export function attr(node: NixNode | null | undefined, name: string): NixNode | undefined {
  return bindings(node).find((b) => b.path.length === 1 && b.path[0] === name)?.value;
}

/** The names an attrset inherits (`inherit a b;`, `inherit (x) c;`). */
export function inherited(node: NixNode | null | undefined): string[] {
  const n = unwrap(node);
  const set = n ? bindingSet(n) : undefined;
  if (!set) return [];
  const out: string[] = [];
  for (const child of set.namedChildren) {
    if (!child || (child.type !== "inherit" && child.type !== "inherit_from")) continue;
    for (const id of child.descendantsOfType("identifier")) {
      if (id && id.parent?.type === "inherited_attrs") out.push(id.text);
    }
  }
  return out;
}

/** Flattens a function application `f a b` into the function node and its arguments. */
export function application(node: NixNode | null | undefined): { fn: NixNode; args: NixNode[] } | undefined {
  let n = unwrap(node);
  if (!n || n.type !== "apply_expression") return undefined;
  const args: NixNode[] = [];
  while (n && n.type === "apply_expression") {
    const arg = n.childForFieldName("argument");
    if (arg) args.unshift(arg);
    n = unwrap(n.childForFieldName("function"));
  }
  return n ? { fn: n, args } : undefined;
}

/** The dotted name of a variable or selection (`lib.versionOlder`, `stdenv.hostPlatform.isMusl`). */
export function dottedName(node: NixNode | null | undefined): string | undefined {
  const n = unwrap(node);
  if (!n) return undefined;
  if (n.type === "variable_expression") return n.text;
  if (n.type === "select_expression") {
    const base = dottedName(n.childForFieldName("expression"));
    const path = attrPath(n.childForFieldName("attrpath"));
    if (base !== undefined && path) return [base, ...path].join(".");
  }
  return undefined;
}

/** The last component of a function's dotted name (`lib.optionals` → `optionals`). */
export function functionName(node: NixNode | null | undefined): string | undefined {
  const name = dottedName(node);
  return name?.split(".").pop();
}

function commentText(node: NixNode): string {
  const t = node.text;
  if (t.startsWith("#")) return t.replace(/^#+ ?/, "");
  // /* … */ and /** … */ blocks: drop the delimiters and leading stars
  return t
    .replace(/^\/\*+/, "")
    .replace(/\*+\/$/, "")
    .split("\n")
    .map((l) => l.replace(/^\s*\* ?/, "").trimEnd())
    .join("\n")
    .trim();
}

export interface AttachedComments {
  /** comment lines directly above (no blank line in between), top to bottom */
  leading: string[];
  /** a comment on the node's last line, after it */
  trailing?: string;
  /** 1-based line of the first leading comment */
  line?: number;
}

/**
 * Comments attached to a node among its siblings: the block directly above it (contiguous, not a
 * trailing comment of the previous sibling) and a comment that follows on its last line.
 */
export function attachedComments(node: NixNode, options: { skip?: string[] } = {}): AttachedComments {
  const leading: string[] = [];
  let firstLine: number | undefined;
  let expectRow = node.startPosition.row;
  // comments above the first binding of a set are the set's children, not the binding_set's
  let anchor = node;
  while (!anchor.previousSibling && anchor.parent?.type === "binding_set") anchor = anchor.parent;
  let start = anchor.previousSibling;
  // an operator between the comment and the node (`# why` / `++ lib.optional …`)
  while (start && !start.isNamed && options.skip?.includes(start.type)) start = start.previousSibling;
  for (let prev = start; prev && prev.type === "comment"; prev = prev.previousSibling) {
    if (prev.endPosition.row < expectRow - 1) break;
    const before = prev.previousSibling;
    if (before && before.type !== "comment" && before.endPosition.row === prev.startPosition.row) break;
    leading.unshift(commentText(prev));
    firstLine = prev.startPosition.row + 1;
    expectRow = prev.startPosition.row;
  }
  const out: AttachedComments = { leading };
  if (firstLine !== undefined) out.line = firstLine;
  const after = followingComment(node);
  if (after && after.startPosition.row === node.endPosition.row) out.trailing = commentText(after);
  return out;
}

/** The comment right after a node, skipping a `;`; tree-sitter may hang it on an ancestor. */
function followingComment(node: NixNode): NixNode | undefined {
  for (let n: NixNode | null = node; n; n = n.parent) {
    let next = n.nextSibling;
    if (next && !next.isNamed && next.type === ";") next = next.nextSibling;
    if (next) return next.type === "comment" ? next : undefined;
  }
  return undefined;
}

/** The binding node enclosing `node` (its attribute definition), when there is one. */
export function enclosingBinding(node: NixNode): NixNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (p.type === "binding") return p;
  return undefined;
}
