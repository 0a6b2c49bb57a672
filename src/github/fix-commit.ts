/**
 * Pushes the verified fix as one commit on the PR branch through the git data API (blobs, tree,
 * commit, fast-forward ref update). When the branch cannot take it, opens a PR against the author's
 * branch instead, or says plainly why nothing was pushed.
 */
import { applyFix, FixApplyError, type FileChanges } from "./apply-fix.js";
import { RepoEntryError, RepoPathError } from "../repo/types.js";
import { fixPathConflict } from "../review/fix-paths.js";
import { httpStatus, type Octokit, type RepoRef } from "./octokit.js";
import type { GitHubRepoView } from "./repo-view.js";

export interface FixTarget {
  repo: RepoRef;
  number: number;
  headSha: string;
  headRef: string;
  sameRepo: boolean;
}

export type FixResult =
  | { kind: "committed"; commitSha: string }
  | { kind: "pull-request"; number: number; branch: string }
  | { kind: "refused"; reason: string };

export const FORK_REFUSAL =
  "this pull request comes from a fork, and a GitHub App cannot push to a fork's branch. Apply the patch from the summary comment with `git apply` and push it.";

export const FIX_COMMIT_MESSAGE =
  "Apply specwarden fix\n\nMoves hand edits and vendored patches of rendered specs into their components' overlays, as verified by re-rendering.";

export async function pushFix(octokit: Octokit, target: FixTarget, patch: string, head: GitHubRepoView): Promise<FixResult> {
  if (!target.sameRepo) {
    return { kind: "refused", reason: FORK_REFUSAL };
  }
  let changes: FileChanges;
  try {
    changes = await applyFix(patch, (path) => head.readFile(path));
    await confineToTree(changes, head);
  } catch (error) {
    if (error instanceof FixApplyError || error instanceof RepoEntryError || error instanceof RepoPathError) {
      return { kind: "refused", reason: `the fix could not be applied: ${error.message}` };
    }
    throw error;
  }
  if (changes.size === 0) return { kind: "refused", reason: "the fix is empty; there is nothing to commit." };

  let commitSha: string;
  try {
    commitSha = await createCommit(octokit, target, changes, async (path) => (await head.stat(path))?.mode);
  } catch (error) {
    const status = httpStatus(error);
    if (status === 403 || status === 404) {
      return {
        kind: "refused",
        reason:
          "the app is not allowed to write to this repository's contents (it needs the `contents: write` permission for this feature). Apply the patch from the summary comment with `git apply`.",
      };
    }
    throw error;
  }

  try {
    await octokit.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", {
      ...target.repo,
      ref: `heads/${target.headRef}`,
      sha: commitSha,
      force: false,
    });
    return { kind: "committed", commitSha };
  } catch (error) {
    const status = httpStatus(error);
    if (status !== 422 && status !== 403) throw error;
  }
  // The branch refused the update: it moved (not a fast-forward) or it is protected.
  const { data: pr } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
    ...target.repo,
    pull_number: target.number,
  });
  if (pr.head.sha !== target.headSha) {
    return { kind: "refused", reason: `the branch moved to ${pr.head.sha.slice(0, 7)} while the fix was prepared; the check will run again on the new commit.` };
  }
  const branch = `specwarden/fix-pr-${target.number}-${target.headSha.slice(0, 7)}`;
  try {
    await octokit.request("POST /repos/{owner}/{repo}/git/refs", { ...target.repo, ref: `refs/heads/${branch}`, sha: commitSha });
  } catch (error) {
    if (httpStatus(error) !== 422) throw error; // 422: the branch exists from an earlier click; reuse it
    await octokit.request("PATCH /repos/{owner}/{repo}/git/refs/{ref}", { ...target.repo, ref: `heads/${branch}`, sha: commitSha, force: true });
  }
  const { data: opened } = await octokit.request("POST /repos/{owner}/{repo}/pulls", {
    ...target.repo,
    title: `specwarden fix for #${target.number}`,
    head: branch,
    base: target.headRef,
    body: `The branch of #${target.number} does not accept direct pushes, so the verified fix is proposed here against it.`,
  });
  return { kind: "pull-request", number: opened.number, branch };
}

/** Every path the fix writes must be writable as a plain file on the branch (src/review/fix-paths.ts). */
async function confineToTree(changes: FileChanges, head: GitHubRepoView): Promise<void> {
  const checked = new Set<string>();
  for (const path of changes.keys()) {
    const conflict = await fixPathConflict(head, path, checked);
    if (conflict) throw new FixApplyError(path, conflict);
  }
}

async function createCommit(
  octokit: Octokit,
  target: FixTarget,
  changes: FileChanges,
  modeOf: (path: string) => Promise<string | undefined>,
): Promise<string> {
  const { data: headCommit } = await octokit.request("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", {
    ...target.repo,
    commit_sha: target.headSha,
  });
  const tree: { path: string; mode: "100644" | "100755"; type: "blob"; sha: string | null }[] = [];
  for (const [path, content] of [...changes].sort(([a], [b]) => a.localeCompare(b))) {
    if (content === null) {
      tree.push({ path, mode: "100644", type: "blob", sha: null });
      continue;
    }
    const { data: blob } = await octokit.request("POST /repos/{owner}/{repo}/git/blobs", {
      ...target.repo,
      content: (typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content)).toString("base64"),
      encoding: "base64",
    });
    // Keep an existing executable bit; everything the fix creates is a plain file.
    tree.push({ path, mode: (await modeOf(path)) === "100755" ? "100755" : "100644", type: "blob", sha: blob.sha });
  }
  const { data: newTree } = await octokit.request("POST /repos/{owner}/{repo}/git/trees", {
    ...target.repo,
    base_tree: headCommit.tree.sha,
    tree,
  });
  const { data: commit } = await octokit.request("POST /repos/{owner}/{repo}/git/commits", {
    ...target.repo,
    message: FIX_COMMIT_MESSAGE,
    tree: newTree.sha,
    parents: [target.headSha],
  });
  return commit.sha;
}
