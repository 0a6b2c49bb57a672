/**
 * Fan-out of a distro-wide change: the components the review folded into one `render-deferred`
 * finding (a snapshot date, a project or group default reaching thousands of components) are
 * verified one batch per job — re-rendered and compared with the committed files — and a parent job
 * gathers the batches into the same check run, which stays in progress until then. While the batches
 * run, the summary shows how many components are verified, rewritten at a bounded rate. A batch that
 * fails for good (after its retries) leaves its components unverified; it never fails the whole check.
 *
 * Every write happens under the pull request's lock, fenced, and only while this flow still owns the
 * check run: a newer head ends it neutral as superseded, a recheck of the same head takes it over.
 */
import { loadProject } from "../azldev/index.js";
import type { Coordination, JobContext } from "../queue/types.js";
import { LockTimeoutError } from "../queue/types.js";
import type { RepoView } from "../repo/types.js";
import { applyPolicy, type Conclusion } from "../review/policy.js";
import { sharedProjectCache } from "../review/project-cache.js";
import type { ComponentVerdict, Finding } from "../review/types.js";
import { verifyComponents, type VerifiedComponents } from "../review/verify-components.js";
import type { UpstreamSource } from "../upstream/types.js";
import type { LogSink, PendingFanOut, PullTarget } from "./check-pull-request.js";
import { completeCheckRun } from "./checks.js";
import { fanOutResultSection, withFanOutProgress, withFanOutSection } from "./fan-out-summary.js";
import { octokitGitReader } from "./git-reader.js";
import { fenceWrites, pullKey } from "./jobs.js";
import type { Octokit } from "./octokit.js";
import { GitHubRepoView, sharedCaches, type GitHubCaches } from "./repo-view.js";

/** Components per verification job. */
export const BATCH_SIZE = 50;
/** The summary's progress line is rewritten at most this often. */
export const PROGRESS_INTERVAL_MS = 5_000;

interface FlowTarget {
  installationId: number;
  pull: PullTarget;
  checkRunId: number;
  /** this fan-out's id: the check job's, so a retried check joins its flow and a recheck starts another */
  flow: string;
}

export interface VerifyBatch extends FlowTarget {
  total: number;
  components: string[];
}

export interface AggregateJob extends FlowTarget, Omit<PendingFanOut, "components"> {
  total: number;
  /** component names per batch job id, to name the ones a failed batch leaves unverified */
  batches: Record<string, string[]>;
}

/** The register that says which flow owns a pull request's check run (the newest one started). */
const ownerKey = (pull: PullTarget): string => `fan-out-owner:${pullKey(pull)}`;

/** Enqueues the verification of the deferred components: one child per batch, one parent. */
export async function enqueueFanOut(coordination: Coordination, target: FlowTarget, pending: PendingFanOut, batchSize = BATCH_SIZE): Promise<void> {
  const { components, ...rest } = pending;
  await coordination.heads.set(ownerKey(target.pull), target.flow);
  const children: { kind: "verify"; id: string; data: VerifyBatch }[] = [];
  const batches: Record<string, string[]> = {};
  for (let i = 0; i < components.length; i += batchSize) {
    const slice = components.slice(i, i + batchSize);
    const id = `verify:${target.flow}/${i / batchSize}`;
    batches[id] = slice;
    children.push({ kind: "verify", id, data: { ...target, total: components.length, components: slice } });
  }
  const parent: AggregateJob = { ...target, ...rest, total: components.length, batches };
  await coordination.queue.enqueueFlow({ parent: { kind: "aggregate", id: `aggregate:${target.flow}`, data: parent }, children });
}

type Ownership = { state: "owner" } | { state: "superseded"; newerHeadSha: string } | { state: "replaced" };

/** Whether this flow may still write to its check run. */
async function ownership(coordination: Coordination, target: FlowTarget): Promise<Ownership> {
  const newest = await coordination.heads.get(pullKey(target.pull));
  if (newest && newest !== target.pull.headSha) return { state: "superseded", newerHeadSha: newest };
  const owner = await coordination.heads.get(ownerKey(target.pull));
  return owner && owner !== target.flow ? { state: "replaced" } : { state: "owner" };
}

export interface FanOutDeps {
  octokitFor(installationId: number): Promise<Octokit>;
  /** the repository at the head (default: GitHub's trees and blobs through the installation) */
  headView?(batch: VerifyBatch, octokit: Octokit, signal: AbortSignal): RepoView;
  upstream?: UpstreamSource;
  caches?: GitHubCaches;
  log?: LogSink;
  /** how many components of a batch render at once (default: verifyComponents') */
  renderConcurrency?: number;
}

interface CheckRunOutput {
  status: string;
  title: string;
  summary: string;
  text?: string;
}

async function readCheckRun(octokit: Octokit, target: FlowTarget): Promise<CheckRunOutput> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", { ...target.pull.repo, check_run_id: target.checkRunId });
  const run = data as { status: string; output?: { title?: string | null; summary?: string | null; text?: string | null } };
  return { status: run.status, title: run.output?.title ?? "specwarden", summary: run.output?.summary ?? "", ...(run.output?.text ? { text: run.output.text } : {}) };
}

/** A batch: re-render and compare its components at the head; count them; show progress now and then. */
export function verifyBatchHandler(coordination: Coordination, deps: FanOutDeps) {
  return async (batch: VerifyBatch, context: JobContext): Promise<VerifiedComponents & { skipped?: boolean }> => {
    // a flow that no longer owns its check run has nobody to report to
    if ((await ownership(coordination, batch)).state !== "owner") return { components: [], findings: [], skipped: true };
    const octokit = await deps.octokitFor(batch.installationId);
    const head =
      deps.headView?.(batch, octokit, context.signal) ??
      new GitHubRepoView({ ...batch.pull.repo, commitSha: batch.pull.headSha, reader: octokitGitReader(octokit, batch.pull.repo, context.signal), caches: deps.caches ?? sharedCaches });
    const project = await sharedProjectCache.get(head, loadProject);
    const verified = await verifyComponents({
      project,
      repo: head,
      names: batch.components,
      signal: context.signal,
      ...(deps.upstream ? { upstream: deps.upstream } : {}),
      ...(deps.renderConcurrency ? { concurrency: deps.renderConcurrency } : {}),
    });
    const done = await coordination.counters.incrBy(`fan-out:${batch.flow}`, batch.components.length);
    if (done < batch.total && (await coordination.counters.claim(`fan-out-progress:${batch.flow}`, PROGRESS_INTERVAL_MS))) {
      await showProgress(coordination, octokit, batch, done).catch((error: unknown) => deps.log?.warn({ err: error, flow: batch.flow }, "fan-out progress not shown"));
    }
    return verified;
  };
}

/** Rewrites the progress line, unless the run is busy (another writer holds the lock) or no longer ours. */
async function showProgress(coordination: Coordination, octokit: Octokit, batch: VerifyBatch, done: number): Promise<void> {
  try {
    await coordination.locks.withLock(
      `pull:${pullKey(batch.pull)}`,
      async (fence) => {
        if ((await ownership(coordination, batch)).state !== "owner") return;
        const fenced = fenceWrites(octokit, () => fence.assertHeld());
        const run = await readCheckRun(fenced, batch);
        if (run.status === "completed") return;
        await fenced.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
          ...batch.pull.repo,
          check_run_id: batch.checkRunId,
          output: { title: run.title, summary: withFanOutProgress(run.summary, done, batch.total), ...(run.text ? { text: run.text } : {}) },
        } as never);
      },
      { waitMs: 2_000, ttlMs: 30_000 },
    );
  } catch (error) {
    // progress is a courtesy: a busy lock means someone is writing the run right now
    if (!(error instanceof LockTimeoutError)) throw error;
  }
}

const RANK: Record<Conclusion, number> = { success: 0, neutral: 1, failure: 2 };
const worst = (a: Conclusion, b: Conclusion): Conclusion => (RANK[a] >= RANK[b] ? a : b);

/** Every batch's verdicts, with the components of batches that failed for good as unverified. */
export function gatherVerdicts(job: Pick<AggregateJob, "batches">, children: { results: unknown[]; failed: string[] }): { components: ComponentVerdict[]; findings: Finding[] } {
  const components: ComponentVerdict[] = [];
  const findings: Finding[] = [];
  for (const r of children.results as (VerifiedComponents | undefined)[]) {
    for (const c of r?.components ?? []) components.push(c);
    for (const f of r?.findings ?? []) findings.push(f);
  }
  for (const id of children.failed) {
    for (const name of job.batches[id] ?? []) components.push({ name, status: "unverified", reason: "its verification job failed after its retries" });
  }
  return { components, findings };
}

export interface AggregateOutcome {
  status: "completed" | "superseded" | "replaced";
  conclusion?: Conclusion;
  clean?: number;
  drift?: number;
  unverified?: number;
}

/** The parent: every batch's verdicts into the one check run, which it completes. */
export function aggregateHandler(coordination: Coordination, deps: FanOutDeps) {
  return async (job: AggregateJob, context: JobContext): Promise<AggregateOutcome> => {
    const children = await context.children();
    return coordination.locks.withLock(`pull:${pullKey(job.pull)}`, async (fence) => {
      const owner = await ownership(coordination, job);
      // a recheck of this head started its own flow, which completes the run
      if (owner.state === "replaced") return { status: "replaced" };
      const octokit = fenceWrites(await deps.octokitFor(job.installationId), () => fence.assertHeld());
      const run = await readCheckRun(octokit, job);
      if (owner.state === "superseded") {
        if (run.status !== "completed") {
          await completeCheckRun(octokit, job.pull.repo, job.checkRunId, {
            conclusion: "neutral",
            title: "Superseded by a newer commit",
            summary: `## ⚪ Superseded by a newer run on this pull request (${owner.newerHeadSha.slice(0, 7)}); the verification of the components this change reaches was dropped.\n\nComment \`/specwarden recheck\` to run it again.`,
          });
        }
        return { status: "superseded" };
      }
      const { components, findings } = gatherVerdicts(job, children);
      const unverified = components.filter((c) => c.status === "unverified").length;
      const drift = components.filter((c) => c.status === "drift" || c.status === "failed").length;
      const policy = applyPolicy({ verdict: unverified > 0 ? "neutral" : "success", components, findings }, job.policy);
      const conclusion = worst(job.conclusion, policy.conclusion);
      const failing = policy.findings.filter((f) => f.level === "failure").length;
      const title = conclusion === job.conclusion || failing === 0 ? job.title : `${job.title}; ${failing} component(s) not re-rendered`;
      await completeCheckRun(octokit, job.pull.repo, job.checkRunId, {
        conclusion,
        title,
        summary: withFanOutSection(run.summary, fanOutResultSection({ total: job.total, components })),
        ...(run.text ? { text: run.text } : {}),
        offerFix: job.offerFix,
      });
      return { status: "completed", conclusion, clean: components.length - drift - unverified, drift, unverified };
    });
  };
}
