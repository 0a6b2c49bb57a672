/**
 * Is a patch already in the upstream source at a tag? Each hunk is classified against the file at
 * that ref: `present` when it reverse-applies exactly (its post-image is there), `absent` when it
 * applies forward, `conflict` otherwise. No fuzz: a fuzzy fit would make "present" a guess.
 */
import { applyPatch, parsePatch, reversePatch, type StructuredPatch } from "diff";

export type HunkState = "present" | "absent" | "conflict";

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
  for (const file of safeParse(patchText)) {
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
    for (const hunk of file.hunks) {
      const single: StructuredPatch = { ...file, hunks: [hunk] };
      const reversed = reversePatch(single);
      if (applyPatch(content, reversed, { fuzzFactor: 0 }) !== false) check.hunks.push("present");
      else if (applyPatch(content, single, { fuzzFactor: 0 }) !== false) check.hunks.push("absent");
      else check.hunks.push("conflict");
    }
    files.push(check);
  }
  const all = files.flatMap((f) => f.hunks);
  const state: ReverseApplyResult["state"] =
    all.length === 0 ? "empty" : all.every((h) => h === "present") ? "present" : all.every((h) => h === "absent") ? "absent" : all.some((h) => h === "present") ? "partial" : "conflict";
  return { files, state };
}
