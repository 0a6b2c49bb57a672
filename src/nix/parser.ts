/**
 * Nix source into a concrete syntax tree, with comments and byte ranges, through web-tree-sitter and
 * the prebuilt tree-sitter-nix grammar (nix-community/tree-sitter-nix at the commit pinned by
 * @cursorless/tree-sitter-wasms 0.7.0, MIT; the carrier package is Unlicense). WebAssembly, so no
 * native build on the app's host. Nothing is evaluated. A file that does not parse still yields a
 * tree (tree-sitter recovers) plus the positions of its ERROR and MISSING nodes, which callers report
 * as findings at file:line.
 */
import { createRequire } from "node:module";
import { Language, Parser, type Node, type Tree } from "web-tree-sitter";

export type { Node as NixNode, Tree as NixTree } from "web-tree-sitter";

/** Files above this size are not parsed (a finding, never a crash): nixpkgs' largest expression is ~300 KB. */
export const MAX_NIX_FILE_BYTES = 2 * 1024 * 1024;
/** Wall-clock budget of one parse; tree-sitter is linear, this only bounds pathological inputs. */
const PARSE_BUDGET_MS = 2_000;

export interface NixSyntaxError {
  /** 1-based */
  line: number;
  column: number;
  message: string;
}

export interface ParsedNix {
  tree: Tree;
  root: Node;
  text: string;
  errors: NixSyntaxError[];
}

let ready: Promise<Parser> | undefined;

function grammarPath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve("@cursorless/tree-sitter-wasms/out/tree-sitter-nix.wasm");
}

/** The shared parser (loading the grammar once per process). */
export function nixParser(): Promise<Parser> {
  ready ??= (async () => {
    await Parser.init();
    const language = await Language.load(grammarPath());
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return ready;
}

/**
 * `{ lib, stdenv, }:` is valid Nix (nixfmt writes every formal on its own line with a trailing
 * comma), but the pinned grammar expects one more formal and inserts a zero-width MISSING identifier
 * before the `}`. That node is not an error in the source.
 */
function isTrailingFormalComma(node: Node): boolean {
  return node.isMissing && node.type === "identifier" && node.parent?.type === "formal" && node.parent.nextSibling?.type === "}";
}

/** Where the tree has syntax errors, at most `limit` of them, in source order. */
function syntaxErrors(root: Node, limit = 20): NixSyntaxError[] {
  const out: NixSyntaxError[] = [];
  if (!root.hasError) return out;
  const cursor = root.walk();
  // iterative pre-order walk: deep trees must not overflow the stack
  for (;;) {
    const node = cursor.currentNode;
    const enter = node.hasError && !node.isError && !node.isMissing;
    if ((node.isError || node.isMissing) && !isTrailingFormalComma(node)) {
      const { row, column } = node.startPosition;
      const snippet = node.text.replace(/\s+/g, " ").slice(0, 40);
      out.push({ line: row + 1, column: column + 1, message: node.isMissing ? `missing ${node.type}` : `syntax error near ${JSON.stringify(snippet)}` });
      if (out.length >= limit) break;
    }
    if (enter && cursor.gotoFirstChild()) continue;
    let moved = false;
    while (!moved) {
      if (cursor.gotoNextSibling()) moved = true;
      else if (!cursor.gotoParent()) return out;
    }
  }
  return out;
}

export class NixParseRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NixParseRefused";
  }
}

/** Parses one file. Throws NixParseRefused (a finding for the caller) when the input is over budget. */
export async function parseNix(text: string): Promise<ParsedNix> {
  if (text.length > MAX_NIX_FILE_BYTES) throw new NixParseRefused(`${text.length} characters is over the ${MAX_NIX_FILE_BYTES}-character limit for a Nix file`);
  const parser = await nixParser();
  const started = performance.now();
  const tree = parser.parse(text, null, { progressCallback: () => performance.now() - started > PARSE_BUDGET_MS });
  if (!tree) throw new NixParseRefused(`parsing took longer than ${PARSE_BUDGET_MS} ms`);
  return { tree, root: tree.rootNode, text, errors: syntaxErrors(tree.rootNode) };
}
