/**
 * Package expressions: the derivations a Nix file defines (any attrset with `patches`, or with
 * `version` and `src` — `stdenv.mkDerivation`, `buildPythonPackage`, `finalAttrs:` functions,
 * `overrideAttrs` in overlays), each with its version, its source and tag template, every patch entry
 * with its guards and comments, and the non-patch workarounds around it (substitutions, version-
 * guarded flags and test skips, lines whose comment says when they can go).
 */
import { posix } from "node:path";
import { canonicalUrl, classifyUrl, extractUrls, type UrlReference } from "../tracking/urls.js";
import { nixRemovalCriteria } from "./criteria.js";
import { readGuard } from "./guards.js";
import type { NixNode } from "./parser.js";
import { application, attachedComments, span as spanOf, attr, bindings, enclosingBinding, functionName, inherited, lines, literalString, templateOf, templateText, unwrap, type Binding } from "./syntax.js";
import type { NixGuard, NixPackage, NixPatchEntry, NixPatchKind, NixSource, NixWorkaround } from "./types.js";

/** Literal bindings visible at a node: enclosing `let`s and `rec` attrsets, innermost first. */
type Scope = Map<string, NixNode>;

function scopeAt(node: NixNode): Scope {
  const scope: Scope = new Map();
  for (let p: NixNode | null = node; p; p = p.parent) {
    if (p.type === "let_expression" || p.type === "rec_attrset_expression") {
      for (const b of bindings(p)) if (b.path.length === 1 && !scope.has(b.path[0] as string)) scope.set(b.path[0] as string, b.value);
    }
  }
  return scope;
}

/** The literal a variable (`version`, `finalAttrs.version`, `self.version`) resolves to in the package. */
function resolveLiteral(node: NixNode | undefined, pkg: NixNode, scope: Scope, depth = 0): string | undefined {
  const n = unwrap(node);
  if (!n || depth > 4) return undefined;
  const literal = literalString(n);
  if (literal !== undefined) return literal;
  const parts = templateOf(n);
  if (parts) {
    let out = "";
    for (const p of parts) {
      if ("text" in p) out += p.text;
      else {
        const v = resolveLiteral(p.node, pkg, scope, depth + 1);
        if (v === undefined) return undefined;
        out += v;
      }
    }
    return out;
  }
  const name = n.text;
  const own = /^(?:finalAttrs|self|final|attrs)\.(\w+)$/.exec(name)?.[1] ?? (/^\w+$/.test(name) ? name : undefined);
  if (!own) return undefined;
  const local = attr(pkg, own);
  if (local && local !== n && (pkg.type === "rec_attrset_expression" || name.includes("."))) return resolveLiteral(local, pkg, scope, depth + 1);
  const scoped = scope.get(own);
  if (scoped && scoped !== n) return resolveLiteral(scoped, pkg, scope, depth + 1);
  return undefined;
}

/** A name for a derivation whose attrset gives none: the enclosing binding, else the file's directory. */
function packageName(pkg: NixNode, file: string, scope: Scope): string {
  const pname = resolveLiteral(attr(pkg, "pname"), pkg, scope);
  if (pname) return pname;
  const name = resolveLiteral(attr(pkg, "name"), pkg, scope);
  if (name) return name.replace(/-\d.*$/, "");
  const binding = enclosingBinding(pkg);
  const path = binding?.childForFieldName("attrpath")?.text;
  if (path && !/^(patches|src)$/.test(path)) return path;
  const dir = posix.basename(posix.dirname(file));
  const base = posix.basename(file, ".nix");
  return ["default", "package", "common", "generic"].includes(base) ? dir || base : base;
}

const FETCHERS = new Set(["fetchFromGitHub", "fetchFromGitLab", "fetchFromGitea", "fetchFromSourcehut", "fetchFromCodeberg", "fetchgit", "fetchurl", "fetchzip", "fetchtarball", "fetchTarball"]);

function readSource(value: NixNode | undefined): NixSource | undefined {
  const app = application(value);
  if (!app) return undefined;
  const fetcher = functionName(app.fn);
  if (!fetcher || !FETCHERS.has(fetcher)) return undefined;
  const args = unwrap(app.args[0]);
  const src: NixSource = { fetcher, line: lines(app.fn).line };
  const text = (name: string) => {
    const parts = templateOf(attr(args, name));
    return parts ? templateText(parts) : undefined;
  };
  const owner = text("owner");
  const repo = text("repo");
  if (owner) src.owner = owner;
  if (repo) src.repo = repo;
  const tag = text("tag");
  const rev = text("rev");
  if (tag !== undefined) {
    src.refTemplate = tag;
    src.refKind = "tag";
  } else if (rev !== undefined) {
    src.refTemplate = rev;
    src.refKind = "rev";
  }
  const url = text("url");
  if (url) src.url = url;
  return src;
}

const FETCH_PATCH = new Set(["fetchpatch", "fetchpatch2", "fetchurl", "fetchDebianPatch"]);
const TEMPLATED = new Set(["replaceVars", "substituteAll", "substitute", "replaceVarsWith"]);

/** `nixpk.gs/pr-tracker.html?pr=N` names a nixpkgs pull request. */
export function referencesIn(text: string): UrlReference[] {
  const out: UrlReference[] = [];
  for (const url of extractUrls(text)) {
    const tracker = /^https?:\/\/(?:www\.)?nixpk\.gs\/pr-tracker\.html\?pr=(\d+)/.exec(url);
    const ref: UrlReference | undefined = tracker
      ? { kind: "github-pull", url: `https://github.com/NixOS/nixpkgs/pull/${tracker[1]}`, host: "github.com", owner: "NixOS", repo: "nixpkgs", number: Number(tracker[1]) }
      : classifyUrl(url);
    if (ref && !out.some((r) => canonicalUrl(r) === canonicalUrl(ref))) out.push(ref);
  }
  return out;
}

interface Context {
  file: string;
  text: string;
  pkgNode: NixNode;
  pkgName: string;
  scope: Scope;
  entries: NixPatchEntry[];
  /** comments that apply to every entry of the list they stand above (a single-entry list) */
  listComments: { comments: string[]; line?: number } | undefined;
}

function lastSegment(url: string): string {
  const clean = url.replace(/[?#].*$/, "").replace(/\/+$/, "");
  return clean.slice(clean.lastIndexOf("/") + 1) || clean;
}

function entryOf(element: NixNode, guards: NixGuard[], ctx: Context, commentsOf: NixNode): NixPatchEntry {
  const node = unwrap(element) ?? element;
  const span = spanOf(element);
  const comments = attachedComments(commentsOf);
  const commentLines = [...comments.leading, ...(comments.trailing ? [comments.trailing] : [])];
  let kind: NixPatchKind = "other";
  let name = node.text.replace(/\s+/g, " ").slice(0, 80);
  const entry: Partial<NixPatchEntry> = {};
  if (node.type === "path_expression") {
    kind = "vendored";
    const written = node.text;
    name = posix.basename(written);
    if (/^\.\.?\//.test(written)) {
      const resolved = posix.normalize(posix.join(posix.dirname(ctx.file), written));
      if (!resolved.startsWith("../") && resolved !== "..") entry.path = resolved;
    }
  } else if (node.type === "binary_expression" && node.childForFieldName("operator")?.text === "+") {
    // `musl-patches + "/0003-….patch"`: a path inside another fetched tree
    const right = literalString(node.childForFieldName("right"));
    kind = "tree-path";
    if (right !== undefined) name = posix.basename(right);
  } else if (node.type === "string_expression" || node.type === "indented_string_expression") {
    const parts = templateOf(node) ?? [];
    kind = parts.some((p) => "expr" in p) ? "tree-path" : "other";
    name = posix.basename(templateText(parts));
  } else {
    const app = application(node);
    const fn = app ? functionName(app.fn) : undefined;
    if (app && fn && FETCH_PATCH.has(fn)) {
      kind = fn === "fetchpatch2" ? "fetchpatch2" : fn === "fetchurl" ? "fetchurl" : "fetchpatch";
      const args = unwrap(app.args[0]);
      const urlParts = templateOf(attr(args, "url") ?? attr(args, "urls"));
      const url = urlParts ? templateText(urlParts) : (() => {
        const list = unwrap(attr(args, "urls"));
        const first = list?.namedChildren.find((c) => c && c.type !== "comment");
        const p = templateOf(first);
        return p ? templateText(p) : undefined;
      })();
      if (url) entry.url = resolveLiteral(attr(args, "url"), ctx.pkgNode, ctx.scope) ?? url;
      const hash = literalString(attr(args, "hash")) ?? literalString(attr(args, "sha256"));
      if (hash) entry.hash = hash;
      const listOf = (n: NixNode | undefined) => unwrap(n)?.namedChildren.filter((c): c is NixNode => !!c && c.type !== "comment").map((c) => literalString(c) ?? c.text);
      const excludes = listOf(attr(args, "excludes"));
      const includes = listOf(attr(args, "includes"));
      if (excludes?.length) entry.excludes = excludes;
      if (includes?.length) entry.includes = includes;
      if (unwrap(attr(args, "revert"))?.text === "true") entry.revert = true;
      name = literalString(attr(args, "name")) ?? (entry.url ? lastSegment(entry.url) : name);
    } else if (app && fn && TEMPLATED.has(fn)) {
      kind = "templated";
      const target = unwrap(app.args[0]);
      const path = target?.type === "path_expression" ? target : unwrap(attr(target, "src"));
      if (path?.type === "path_expression") {
        name = posix.basename(path.text);
        const resolved = posix.normalize(posix.join(posix.dirname(ctx.file), path.text));
        if (/^\.\.?\//.test(path.text) && !resolved.startsWith("../")) entry.path = resolved;
      }
    }
  }
  const allComments = [...(ctx.listComments?.comments ?? []), ...commentLines];
  const commentText = allComments.join("\n");
  const references = referencesIn([entry.url ?? "", commentText].join("\n"));
  const criteriaLine = comments.line ?? ctx.listComments?.line ?? span.line;
  const removalCriteria = nixRemovalCriteria(commentText, { component: ctx.pkgName, file: ctx.file, line: ctx.listComments?.line ?? criteriaLine });
  const ref = entry.url ? referencesIn(entry.url)[0] : undefined;
  const identity = entry.path ?? (ref ? canonicalUrl(ref) : entry.url) ?? name;
  const out: NixPatchEntry = {
    key: `nix:${ctx.file}#${ctx.pkgName}:${identity}`,
    file: ctx.file,
    ...span,
    kind,
    name,
    ...entry,
    guards,
    comments: allComments,
    references,
    removalCriteria,
    text: ctx.text.split("\n").slice(span.line - 1, span.endLine).join("\n"),
  };
  if (comments.line !== undefined) out.commentLine = comments.line;
  else if (ctx.listComments?.line !== undefined) out.commentLine = ctx.listComments.line;
  return out;
}

/** Walks list algebra (`++`, `lib.optional(s)`, `if`, `map`, let-bound lists) down to patch entries. */
function collect(expr: NixNode | null | undefined, guards: NixGuard[], ctx: Context, depth = 0): void {
  const node = unwrap(expr);
  if (!node || depth > 12) return;
  switch (node.type) {
    case "list_expression": {
      for (const child of node.namedChildren) {
        if (!child || child.type === "comment") continue;
        ctx.entries.push(entryOf(child, guards, ctx, child));
      }
      return;
    }
    case "binary_expression": {
      if (node.childForFieldName("operator")?.text !== "++") return;
      collect(node.childForFieldName("left"), guards, ctx, depth + 1);
      collect(node.childForFieldName("right"), guards, ctx, depth + 1);
      return;
    }
    case "if_expression": {
      const cond = node.childForFieldName("condition");
      if (!cond) return;
      collect(node.childForFieldName("consequence"), [...guards, readGuard(cond)], ctx, depth + 1);
      collect(node.childForFieldName("alternative"), [...guards, readGuard(cond, true)], ctx, depth + 1);
      return;
    }
    case "variable_expression": {
      const bound = ctx.scope.get(node.text);
      if (bound) collect(bound, guards, ctx, depth + 1);
      return;
    }
    case "let_expression": {
      // `let oe = "…"; in map (p: "${oe}/${p}") [ … ]`: the let's names are in scope for its body
      const inner: Context = { ...ctx, scope: new Map(ctx.scope) };
      for (const b of bindings(node)) if (b.path.length === 1) inner.scope.set(b.path[0] as string, b.value);
      collect(node.childForFieldName("body"), guards, inner, depth + 1);
      return;
    }
  }
  const app = application(node);
  if (!app) return;
  const fn = functionName(app.fn);
  if ((fn === "optionals" || fn === "optional") && app.args.length === 2) {
    const [cond, body] = app.args as [NixNode, NixNode];
    const guard = readGuard(cond);
    // a comment above `++ lib.optional(s) …` speaks for what it adds ("# Remove after upgrading to glibc 2.28+")
    const above = attachedComments(node, { skip: ["++"] });
    const inner: Context = above.leading.length ? { ...ctx, listComments: { comments: [...(ctx.listComments?.comments ?? []), ...above.leading], ...(above.line !== undefined ? { line: above.line } : {}) } } : ctx;
    const bodyKind = unwrap(body)?.type;
    // `lib.optional c [ x ]` is a common slip for `optionals`, and `optional c (let … in [ … ])` a real shape
    if (fn === "optionals" || bodyKind === "list_expression" || bodyKind === "let_expression") collect(body, [...guards, guard], inner, depth + 1);
    else inner.entries.push(entryOf(body, [...guards, guard], inner, body));
    return;
  }
  if (fn === "map" && app.args.length === 2) {
    // map (p: "${tree}/…/${p}") [ names ]: one entry per name, the template gives the kind
    const list = unwrap(app.args[1]);
    const before = ctx.entries.length;
    if (list?.type === "list_expression") collect(list, guards, ctx, depth + 1);
    for (const e of ctx.entries.slice(before)) if (e.kind === "other") e.kind = "tree-path";
    return;
  }
  // a single fetchpatch or path outside a list (`patches = fetchpatch {…}`) is still an entry
  if (fn && (FETCH_PATCH.has(fn) || TEMPLATED.has(fn))) ctx.entries.push(entryOf(node, guards, ctx, node));
}

/** Every command of a shell string that substitutes text (`substituteInPlace`, `substitute`). */
function substitutions(binding: Binding, file: string, pkgName: string): NixWorkaround[] {
  const parts = templateOf(binding.value);
  if (!parts) return [];
  const raw = parts.map((p) => ("text" in p ? p.text : `\${${p.expr}}`)).join("");
  const startLine = lines(binding.value).line;
  const out: NixWorkaround[] = [];
  const rows = raw.split("\n");
  for (let i = 0; i < rows.length; i++) {
    if (!/\bsubstitute(?:InPlace)?\s/.test(rows[i] as string)) continue;
    let command = rows[i] as string;
    let end = i;
    while (/\\\s*$/.test(rows[end] as string) && end + 1 < rows.length) command += `\n${rows[++end]}`;
    const flags = [...command.matchAll(/--replace(?:-fail|-warn|-quiet)?\b/g)].map((m) => m[0]);
    const target = /\bsubstitute(?:InPlace)?\s+(\S+)/.exec(command)?.[1] ?? "?";
    const line = startLine + i;
    out.push({
      key: `nix:${file}#${pkgName}:substitute:${target}:${i}`,
      kind: "substitute",
      file,
      line,
      endLine: startLine + end,
      name: `${binding.path.join(".")}: substituteInPlace ${target}`,
      flag: flags.includes("--replace") ? "--replace" : flags[0] ?? "",
      comments: [],
      references: [],
      removalCriteria: [],
      text: command.trim(),
    });
    i = end;
  }
  return out;
}

/** Flags, tests and inputs behind a version guard, and lines whose comment says when they can go. */
function annotated(binding: Binding, ctx: Omit<Context, "entries" | "listComments">, out: NixWorkaround[]): void {
  const pathName = binding.path.join(".");
  const record = (node: NixNode, guard: NixGuard | undefined, commentsOf: NixNode) => {
    const c = attachedComments(commentsOf);
    const comments = [...c.leading, ...(c.trailing ? [c.trailing] : [])];
    const text = comments.join("\n");
    const criteria = nixRemovalCriteria(text, { component: ctx.pkgName, file: ctx.file, line: c.line ?? lines(node).line });
    if (!guard?.version && criteria.length === 0) return;
    const span = lines(node);
    out.push({
      key: `nix:${ctx.file}#${ctx.pkgName}:${pathName}:${node.text.replace(/\s+/g, " ").slice(0, 60)}`,
      kind: "version-guard",
      file: ctx.file,
      ...span,
      name: pathName,
      comments,
      references: referencesIn(text),
      removalCriteria: criteria,
      ...(guard ? { guard } : {}),
      text: ctx.text.split("\n").slice(span.line - 1, span.endLine).join("\n"),
    });
  };
  record(binding.node, undefined, binding.node);
  const visit = (expr: NixNode | null | undefined, depth: number) => {
    const node = unwrap(expr);
    if (!node || depth > 8) return;
    if (node.type === "list_expression") {
      for (const child of node.namedChildren) if (child && child.type !== "comment") record(child, undefined, child);
      return;
    }
    if (node.type === "binary_expression") {
      visit(node.childForFieldName("left"), depth + 1);
      visit(node.childForFieldName("right"), depth + 1);
      return;
    }
    const app = application(node);
    const fn = app ? functionName(app.fn) : undefined;
    if (app && (fn === "optionals" || fn === "optional" || fn === "optionalString" || fn === "optionalAttrs") && app.args.length === 2) {
      const guard = readGuard(app.args[0] as NixNode);
      if (guard.version) record(node, guard, node.parent?.type === "binary_expression" || node.parent?.type === "parenthesized_expression" ? node : node);
      else visit(app.args[1], depth + 1);
    }
  };
  visit(binding.value, 0);
}

const NOT_WORKAROUNDS = new Set(["patches", "src", "version", "pname", "name", "meta", "passthru"]);

function isPackageAttrset(node: NixNode): boolean {
  const names = new Set(bindings(node).map((b) => b.path[0]));
  for (const name of inherited(node)) names.add(name);
  return names.has("patches") || (names.has("version") && (names.has("src") || names.has("pname")));
}

/** The packages a parsed file defines. */
export function packagesOf(root: NixNode, file: string, text: string): NixPackage[] {
  const out: NixPackage[] = [];
  // one query for the attrsets: creating a JS object per syntax node is what parsing costs most
  for (const node of root.descendantsOfType(["attrset_expression", "rec_attrset_expression"])) {
    if (!node || !isPackageAttrset(node)) continue;
    const scope = scopeAt(node);
    const name = packageName(node, file, scope);
    const pkg: NixPackage = { name, file, patches: [], workarounds: [] };
    const versionNode = attr(node, "version");
    const version = versionNode ? resolveLiteral(versionNode, node, scope) : scope.has("version") ? resolveLiteral(scope.get("version"), node, scope) : undefined;
    if (version !== undefined) {
      pkg.version = version;
      pkg.versionLine = lines(versionNode ?? (scope.get("version") as NixNode)).line;
    }
    const src = readSource(attr(node, "src"));
    if (src) {
      if (src.refTemplate) {
        const refNode = attr(unwrap(application(attr(node, "src"))?.args[0]), src.refKind === "tag" ? "tag" : "rev");
        const resolved = refNode ? resolveLiteral(refNode, node, scope) : undefined;
        // keep the template (it maps any version to a tag), but resolve `${pname}`-style parts that are not the version
        if (resolved && !/\$\{[^}]*version[^}]*\}/.test(src.refTemplate)) src.refTemplate = resolved;
      }
      pkg.src = src;
    }
    for (const binding of bindings(node)) {
      const top = binding.path[0] as string;
      if (top === "patches" && binding.path.length === 1) {
        const c = attachedComments(binding.node);
        const ctx: Context = { file, text, pkgNode: node, pkgName: name, scope, entries: [], listComments: undefined };
        collect(binding.value, [], ctx);
        // comments above `patches =` speak for the entry when there is exactly one
        if (c.leading.length && ctx.entries.length === 1) {
          ctx.entries = [];
          ctx.listComments = { comments: c.leading, ...(c.line !== undefined ? { line: c.line } : {}) };
          collect(binding.value, [], ctx);
        }
        pkg.patches.push(...ctx.entries);
        continue;
      }
      if (NOT_WORKAROUNDS.has(top)) continue;
      pkg.workarounds.push(...substitutions(binding, file, name));
      annotated(binding, { file, text, pkgNode: node, pkgName: name, scope }, pkg.workarounds);
    }
    out.push(pkg);
  }
  return out;
}
