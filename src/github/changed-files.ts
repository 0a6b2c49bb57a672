/**
 * What a pull request changes. The compare API gives the merge base and up to 300 files with their
 * hunks in one call; the PR files API pages up to 3,000; beyond that only a comparison of the two
 * trees by blob SHA gives the complete list (those extra files have no hunks, so no suggestions).
 */
import type { RepoView } from "../repo/types.js";
import { CommentableLines } from "./diff-hunks.js";
import { abortable, type Octokit, type RepoRef } from "./octokit.js";

export const COMPARE_FILES_CAP = 300;
export const PULL_FILES_CAP = 3_000;

export interface ChangedFiles {
  mergeBase: string;
  paths: string[];
  commentable: CommentableLines;
  source: "compare" | "pull-files" | "trees";
}

interface ListedFile {
  filename: string;
  previous_filename?: string;
  patch?: string;
}

function collect(files: ListedFile[], paths: Set<string>, commentable: CommentableLines): void {
  for (const f of files) {
    paths.add(f.filename);
    if (f.previous_filename) paths.add(f.previous_filename);
    commentable.addFile(f.filename, f.patch);
  }
}

export async function mergeBaseAndFiles(
  octokit: Octokit,
  repo: RepoRef,
  pull: { number: number; baseSha: string; headSha: string },
  signal?: AbortSignal,
): Promise<{ mergeBase: string; files: ListedFile[] }> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", {
    ...repo,
    basehead: `${pull.baseSha}...${pull.headSha}`,
    per_page: 1,
    ...abortable(signal),
  });
  return { mergeBase: data.merge_base_commit.sha, files: (data.files ?? []) as ListedFile[] };
}

export async function loadChangedFiles(
  octokit: Octokit,
  repo: RepoRef,
  pull: { number: number; baseSha: string; headSha: string },
  views: { base: (mergeBase: string) => RepoView; head: RepoView },
  signal?: AbortSignal,
): Promise<ChangedFiles> {
  const compared = await mergeBaseAndFiles(octokit, repo, pull, signal);
  const paths = new Set<string>();
  const commentable = new CommentableLines();
  if (compared.files.length < COMPARE_FILES_CAP) {
    collect(compared.files, paths, commentable);
    return { mergeBase: compared.mergeBase, paths: [...paths].sort(), commentable, source: "compare" };
  }
  const listed = (await octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
    ...repo,
    pull_number: pull.number,
    per_page: 100,
    ...abortable(signal),
  })) as ListedFile[];
  collect(listed, paths, commentable);
  if (listed.length < PULL_FILES_CAP) {
    return { mergeBase: compared.mergeBase, paths: [...paths].sort(), commentable, source: "pull-files" };
  }
  for (const path of await diffTrees(views.base(compared.mergeBase), views.head)) paths.add(path);
  return { mergeBase: compared.mergeBase, paths: [...paths].sort(), commentable, source: "trees" };
}

/** Paths whose blob differs between two snapshots (added, removed or modified files). */
export async function diffTrees(base: RepoView, head: RepoView): Promise<string[]> {
  const [before, after] = await Promise.all([base.list("", { recursive: true }), head.list("", { recursive: true })]);
  const leaf = (e: { kind: string }) => e.kind !== "dir";
  const beforeIds = new Map(before.filter(leaf).map((e) => [e.path, `${e.mode}:${e.id}`]));
  const changed: string[] = [];
  for (const e of after.filter(leaf)) {
    if (beforeIds.get(e.path) !== `${e.mode}:${e.id}`) changed.push(e.path);
    beforeIds.delete(e.path);
  }
  changed.push(...beforeIds.keys());
  return changed.sort();
}
