/**
 * The review engine's demo pull request (`fixtures/demo/`): the base repository, and the head as
 * the base plus the files of `fixtures/demo/head/` (a systemd patch vendored into the rendered tree,
 * its hand-written `Patch:` line inside `%if %{without upstream}`, and a hand-edited meson option).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const DEMO_FIXTURE = fileURLToPath(new URL("../../fixtures/demo", import.meta.url));
export const DEMO_SPEC = "specs/s/systemd/systemd.spec";
export const DEMO_COMP = "base/comps/systemd/systemd.comp.toml";
export const DEMO_PATCH = "0001-core-set-SYSTEMD_NSS_DYNAMIC_BYPASS-1-for-generators.patch";

function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out[relative(root, full).split(sep).join("/")] = readFileSync(full, "utf8");
    }
  };
  walk(root);
  return out;
}

export function demoBase(): Record<string, string> {
  return readTree(join(DEMO_FIXTURE, "base"));
}

/** Only the files the demo PR adds or changes. */
export function demoChanges(): Record<string, string> {
  return readTree(join(DEMO_FIXTURE, "head"));
}

export function demoHead(): Record<string, string> {
  return { ...demoBase(), ...demoChanges() };
}

/** 1-based number of the only line of `text` equal to `line` (or containing it, with `contains`). */
export function lineNumberOf(text: string, line: string, options: { contains?: boolean } = {}): number {
  const lines = text.split("\n");
  const matches = lines.flatMap((l, i) => ((options.contains ? l.includes(line) : l === line) ? [i + 1] : []));
  if (matches.length !== 1) throw new Error(`fixture: ${JSON.stringify(line)} occurs ${matches.length} times`);
  return matches[0] as number;
}
