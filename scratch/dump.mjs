import { Parser, Language } from "web-tree-sitter";
import { readFileSync } from "node:fs";
await Parser.init();
const lang = await Language.load("node_modules/@cursorless/tree-sitter-wasms/out/tree-sitter-nix.wasm");
const p = new Parser(); p.setLanguage(lang);
const t = p.parse(readFileSync(process.argv[2], "utf8"));
function dump(n, d, field) { if (!n.isNamed && !process.env.ALL) return; console.log(`${"  ".repeat(d)}${field?field+": ":""}${n.type}${n.isNamed?"":"'"} [${n.startPosition.row+1}:${n.startPosition.column}]${n.childCount===0||n.type.includes("string_fragment")?" "+JSON.stringify(n.text.slice(0,60)):""}${n.hasError?" ERR":""}`);
  for (let i=0;i<n.childCount;i++) dump(n.child(i), d+1, n.fieldNameForChild(i)); }
dump(t.rootNode, 0);
