/**
 * Is a patch already in the upstream source at a tag (rung d)? File by file, the series is undone at
 * that ref: every commit's diff of the file reverse-applied in reverse order, each hunk where its
 * context matches (an offset is allowed, fuzz is not). A file whose whole change reverse-applies, and
 * which the series cannot also be applied to forward, already carries the change (`present`); one the
 * series applies to forward does not (`absent`); neither is `conflict` (upstream changed the file).
 *
 * Working on the series in order, not on hunks matched anywhere, is what keeps this honest: a hunk a
 * later commit of the same series takes back is undone by that commit first, so it never counts as
 * "already there"; a file the series leaves as it was (everything added is removed again), or that fits
 * both ways, is `undecided` and counts neither way.
 */
import { applyPatch, parsePatch, reversePatch, structuredPatch, type StructuredPatch } from "diff";

export type FileState = "present" | "absent" | "conflict" | "undecided";

export interface FileCheck {
  /** the file's path after the series (before it, for a file the series deletes) */
  path: string;
  state: FileState;
  /** diffs of the series that touch the file (one per commit that changes it) */
  diffs: number;
  /** the file is not at the ref */
  missing?: boolean;
}

export interface ReverseApplyResult {
  files: FileCheck[];
  /**
   * `present`: every file that decides carries the change; `absent`: none does and the series applies;
   * `partial`: some files do; `conflict`: none does and some files changed upstream; `empty`: no file decides
   */
  state: "present" | "absent" | "partial" | "conflict" | "empty";
  /** files that carry their part of the change */
  present: number;
  /** files that decide (every state but `undecided`) */
  deciding: number;
}

const stripPrefix = (name: string | undefined): string | undefined => {
  if (!name || name === "/dev/null") return undefined;
  const clean = name.replace(/\t.*$/, "").trim();
  if (clean === "/dev/null") return undefined;
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

interface FileSeries {
  /** the path before the series (undefined: the series creates the file) */
  before?: string;
  /** the path after it (undefined: the series deletes the file) */
  after?: string;
  diffs: StructuredPatch[];
}

/** The series' diffs grouped per file, in order, following renames. */
function perFile(patchText: string): FileSeries[] {
  const groups: FileSeries[] = [];
  const current = new Map<string, FileSeries>();
  for (const diff of safeParse(patchText)) {
    if (diff.hunks.length === 0) continue;
    const oldPath = stripPrefix(diff.oldFileName);
    const newPath = stripPrefix(diff.newFileName);
    if (!oldPath && !newPath) continue;
    let group = oldPath ? current.get(oldPath) : undefined;
    if (!group) {
      group = { ...(oldPath ? { before: oldPath } : {}), diffs: [] };
      groups.push(group);
    }
    if (oldPath) current.delete(oldPath);
    group.diffs.push(diff);
    if (newPath) {
      group.after = newPath;
      current.set(newPath, group);
    } else {
      delete group.after;
    }
  }
  return groups;
}

const normalise = (text: string): string => text.replace(/\r\n/g, "\n");

function applyAll(start: string, diffs: StructuredPatch[]): string | undefined {
  let text = start;
  for (const diff of diffs) {
    const next = applyPatch(text, diff, { fuzzFactor: 0 });
    if (next === false) return undefined;
    text = next;
  }
  return text;
}

/**
 * Checks the series in `patchText` against the files `read(path)` returns (the upstream tree at a tag),
 * file by file.
 */
export async function checkAgainstTree(patchText: string, read: (path: string) => Promise<string | undefined>): Promise<ReverseApplyResult> {
  const cache = new Map<string, Promise<string | undefined>>();
  const load = (path: string) => {
    let p = cache.get(path);
    if (!p) {
      p = read(path).then((t) => (t === undefined ? undefined : normalise(t)));
      cache.set(path, p);
    }
    return p;
  };
  const files: FileCheck[] = [];
  for (const group of perFile(patchText)) {
    const path = (group.after ?? group.before) as string;
    const atAfter = group.after ? await load(group.after) : undefined;
    const atBefore = group.before ? (group.before === group.after ? atAfter : await load(group.before)) : undefined;
    // undo the series from the post-image: the file must be there (or, when the series deletes it, gone)
    const undone = group.after ? (atAfter === undefined ? undefined : applyAll(atAfter, [...group.diffs].reverse().map((d) => reversePatch(d)))) : atBefore === undefined ? "" : undefined;
    // apply it to the pre-image: the file must be there (or, when the series creates it, not yet)
    const applied = group.before ? (atBefore === undefined ? undefined : applyAll(atBefore, group.diffs)) : atAfter === undefined ? applyAll("", group.diffs) : undefined;
    const reverses = undone !== undefined && (group.before ? true : undone === "");
    const forwards = applied !== undefined;
    const state: FileState = reverses && forwards ? "undecided" : reverses ? "present" : forwards ? "absent" : "conflict";
    const check: FileCheck = { path, state, diffs: group.diffs.length };
    if ((group.after && atAfter === undefined) || (!group.after && group.before && atBefore === undefined)) check.missing = true;
    files.push(check);
  }
  const deciding = files.filter((f) => f.state !== "undecided");
  const present = deciding.filter((f) => f.state === "present").length;
  const state: ReverseApplyResult["state"] =
    deciding.length === 0 ? "empty" : present === deciding.length ? "present" : present > 0 ? "partial" : deciding.every((f) => f.state === "absent") ? "absent" : "conflict";
  return { files, state, present, deciding: deciding.length };
}

/**
 * The series as one diff: every commit of a format-patch series applied in order to the files at a
 * ref (the upstream before the change), then diffed against them, in git's format. Its patch-id is
 * the patch-id of the commit a squash merge lands. Undefined when the series does not apply there
 * exactly (the ref already has the change, or has diverged).
 */
export async function seriesNetDiff(patchText: string, read: (path: string) => Promise<string | undefined>): Promise<string | undefined> {
  const groups = perFile(patchText);
  if (groups.length === 0) return undefined;
  // git hashes the mode line of a created or deleted file: take it from the series
  const lines = withoutSignatures(patchText).split("\n");
  const modeOf = (kind: "new" | "deleted", path: string): string => {
    for (let k = 0; k + 1 < lines.length; k++) {
      if (lines[k] !== `diff --git a/${path} b/${path}`) continue;
      const m = /^(new|deleted) file mode (\d+)$/.exec(lines[k + 1] as string);
      if (m && m[1] === kind) return m[2] as string;
    }
    return "100644";
  };
  const out: string[] = [];
  for (const group of groups.sort((a, b) => ((a.after ?? a.before) as string).localeCompare((b.after ?? b.before) as string))) {
    const original = group.before ? await read(group.before) : "";
    if (original === undefined) return undefined;
    const result = applyAll(normalise(original), group.diffs);
    if (result === undefined) return undefined;
    if (result === normalise(original) && group.before && group.after) continue;
    const from = group.before ?? (group.after as string);
    const to = group.after ?? (group.before as string);
    const patch = structuredPatch(`a/${from}`, `b/${to}`, normalise(original), group.after ? result : "", "", "", { context: 3 });
    out.push(`diff --git a/${from} b/${to}`);
    if (!group.before) out.push(`new file mode ${modeOf("new", to)}`);
    if (!group.after) out.push(`deleted file mode ${modeOf("deleted", from)}`);
    out.push(group.before ? `--- a/${from}` : "--- /dev/null", group.after ? `+++ b/${to}` : "+++ /dev/null");
    for (const h of patch.hunks) out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines.filter((l) => !l.startsWith("\\")));
  }
  return out.length ? `${out.join("\n")}\n` : undefined;
}
