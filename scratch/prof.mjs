import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nixInventory } from "../dist/nix/index.js";
import { openRepo } from "../dist/repo/index.js";
const src = await import("../bench/nix.bench.mjs");
