/**
 * Which lines of a pull request file GitHub accepts review comments on. GitHub answers 422 for the
 * whole review when a single comment sits outside a diff hunk, so every anchor is validated here
 * before anything is posted.
 */

export interface HunkRange {
  /** first RIGHT-side (head) line of the hunk, 1-based */
  start: number;
  /** last RIGHT-side line of the hunk, inclusive */
  end: number;
}

const HUNK_HEADER = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

/** RIGHT-side line ranges of the hunks in a PR file's `patch` field (the hunks only, no headers). */
export function parseRightHunks(patch: string): HunkRange[] {
  const hunks: HunkRange[] = [];
  for (const line of patch.split("\n")) {
    const match = HUNK_HEADER.exec(line);
    if (!match) continue;
    const start = Number(match[1]);
    const count = match[2] === undefined ? 1 : Number(match[2]);
    // A hunk with no head lines (pure deletion at `start`) offers nothing on the RIGHT side.
    if (count === 0) continue;
    hunks.push({ start, end: start + count - 1 });
  }
  return hunks;
}

/** Commentable RIGHT-side ranges per path, built from the PR files listing. */
export class CommentableLines {
  readonly #byPath = new Map<string, HunkRange[]>();

  addFile(path: string, patch: string | undefined): void {
    if (patch === undefined) return;
    this.#byPath.set(path, parseRightHunks(patch));
  }

  /** True when lines startLine..endLine of `path` lie inside one hunk, so a suggestion can replace them. */
  canAnchor(path: string, startLine: number, endLine: number): boolean {
    if (!Number.isInteger(startLine) || !Number.isInteger(endLine) || startLine < 1 || endLine < startLine) return false;
    const hunks = this.#byPath.get(path);
    if (!hunks) return false;
    return hunks.some((h) => startLine >= h.start && endLine <= h.end);
  }

  get paths(): string[] {
    return [...this.#byPath.keys()];
  }
}
