import { describe, expect, it } from "vitest";
import { ContentPacer, IssueStore, parseTrackingConfig, reconcileIssues } from "../../src/github/tracking/index.js";
import type { PatchVerdict, VerdictKind } from "../../src/tracking/index.js";
import { fakeClock, trackingGitHub } from "./setup.js";

describe("ContentPacer", () => {
  it("grants at most perMinute requests in any 60 s window, in call order", async () => {
    const clock = fakeClock(0);
    const pacer = new ContentPacer({ perMinute: 80, perHour: 10_000, clock });
    const times: number[] = [];
    await Promise.all(Array.from({ length: 200 }, () => pacer.take().then(() => times.push(clock.now()))));
    expect(times).toHaveLength(200);
    expect(times.slice(0, 80).every((t) => t === 0)).toBe(true);
    expect(times[80]).toBe(60_000);
    expect(times[160]).toBe(120_000);
    for (let k = 80; k < times.length; k++) expect((times[k] as number) - (times[k - 80] as number)).toBeGreaterThanOrEqual(60_000);
  });

  it("also keeps an hourly budget", async () => {
    const clock = fakeClock(0);
    const pacer = new ContentPacer({ perMinute: 1000, perHour: 100, clock });
    for (let k = 0; k < 100; k++) await pacer.take();
    expect(clock.now()).toBe(0);
    await pacer.take();
    expect(clock.now()).toBe(3_600_000);
    expect(pacer.waitedMs).toBe(3_600_000);
  });

  it("defaults stay below GitHub's 80 per minute and 500 per hour", () => {
    const pacer = new ContentPacer();
    expect(pacer.perMinute).toBeLessThanOrEqual(80);
    expect(pacer.perHour).toBeLessThanOrEqual(500);
  });
});

function syntheticVerdicts(n: number): PatchVerdict[] {
  const kinds: VerdictKind[] = ["released", "merged-unreleased", "declined", "fixed-elsewhere", "unknown", "inactive"];
  return Array.from({ length: n }, (_, k) => {
    const component = `pkg${String(Math.floor(k / 5)).padStart(3, "0")}`;
    const file = `fix-${k}.patch`;
    const verdict = kinds[k % kinds.length] as VerdictKind;
    return {
      key: `${component}|distro|${file}`,
      component,
      file,
      origin: "distro",
      verdict,
      rung: verdict === "inactive" ? "spec" : "f",
      reason: `synthetic ${verdict}`,
      droppable: verdict === "released" || verdict === "inactive",
      packagedVersion: "1.0",
      evidence: [{ rung: "f", summary: `evidence for ${file}` }],
      links: [`https://github.com/example/${component}/pull/${k}`],
      criteria: [],
      conflicts: [],
      drop: { summary: `Remove the patch-add overlay for ${file}.`, overlays: [], files: [`base/comps/${component}/${file}`] },
      actionable: true,
      wiring: "patch-add",
    } satisfies PatchVerdict;
  });
}

describe("500 patches within the secondary rate limits", () => {
  it("reconciles 500 distro patches at ≤ 80 content-creating requests per minute, and a rerun writes nothing", async () => {
    const env = trackingGitHub();
    const clock = fakeClock();
    const pacer = new ContentPacer({ clock });
    const writeTimes: number[] = [];
    const store = new IssueStore(env.octokit, { owner: "azl", repo: "distro" }, pacer);
    const watched = env.github.calls;
    const config = { ...parseTrackingConfig({}) };
    const verdicts = syntheticVerdicts(500);
    const countBefore = watched.length;
    // record the fake time of every write as it is sent
    const origPush = watched.push.bind(watched);
    watched.push = (...items) => {
      for (const c of items) if (c.method !== "GET") writeTimes.push(clock.now());
      return origPush(...items);
    };
    const summary = await reconcileIssues(store, { verdicts, config, botLogin: "specwarden[bot]" });
    expect(summary.created).toHaveLength(500);
    expect(summary.dashboard?.action).toBe("created");
    expect(env.issues.issues).toHaveLength(501);
    expect(writeTimes).toHaveLength(503); // 2 labels, 500 issues, 1 dashboard
    for (let k = 0; k < writeTimes.length; k++) {
      const inMinute = writeTimes.filter((t) => t > (writeTimes[k] as number) - 60_000 && t <= (writeTimes[k] as number)).length;
      expect(inMinute).toBeLessThanOrEqual(80);
      const inHour = writeTimes.filter((t) => t > (writeTimes[k] as number) - 3_600_000 && t <= (writeTimes[k] as number)).length;
      expect(inHour).toBeLessThanOrEqual(500);
    }
    // every listing page was used: 500 issues need 5 pages and no search
    expect(watched.slice(countBefore).some((c) => c.path.includes("/search"))).toBe(false);

    const again = await reconcileIssues(store, { verdicts, config, botLogin: "specwarden[bot]" });
    expect(again.created).toEqual([]);
    expect(again.updated).toEqual([]);
    expect(again.commented).toEqual([]);
    expect(again.unchanged).toBe(500);
    expect(env.issues.issues).toHaveLength(501);
    const listCalls = watched.filter((c) => c.method === "GET" && c.path === "/repos/azl/distro/issues" && c.query.labels === "specwarden:upstream-tracking");
    expect(listCalls.some((c) => c.query.page === "5")).toBe(true);
  });
});
