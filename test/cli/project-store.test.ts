import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/azldev/index.js";
import type { CliIO } from "../../src/cli/io.js";
import { loadProjectCached } from "../../src/cli/project-store.js";
import { openRepo } from "../../src/repo/index.js";
import { buildFixtureRepos, type FixtureRepos } from "../render/fixture-repos.js";

let fixture: FixtureRepos;
let cache: string;
beforeAll(() => {
  fixture = buildFixtureRepos();
  cache = mkdtempSync(join(tmpdir(), "specwarden-project-store-"));
});
afterAll(() => {
  fixture?.cleanup();
  rmSync(cache, { recursive: true, force: true });
});

const io = (env: Record<string, string> = {}): CliIO => ({ cwd: fixture.root, isTTY: false, env: { SPECWARDEN_CACHE_DIR: cache, ...env }, stdout() {}, stderr() {} });

describe("the command line's project cache", () => {
  it("serves a commit's project from disk, equal to a fresh load; a damaged entry is ignored and replaced", async () => {
    const repo = await openRepo(fixture.projectDir, "HEAD");
    try {
      const fresh = await loadProject(repo);
      const first = await loadProjectCached(repo, io());
      const entries = readdirSync(join(cache, "projects")).filter((name) => /^[0-9a-f]{64}\.v8$/.test(name));
      expect(entries).toHaveLength(1);
      const second = await loadProjectCached(repo, io());
      for (const loaded of [first, second]) {
        expect([...loaded.components.keys()]).toEqual([...fresh.components.keys()]);
        expect([...loaded.components.values()].map((c) => c.fingerprint)).toEqual([...fresh.components.values()].map((c) => c.fingerprint));
        expect(loaded.errors).toEqual(fresh.errors);
        expect(loaded.settings).toEqual(fresh.settings);
      }
      writeFileSync(join(cache, "projects", entries[0] as string), "not a project");
      const third = await loadProjectCached(repo, io());
      expect([...third.components.keys()]).toEqual([...fresh.components.keys()]);
      // switched off, nothing is read or written
      rmSync(join(cache, "projects"), { recursive: true });
      await loadProjectCached(repo, io({ SPECWARDEN_PROJECT_CACHE: "0" }));
      expect(() => readdirSync(join(cache, "projects"))).toThrow();
    } finally {
      await repo.close?.();
    }
  });

  it("never caches a working tree", async () => {
    const repo = await openRepo(fixture.projectDir);
    const other = mkdtempSync(join(tmpdir(), "specwarden-project-store-wt-"));
    try {
      await loadProjectCached(repo, { ...io(), env: { SPECWARDEN_CACHE_DIR: other } });
      expect(readdirSync(other)).toEqual([]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
