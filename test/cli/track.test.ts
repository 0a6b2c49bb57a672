import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { FIXTURE_DISTRO, fakeIO } from "../tracking/helpers.js";
import { trackingGitHub } from "../github-tracking/setup.js";

let upstream: string;
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: "Up Stream", GIT_AUTHOR_EMAIL: "up@example.org", GIT_COMMITTER_NAME: "Up Stream", GIT_COMMITTER_EMAIL: "up@example.org", GIT_CONFIG_NOSYSTEM: "1", HOME: "/nonexistent" };

beforeAll(() => {
  // a local clone of example/unitd whose v258.4 already carries the firmware path fix
  upstream = mkdtempSync(join(tmpdir(), "specwarden-upstream-"));
  const repo = join(upstream, "example", "unitd");
  mkdirSync(join(repo, "src/firmware"), { recursive: true });
  mkdirSync(join(repo, "tmpfiles.d"), { recursive: true });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, env: gitEnv });
  git("init", "-q", "-b", "main");
  writeFileSync(join(repo, "src/firmware/load.c"), 'int firmware_load(void) {\n\treturn load("/lib/firmware");\n}\n');
  writeFileSync(join(repo, "tmpfiles.d/unitd.conf"), "# runtime state\nd /run/unitd 0755 root root -\n");
  git("add", "-A");
  git("commit", "-q", "-m", "258.3");
  git("tag", "v258.3");
  writeFileSync(join(repo, "src/firmware/load.c"), 'int firmware_load(void) {\n\treturn load("/usr/lib/firmware");\n}\n');
  git("commit", "-q", "-am", "firmware: use /usr/lib/firmware");
  git("tag", "v258.4");
});

afterAll(() => {
  if (upstream) rmSync(upstream, { recursive: true, force: true });
});

describe("specwarden track", () => {
  it("offline: decides from the spec, metadata and removal criteria", async () => {
    const io = fakeIO(FIXTURE_DISTRO);
    expect(await main(["track", "--offline", "--json"], io)).toBe(0);
    const out = JSON.parse(io.out) as { verdicts: { file: string; verdict: string; rung: string; droppable: boolean }[]; counts: Record<string, number> };
    const byFile = Object.fromEntries(out.verdicts.map((v) => [v.file, v]));
    expect(byFile["26.patch"]).toMatchObject({ verdict: "inactive", rung: "spec", droppable: true });
    expect(byFile["unitd-tmpfiles-label.patch"]).toMatchObject({ verdict: "fixed-elsewhere", rung: "f", droppable: true });
    expect(byFile["unitd-x86-firmware.patch"]).toMatchObject({ verdict: "unknown" });
    expect(out.counts).toEqual({ inactive: 1, "fixed-elsewhere": 1, unknown: 6 });
  });

  it("uses local upstream clones for tags and reverse-apply (--upstream-git)", async () => {
    const io = fakeIO(FIXTURE_DISTRO);
    expect(await main(["track", "--offline", "--upstream-git", upstream, "--component", "unitd"], io)).toBe(0);
    expect(io.out).toContain("unitd/unitd-x86-firmware.patch [inherited, rung d] released upstream — droppable at 258.4: upstream v258.4 already contains the whole change (packaged 258.4)");
    expect(io.out).toContain("unitd/unitd-tmpfiles-label.patch [distro, rung f] fixed elsewhere — the drop condition is met");
    expect(io.err).toContain("dry run — nothing written");
  });

  it("writes issues only with --write, a token and --github-repo", async () => {
    const noRepo = fakeIO(FIXTURE_DISTRO, { GITHUB_TOKEN: "t" });
    expect(await main(["track", "--offline", "--write"], noRepo)).toBe(2);
    expect(noRepo.err).toContain("--write needs --github-repo OWNER/NAME");
    const noToken = fakeIO(FIXTURE_DISTRO);
    expect(await main(["track", "--offline", "--write", "--github-repo", "azl/distro"], noToken)).toBe(2);
    expect(noToken.err).toContain("GITHUB_TOKEN");

    const env = trackingGitHub("tracking: {}\n");
    const realFetch = globalThis.fetch;
    globalThis.fetch = env.issues.fetch as typeof fetch;
    try {
      const io = fakeIO(FIXTURE_DISTRO, { GITHUB_TOKEN: "ghp_test" });
      expect(await main(["track", "--offline", "--write", "--github-repo", "azl/distro"], io)).toBe(0);
      expect(io.err).toMatch(/azl\/distro: 3 issues created, 0 updated, 0 comments, 0 closed; dashboard created/);
      const again = fakeIO(FIXTURE_DISTRO, { GITHUB_TOKEN: "ghp_test" });
      expect(await main(["track", "--offline", "--write", "--github-repo", "azl/distro"], again)).toBe(0);
      expect(again.err).toMatch(/0 issues created, 0 updated, 0 comments, 0 closed; dashboard unchanged/);
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(env.issues.issues).toHaveLength(4);
    expect(env.github.calls.every((c) => !c.path.includes("/search"))).toBe(true);
  });
});
