/**
 * Fan-out of a distro-wide change: the components the review folded into one `render-deferred`
 * finding (a snapshot date, a project or group default reaching thousands of components) are
 * verified one batch per job — re-rendered and compared with the committed files — and a parent job
 * gathers the batches into the same check run. While the batches run, the check run's summary shows
 * how many components are verified, updated at a bounded rate. A batch that fails for good leaves its
 * components unverified; it never fails the whole check.
 */
import { loadProject } from "../azldev/index.js";
import type { Coordination, JobContext } from "../queue/types.js";
import type { ComponentVerdict, Finding } from "../review/types.js";
import { verifyComponents, type VerifiedComponents } from "../review/verify-components.js";
import type { UpstreamSource } from "../upstream/types.js";
import type { PullTarget } from "./check-pull-request.js";
import { octokitGitReader } from "./git-reader.js";
import { pullKey } from "./jobs.js";
import { escapeMarkdown } from "./markdown.js";
import type { Octokit } from "./octokit.js";
import { GitHubRepoView, sharedCaches, type GitHubCaches } from "./repo-view.js";

/** Components per verification job. */
export const BATCH_SIZE = 50;
/** The summary's progress line is rewritten at most this often. */
export const PROGRESS_INTERVAL_MS = 5_000;
const MARKER = "<!-- specwarden:fan-out -->";

export interface VerifyBatch {
  installationId: number;
  pull: PullTarget;
  checkRunId: number;
  flow: string;
  total: number;
  components: string[];
}

export interface AggregateJob {
  installationId: number;
  pull: PullTarget;
  checkRunId: number;
  flow: string;
  total: number;
  /** component names per batch job id, to name the ones a failed batch leaves unverified */
  batches: Record<string, string[]>;
}

export const flowId = (pull: PullTarget): string => `${pullKey(pull)}@${pull.headSha}`;

/** Enqueues the verification of deferred components: one child per batch, one parent. */
export async function enqueueFanOut(coordination: Coordination, job: { installationId: number; pull: PullTarget; checkRunId: number }, components: string[], batchSize = BATCH_SIZE): Promise<void> {
  const flow = flowId(job.pull);
  const children: { kind: "verify"; id: string; data: VerifyBatch }[] = [];
  const batches: Record<string, string[]> = {};
  for (let i = 0; i < components.length; i += batchSize) {
    const slice = components.slice(i, i + batchSize);
    const id = `verify:${flow}/${i / batchSize}`;
    batches[id] = slice;
    children.push({ kind: "verify", id, data: { ...job, flow, total: components.length, components: slice } });
  }
  await coordination.queue.enqueueFlow({ parent: { kind: "aggregate", id: `aggregate:${flow}`, data: { ...job, flow, total: components.length, batches } satisfies AggregateJob }, children });
}

/** Replaces (or appends) the fan-out section of the check run's summary. */
async function rewriteSummary(octokit: Octokit, pull: PullTarget, checkRunId: number, section: string, extra: { conclusion?: string } = {}): Promise<void> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...pull.repo, check_run_id: checkRunId });
  const output = (data as { output?: { title?: string | null; summary?: string | null } }).output ?? {};
  const summary = output.summary ?? "";
  const before = summary.includes(MARKER) ? summary.slice(0, summary.indexOf(MARKER)).trimEnd() : summary;
  const next = `${before}\n\n${MARKER}\n${section}`;
  await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
    ...pull.repo,
    check_run_id: checkRunId,
    ...(extra.conclusion ? { status: "completed", conclusion: extra.conclusion } : {}),
    output: { title: output.title ?? "specwarden", summary: next.length > 65_000 ? `${next.slice(0, 64_900)}\n\n_(cut to fit)_` : next },
  } as never);
}

export interface FanOutDeps {
  octokitFor(installationId: number): Promise<Octokit>;
  upstream?: UpstreamSource;
  caches?: GitHubCaches;
}

/** A batch: re-render and compare its components at the head; count them; show progress now and then. */
export function verifyBatchHandler(coordination: Coordination, deps: FanOutDeps) {
  return async (batch: VerifyBatch, context: JobContext): Promise<VerifiedComponents> => {
    const octokit = await deps.octokitFor(batch.installationId);
    const reader = octokitGitReader(octokit, batch.pull.repo, context.signal);
    const head = new GitHubRepoView({ ...batch.pull.repo, commitSha: batch.pull.headSha, reader, caches: deps.caches ?? sharedCaches });
    const project = await loadProject(head);
    const verified = await verifyComponents({ project, repo: head, names: batch.components, signal: context.signal, ...(deps.upstream ? { upstream: deps.upstream } : {}) });
    const done = await coordination.counters.incrBy(`fan-out:${batch.flow}`, batch.components.length);
    if (done < batch.total && (await coordination.counters.claim(`fan-out-progress:${batch.flow}`, PROGRESS_INTERVAL_MS))) {
      await rewriteSummary(octokit, batch.pull, batch.checkRunId, `### Components the change reaches\n\n${done.toLocaleString("en-US")} / ${batch.total.toLocaleString("en-US")} components verified…`);
    }
    return verified;
  };
}

/** The parent: every batch's verdicts into the one check run. */
export function aggregateHandler(deps: FanOutDeps) {
  return async (job: AggregateJob, context: JobContext): Promise<{ clean: number; drift: number; unverified: number }> => {
    const { results, failed } = await context.children();
    const components: ComponentVerdict[] = [];
    const findings: Finding[] = [];
    for (const r of results as VerifiedComponents[]) {
      components.push(...(r?.components ?? []));
      findings.push(...(r?.findings ?? []));
    }
    for (const id of failed) for (const name of job.batches[id] ?? []) components.push({ name, status: "unverified", reason: "its verification job failed after retries" });
    const count = (s: ComponentVerdict["status"]) => components.filter((c) => c.status === s).length;
    const drift = components.filter((c) => c.status === "drift" || c.status === "failed");
    const unverified = components.filter((c) => c.status === "unverified");
    const list = (items: ComponentVerdict[], max = 30) => items.slice(0, max).map((c) => `- \`${escapeMarkdown(c.name)}\`${c.reason ? ` — ${escapeMarkdown(c.reason)}` : ""}`).join("\n") + (items.length > max ? `\n- … and ${items.length - max} more` : "");
    const section = [
      "### Components the change reaches",
      "",
      `${components.length.toLocaleString("en-US")} / ${job.total.toLocaleString("en-US")} components verified one by one: ${count("clean")} clean, ${drift.length} not re-rendered, ${unverified.length} unverified.`,
      ...(drift.length ? ["", "**Not what their comps produce (re-render them):**", list(drift)] : []),
      ...(unverified.length ? ["", "**Not verified:**", list(unverified)] : []),
    ].join("\n");
    const octokit = await deps.octokitFor(job.installationId);
    await rewriteSummary(octokit, job.pull, job.checkRunId, section, drift.length ? { conclusion: "failure" } : {});
    return { clean: count("clean"), drift: drift.length, unverified: unverified.length };
  };
}
