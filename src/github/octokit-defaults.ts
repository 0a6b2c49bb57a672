/**
 * The Octokit class the server runs with. Probot keeps its throttling plugin on and supplies the
 * rate-limit policy (a primary rate limit is retried three times, then the request fails; a secondary
 * limit is logged, not retried; with REDIS_URL the pacing is shared between replicas). On top of
 * that: an explicit API version on every request, and a bounded number of retries for 5xx answers,
 * so a webhook handler always ends — and ends its check run neutral — instead of hanging.
 */
import { ProbotOctokit } from "probot";

export const GITHUB_API_VERSION = "2022-11-28";

// Octokit has no constructor option for default headers; a request hook is the supported way.
function apiVersionPlugin(octokit: { hook: { before(name: "request", hook: (options: { headers: Record<string, unknown> }) => void): void } }): void {
  octokit.hook.before("request", (options) => {
    options.headers["x-github-api-version"] ??= GITHUB_API_VERSION;
  });
}

export const SpecwardenOctokit: typeof ProbotOctokit = ProbotOctokit.plugin(apiVersionPlugin as never).defaults({
  retry: { retries: 2 },
});
