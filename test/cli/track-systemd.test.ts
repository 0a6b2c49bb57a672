/**
 * `specwarden track` on a distro repository carrying systemd's seven inherited patches, against a
 * systemd-like upstream built with git and served by a fake GitHub API: the API alone, a local clone
 * with the API, and the clone offline.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { fakeIO } from "../tracking/helpers.js";
import type { FakeGitHub } from "../tracking/fake-github-api.js";
import type { SystemdUpstream } from "../tracking/systemd-fixture.js";
import { systemdScenario, type SystemdScenario } from "../tracking/systemd-scenario.js";

let root: string;
let upstream: SystemdUpstream;
let api: FakeGitHub;
let distro: string;

let scenario: SystemdScenario | undefined;

beforeAll(async () => {
  scenario = await systemdScenario("specwarden-track-systemd-");
  ({ root, upstream, distro, api } = scenario);
}, 60_000);
afterAll(async () => {
  await scenario?.close();
});

interface Output {
  verdicts: { file: string; verdict: string; rung: string; dropFrom?: string; releases?: { version: string; stream: string }[]; evidence: { rung: string; summary: string }[] }[];
  upstreamRequests?: { requests: number; notModified: number };
}

async function run(args: string[]): Promise<Output> {
  const io = fakeIO(distro);
  expect(await main(["track", "--json", ...args], io), io.err).toBe(0);
  return JSON.parse(io.out) as Output;
}

const byFile = (o: Output) => new Map(o.verdicts.map((v) => [v.file, v]));

describe("specwarden track on systemd's inherited patches", () => {
  it("--upstream-git with the API reachable: the API's verdicts plus content evidence; offline, the clone still finds the squashed series at 258.7 and 259", async () => {
    const alone = byFile(await run(["--github-api-url", api.url]));
    const withClone = await run(["--github-api-url", api.url, "--upstream-git", upstream.root]);
    const both = byFile(withClone);
    for (const [file, v] of alone) {
      if (v.verdict === "unknown") continue;
      expect([file, both.get(file)?.verdict, both.get(file)?.dropFrom]).toEqual([file, v.verdict, v.dropFrom]);
    }
    expect(alone.get("38922.patch")).toMatchObject({ verdict: "merged-unreleased", dropFrom: "258.7" });
    expect(both.get("38922.patch")?.evidence.some((e) => e.rung === "c" && /whole series/.test(e.summary))).toBe(true);
    // the clone answered history: the API was asked for pull request state and commits the clone lacks
    expect(withClone.upstreamRequests?.requests).toBeLessThanOrEqual(6);

    const offline = byFile(await run(["--offline", "--upstream-git", upstream.root]));
    expect(offline.get("38922.patch")).toMatchObject({ verdict: "merged-unreleased", rung: "c", dropFrom: "258.7" });
    // at the stable backport and at the first mainline release (not its release candidate)
    expect(offline.get("38922.patch")?.releases?.map((r) => [r.version, r.stream])).toEqual([
      ["258.7", "stable:258"],
      ["259", "main"],
    ]);
    expect(offline.get("38922.patch")?.evidence.some((e) => /not known here: no forge API was asked \(offline\)/.test(e.summary))).toBe(true);
    // --offline alone: no clone, no API, and it says so
    const nothing = byFile(await run(["--offline"]));
    expect(nothing.get("38922.patch")).toMatchObject({ verdict: "unknown" });
  });

  it("prints the upstream request count", async () => {
    const io = fakeIO(distro);
    expect(await main(["track", "--github-api-url", api.url], io)).toBe(0);
    expect(io.err).toMatch(/specwarden track: \d+ upstream API requests/);
    expect(io.out).toContain("systemd/38922.patch [inherited, rung b] merged upstream — droppable from 258.7");
  });
});
