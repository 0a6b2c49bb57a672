import { readFileSync } from "node:fs";
import { parseNix, packagesOf } from "../dist/nix/index.js";
const text = readFileSync("fixtures/nix/packages/pkgs/by-name/on/onedrive/package.nix", "utf8");
for (let i = 0; i < 3000; i++) { const p = await parseNix(text); packagesOf(p.root, "a/package.nix", text); p.tree.delete(); }
