import type { UpstreamCheckout, UpstreamCommit } from "../upstream/types.js";
import { goQuote } from "./go-format.js";
import type { FingerprintChange } from "./project-history.js";
import type { AutospecCommit, AutospecWorktree } from "./rpmautospec.js";

/**
 * The git history rpmautospec sees in azldev's staging dir (AZLDEV.md §4.8 step 7): upstream
 * first-parent commits up to the locked commit, synthetic commits for the project's lock changes
 * (empty except the last, which carries the rendered tree), or a dirty work tree when there are none.
 */

export const UNCONFIGURED_GIT_AUTHOR = "Unknown User <please-configure-git-user@example.com>";
export const RPM_PACKAGER_FALLBACK = "John Doe <packager@example.com>";

export class HistoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HistoryError";
  }
}

type Files = ReadonlyMap<string, Uint8Array>;

const decoder = new TextDecoder();

function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : decoder.decode(bytes);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Tracked paths that differ between two trees (modified, added or deleted). */
export function changedBetween(before: Files, after: Files, trackedOnly = false): string[] {
  const changed = new Set<string>();
  for (const [path, bytes] of before) {
    const now = after.get(path);
    if (now === undefined || !sameBytes(now, bytes)) changed.add(path);
  }
  if (!trackedOnly) for (const path of after.keys()) if (!before.has(path)) changed.add(path);
  return [...changed].sort();
}

function matchesCommit(hash: string, wanted: string): boolean {
  return wanted.length > 0 && hash.toLowerCase().startsWith(wanted.toLowerCase());
}

function upstreamEntry(checkout: UpstreamCheckout, commit: UpstreamCommit, specName: string): AutospecCommit {
  const history = checkout.history!;
  // rpmautospec dates an entry by the committer time; sources that know it expose it.
  const withCommitTime = commit as UpstreamCommit & { committerTime?: number; commitTime?: number };
  return {
    hash: commit.hash,
    authorName: commit.authorName,
    authorEmail: commit.authorEmail,
    commitTime: withCommitTime.committerTime ?? withCommitTime.commitTime ?? commit.authorTime,
    message: commit.message,
    spec: async () => text(await history.readFile(commit.hash, specName)),
    changelogFile: async () => text(await history.readFile(commit.hash, "changelog")),
    changedPaths: () => history.changedPaths(commit.hash),
  };
}

function syntheticEntry(
  change: FingerprintChange,
  tree: { spec(): Promise<string | undefined>; changelogFile(): Promise<string | undefined>; changedPaths(): Promise<string[]> },
): AutospecCommit {
  return {
    hash: `synthetic:${change.commit}`,
    authorName: change.authorName,
    authorEmail: change.authorEmail,
    commitTime: change.authorTime,
    message: `${change.subject}\n\nProject commit: ${change.commit}`,
    ...tree,
  };
}

export interface HistoryInput {
  component: string;
  /** the rendered component dir (after overlays, sources, release bump) */
  finalFiles: Files;
  /** the spec text of finalFiles */
  finalSpec: string;
  /** files as fetched, before overlays (local dir or upstream tree after the rename) */
  fetchedFiles: Files;
  checkout?: UpstreamCheckout;
  changes: FingerprintChange[];
  importCommit?: string;
  now: Date;
  uncommittedAuthor?: string;
  packager?: string;
}

export interface HistoryView {
  commits?: AutospecCommit[];
  worktree?: AutospecWorktree;
}

export function buildAutospecHistory(input: HistoryInput): HistoryView {
  const specName = `${input.component}.spec`;
  const finalTree = {
    spec: async () => input.finalSpec,
    changelogFile: async () => text(input.finalFiles.get("changelog")),
  };
  const gitHistory = input.checkout?.history;
  const checkoutFiles = input.checkout?.files;

  if (input.changes.length > 0) {
    const commits: AutospecCommit[] = [];
    let baseTree: Files;
    let lastTree: Omit<AutospecCommit, "hash" | "authorName" | "authorEmail" | "commitTime" | "message">;
    const changes = input.changes;
    const latest = changes[changes.length - 1]!.upstreamCommit;
    const interleaved = new Map<string, FingerprintChange[]>();
    const top: FingerprintChange[] = [];
    for (const change of changes) {
      if (change.upstreamCommit === "" || change.upstreamCommit === latest) top.push(change);
      else interleaved.set(change.upstreamCommit, [...(interleaved.get(change.upstreamCommit) ?? []), change]);
    }
    if (gitHistory && checkoutFiles) {
      const all = gitHistory.commits;
      let upper = all.length - 1;
      if (latest !== "") {
        upper = all.findIndex((c) => matchesCommit(c.hash, latest));
        if (upper < 0) {
          throw new HistoryError(
            `upstream-commit ${goQuote(latest)} not found in dist-git history; the lock file may reference a commit from a different branch`,
          );
        }
      }
      let lower = 0;
      if (input.importCommit) {
        lower = all.findIndex((c) => matchesCommit(c.hash, input.importCommit!));
        if (lower < 0 || lower > upper) {
          throw new HistoryError(
            `import-commit ${goQuote(input.importCommit)} not found in dist-git history; the repository may be a shallow clone or the commit may have been rebased away`,
          );
        }
      }
      for (const commit of all.slice(0, upper + 1)) {
        const entry = upstreamEntry(input.checkout!, commit, specName);
        commits.push(entry);
        lastTree = entry;
        if (all.indexOf(commit) < lower) continue;
        for (const [wanted, synthetic] of interleaved) {
          if (!matchesCommit(commit.hash, wanted)) continue;
          for (const change of synthetic) {
            commits.push(syntheticEntry(change, { spec: entry.spec, changelogFile: entry.changelogFile, changedPaths: async () => [] }));
          }
          interleaved.delete(wanted);
        }
      }
      baseTree = checkoutFiles;
    } else {
      // A local component (or an upstream tree without git): azldev starts the repository with an
      // initial commit of the component dir as fetched, authored by azldev at the epoch.
      const initial: AutospecCommit = {
        hash: "synthetic:initial",
        authorName: "azldev",
        authorEmail: "",
        commitTime: 0,
        message: "Initial commit",
        spec: async () => text(input.fetchedFiles.get(specName)),
        changelogFile: async () => text(input.fetchedFiles.get("changelog")),
        changedPaths: async () => [...input.fetchedFiles.keys()].sort(),
      };
      commits.push(initial);
      lastTree = initial;
      baseTree = input.fetchedFiles;
    }
    top.forEach((change, index) => {
      const isLast = index === top.length - 1;
      if (isLast) {
        commits.push(syntheticEntry(change, { ...finalTree, changedPaths: async () => changedBetween(baseTree, input.finalFiles) }));
      } else {
        commits.push(syntheticEntry(change, { spec: lastTree.spec, changelogFile: lastTree.changelogFile, changedPaths: async () => [] }));
      }
    });
    return { commits };
  }

  if (gitHistory && checkoutFiles) {
    const changed = changedBetween(checkoutFiles, input.finalFiles, true);
    const view: HistoryView = { commits: gitHistory.commits.map((c) => upstreamEntry(input.checkout!, c, specName)) };
    if (changed.length > 0) {
      view.worktree = {
        spec: input.finalSpec,
        changedPaths: changed,
        authorBlurb: input.uncommittedAuthor ?? UNCONFIGURED_GIT_AUTHOR,
        now: input.now,
      };
    }
    return view;
  }
  return { worktree: { spec: input.finalSpec, authorBlurb: input.packager ?? RPM_PACKAGER_FALLBACK, now: input.now } };
}
