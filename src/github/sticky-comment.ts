/**
 * One summary comment per pull request, found by its hidden marker and our bot login, edited only
 * when its text changes, and turned into a "resolved" note (listing any warnings left) once nothing
 * fails.
 */
import { isPassingReportBody, isResolvedBody, sameResolvedBody, STICKY_MARKER } from "./markdown.js";
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
 * What the comment should say. `report`: the summary, posted or edited in place. `resolved`: nothing
 * fails any more; an earlier report of failures is turned into this note, but a PR that never had
 * a comment gets none for it (a passing PR with warnings gets its `report` instead).
 */
export interface StickyContent {
  report?: string;
  resolved?: string;
}

export async function upsertStickyComment(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  botLogin: string,
  content: StickyContent,
  signal?: AbortSignal,
): Promise<StickyAction> {
  const existing = await findStickyComment(octokit, repo, issueNumber, botLogin, signal);
  const edit = async (body: string) => {
    await octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
      ...repo,
      comment_id: (existing as StickyComment).id,
      body,
      ...abortable(signal),
    });
  };
  if (content.resolved !== undefined && existing && !(content.report !== undefined && isPassingReportBody(existing.body))) {
    // the head named in the note is the one that fixed it: a later clean run leaves it alone
    if (isResolvedBody(existing.body) && sameResolvedBody(existing.body, content.resolved)) return "unchanged";
    await edit(content.resolved);
    return "resolved";
  }
  if (content.report === undefined) return "none";
  if (!existing) {
    await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      ...repo,
      issue_number: issueNumber,
      body: content.report,
      ...abortable(signal),
    });
    return "created";
  }
  if (existing.body === content.report) return "unchanged";
  await edit(content.report);
  return "updated";
}
