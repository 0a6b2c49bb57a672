/**
 * Entry points for hosting the app: `runServer` is Probot's own server (what `specwarden serve`
 * runs); `createMiddleware` embeds the webhook endpoint in any Node HTTP server or framework.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createNodeMiddleware, createProbot, run, type Server } from "probot";
import { specwardenApp, type SpecwardenAppOptions } from "./app.js";
import { SpecwardenOctokit } from "./octokit-defaults.js";

/** Starts Probot's server configured from `env` (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST, …). */
export function runServer(env: NodeJS.ProcessEnv, options: SpecwardenAppOptions = {}): Promise<Server> {
  return run(specwardenApp(options), { env, Octokit: SpecwardenOctokit });
}

export type NodeMiddleware = (request: IncomingMessage, response: ServerResponse, next?: (err?: Error) => void) => boolean | void | Promise<void | boolean>;

/** The webhook endpoint (default path /api/github/webhooks) as Node middleware, configured from `env`. */
export function createMiddleware(env: NodeJS.ProcessEnv, options: SpecwardenAppOptions & { webhooksPath?: string } = {}): Promise<NodeMiddleware> {
  const probot = createProbot({ env, overrides: { Octokit: SpecwardenOctokit } });
  return createNodeMiddleware(specwardenApp(options), { probot, ...(options.webhooksPath ? { webhooksPath: options.webhooksPath } : {}) });
}
