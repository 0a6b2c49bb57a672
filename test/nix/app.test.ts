/**
 * The GitHub App on a Nix repository: the same check run, sticky comment and review as for azldev
 * repositories, from the real default engine, with upstream history from a git-built clone.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { STICKY_MARKER } from "../../src/github/markdown.js";
import { trackRepository } from "../../src/github/tracking/index.js";
import { localGitForge } from "../../src/tracking/index.js";
import { ContentPacer } from "../../src/github/tracking/pacer.js";
import { createHarness } from "../github/harness.js";
import { fakeClock, trackingGitHub } from "../github-tracking/setup.js";
import { NIX_CONFIG, NIX_DEMO_BUMP, NIX_PACKAGES } from "./fixtures.js";
import { onedriveHistory } from "./upstream-git.js";

function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full).split("\\").join("/")] = readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return out;
}

const BOT = "specwarden[bot]";
let upstream: string;
beforeAll(() => {
  upstream = mkdtempSync(join(tmpdir(), "specwarden-nix-app-"));
  onedriveHistory(upstream);
});
afterAll(() => rmSync(upstream, { recursive: true, force: true }));

describe("the app on a Nix pull request", () => {
  it("publishes a passing check run, one sticky comment and the suggestion that drops the backport", async () => {
    const github = new FakeGitHub({ owner: "nix", repo: "pkgs" });
    const baseFiles = filesOf(NIX_PACKAGES);
    const base = github.commit(baseFiles, { branch: "main" });
    const head = github.commit({ ...baseFiles, ...filesOf(NIX_DEMO_BUMP) }, { parents: [base] });
    github.openPull({ number: 3, base, head, headRef: "onedrive-2.5.4" });
    const harness = await createHarness(undefined, github, { upstreamForge: localGitForge(upstream) });
    await harness.deliver("pull_request", github.pullRequestPayload(3, "opened"));
    expect(harness.outcomes.map((o) => [o.status, o.conclusion])).toEqual([["published", "success"]]);
    const run = github.checkRuns[0]!;
    expect(run.output.summary).toContain("No patch or workaround in this change is broken or obsolete");
    expect(run.annotations).toEqual([expect.objectContaining({ path: "pkgs/by-name/on/onedrive/package.nix", start_line: 26, annotation_level: "warning" })]);
    expect(run.annotations[0].message).toMatch(/already in v2\.5\.4/);
    const sticky = github.comments.filter((c) => c.body.startsWith(STICKY_MARKER));
    expect(sticky).toHaveLength(1);
    // the patch lines lie outside the diff's hunks, where GitHub takes no review comment: the
    // suggestion is in the sticky comment instead
    expect(sticky[0]!.body).toContain("drop this patch: already in 2.5.4");
    expect(sticky[0]!.body).toContain("suggestion: delete lines 25–29");
  });

  it("tracks a NixOS configuration: a dashboard and one issue per workaround, offline", async () => {
    const env = trackingGitHub("tracking: true\n", filesOf(NIX_CONFIG));
    const summary = await trackRepository(env.octokit, { owner: "azl", repo: "distro" }, { botLogin: BOT, headSha: env.head, defaultBranch: "main", offline: true, pacer: new ContentPacer({ clock: fakeClock() }) });
    expect(summary.status).toBe("tracked");
    expect(summary.patches).toBe(6);
    expect(summary.verdicts).toMatchObject({ inactive: 1, "fixed-elsewhere": 1 });
    const titles = env.issues.issues.map((i) => i.title).sort();
    expect(titles.some((t) => /routy\/systemd\.services\.fixup-run-private/.test(t))).toBe(true);
    expect(titles.filter((t) => !/dashboard/i.test(t))).toHaveLength(6);
  });
});
