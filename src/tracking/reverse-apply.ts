/**
 * Is a patch already in the upstream source at a tag? Each hunk is classified against the file at
 * that ref, file by file: `present` when its post-image (context and added lines) is in the file at
 * exactly one place and its pre-image is not; `absent` when its pre-image is there at one place and
 * its post-image is not; `conflict` otherwise. A hunk whose added lines are all trivial (blank lines,
 * braces) proves nothing wherever it fits and is `trivial`. In a series (a format-patch file of
 * several commits), hunks that a later commit of the same series takes back, and the hunks that take
 * them back, are `undone`: the series' net change does not include them, so they count neither way.
 * No fuzz: a fuzzy fit would make "present" a guess.
 */
import { applyPatch, parsePatch, structuredPatch, type StructuredPatch } from "diff";

export type HunkState = "present" | "absent" | "conflict" | "trivial" | "undone";

export interface FileCheck {
  path: string;
  hunks: HunkState[];
  /** the file could not be read at the ref (a new file that upstream lacks is `absent`) */
  missing?: boolean;
}

export interface ReverseApplyResult {
  files: FileCheck[];
  /** every hunk present (the change is already upstream at the ref) */
  state: "present" | "absent" | "partial" | "conflict" | "empty";
}

const stripPrefix = (name: string | undefined): string | undefined => {
  if (!name || name === "/dev/null") return undefined;
  const clean = name.replace(/\t.*$/, "").trim();
  return clean.includes("/") ? clean.slice(clean.indexOf("/") + 1) : clean;
};

/** The paths (prefix stripped, post-image) a patch touches. */
export function touchedPaths(patchText: string): string[] {
  const paths: string[] = [];
  for (const file of safeParse(patchText)) {
    const path = stripPrefix(file.newFileName) ?? stripPrefix(file.oldFileName);
    if (path && !paths.includes(path)) paths.push(path);
  }
  return paths;
}

/** Drops format-patch signatures (`-- ` and the git version): jsdiff would read them as removed lines. */
function withoutSignatures(text: string): string {
  const out: string[] = [];
  let skipping = false;
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    if (line === "-- ") {
      skipping = true;
      continue;
    }
    if (skipping && /^From [0-9a-f]{40} /.test(line)) skipping = false;
    if (!skipping) out.push(line);
  }
  return out.join("\n");
}

function safeParse(text: string): StructuredPatch[] {
  try {
    return parsePatch(withoutSignatures(text)).filter((p) => p.hunks.length > 0 || p.oldFileName || p.newFileName);
  } catch {
    return [];
  }
}

/**
 * Classifies every hunk of `patchText` against the files `read(path)` returns (the upstream tree at
 * the packaged version's tag).
 */
export async function checkAgainstTree(patchText: string, read: (path: string) => Promise<string | undefined>): Promise<ReverseApplyResult> {
  const files: FileCheck[] = [];
  const cache = new Map<string, Promise<string | undefined>>();
  const load = (path: string) => {
    let p = cache.get(path);
    if (!p) {
      p = read(path);
      cache.set(path, p);
    }
    return p;
  };
  const parsed = safeParse(patchText);
  const undone = undoneHunks(parsed);
  for (const file of parsed) {
    const oldPath = stripPrefix(file.oldFileName);
    const newPath = stripPrefix(file.newFileName);
    const path = newPath ?? oldPath;
    if (!path || file.hunks.length === 0) continue;
    const content = await load(path);
    const check: FileCheck = { path, hunks: [] };
    if (content === undefined) {
      check.missing = true;
      // a file the patch creates is absent upstream; a file it deletes is "present" (already gone)
      const state: HunkState = !oldPath ? "absent" : !newPath ? "present" : "conflict";
      check.hunks = file.hunks.map(() => state);
      files.push(check);
      continue;
    }
    const lines = content.replace(/\r\n/g, "\n").split("\n");
    for (const hunk of file.hunks) {
      if (undone.has(hunk)) {
        check.hunks.push("undone");
        continue;
      }
      check.hunks.push(classifyHunk(hunk, lines));
    }
    files.push(check);
  }
  // trivial and undone hunks say nothing about where the change is
  const all = files.flatMap((f) => f.hunks).filter((h) => h !== "trivial" && h !== "undone");
  const state: ReverseApplyResult["state"] =
    all.length === 0 ? "empty" : all.every((h) => h === "present") ? "present" : all.every((h) => h === "absent") ? "absent" : all.some((h) => h === "present") ? "partial" : "conflict";
  return { files, state };
}

type Hunk = StructuredPatch["hunks"][number];

const body = (hunk: Hunk, keep: "-" | "+"): string[] => hunk.lines.filter((l) => l[0] === " " || l[0] === keep).map((l) => l.slice(1));
const changed = (hunk: Hunk, sign: "-" | "+"): string[] => hunk.lines.filter((l) => l[0] === sign).map((l) => l.slice(1));
/** a line that identifies code: more than punctuation and whitespace */
const substantive = (line: string): boolean => line.replace(/[\s{}()[\];,]/g, "").length >= 3;

/** The 0-based positions where `block` occurs as consecutive lines of `lines` (at most two: enough to tell unique). */
function occurrences(lines: string[], block: string[]): number[] {
  if (block.length === 0) return [];
  const out: number[] = [];
  for (let i = 0; i + block.length <= lines.length && out.length < 2; i++) {
    let k = 0;
    while (k < block.length && lines[i + k] === block[k]) k++;
    if (k === block.length) out.push(i);
  }
  return out;
}

function classifyHunk(hunk: Hunk, lines: string[]): HunkState {
  const added = changed(hunk, "+");
  const removed = changed(hunk, "-");
  if (!added.some(substantive) && !removed.some(substantive)) return "trivial";
  const post = occurrences(lines, body(hunk, "+"));
  const pre = occurrences(lines, body(hunk, "-"));
  // a pure deletion is present when its pre-image is gone and the surrounding context still joins up
  if (post.length === 1 && pre.length === 0) return added.some(substantive) || removed.some(substantive) ? "present" : "trivial";
  if (pre.length === 1 && post.length === 0) return "absent";
  return "conflict";
}

/**
 * Hunks of a series that a later commit takes back: every substantive line a hunk adds is removed
 * again by a later hunk of the same file (and that later hunk adds nothing substantive of its own
 * beyond what it restores). Both are out of the series' net change.
 */
function undoneHunks(files: StructuredPatch[]): Set<Hunk> {
  const undone = new Set<Hunk>();
  const byPath = new Map<string, Hunk[]>();
  for (const file of files) {
    const path = stripPrefix(file.newFileName) ?? stripPrefix(file.oldFileName);
    if (!path) continue;
    const list = byPath.get(path) ?? [];
    list.push(...file.hunks);
    byPath.set(path, list);
  }
  for (const hunks of byPath.values()) {
    for (let i = 0; i < hunks.length; i++) {
      const adds = changed(hunks[i] as Hunk, "+").filter(substantive);
      if (adds.length === 0) continue;
      for (let j = i + 1; j < hunks.length; j++) {
        const later = hunks[j] as Hunk;
        const removes = new Set(changed(later, "-"));
        if (adds.every((l) => removes.has(l))) {
          undone.add(hunks[i] as Hunk);
          const restores = new Set(changed(hunks[i] as Hunk, "-"));
          if (changed(later, "+").filter(substantive).every((l) => restores.has(l))) undone.add(later);
          break;
        }
      }
    }
  }
  return undone;
}

/**
 * The series as one diff: every commit of a format-patch series applied in order to the files at a
 * ref (the upstream before the change), then diffed against them, in git's format. Its patch-id is
 * the patch-id of the commit a squash merge lands. Undefined when the series does not apply there
 * exactly (the ref already has the change, or has diverged).
 */
export async function seriesNetDiff(patchText: string, read: (path: string) => Promise<string | undefined>): Promise<string | undefined> {
  const files = safeParse(patchText);
  if (files.length === 0) return undefined;
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  for (const file of files) {
    const oldPath = stripPrefix(file.oldFileName);
    const path = stripPrefix(file.newFileName) ?? oldPath;
    if (!path) return undefined;
    if (!after.has(path)) {
      const original = oldPath ? await read(oldPath) : "";
      if (original === undefined) return undefined;
      before.set(path, original);
      after.set(path, original);
    }
    const next = applyPatch(after.get(path) as string, file, { fuzzFactor: 0 });
    if (next === false) return undefined;
    after.set(path, next);
  }
  const out: string[] = [];
  for (const [path, original] of before) {
    const result = after.get(path) as string;
    if (result === original) continue;
    const patch = structuredPatch(`a/${path}`, `b/${path}`, original, result, "", "", { context: 3 });
    out.push(`diff --git a/${path} b/${path}`, original === "" ? "--- /dev/null" : `--- a/${path}`, `+++ b/${path}`);
    for (const h of patch.hunks) out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines.filter((l) => !l.startsWith("\\")));
  }
  return out.length ? `${out.join("\n")}\n` : undefined;
}
