import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ProbotOctokit } from "probot";
import { FakeGitHub, type Files } from "../../src/github/fake-github.js";
import type { Octokit } from "../../src/github/octokit.js";
import { FIXTURE_DISTRO } from "../tracking/helpers.js";
import { FakeIssues } from "./fake-issues.js";

export function fixtureFiles(): Files {
  const files: Files = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else files[relative(FIXTURE_DISTRO, full)] = readFileSync(full, "utf8");
    }
  };
  walk(FIXTURE_DISTRO);
  return files;
}

export const TRACKING_CONFIG = "tracking:\n  drop-pull-requests: true\n";

export function trackingGitHub(config = TRACKING_CONFIG, files: Files = fixtureFiles()) {
  const github = new FakeGitHub();
  const head = github.commit({ ...files, ".github/specwarden.yml": config }, { branch: "main", message: "distro" });
  const issues = new FakeIssues(github);
  const octokit = new ProbotOctokit({
    auth: { token: "ghs_test" },
    request: { fetch: issues.fetch },
    retry: { enabled: false },
    throttle: { enabled: false },
  } as never) as unknown as Octokit;
  return { github, issues, octokit, head };
}

/** A clock whose sleeps pass instantly. */
export function fakeClock(start = Date.parse("2026-03-01T00:00:00Z")) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}
