/**
 * Test repositories built from the demo fixture (`fixtures/demo/base`): a small Azure-Linux-style
 * distro repo with systemd (upstream, %autosetup, bare Patch tags in %if blocks), acl (explicit
 * `%patch` lines, an overlay on %check) and libfido2 (no overlays). Heads are the base plus edits.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { memoryRepo } from "../../src/repo/index.js";
import { reviewChange, type ReviewChangeInput } from "../../src/review/index.js";
import type { ReviewResult } from "../../src/review/types.js";

export const DEMO_DIR = fileURLToPath(new URL("../../fixtures/demo", import.meta.url));

export type Files = Record<string, string>;

function readTree(root: string): Files {
  const out: Files = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[relative(root, full).split(sep).join("/")] = readFileSync(full, "utf8");
    }
  };
  walk(root);
  return out;
}

export function baseFiles(): Files {
  return readTree(join(DEMO_DIR, "base"));
}

export function demoHeadEdits(): Files {
  return readTree(join(DEMO_DIR, "head"));
}

/** base + edits; a null edit deletes the path */
export function withEdits(base: Files, edits: Record<string, string | null>): Files {
  const out = { ...base };
  for (const [path, content] of Object.entries(edits)) {
    if (content === null) delete out[path];
    else out[path] = content;
  }
  return out;
}

/** Replaces exactly one occurrence of `from` (fails the test setup otherwise). */
export function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`fixture edit: ${JSON.stringify(from)} must occur exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

export async function review(base: Files, head: Files, extra: Partial<ReviewChangeInput> = {}): Promise<ReviewResult> {
  return reviewChange({ base: memoryRepo(base), head: memoryRepo(head), ...extra });
}

export function rulesOf(result: ReviewResult, level?: "failure" | "warning" | "notice"): string[] {
  return result.findings.filter((f) => !level || f.level === level).map((f) => f.rule);
}
