/**
 * NixOS configuration repos (flake.nix + flake.lock, hosts/, modules/, overlays/): the workarounds a
 * host carries — fix-up oneshot units and activation scripts whose comments or description say why,
 * tmpfiles rules with such comments, version assertions, `system.stateVersion` gates, overlays that
 * override a package with a "remove when" comment or a pr-tracker link, flake inputs pinned to a PR
 * or a fork — and the facts their verdicts need: each host's stateVersion and the flake's locked inputs.
 */
import { posix } from "node:path";
import { nixRemovalCriteria } from "./criteria.js";
import { readGuard, versionGuardOf } from "./guards.js";
import { referencesIn } from "./package-inventory.js";
import type { NixNode } from "./parser.js";
import { application, attachedComments, bindings, functionName, isAttrset, lines, literalString, templateOf, templateText, unwrap } from "./syntax.js";
import type { FlakeInput, NixHost, NixProblem, NixWorkaround } from "./types.js";

/** Words that say a unit or script is a fix-up rather than ordinary configuration. */
const WHY = /\b(?:work\s?-?around|fix(?:es|ed|up|-up)?|hack|temporar\w*|until|remove|drop|bug|issue|incident|upstream|regression|broken|TODO|FIXME|XXX)\b/i;

interface FlatBinding {
  path: string[];
  node: NixNode;
  value: NixNode;
  /** comments attached to this binding and to every enclosing binding on the way down */
  comments: string[];
  commentLine?: number;
}

/**
 * The module's option bindings with full paths: nested attrsets flattened, `config =`, `lib.mkIf c
 * {…}`, `lib.mkMerge [ … ]`, `lib.mkDefault`/`mkForce` and module functions looked through.
 */
function flatten(expr: NixNode | null | undefined, prefix: string[], inherited: string[], out: FlatBinding[], depth = 0): void {
  const node = unwrap(expr);
  if (!node || depth > 24) return;
  if (node.type === "function_expression") return flatten(node.childForFieldName("body"), prefix, inherited, out, depth + 1);
  if (node.type === "let_expression") return flatten(node.childForFieldName("body"), prefix, inherited, out, depth + 1);
  if (node.type === "assert_expression") return flatten(node.childForFieldName("body"), prefix, inherited, out, depth + 1);
  if (node.type === "with_expression") return flatten(node.childForFieldName("body"), prefix, inherited, out, depth + 1);
  const app = application(node);
  if (app) {
    const fn = functionName(app.fn);
    if (fn === "mkIf" || fn === "mkMerge" || fn === "mkDefault" || fn === "mkForce" || fn === "mkOverride" || fn === "mkBefore" || fn === "mkAfter") {
      const last = app.args[app.args.length - 1];
      const inner = unwrap(last);
      if (inner?.type === "list_expression") for (const item of inner.namedChildren) flatten(item, prefix, inherited, out, depth + 1);
      else flatten(last, prefix, inherited, out, depth + 1);
    }
    return;
  }
  if (!isAttrset(node)) return;
  for (const b of bindings(node)) {
    const path = prefix.length === 0 && b.path[0] === "config" ? b.path.slice(1) : b.path;
    const c = attachedComments(b.node);
    const comments = [...inherited, ...c.leading, ...(c.trailing ? [c.trailing] : [])];
    const flat: FlatBinding = { path: [...prefix, ...path], node: b.node, value: b.value, comments };
    if (c.line !== undefined) flat.commentLine = c.line;
    out.push(flat);
    flatten(b.value, [...prefix, ...path], comments, out, depth + 1);
  }
}

/** The comment block at the top of a file (a license header is still a header). */
function headerComments(root: NixNode): { comments: string[]; line?: number } {
  const comments: string[] = [];
  let line: number | undefined;
  for (const child of root.children) {
    if (!child || child.type !== "comment") break;
    comments.push(child.text.replace(/^#+ ?/, "").replace(/^\/\*+|\*+\/$/g, "").trim());
    line ??= child.startPosition.row + 1;
  }
  return line !== undefined ? { comments, line } : { comments };
}

/** The host a file configures: `hosts/<h>/…`, else `nixosConfigurations.<h>` is not known syntactically. */
export function hostOf(file: string): string | undefined {
  const m = /(?:^|\/)(?:hosts|machines|systems)\/([^/]+)\//.exec(file);
  return m ? (m[1] as string).replace(/\.nix$/, "") : undefined;
}

function spanText(text: string, node: NixNode): string {
  const { line, endLine } = lines(node);
  return text.split("\n").slice(line - 1, endLine).join("\n");
}

export interface ConfigFacts {
  workarounds: NixWorkaround[];
  hosts: NixHost[];
  inputs: FlakeInput[];
  problems: NixProblem[];
}

/** The workarounds and host facts of one parsed configuration file. */
export function configFactsOf(root: NixNode, file: string, text: string): ConfigFacts {
  const facts: ConfigFacts = { workarounds: [], hosts: [], inputs: [], problems: [] };
  // a file that names none of the options, gates, assertions, overlays or inputs read here has none
  if (!/systemd\.|systemd\s*=|activationScripts|tmpfiles|stateVersion|assert|inputs|:\s*[A-Za-z_][\w'-]*\s*:/.test(text)) return facts;
  const flat: FlatBinding[] = [];
  const header = headerComments(root);
  flatten(root.namedChildren.find((c) => c && c.type !== "comment"), [], header.comments, flat);
  const host = hostOf(file);

  const workaround = (kind: NixWorkaround["kind"], name: string, node: NixNode, comments: string[], extra: Partial<NixWorkaround> = {}, commentLine?: number): NixWorkaround => {
    const commentText = [...comments, extra.description ?? ""].join("\n");
    const span = lines(node);
    return {
      key: `nix:${file}#${kind}:${name}`,
      kind,
      file,
      ...span,
      name,
      comments,
      references: referencesIn(commentText),
      removalCriteria: nixRemovalCriteria(comments.join("\n"), { component: name, file, line: commentLine ?? span.line }),
      text: spanText(text, node),
      ...extra,
    };
  };

  const byPath = (prefix: string[]) => flat.filter((b) => prefix.every((p, i) => b.path[i] === p));
  const valueAt = (path: string[]) => flat.find((b) => b.path.length === path.length && path.every((p, i) => b.path[i] === p));

  // units: systemd.services.<n> with Type = "oneshot" (serviceConfig.Type or the unit's own `type`)
  const units = new Set(byPath(["systemd", "services"]).filter((b) => b.path.length >= 3).map((b) => b.path[2] as string));
  for (const unit of units) {
    const base = ["systemd", "services", unit];
    const self = valueAt(base) ?? byPath(base).sort((a, b) => a.path.length - b.path.length)[0];
    if (!self) continue;
    const type = literalString(valueAt([...base, "serviceConfig", "Type"])?.value) ?? literalString(valueAt([...base, "type"])?.value);
    if (type !== "oneshot") continue;
    const description = literalString(valueAt([...base, "description"])?.value);
    const comments = [...new Set(byPath(base).flatMap((b) => b.comments))];
    if (!WHY.test([...comments, description ?? ""].join("\n"))) continue;
    const node = valueAt(base)?.node ?? self.node;
    facts.workarounds.push(workaround("oneshot-unit", unit, node, comments, description ? { description } : {}, self.commentLine ?? header.line));
  }
  // activation scripts
  const scripts = new Set(byPath(["system", "activationScripts"]).filter((b) => b.path.length >= 3).map((b) => b.path[2] as string));
  for (const script of scripts) {
    const entries = byPath(["system", "activationScripts", script]);
    const comments = [...new Set(entries.flatMap((b) => b.comments))];
    const body = entries.map((b) => templateOf(b.value)).find(Boolean);
    const bodyText = body ? templateText(body) : "";
    if (!WHY.test([...comments, bodyText].join("\n"))) continue;
    const node = (valueAt(["system", "activationScripts", script]) ?? entries[0])?.node;
    if (node) facts.workarounds.push(workaround("activation-script", script, node, comments, {}, entries[0]?.commentLine));
  }
  // tmpfiles rules with a comment that says why
  for (const b of byPath(["systemd", "tmpfiles", "rules"])) {
    const list = unwrap(b.value);
    if (list?.type !== "list_expression") continue;
    for (const rule of list.namedChildren) {
      if (!rule || rule.type === "comment") continue;
      const c = attachedComments(rule);
      const comments = [...b.comments, ...c.leading, ...(c.trailing ? [c.trailing] : [])];
      if (!WHY.test(comments.join("\n"))) continue;
      facts.workarounds.push(workaround("tmpfiles", literalString(rule) ?? rule.text, rule, comments, {}, c.line ?? b.commentLine));
    }
  }
  // stateVersion of hosts
  for (const b of flat) {
    if (b.path.join(".") !== "system.stateVersion") continue;
    const v = literalString(b.value);
    const name = host ?? posix.basename(posix.dirname(file)) ?? file;
    const record: NixHost = { name, file, line: lines(b.node).line };
    if (v !== undefined) record.stateVersion = v;
    facts.hosts.push(record);
  }

  // only the node types the readers below look at, in one query
  for (const node of text.match(/stateVersion|assert|:\s*[A-Za-z_][\w'-]*\s*:/) ? root.descendantsOfType(["apply_expression", "binary_expression", "assert_expression", "function_expression"]) : []) {
    if (!node) continue;
    // stateVersion gates and version assertions anywhere in the file
    const app = node.type === "apply_expression" && node.parent?.type !== "apply_expression" ? node : undefined;
    const guard = app ? versionGuardOf(app) : node.type === "binary_expression" ? versionGuardOf(node) : undefined;
    if (guard && /stateVersion\b/.test(guard.subject)) {
      const holder = enclosingOption(node);
      const c = attachedComments(holder);
      facts.workarounds.push(
        workaround("state-version-gate", `${holder.childForFieldName("attrpath")?.text ?? "stateVersion"} (${guard.subject} ${guard.op} ${guard.bound})`, holder, [...c.leading, ...(c.trailing ? [c.trailing] : [])], { guard: readGuard(node) }, c.line),
      );
    }
    if (node.type === "assert_expression") {
      const cond = node.childForFieldName("condition");
      const v = versionGuardOf(cond);
      if (cond && v) {
        const c = attachedComments(node);
        facts.workarounds.push(workaround("assertion", v.subject.replace(/\.version$/, "").replace(/^(?:pkgs|prev|super|final|self)\./, ""), node.childForFieldName("condition") ?? node, [...c.leading, ...(c.trailing ? [c.trailing] : [])], { guard: readGuard(cond) }, c.line));
      }
    }
    // overlays: `final: prev: { x = prev.x.override…; }` whose binding's comment says why
    if (node.type === "function_expression" && unwrap(node.childForFieldName("body"))?.type === "function_expression") {
      const inner = unwrap(node.childForFieldName("body")) as NixNode;
      const prevName = inner.childForFieldName("universal")?.text;
      const body = unwrap(inner.childForFieldName("body"));
      if (!prevName || !isAttrset(body)) continue;
      for (const b of bindings(body)) {
        if (!b.value.text.includes(`${prevName}.`) && !/\bfetchFromGitHub\b|\bcallPackage\b/.test(b.value.text)) continue;
        const c = attachedComments(b.node);
        const comments = [...c.leading, ...(c.trailing ? [c.trailing] : [])];
        const refs = referencesIn(comments.join("\n"));
        if (!WHY.test(comments.join("\n")) && refs.length === 0) continue;
        facts.workarounds.push(workaround("overlay-override", b.path.join("."), b.node, comments, {}, c.line));
      }
    }
  }

  if (posix.basename(file) === "flake.nix") facts.inputs.push(...flakeInputs(flat, file, text, facts));
  // `assert lib.versionOlder pkgs.systemd.version "259";` over a fix-up is that fix-up's expiry, not a workaround of its own
  const fixups = facts.workarounds.filter((w) => w.kind === "oneshot-unit" || w.kind === "activation-script" || w.kind === "tmpfiles");
  if (fixups.length) {
    facts.workarounds = facts.workarounds.filter((w) => {
      if (w.kind !== "assertion" || !w.guard) return true;
      for (const f of fixups) {
        f.guard ??= w.guard;
        f.comments.push(...w.comments.filter((c) => !f.comments.includes(c)));
      }
      return false;
    });
  }
  return facts;
}

/** The option binding a gate sits in (`system.activationScripts.x = lib.mkIf (…) …`). */
function enclosingOption(node: NixNode): NixNode {
  let last: NixNode = node;
  for (let p: NixNode | null = node.parent; p; p = p.parent) {
    if (p.type === "binding") return p;
    last = p;
  }
  return last;
}

const CHANNEL = /^(?:nixos|nixpkgs|release)-(?:unstable|\d\d\.\d\d)(?:-small|-darwin|-aarch64)?$|^(?:master|main|staging|staging-next|nixpkgs-unstable|nixos-unstable)$/;

function flakeInputs(flat: FlatBinding[], file: string, text: string, facts: ConfigFacts): FlakeInput[] {
  const inputs = new Map<string, FlakeInput & { node?: NixNode; comments: string[]; commentLine?: number }>();
  for (const b of flat) {
    if (b.path[0] !== "inputs" || b.path.length < 2) continue;
    const name = b.path[1] as string;
    const entry = inputs.get(name) ?? { name, comments: [] };
    inputs.set(name, entry);
    entry.comments.push(...b.comments.filter((c) => !entry.comments.includes(c)));
    if (b.commentLine !== undefined) entry.commentLine ??= b.commentLine;
    if (b.path.length === 3 && b.path[2] === "url") {
      const url = literalString(b.value);
      if (url) entry.url = url;
      entry.line = lines(b.node).line;
      entry.node = b.node;
    }
  }
  const out: FlakeInput[] = [];
  for (const input of inputs.values()) {
    const { node, comments, commentLine, ...plain } = input;
    out.push(plain);
    if (!input.url || !node) continue;
    const gh = /^github:([^/]+)\/([^/?]+)(?:\/([^?]+))?/.exec(input.url);
    const refs = referencesIn(comments.join("\n"));
    const fork = gh && gh[2] === "nixpkgs" && gh[1]?.toLowerCase() !== "nixos";
    const pinnedRef = gh?.[3];
    const unusual = pinnedRef !== undefined && !CHANNEL.test(pinnedRef) && !/^[0-9a-f]{40}$/.test(pinnedRef) && !/^v?\d/.test(pinnedRef);
    if (fork || unusual || refs.some((r) => r.kind === "github-pull")) {
      facts.workarounds.push({
        key: `nix:${file}#flake-input-pin:${input.name}`,
        kind: "flake-input-pin",
        file,
        ...lines(node),
        name: input.name,
        description: input.url,
        comments,
        references: refs,
        removalCriteria: nixRemovalCriteria(comments.join("\n"), { component: input.name, file, line: commentLine ?? lines(node).line }),
        text: spanText(text, node),
      });
    }
  }
  return out;
}

/** flake.lock: the locked revision of each input (version 7 lock files). */
export function readFlakeLock(text: string, inputs: FlakeInput[], problems: NixProblem[]): FlakeInput[] {
  let lock: { nodes?: Record<string, { locked?: Record<string, unknown>; original?: Record<string, unknown> }>; root?: string };
  try {
    lock = JSON.parse(text) as typeof lock;
  } catch (error) {
    problems.push({ file: "flake.lock", message: `not JSON: ${error instanceof Error ? error.message : String(error)}` });
    return inputs;
  }
  const nodes = lock.nodes ?? {};
  const root = nodes[lock.root ?? "root"] as { inputs?: Record<string, unknown> } | undefined;
  const rootInputs = root?.inputs ?? {};
  const byName = new Map(inputs.map((i) => [i.name, i]));
  for (const [name, target] of Object.entries(rootInputs)) {
    if (typeof target !== "string") continue;
    const locked = nodes[target]?.locked;
    if (!locked || typeof locked !== "object") continue;
    const input = byName.get(name) ?? { name };
    const str = (k: string) => (typeof locked[k] === "string" ? (locked[k] as string) : undefined);
    const record: NonNullable<FlakeInput["locked"]> = { type: str("type") ?? "unknown" };
    for (const k of ["owner", "repo", "rev", "ref"] as const) {
      const v = str(k);
      if (v) record[k] = v;
    }
    if (typeof locked.lastModified === "number") record.lastModified = locked.lastModified;
    input.locked = record;
    if (!byName.has(name)) {
      byName.set(name, input);
      inputs.push(input);
    }
  }
  return inputs;
}
