import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/commands/serve.js";
import { UsageError, type CliIO } from "../../src/cli/io.js";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { SpecwardenOctokit } from "../../src/github/octokit-defaults.js";
import { createCaches } from "../../src/github/repo-view.js";
import { createMiddleware, runServer, upstreamFromEnv } from "../../src/github/server.js";
import { inProcessCoordination } from "../../src/queue/index.js";
import { DirectoryUpstream, DistGitUpstream } from "../../src/upstream/index.js";
import { demoBase, demoHead } from "./demo-fixture.js";
import { signedDelivery, testPrivateKey } from "./harness.js";

function io(): CliIO & { out: string[] } {
  const out: string[] = [];
  return { out, stdout: (t) => void out.push(t), stderr: (t) => void out.push(t), cwd: process.cwd(), isTTY: false, env: {} };
}

describe("specwarden serve", () => {
  it("documents its environment", async () => {
    const cli = io();
    expect(await run(["--help"], cli)).toBe(0);
    for (const name of ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET", "GHE_HOST", "GHE_PROTOCOL", "REDIS_URL", "WEBHOOK_PROXY_URL", "HOST", "SPECWARDEN_DIST_GIT_CACHE", "SPECWARDEN_UPSTREAM_DIR", "SPECWARDEN_TRACKING_TOKEN"]) {
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

describe("the server `specwarden serve` and `npm start` run", () => {
  it("takes a signed webhook on its port and checks the demo PR with the real engine", { timeout: 60_000 }, async () => {
    const github = new FakeGitHub();
    const base = github.commit(demoBase(), { branch: "main" });
    const head = github.commit(demoHead(), { parents: [base] });
    github.openPull({ number: 7, base, head });
    const port = await freePort();
    const coordination = inProcessCoordination();
    const server = await runServer(
      { APP_ID: String(github.appId), PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: "served-secret", PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "fatal", NODE_ENV: "production" },
      { tracking: false, caches: createCaches(), coordination, Octokit: SpecwardenOctokit.defaults({ request: { fetch: github.fetch } }) },
    );
    try {
      expect((await fetch(`http://127.0.0.1:${port}/ping`)).status).toBe(200);
      const delivery = signedDelivery("pull_request", github.pullRequestPayload(7, "opened"), "served-1", "served-secret");
      const url = `http://127.0.0.1:${port}/api/github/webhooks`;
      const post = (d: typeof delivery) =>
        fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-github-event": d.event, "x-github-delivery": d.id, "x-hub-signature-256": d.signature }, body: d.body });
      const forged = signedDelivery("pull_request", github.pullRequestPayload(7, "opened"), "served-0", "another-secret");
      expect((await post(forged)).status).toBe(400);
      expect(github.calls).toEqual([]);
      expect((await post(delivery)).status).toBe(200);
      await coordination.queue.drained();
      expect(github.checkRuns).toEqual([expect.objectContaining({ head_sha: head, status: "completed", conclusion: "failure" })]);
      expect(github.checkRuns[0]!.output.title).toBe("3 failures");
      // the production client states its API version on every request
      expect(github.calls.filter((c) => c.path.startsWith("/repos/")).every((c) => c.apiVersion === "2022-11-28")).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe("GitHub Enterprise Server from the environment", () => {
  it("sends every API call to https://GHE_HOST/api/v3 (GHE_PROTOCOL picks http for a test instance)", { timeout: 60_000 }, async () => {
    for (const [env, prefix] of [
      [{ GHE_HOST: "github.example.com" }, "https://github.example.com/api/v3/"],
      [{ GHE_HOST: "ghe.test:8080", GHE_PROTOCOL: "http" }, "http://ghe.test:8080/api/v3/"],
    ] as const) {
      const github = new FakeGitHub();
      const base = github.commit(demoBase(), { branch: "main" });
      const head = github.commit(demoHead(), { parents: [base] });
      github.openPull({ number: 7, base, head });
      const urls: string[] = [];
      const fetchRecording = (input: string | URL | Request, init?: RequestInit) => {
        urls.push(String(input instanceof Request ? input.url : input));
        return github.fetch(input, init);
      };
      const coordination = inProcessCoordination();
      const middleware = await createMiddleware(
        { APP_ID: String(github.appId), PRIVATE_KEY: testPrivateKey(), WEBHOOK_SECRET: "ghe-secret", LOG_LEVEL: "fatal", ...env },
        { tracking: false, caches: createCaches(), coordination, Octokit: SpecwardenOctokit.defaults({ request: { fetch: fetchRecording }, throttle: { enabled: false } }) },
      );
      const server = createHttpServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const d = signedDelivery("pull_request", github.pullRequestPayload(7, "opened"), "ghe-1", "ghe-secret");
        const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-github-event": d.event, "x-github-delivery": d.id, "x-hub-signature-256": d.signature },
          body: d.body,
        });
        expect(response.status).toBe(200);
        await coordination.queue.drained();
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      expect(urls.length).toBeGreaterThan(10);
      expect(urls.filter((u) => !u.startsWith(prefix))).toEqual([]);
      expect(github.checkRuns[0]).toMatchObject({ head_sha: head, conclusion: "failure" });
    }
  });
});
