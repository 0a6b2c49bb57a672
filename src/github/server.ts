/**
 * Entry points for hosting the app: `runServer` is Probot's own server (what `specwarden serve`
 * runs); `createMiddleware` embeds the webhook endpoint in any Node HTTP server or framework.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import { createNodeMiddleware, createProbot, run, type ProbotOctokit, type Server } from "probot";
import { directoryUpstream, distGitUpstream } from "../upstream/index.js";
import type { UpstreamSource } from "../upstream/types.js";
import { coordinationFromEnv } from "../queue/index.js";
import type { Coordination, KeyedLock } from "../queue/types.js";
import { specwardenApp, type SpecwardenAppOptions } from "./app.js";
import { SpecwardenOctokit } from "./octokit-defaults.js";

/**
 * Where the app reads upstream (dist-git) trees when a component needs a full re-render:
 * `SPECWARDEN_DIST_GIT_CACHE` clones dist-git into that cache directory (https only: the dist-git
 * URL comes from the repository under review), `SPECWARDEN_UPSTREAM_DIR` serves pre-fetched trees
 * from `DIR/<upstream-name>/`. Without either, such components are reported as not verified.
 */
export function upstreamFromEnv(env: NodeJS.ProcessEnv, locks?: KeyedLock): UpstreamSource | undefined {
  const dir = env.SPECWARDEN_UPSTREAM_DIR?.trim();
  const cache = env.SPECWARDEN_DIST_GIT_CACHE?.trim();
  if (dir && cache) throw new Error("set SPECWARDEN_UPSTREAM_DIR or SPECWARDEN_DIST_GIT_CACHE, not both");
  if (dir) return directoryUpstream(resolve(dir));
  if (!cache) return undefined;
  const bytes = env.SPECWARDEN_DIST_GIT_CACHE_BYTES?.trim();
  const maxCacheBytes = bytes ? Number(bytes) : undefined;
  if (maxCacheBytes !== undefined && !(Number.isSafeInteger(maxCacheBytes) && maxCacheBytes > 0)) {
    throw new Error(`SPECWARDEN_DIST_GIT_CACHE_BYTES must be a positive number of bytes, got ${JSON.stringify(bytes)}`);
  }
  return distGitUpstream({
    cacheDir: resolve(cache),
    allowedSchemes: ["https"],
    ...(maxCacheBytes ? { maxCacheBytes } : {}),
    // with Redis, workers on a host that share the cache directory clone each repository once
    ...(locks ? { sharedLock: <T>(key: string, task: () => Promise<T>) => locks.withLock(key, task, { ttlMs: 120_000, waitMs: 15 * 60_000 }) } : {}),
  });
}

function withUpstream(env: NodeJS.ProcessEnv, options: SpecwardenAppOptions): SpecwardenAppOptions {
  if (options.upstream) return options;
  const upstream = upstreamFromEnv(env, options.coordination?.queue.backend === "redis" ? options.coordination.locks : undefined);
  return upstream ? { ...options, upstream } : options;
}

export interface ServerOptions extends SpecwardenAppOptions {
  /** the Octokit class; `SpecwardenOctokit` (or a `.defaults()` of it) */
  Octokit?: typeof ProbotOctokit;
}

/**
 * The queue back end and whether this process runs workers: BullMQ on `REDIS_URL` when set (in process
 * otherwise), workers unless `SPECWARDEN_WORKERS=0` (webhook-only replicas in front of `specwarden worker`s).
 */
function withCoordination(env: NodeJS.ProcessEnv, options: SpecwardenAppOptions): SpecwardenAppOptions & { coordination: Coordination } {
  const coordination = options.coordination ?? coordinationFromEnv(env);
  const positive = (name: string): number | undefined => {
    const value = Number(env[name] ?? "");
    return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  };
  const check = positive("SPECWARDEN_CHECK_CONCURRENCY");
  const verify = positive("SPECWARDEN_VERIFY_CONCURRENCY");
  const fanOutAbove = positive("SPECWARDEN_FAN_OUT_ABOVE");
  const fanOutBatchSize = positive("SPECWARDEN_FAN_OUT_BATCH");
  return {
    ...(fanOutAbove ? { fanOutAbove } : {}),
    ...(fanOutBatchSize ? { fanOutBatchSize } : {}),
    ...options,
    coordination,
    ...(options.workers === undefined ? { workers: env["SPECWARDEN_WORKERS"] !== "0" } : {}),
    ...(check || verify ? { concurrency: { ...options.concurrency, ...(check ? { check } : {}), ...(verify ? { verify } : {}) } } : {}),
  };
}

/** Starts Probot's server configured from `env` (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST, REDIS_URL, …). */
export function runServer(env: NodeJS.ProcessEnv, options: ServerOptions = {}): Promise<Server> {
  const { Octokit = SpecwardenOctokit, ...appOptions } = options;
  return run(specwardenApp(withUpstream(env, withCoordination(env, appOptions))), { env, Octokit });
}

/**
 * A worker process: no HTTP server, only the check and tracking workers on the shared Redis queues
 * (`REDIS_URL` is required: an in-process queue would receive no jobs).
 */
export async function runWorker(env: NodeJS.ProcessEnv, options: ServerOptions = {}): Promise<{ coordination: Coordination; close(options?: { timeoutMs?: number }): Promise<void> }> {
  if (!env["REDIS_URL"]?.trim() && !options.coordination) throw new Error("specwarden worker needs REDIS_URL: the jobs come from the shared queues");
  const { Octokit = SpecwardenOctokit, ...appOptions } = options;
  const app = withUpstream(env, withCoordination(env, { ...appOptions, workers: true })) as ReturnType<typeof withCoordination>;
  const probot = createProbot({ env, overrides: { Octokit } });
  await probot.load(specwardenApp(app));
  return { coordination: app.coordination, close: (closeOptions = {}) => app.coordination.close({ graceful: true, ...closeOptions }) };
}

export type NodeMiddleware = (request: IncomingMessage, response: ServerResponse, next?: (err?: Error) => void) => boolean | void | Promise<void | boolean>;

/** The webhook endpoint (default path /api/github/webhooks) as Node middleware, configured from `env`. */
export function createMiddleware(env: NodeJS.ProcessEnv, options: ServerOptions & { webhooksPath?: string } = {}): Promise<NodeMiddleware> {
  const { Octokit = SpecwardenOctokit, webhooksPath, ...appOptions } = options;
  const probot = createProbot({ env, overrides: { Octokit } });
  return createNodeMiddleware(specwardenApp(withUpstream(env, withCoordination(env, appOptions))), { probot, ...(webhooksPath ? { webhooksPath } : {}) });
}
