/**
 * The Octokit class the server runs with: Probot's throttling and retry plugins stay on, but a
 * rate-limited request is retried a bounded number of times instead of forever, so a webhook
 * handler always ends (and its check run is ended neutral) rather than hanging.
 */
import { ProbotOctokit } from "probot";

export const GITHUB_API_VERSION = "2022-11-28";
const RATE_LIMIT_RETRIES = 2;

interface ThrottledRequest {
  method: string;
  url: string;
  request: { retryCount: number };
}

export const SpecwardenOctokit: typeof ProbotOctokit = ProbotOctokit.defaults({
  headers: { "x-github-api-version": GITHUB_API_VERSION },
  retry: { retries: 3 },
  throttle: {
    onRateLimit: (retryAfter: number, options: ThrottledRequest, octokit: { log: { warn(msg: string): void } }) => {
      octokit.log.warn(`rate limit hit on ${options.method} ${options.url}; retry ${options.request.retryCount + 1} in ${retryAfter}s`);
      return options.request.retryCount < RATE_LIMIT_RETRIES;
    },
    onSecondaryRateLimit: (retryAfter: number, options: ThrottledRequest, octokit: { log: { warn(msg: string): void } }) => {
      octokit.log.warn(`secondary rate limit hit on ${options.method} ${options.url}; retry ${options.request.retryCount + 1} in ${retryAfter}s`);
      return options.request.retryCount < RATE_LIMIT_RETRIES;
    },
  },
});
