import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/commands/serve.js";
import { UsageError, type CliIO } from "../../src/cli/io.js";
import { upstreamFromEnv } from "../../src/github/server.js";
import { DirectoryUpstream, DistGitUpstream } from "../../src/upstream/index.js";

function io(): CliIO & { out: string[] } {
  const out: string[] = [];
  return { out, stdout: (t) => void out.push(t), stderr: (t) => void out.push(t), cwd: process.cwd(), isTTY: false, env: {} };
}

describe("specwarden serve", () => {
  it("documents its environment", async () => {
    const cli = io();
    expect(await run(["--help"], cli)).toBe(0);
    for (const name of ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET", "GHE_HOST", "GHE_PROTOCOL", "REDIS_URL", "WEBHOOK_PROXY_URL", "HOST"]) {
      expect(cli.out.join("")).toContain(name);
    }
  });

  it("takes its configuration from the environment, not arguments", async () => {
    await expect(run(["--port", "3000"], io())).rejects.toBeInstanceOf(UsageError);
  });
});

describe("the upstream the server reviews with", () => {
  it("comes from the environment: dist-git with a cache, a directory of trees, or none", () => {
    expect(upstreamFromEnv({})).toBeUndefined();
    const distGit = upstreamFromEnv({ SPECWARDEN_DIST_GIT_CACHE: "/var/cache/specwarden/dist-git", SPECWARDEN_DIST_GIT_CACHE_BYTES: "1073741824" });
    expect(distGit).toBeInstanceOf(DistGitUpstream);
    expect(distGit!.description).toBe("dist-git (cache /var/cache/specwarden/dist-git)");
    expect(upstreamFromEnv({ SPECWARDEN_UPSTREAM_DIR: "/srv/upstream" })).toBeInstanceOf(DirectoryUpstream);
  });

  it("refuses an ambiguous or malformed setting instead of guessing", () => {
    expect(() => upstreamFromEnv({ SPECWARDEN_UPSTREAM_DIR: "/srv/upstream", SPECWARDEN_DIST_GIT_CACHE: "/tmp/c" })).toThrow(/not both/);
    expect(() => upstreamFromEnv({ SPECWARDEN_DIST_GIT_CACHE: "/tmp/c", SPECWARDEN_DIST_GIT_CACHE_BYTES: "2G" })).toThrow(/positive number of bytes/);
  });

  it("clones dist-git over https only: the URL comes from the repository under review", async () => {
    const upstream = upstreamFromEnv({ SPECWARDEN_DIST_GIT_CACHE: "/tmp/specwarden-test-never-created" }) as DistGitUpstream;
    const request = {
      component: "systemd",
      upstreamName: "systemd",
      distro: { name: "fedora", distGitBaseUri: "file:///etc/$pkg", lookasideBaseUri: "https://src.fedoraproject.org/repo/pkgs" },
      version: { name: "43", distGitBranch: "f43" },
    };
    await expect(upstream.fetch(request as never)).rejects.toThrow(/scheme file, which is not allowed/);
    expect(upstream.stats.clones).toBe(0);
  });
});
