/**
 * The authenticated HTTP route schedulers call (a GitHub Actions cron, any cron):
 * `POST /specwarden/track` with `Authorization: Bearer <token>` and a JSON body
 * `{"repository": "owner/name"}`. Answers 202 at once and sweeps in the background, or waits and
 * answers with the sweep's summary when the query has `wait=1`.
 */
import { timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RepoRef } from "../octokit.js";
import type { TrackingSummary } from "./track-repository.js";

export interface TrackingRouteOptions {
  /** the shared secret; without one the route answers 503 (disabled) */
  token: string | undefined;
  path?: string;
  /** `wait`: the caller waits for the sweep's summary (`?wait=1`); otherwise enqueuing is enough */
  run: (repo: RepoRef, wait?: boolean) => Promise<TrackingSummary>;
  log?: { error(obj: object | string, msg?: string): void };
  maxBodyBytes?: number;
}

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export const TRACKING_ROUTE = "/specwarden/track";

function send(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(`${JSON.stringify(body)}\n`);
  return true;
}

function sameSecret(given: string, expected: string): boolean {
  // compare digests so the comparison does not leak the length
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** A Node/Probot `addHandler` handler: returns false for requests that are not for this route. */
export function createTrackingRoute(options: TrackingRouteOptions): NodeHandler {
  const path = options.path ?? TRACKING_ROUTE;
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== path) return false;
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return send(res, 405, { error: "use POST" });
    }
    if (!options.token) return send(res, 503, { error: "the tracking route is disabled: set SPECWARDEN_TRACKING_TOKEN" });
    const auth = req.headers.authorization ?? "";
    const given = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    if (!given || !sameSecret(given, options.token)) {
      res.setHeader("www-authenticate", 'Bearer realm="specwarden"');
      return send(res, 401, { error: "missing or wrong bearer token" });
    }
    let repository: unknown;
    try {
      // behind Express with a body parser the stream is already read: use the parsed body
      const parsed = (req as IncomingMessage & { body?: unknown }).body;
      const text = parsed === undefined ? await readBody(req, options.maxBodyBytes ?? 16 * 1024) : typeof parsed === "string" ? parsed : JSON.stringify(parsed ?? {});
      repository = text.trim() && text.trim() !== "{}" ? (JSON.parse(text) as { repository?: unknown }).repository : url.searchParams.get("repository");
    } catch (error) {
      return send(res, 400, { error: `bad request body: ${error instanceof Error ? error.message : String(error)}` });
    }
    const m = typeof repository === "string" ? /^([A-Za-z0-9][A-Za-z0-9-]{0,38})\/((?!\.\.?$)[A-Za-z0-9_.-]{1,100})$/.exec(repository) : null;
    if (!m) return send(res, 400, { error: 'the body must be {"repository": "owner/name"}' });
    const repo: RepoRef = { owner: m[1] as string, repo: m[2] as string };
    const wait = ["1", "true"].includes(url.searchParams.get("wait") ?? "");
    const run = options.run(repo, wait);
    if (!wait) {
      run.catch((error: unknown) => options.log?.error({ err: error, repository }, "specwarden tracking sweep failed"));
      return send(res, 202, { accepted: `${repo.owner}/${repo.repo}` });
    }
    try {
      const summary = await run;
      return send(res, summary.status === "invalid-config" ? 422 : 200, summary);
    } catch (error) {
      options.log?.error({ err: error, repository }, "specwarden tracking sweep failed");
      const status = (error as { status?: number }).status;
      return send(res, status === 404 ? 404 : 502, { error: error instanceof Error ? error.message : String(error) });
    }
  };
}
