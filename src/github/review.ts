/**
 * At most one review per head SHA, carrying ```suggestion blocks only where GitHub will accept them:
 * on RIGHT-side lines inside one diff hunk. A single bad anchor makes GitHub reject the whole review
 * (422), so anchors are validated first and a 422 is retried without inline comments. Suggestions
 * GitHub still shows from the review of an earlier head are not posted again.
 */
import type { Finding } from "../review/types.js";
import type { CommentableLines } from "./diff-hunks.js";
import { byteLength, fenced, inlineMarkdown, findingLocation, truncateBytes } from "./markdown.js";
import { abortable, httpStatus, type Octokit, type RepoRef } from "./octokit.js";

export interface ReviewComment {
  path: string;
  line: number;
  side: "RIGHT";
  start_line?: number;
  start_side?: "RIGHT";
  body: string;
}

export interface PlannedReview {
  comments: ReviewComment[];
  /** findings with a suggestion that could not be anchored (they live in the summary's patch) */
  unanchored: Finding[];
}

const SUGGESTION_BODY_MAX_BYTES = 60_000;

/** The comment body, or undefined when it would not fit (a cut suggestion would be a wrong one). */
export function suggestionBody(finding: Finding): string | undefined {
  // Each line ends with a newline, so [] deletes the range and [""] leaves one empty line.
  const replacement = (finding.suggestion?.replacement ?? []).map((line) => `${line}\n`).join("");
  const body = `**${finding.rule}** — ${inlineMarkdown(truncateBytes(finding.message, 2_000))}\n\n${fenced(replacement, "suggestion")}`;
  return byteLength(body) <= SUGGESTION_BODY_MAX_BYTES ? body : undefined;
}

/** Pure: which suggestions become inline comments. One suggestion per line range; overlaps are dropped. */
export function planReview(findings: Finding[], commentable: CommentableLines): PlannedReview {
  const comments: ReviewComment[] = [];
  const unanchored: Finding[] = [];
  const taken = new Map<string, { start: number; end: number }[]>();
  for (const finding of findings) {
    const s = finding.suggestion;
    if (!s) continue;
    const ranges = taken.get(finding.path) ?? [];
    const overlaps = ranges.some((r) => s.startLine <= r.end && s.endLine >= r.start);
    const body = suggestionBody(finding);
    if (overlaps || body === undefined || !commentable.canAnchor(finding.path, s.startLine, s.endLine)) {
      unanchored.push(finding);
      continue;
    }
    ranges.push({ start: s.startLine, end: s.endLine });
    taken.set(finding.path, ranges);
    comments.push({
      path: finding.path,
      line: s.endLine,
      side: "RIGHT",
      ...(s.startLine < s.endLine ? { start_line: s.startLine, start_side: "RIGHT" as const } : {}),
      body,
    });
  }
  return { comments, unanchored };
}

export async function hasReviewForCommit(
  octokit: Octokit,
  repo: RepoRef,
  pullNumber: number,
  headSha: string,
  botLogin: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const reviews = await octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
    ...repo,
    pull_number: pullNumber,
    per_page: 100,
    ...abortable(signal),
  });
  return reviews.some((r) => r.user?.login === botLogin && r.commit_id === headSha);
}

/**
 * Our suggestions GitHub still shows on `headSha`: a review comment follows new commits (its
 * `commit_id` moves to the new head) as long as the lines it is on are unchanged. Keys as `commentKey`.
 */
export async function currentSuggestions(
  octokit: Octokit,
  repo: RepoRef,
  pullNumber: number,
  headSha: string,
  botLogin: string,
  signal?: AbortSignal,
): Promise<Set<string>> {
  const comments = await octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/comments", {
    ...repo,
    pull_number: pullNumber,
    per_page: 100,
    ...abortable(signal),
  });
  const keys = new Set<string>();
  for (const c of comments) {
    if (c.user?.login !== botLogin || c.commit_id !== headSha || typeof c.line !== "number") continue;
    keys.add(commentKey({ path: c.path, line: c.line, ...(typeof c.start_line === "number" ? { start_line: c.start_line } : {}), body: c.body }));
  }
  return keys;
}

export function commentKey(c: Pick<ReviewComment, "path" | "line" | "start_line" | "body">): string {
  return JSON.stringify([c.path, c.start_line ?? c.line, c.line, c.body]);
}

/**
 * "unchanged": every suggestion is already on the PR from the review of an earlier head, and GitHub
 * still shows it on this one, so a push does not repeat them.
 */
export type ReviewAction = "posted" | "posted-without-comments" | "exists" | "unchanged" | "none";

export async function postReview(
  octokit: Octokit,
  repo: RepoRef,
  pull: { number: number; headSha: string },
  plan: PlannedReview,
  findings: Finding[],
  botLogin: string,
  signal?: AbortSignal,
): Promise<ReviewAction> {
  if (plan.comments.length === 0) return "none";
  if (await hasReviewForCommit(octokit, repo, pull.number, pull.headSha, botLogin, signal)) return "exists";
  const shown = await currentSuggestions(octokit, repo, pull.number, pull.headSha, botLogin, signal);
  const comments = plan.comments.filter((c) => !shown.has(commentKey(c)));
  if (comments.length === 0) return "unchanged";
  const body = `specwarden has ${comments.length} ${comments.length < plan.comments.length ? "more " : ""}suggestion(s) for the changed lines. The check run and the summary comment have the full report and the complete fix.`;
  try {
    await octokit.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
      ...repo,
      pull_number: pull.number,
      commit_id: pull.headSha,
      event: "COMMENT",
      body,
      comments,
      ...abortable(signal),
    });
    return "posted";
  } catch (error) {
    if (httpStatus(error) !== 422) throw error;
  }
  const listed = findings
    .filter((f) => f.suggestion)
    .map((f) => `- \`${f.rule}\` ${inlineMarkdown(findingLocation(f))}`)
    .join("\n");
  await octokit.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
    ...repo,
    pull_number: pull.number,
    commit_id: pull.headSha,
    event: "COMMENT",
    body: truncateBytes(
      `specwarden could not attach its suggestions to the diff (GitHub rejected the line anchors). They are part of the fix in the summary comment:\n\n${listed}`,
      60_000,
    ),
    ...abortable(signal),
  });
  return "posted-without-comments";
}
