/**
 * Upstream tracking in the GitHub App: a sweep on every push to the default branch and on the
 * authenticated cron route. `registerTracking` is what the app loads (see ../app.ts).
 */
import type { Probot } from "probot";
import type { TrackingRegistrationDeps } from "../app.js";
import type { Octokit } from "../octokit.js";
import { createTrackingRoute, TRACKING_ROUTE } from "./route.js";
import { inProcessCoordination } from "../../queue/in-process.js";
import { enqueueTrack, fenceWrites, logged, rateLimitedBy, trackJobHandler, trackJobId, type RunTrack, type TrackJob } from "../jobs.js";
import { ContentPacer } from "./pacer.js";
import { trackRepository, type TrackingSummary, type TrackRepositoryOptions } from "./track-repository.js";

export { parseTrackingConfig, TrackingConfigError, DEFAULT_TRACKING, type TrackingConfig, type PerPatchIssues } from "./config.js";
export { ContentPacer, systemClock, type Clock, type PacerOptions } from "./pacer.js";
export { IssueStore, type TrackedIssue } from "./issues.js";
export { reconcileIssues, type ReconcileInput, type ReconcileSummary } from "./reconcile.js";
export { renderDashboard, renderPatchIssue, patchIssueState, patchIssueTitle, transitionComment, verdictHeadline, SECTION_TITLES, BODY_LIMIT } from "./render.js";
export { DASHBOARD_MARKER, patchMarker, readPatchMarker, encodeState, readState, type PatchIssueState, type DashboardState } from "./state.js";
export { planDropEdits, pushDropPull, removeTomlOverlay, dropBranchName, type FileEdit } from "./drop-pull.js";
export { trackRepository, defaultForge, type TrackRepositoryOptions, type TrackingSummary } from "./track-repository.js";
export { createTrackingRoute, TRACKING_ROUTE, type TrackingRouteOptions, type NodeHandler } from "./route.js";

export interface RegisterTrackingOptions {
  /** shared secret for the cron route; default env SPECWARDEN_TRACKING_TOKEN */
  routeToken?: string;
  /** options passed to every sweep (forge, pacer, offline …) */
  sweep?: Partial<Omit<TrackRepositoryOptions, "botLogin" | "headSha" | "defaultBranch" | "config">>;
}

/** The installation token, so upstream GitHub reads use the installation's rate limit. */
async function installationToken(octokit: Octokit): Promise<string | undefined> {
  try {
    const auth = (await (octokit.auth as (o: object) => Promise<unknown>)({ type: "installation" })) as { token?: string };
    return auth.token;
  } catch {
    return undefined;
  }
}

export async function registerTracking(app: Probot, deps: TrackingRegistrationDeps, options: RegisterTrackingOptions = {}): Promise<void> {
  let botLogin: Promise<string> | undefined;
  const identity = (): Promise<string> => {
    botLogin ??= (async () => {
      const appOctokit = await app.auth();
      const { data } = await appOctokit.request("GET /app");
      return `${data?.slug ?? "specwarden"}[bot]`;
    })().catch((error: unknown) => {
      botLogin = undefined;
      throw error;
    });
    return botLogin;
  };
  // SPECWARDEN_TRACKING_OFFLINE=1: no upstream calls (air-gapped deployments, tests)
  const offline = options.sweep?.offline ?? process.env.SPECWARDEN_TRACKING_OFFLINE === "1";
  const sweepOptions = async (octokit: Octokit) => ({
    ...options.sweep,
    offline,
    readConfig: deps.readConfig,
    botLogin: await identity(),
    ...(options.sweep?.forge || offline ? {} : { upstreamToken: (await installationToken(octokit)) ?? process.env.SPECWARDEN_UPSTREAM_TOKEN }),
  });

  const coordination = deps.coordination ?? inProcessCoordination();
  const octokitFor = async (job: TrackJob): Promise<Octokit> => {
    let installationId = job.installationId;
    if (installationId === undefined) {
      const appOctokit = await app.auth();
      const { data } = await appOctokit.request("GET /repos/{owner}/{repo}/installation", { ...job.repo });
      installationId = data.id;
    }
    return (await app.auth(installationId)) as unknown as Octokit;
  };
  const sweep: RunTrack = async (job, run) => {
    // every issue write proves first that this sweep still holds the repository's lock
    const octokit = fenceWrites(await octokitFor(job), () => run.fence.assertHeld());
    // GitHub's content limits hold per installation: every worker takes its write slots from one window
    const pacer = options.sweep?.pacer ?? new ContentPacer({ shared: { rates: coordination.rates, key: `content:${job.installationId ?? `${job.repo.owner}/${job.repo.repo}`.toLowerCase()}` } });
    let summary: TrackingSummary;
    try {
      summary = await trackRepository(octokit, job.repo, { ...(await sweepOptions(octokit)), pacer, ...(job.headSha ? { headSha: job.headSha } : {}), ...(job.defaultBranch ? { defaultBranch: job.defaultBranch } : {}) });
    } catch (error) {
      throw rateLimitedBy(error) ?? error;
    }
    app.log.info({ jobId: trackJobId(job.repo, job.headSha), tracking: summary.status, writes: summary.writes }, "specwarden tracking");
    return summary;
  };
  if (deps.workers !== false) {
    // content-creating requests are paced per sweep; the limiter bounds how many sweeps start at all
    coordination.queue.work("track", logged(app.log, "track", trackJobHandler(coordination, sweep)), { concurrency: deps.trackConcurrency ?? 1, limiter: { max: 10, durationMs: 60_000 } });
  }
  /** Enqueues a sweep (or joins the one there); the caller waits for its summary only when asked to. */
  const submit = async (job: TrackJob, wait: boolean): Promise<TrackingSummary> => {
    const enqueued = await enqueueTrack(coordination, job);
    if (wait) return (await enqueued.finished()) as TrackingSummary;
    return { repository: `${job.repo.owner}/${job.repo.repo}`, status: "tracked", reason: `enqueued as ${enqueued.id}` };
  };

  app.on("push", async (context) => {
    const { payload } = context;
    const defaultBranch = payload.repository.default_branch;
    if (payload.deleted || payload.ref !== `refs/heads/${defaultBranch}`) return;
    const installationId = (payload as { installation?: { id?: number } }).installation?.id;
    const summary = await submit({ repo: context.repo(), headSha: payload.after, defaultBranch, ...(installationId !== undefined ? { installationId } : {}) }, false);
    context.log.info({ tracking: summary.status, writes: summary.writes }, "specwarden tracking");
  });

  const route = createTrackingRoute({
      token: options.routeToken ?? process.env.SPECWARDEN_TRACKING_TOKEN,
      path: TRACKING_ROUTE,
      log: app.log,
      run: (repo, wait) => submit({ repo }, wait ?? true),
    });
  try {
    deps.addHandler(route);
  } catch (error) {
    // Loaded without Probot's server (e.g. as middleware): serve `createTrackingRoute` yourself.
    app.log.warn({ err: error }, "specwarden tracking: no HTTP server to add the cron route to");
  }
}
