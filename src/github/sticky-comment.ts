/**
 * One summary comment per pull request, found by its hidden marker and our bot login, edited only
 * when its text changes, and turned into a short "resolved" note once the PR is clean.
 */
import { isResolvedBody, resolvedStickyBody, STICKY_MARKER } from "./markdown.js";
import { abortable, type Octokit, type RepoRef } from "./octokit.js";

export interface StickyComment {
  id: number;
  body: string;
}

export async function findStickyComment(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  botLogin: string,
  signal?: AbortSignal,
): Promise<StickyComment | undefined> {
  const comments = await octokit.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
    ...repo,
    issue_number: issueNumber,
    per_page: 100,
    ...abortable(signal),
  });
  const ours = comments.find((c) => c.user?.login === botLogin && (c.body ?? "").startsWith(STICKY_MARKER));
  return ours ? { id: ours.id, body: ours.body ?? "" } : undefined;
}

export type StickyAction = "created" | "updated" | "unchanged" | "resolved" | "none";

/**
 * `body` undefined means the PR is clean: resolve an existing comment, never post a new "all good".
 */
export async function upsertStickyComment(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  botLogin: string,
  body: string | undefined,
  headSha: string,
  signal?: AbortSignal,
): Promise<StickyAction> {
  const existing = await findStickyComment(octokit, repo, issueNumber, botLogin, signal);
  if (body === undefined) {
    if (!existing || isResolvedBody(existing.body)) return "none";
    await octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
      ...repo,
      comment_id: existing.id,
      body: resolvedStickyBody(headSha),
      ...abortable(signal),
    });
    return "resolved";
  }
  if (!existing) {
    await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      ...repo,
      issue_number: issueNumber,
      body,
      ...abortable(signal),
    });
    return "created";
  }
  if (existing.body === body) return "unchanged";
  await octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
    ...repo,
    comment_id: existing.id,
    body,
    ...abortable(signal),
  });
  return "updated";
}
