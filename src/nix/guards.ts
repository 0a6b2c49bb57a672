/**
 * Conditions in front of patches, flags and migrations, read syntactically: a platform predicate
 * (`stdenv.hostPlatform.isMusl`), or a version bound (`lib.versionOlder version "2.6"`,
 * `lib.versionAtLeast`, `builtins.compareVersions a b < 0`, `lib.versions.majorMinor v == "7.3"`),
 * possibly negated or inside `&&`.
 */
import type { NixNode } from "./parser.js";
import { application, functionName, lines, literalString, unwrap } from "./syntax.js";
import type { NixGuard, VersionGuard } from "./types.js";

const PLATFORM = /\b(?:host|build|target)Platform\b|\bstdenv\.(?:is|cc\.is)\w+|\bisLinux\b|\bisDarwin\b|\bisMusl\b|\bisStatic\b|\bcanExecute\b|\bisx86|\bisAarch/;

const FLIP: Record<VersionGuard["op"], VersionGuard["op"]> = { older: "at-least", "at-least": "older", newer: "at-most", "at-most": "newer", equal: "equal" };
/** `a OP b` read as `b OP' a` */
const MIRROR: Record<VersionGuard["op"], VersionGuard["op"]> = { older: "newer", newer: "older", "at-least": "at-most", "at-most": "at-least", equal: "equal" };

function versionCall(node: NixNode): VersionGuard | undefined {
  const app = application(node);
  if (!app || app.args.length !== 2) return undefined;
  const fn = functionName(app.fn);
  const op = fn === "versionOlder" ? "older" : fn === "versionAtLeast" ? "at-least" : undefined;
  if (!op) return undefined;
  const [a, b] = app.args as [NixNode, NixNode];
  const la = literalString(a);
  const lb = literalString(b);
  if (lb !== undefined && la === undefined) return { subject: unwrap(a)?.text ?? a.text, op, bound: lb };
  if (la !== undefined && lb === undefined) return { subject: unwrap(b)?.text ?? b.text, op: MIRROR[op], bound: la };
  return undefined;
}

/** `builtins.compareVersions a b OP n` and `lib.versions.majorMinor a == "x"`. */
function comparison(node: NixNode): VersionGuard | undefined {
  if (node.type !== "binary_expression") return undefined;
  const operator = node.childForFieldName("operator")?.text;
  const left = unwrap(node.childForFieldName("left"));
  const right = unwrap(node.childForFieldName("right"));
  if (!operator || !left || !right) return undefined;
  const app = application(left);
  if (app && functionName(app.fn) === "compareVersions" && app.args.length === 2 && right.type === "integer_expression") {
    const n = Number(right.text);
    const [a, b] = app.args as [NixNode, NixNode];
    const lb = literalString(b);
    const la = literalString(a);
    // compareVersions a b: sign of a - b
    let op: VersionGuard["op"] | undefined;
    if ((operator === "<" && n === 0) || (operator === "==" && n === -1) || (operator === "<=" && n === -1)) op = "older";
    else if ((operator === ">=" && n === 0) || (operator === ">" && n === -1) || (operator === "!=" && n === -1)) op = "at-least";
    else if ((operator === ">" && n === 0) || (operator === "==" && n === 1) || (operator === ">=" && n === 1)) op = "newer";
    else if ((operator === "<=" && n === 0) || (operator === "<" && n === 1) || (operator === "!=" && n === 1)) op = "at-most";
    if (!op) return undefined;
    if (lb !== undefined && la === undefined) return { subject: a.text, op, bound: lb };
    if (la !== undefined && lb === undefined) return { subject: b.text, op: MIRROR[op], bound: la };
    return undefined;
  }
  if (app && /^(majorMinor|major|minor)$/.test(functionName(app.fn) ?? "") && app.args.length === 1 && operator === "==") {
    const bound = literalString(right);
    if (bound !== undefined) return { subject: (app.args[0] as NixNode).text, op: "equal", bound };
  }
  return undefined;
}

/** The version bound of a condition, when it has one that decides it (`&&` keeps either side's). */
export function versionGuardOf(cond: NixNode | null | undefined): VersionGuard | undefined {
  const node = unwrap(cond);
  if (!node) return undefined;
  if (node.type === "unary_expression" && node.childForFieldName("operator")?.text === "!") {
    const inner = versionGuardOf(node.childForFieldName("argument"));
    return inner && inner.op !== "equal" ? { ...inner, op: FLIP[inner.op] } : undefined;
  }
  if (node.type === "binary_expression" && node.childForFieldName("operator")?.text === "&&") {
    // both sides must hold: a false version side makes the whole guard false
    return versionGuardOf(node.childForFieldName("left")) ?? versionGuardOf(node.childForFieldName("right"));
  }
  return versionCall(node) ?? comparison(node);
}

export function readGuard(cond: NixNode, negated = false): NixGuard {
  const node = unwrap(cond) ?? cond;
  const text = negated ? `!(${node.text})` : node.text;
  const version = versionGuardOf(node);
  const guard: NixGuard = { text: text.replace(/\s+/g, " "), kind: "other", line: lines(node).line };
  if (version) {
    guard.kind = "version";
    guard.version = negated ? (version.op === "equal" ? version : { ...version, op: FLIP[version.op] }) : version;
    if (negated && version.op === "equal") guard.kind = "other";
  } else if (PLATFORM.test(node.text)) guard.kind = "platform";
  return guard;
}
