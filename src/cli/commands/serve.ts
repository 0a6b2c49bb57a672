import { coordinationFromEnv } from "../../queue/index.js";
import { runServer, runWorker } from "../../github/index.js";
import { UsageError, type CliIO } from "../io.js";

const HELP = `usage: specwarden serve [--no-workers]

Runs the specwarden GitHub App (Probot): the webhook server and, unless --no-workers (or
SPECWARDEN_WORKERS=0), the workers that run the jobs its handlers enqueue. --no-workers needs
REDIS_URL: \`specwarden worker\` processes then run the jobs. Configuration comes from the environment:
  APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET   app credentials (required in production)
  PORT (3000), HOST (localhost; 0.0.0.0 in containers), WEBHOOK_PATH (/api/github/webhooks)
  WEBHOOK_PROXY_URL      receive webhooks through a smee.io channel during development
  GHE_HOST, GHE_PROTOCOL GitHub Enterprise Server host and protocol (https)
  REDIS_URL              BullMQ job queues, locks and shared rate-limit state for several replicas
                         and worker processes (without it: an in-process queue, one machine)
  SPECWARDEN_QUEUE_PREFIX     key prefix in Redis (specwarden)
  SPECWARDEN_WORKERS=0        this process only receives webhooks and enqueues; \`specwarden worker\`s run the jobs
  SPECWARDEN_CHECK_CONCURRENCY   checks run at once per process (4)
  SPECWARDEN_VERIFY_CONCURRENCY  fan-out batches run at once per process (2)
  SPECWARDEN_FAN_OUT_ABOVE       a change reaching more components than this only through a shared
                                 default fans out: one verification job per batch (200; needs an upstream)
  SPECWARDEN_FAN_OUT_BATCH       components per verification job (50)
  SPECWARDEN_SHUTDOWN_TIMEOUT    seconds running jobs get to finish on SIGTERM (25); then they are
                                 handed back to the queue (Redis) or end neutral (in process)
  LOG_LEVEL, LOG_FORMAT=json
  SPECWARDEN_DIST_GIT_CACHE   clone upstream dist-git (https only) into this directory, so that
                              components needing a full re-render are verified
  SPECWARDEN_DIST_GIT_CACHE_BYTES  size cap of that cache (2 GiB)
  SPECWARDEN_UPSTREAM_DIR     serve upstream trees from DIR/<upstream-name>/ instead of cloning
  SPECWARDEN_TRACKING_TOKEN   bearer secret of the tracking cron route (/specwarden/track)
  SPECWARDEN_TRACKING_OFFLINE=1   patch tracking without upstream API queries (local clones still answer)
  SPECWARDEN_UPSTREAM_TOKEN   token for upstream GitHub reads when the installation token is not used
  SPECWARDEN_GITHUB_API_URL   GitHub API root for upstream reads (GitHub Enterprise, a caching proxy)
  SPECWARDEN_UPSTREAM_GIT     local upstream clones (DIR/<owner>/<repo>): history questions and
                              content searches are answered there, pull request state by the API
GET /healthz answers whether the queue back end is reachable, the queue depths and the oldest
waiting job. On SIGTERM the server stops taking webhooks and running jobs finish (see
SPECWARDEN_SHUTDOWN_TIMEOUT) before exit.
Without APP_ID and a private key (outside production) it starts the setup page that registers the
app from app.yml. See docs/deploy.md.
`;

const WORKER_HELP = `usage: specwarden worker

Runs check and tracking workers on the shared Redis queues, without an HTTP server: scale them
independently of the webhook replicas (\`serve\` with SPECWARDEN_WORKERS=0). Needs REDIS_URL and the
app credentials (APP_ID, PRIVATE_KEY); the other variables are those of \`specwarden serve\`.
On SIGTERM it stops taking jobs and lets the running ones finish within SPECWARDEN_SHUTDOWN_TIMEOUT
seconds (25); past it they go back to the queue for another worker.
`;

/** Seconds running jobs get on SIGTERM (SPECWARDEN_SHUTDOWN_TIMEOUT, default 25: under Kubernetes' 30 s grace). */
export function shutdownTimeoutMs(env: NodeJS.ProcessEnv): number {
  const raw = env["SPECWARDEN_SHUTDOWN_TIMEOUT"]?.trim();
  if (!raw) return 25_000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`SPECWARDEN_SHUTDOWN_TIMEOUT must be a number of seconds, got ${JSON.stringify(raw)}`);
  return seconds * 1000;
}

/** On SIGTERM/SIGINT: stop taking work, let running jobs finish (bounded), then exit with the signal. */
function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const stop = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    void close().finally(() => process.kill(process.pid, signal));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

export async function run(args: string[], io: CliIO): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(HELP);
    return 0;
  }
  const unexpected = args.find((a) => a !== "--no-workers");
  if (unexpected !== undefined) throw new UsageError(`unexpected argument '${unexpected}' (serve is configured through the environment)`);
  const env = args.includes("--no-workers") ? { ...io.env, SPECWARDEN_WORKERS: "0" } : io.env;
  if (env["SPECWARDEN_WORKERS"] === "0" && !env["REDIS_URL"]?.trim()) {
    throw new UsageError("without REDIS_URL the jobs run in this process: --no-workers (SPECWARDEN_WORKERS=0) needs REDIS_URL and `specwarden worker` processes");
  }
  const timeoutMs = shutdownTimeoutMs(env);
  const coordination = coordinationFromEnv(env);
  const server = await runServer(env, { coordination });
  onShutdown(async () => {
    // no new webhooks first, then the jobs this process runs
    await server.stop().catch(() => undefined);
    await coordination.close({ graceful: true, timeoutMs });
  });
  return 0;
}

export async function runWorkerCommand(args: string[], io: CliIO): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(WORKER_HELP);
    return 0;
  }
  if (args.length > 0) throw new UsageError(`unexpected argument '${args[0]}' (worker is configured through the environment)`);
  if (!io.env["REDIS_URL"]?.trim()) throw new UsageError("specwarden worker needs REDIS_URL: the jobs come from the shared queues");
  const timeoutMs = shutdownTimeoutMs(io.env);
  const worker = await runWorker(io.env);
  onShutdown(() => worker.close({ timeoutMs }));
  io.stderr("specwarden worker: running check, fan-out and tracking jobs\n");
  return 0;
}
