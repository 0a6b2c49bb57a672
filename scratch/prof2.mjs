import { readFileSync } from "node:fs";
import { parseNix, packagesOf, configFactsOf } from "../dist/nix/index.js";
const text = readFileSync("fixtures/nix/packages/pkgs/by-name/on/onedrive/package.nix", "utf8");
let t = performance.now();
for (let i = 0; i < 500; i++) { const p = await parseNix(text); p.tree.delete(); }
console.log("parse", ((performance.now() - t) / 500).toFixed(3), "ms");
t = performance.now();
for (let i = 0; i < 500; i++) { const p = await parseNix(text); packagesOf(p.root, "a/package.nix", text); p.tree.delete(); }
console.log("parse+packages", ((performance.now() - t) / 500).toFixed(3), "ms");
t = performance.now();
for (let i = 0; i < 500; i++) { const p = await parseNix(text); configFactsOf(p.root, "a/package.nix", text); p.tree.delete(); }
console.log("parse+config", ((performance.now() - t) / 500).toFixed(3), "ms");
