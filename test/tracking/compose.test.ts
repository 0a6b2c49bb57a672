import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { combineForges, ForgeError, localGitForge, memoryForge, type UpstreamForge } from "../../src/tracking/index.js";
import { isPreRelease } from "../../src/tracking/verdicts.js";
import { HistoryBuilder } from "../nix/upstream-git.js";

let root: string;
let merged: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "specwarden-compose-"));
  const h = new HistoryBuilder(join(root, "example", "tool"));
  h.commit("start", { "a.c": "int a;\n" });
  h.tag("v1.0");
  merged = h.commit("fix (#7)", { "a.c": "int a = 1;\n" });
  h.tag("v1.1");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const project = { forge: "github" as const, host: "github.com", path: "example/tool" };

describe("forges composed by question", () => {
  it("a local clone answers containment and tags; the API still answers pull request and issue state", async () => {
    const api = memoryForge({
      "github.com/example/tool": { commits: {}, refs: {}, changes: { 7: { url: "https://github.com/example/tool/pull/7", state: "merged", mergeCommit: merged } } },
    });
    const issues: UpstreamForge = { ...api, description: "issues", issue: async () => ({ url: "https://github.com/example/tool/issues/3", state: "closed" }) };
    const forge = combineForges([localGitForge(root), issues]);
    expect(await forge.change(project, 7)).toMatchObject({ state: "merged" });
    expect(await forge.issue?.(project, 3)).toMatchObject({ state: "closed" });
    expect(await forge.contains(project, "v1.1", merged)).toBe(true);
    expect(await forge.contains(project, "v1.0", merged)).toBe(false);
    expect((await forge.tags(project)).sort()).toEqual(["v1.0", "v1.1"]);
    // the local clone answered: the API was asked only for the pull request
    expect(api.calls).toEqual(["change example/tool#7"]);
  });

  it("a failing forge is skipped; when none answers the failure is reported", async () => {
    const broken: UpstreamForge = {
      description: "down",
      supports: () => true,
      change: async () => {
        throw new ForgeError("HTTP 503");
      },
      contains: async () => {
        throw new ForgeError("HTTP 503");
      },
      tags: async () => [],
      readFile: async () => undefined,
    };
    const forge = combineForges([broken, localGitForge(root)]);
    expect(await forge.contains(project, "v1.1", merged)).toBe(true);
    await expect(forge.change(project, 7)).rejects.toThrow("HTTP 503");
  });

  it("tells release candidates from releases", () => {
    for (const v of ["259~rc1", "259-rc1", "2.0.0-beta.2", "1.0a1", "3.0pre1", "1.2.3-dev"]) expect(isPreRelease(v), v).toBe(true);
    for (const v of ["259", "258.4", "2.5.4", "1.0", "20240101", "3.11.7"]) expect(isPreRelease(v), v).toBe(false);
  });
});

describe("conditional requests", () => {
  it("a second sweep asks with If-None-Match and reuses the answer on 304", async () => {
    const { githubForge, ConditionalCache } = await import("../../src/tracking/index.js");
    const seen: (string | undefined)[] = [];
    const fetch = async (_url: string, init?: { headers?: Record<string, string> }) => {
      const tag = init?.headers?.["if-none-match"];
      seen.push(tag);
      const body = JSON.stringify({ html_url: "https://github.com/o/r/pull/1", state: "open", title: "x" });
      return {
        status: tag === '"v1"' ? 304 : 200,
        ok: tag !== '"v1"',
        headers: { get: (n: string) => (n.toLowerCase() === "etag" ? '"v1"' : null) },
        text: async () => (tag === '"v1"' ? "" : body),
        json: async () => JSON.parse(body),
      };
    };
    const cache = new ConditionalCache();
    const project = { forge: "github" as const, host: "github.com", path: "o/r" };
    const first = await githubForge({ fetch, conditionalCache: cache }).change(project, 1);
    const second = await githubForge({ fetch, conditionalCache: cache }).change(project, 1);
    expect(first).toEqual(second);
    expect(second).toMatchObject({ state: "open" });
    expect(seen).toEqual([undefined, '"v1"']);
    expect(cache.hits).toBe(1);
  });
});
