// Runs every bench/*.bench.mjs (each exports `run(): Promise<string[]>`) against the built dist/
// and prints their report lines. Benchmarks measure; they never fail the build on a target.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.mjs"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

let failures = 0;
for (const file of files) {
  const name = file.replace(/\.bench\.mjs$/, "");
  process.stdout.write(`\n## ${name}\n`);
  try {
    const mod = await import(pathToFileURL(join(here, file)).href);
    const lines = await mod.run();
    for (const line of lines) process.stdout.write(`${line}\n`);
  } catch (error) {
    failures++;
    process.stdout.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
}
if (failures > 0) process.exitCode = 1;
