import { runServer } from "../../github/index.js";
import { UsageError, type CliIO } from "../io.js";

const HELP = `usage: specwarden serve

Runs the specwarden GitHub App (Probot). Configuration comes from the environment:
  APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET   app credentials (required in production)
  PORT (3000), HOST (localhost; 0.0.0.0 in containers), WEBHOOK_PATH (/api/github/webhooks)
  WEBHOOK_PROXY_URL      receive webhooks through a smee.io channel during development
  GHE_HOST, GHE_PROTOCOL GitHub Enterprise Server host and protocol (https)
  REDIS_URL              share rate-limit state between replicas
  LOG_LEVEL, LOG_FORMAT=json
  SPECWARDEN_DIST_GIT_CACHE   clone upstream dist-git (https only) into this directory, so that
                              components needing a full re-render are verified
  SPECWARDEN_DIST_GIT_CACHE_BYTES  size cap of that cache (2 GiB)
  SPECWARDEN_UPSTREAM_DIR     serve upstream trees from DIR/<upstream-name>/ instead of cloning
  SPECWARDEN_TRACKING_TOKEN   bearer secret of the tracking cron route (/specwarden/track)
  SPECWARDEN_TRACKING_OFFLINE=1   patch tracking without upstream queries
  SPECWARDEN_UPSTREAM_TOKEN   token for upstream GitHub reads when the installation token is not used
Without APP_ID and a private key (outside production) it starts the setup page that registers the
app from app.yml. See docs/deploy.md.
`;

export async function run(args: string[], io: CliIO): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(HELP);
    return 0;
  }
  if (args.length > 0) throw new UsageError(`unexpected argument '${args[0]}' (serve is configured through the environment)`);
  // The server keeps the process alive; Probot handles SIGINT/SIGTERM.
  await runServer(io.env);
  return 0;
}
