/**
 * The `specwarden` check run on a PR's head commit. One run per head SHA: a redelivered webhook or a
 * recheck finds the existing run (by name and app) instead of creating another.
 */
import { toAnnotations, type AnnotationData } from "../report/index.js";
import { byteLength, CHECK_TEXT_MAX_BYTES, truncateBytes } from "./markdown.js";
import { abortable, httpStatus, type Octokit, type RepoRef } from "./octokit.js";

export const CHECK_NAME = "specwarden";
export const ANNOTATIONS_PER_REQUEST = 50;
/** Beyond this, the summary lists what was left out; each batch of 50 costs one API call. */
export const MAX_ANNOTATIONS = 500;
export const APPLY_FIX_ACTION = "apply-fix";

export interface ExistingCheckRun {
  id: number;
  status: string;
  conclusion: string | null;
  externalId: string | null;
  /** epoch ms */
  startedAt?: number;
}

export function externalId(pullNumber: number, headSha: string): string {
  return `pr:${pullNumber}:${headSha}`;
}

export function parseExternalId(value: string | null | undefined): { pullNumber: number; headSha: string } | undefined {
  const match = /^pr:(\d+):([0-9a-f]{40})$/.exec(value ?? "");
  return match ? { pullNumber: Number(match[1]), headSha: match[2] as string } : undefined;
}

export async function findCheckRun(
  octokit: Octokit,
  repo: RepoRef,
  headSha: string,
  appId: number,
  signal?: AbortSignal,
): Promise<ExistingCheckRun | undefined> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", {
    ...repo,
    ref: headSha,
    check_name: CHECK_NAME,
    app_id: appId,
    filter: "latest",
    per_page: 100,
    ...abortable(signal),
  });
  const run = data.check_runs.find((r) => r.name === CHECK_NAME && r.head_sha === headSha && (r.app?.id ?? appId) === appId);
  if (!run) return undefined;
  const startedAt = run.started_at ? Date.parse(run.started_at) : NaN;
  return {
    id: Number(run.id),
    status: run.status,
    conclusion: run.conclusion,
    externalId: run.external_id,
    ...(Number.isFinite(startedAt) ? { startedAt } : {}),
  };
}

export async function startCheckRun(
  octokit: Octokit,
  repo: RepoRef,
  pull: { number: number; headSha: string },
  existing: ExistingCheckRun | undefined,
  signal?: AbortSignal,
): Promise<number> {
  const fields = {
    status: "in_progress" as const,
    started_at: new Date().toISOString(),
    output: { title: "Checking rendered specs", summary: "specwarden is reviewing this pull request." },
  };
  if (existing) {
    await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      ...repo,
      check_run_id: existing.id,
      ...fields,
      ...abortable(signal),
    });
    return existing.id;
  }
  const { data } = await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
    ...repo,
    name: CHECK_NAME,
    head_sha: pull.headSha,
    external_id: externalId(pull.number, pull.headSha),
    ...fields,
    ...abortable(signal),
  });
  return Number(data.id);
}

/** Check-run annotations are the report module's, so the CLI's JSON and the app agree. */
export type Annotation = AnnotationData;
export { toAnnotations };

export interface CheckCompletion {
  conclusion: "success" | "failure" | "neutral";
  title: string;
  summary: string;
  text?: string;
  annotations?: Annotation[];
  /** offer the "Apply fix" button */
  offerFix?: boolean;
}

/**
 * Adds a note to the summary, or to the text when the summary is full: never by cutting the
 * summary, whose fenced blocks (the fix patch) must stay whole. Dropped when neither has room.
 */
function withNote<T extends { summary: string; text?: string }>(output: T, note: string): T {
  if (byteLength(output.summary) + byteLength(note) <= CHECK_TEXT_MAX_BYTES) return { ...output, summary: output.summary + note };
  const text = output.text ?? "";
  if (byteLength(text) + byteLength(note) <= CHECK_TEXT_MAX_BYTES) return { ...output, text: `${note.trimStart()}\n\n${text}`.trimEnd() };
  return output;
}

/**
 * Completes the run. GitHub takes at most 50 annotations per request and appends on every update,
 * so the first batch goes with the completion and the rest follow as updates.
 */
export async function completeCheckRun(octokit: Octokit, repo: RepoRef, checkRunId: number, completion: CheckCompletion): Promise<void> {
  await publishCheckRun(octokit, repo, checkRunId, completion);
}

/**
 * Publishes the report on a run that stays in progress: the components a distro-wide change reaches
 * are verified after it (fan-out), and the job that gathers them completes the run.
 */
export async function publishInProgress(octokit: Octokit, repo: RepoRef, checkRunId: number, report: Omit<CheckCompletion, "conclusion" | "offerFix">): Promise<void> {
  await publishCheckRun(octokit, repo, checkRunId, report);
}

async function publishCheckRun(octokit: Octokit, repo: RepoRef, checkRunId: number, completion: Omit<CheckCompletion, "conclusion"> & { conclusion?: CheckCompletion["conclusion"] }): Promise<void> {
  const annotations = (completion.annotations ?? []).slice(0, MAX_ANNOTATIONS);
  const output = {
    title: truncateBytes(completion.title, 1000),
    summary: completion.summary,
    ...(completion.text ? { text: completion.text } : {}),
  };
  const batches: Annotation[][] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  const complete = (withOutput: typeof output, annotations: Annotation[] | undefined) =>
    octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      ...repo,
      check_run_id: checkRunId,
      ...(completion.conclusion
        ? { status: "completed" as const, conclusion: completion.conclusion, completed_at: new Date().toISOString() }
        : { status: "in_progress" as const }),
      output: { ...withOutput, ...(annotations ? { annotations } : {}) },
      ...(completion.offerFix
        ? { actions: [{ label: "Apply fix", description: "Commit the verified fix to this branch", identifier: APPLY_FIX_ACTION }] }
        : { actions: [] }),
    });
  try {
    await complete(output, batches[0]);
  } catch (error) {
    // GitHub rejects the whole update for one annotation it does not accept; the verdict matters
    // more than the line markers, which the summary lists anyway.
    if (httpStatus(error) !== 422 || batches.length === 0) throw error;
    const note = "\n\n_GitHub did not accept the line annotations for this run; the findings above list every location._";
    await complete(withNote(output, note), undefined);
    return;
  }
  for (const batch of batches.slice(1)) {
    await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      ...repo,
      check_run_id: checkRunId,
      output: { ...output, annotations: batch },
    });
  }
}
