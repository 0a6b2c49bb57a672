import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { FIXTURE_DISTRO, fakeIO } from "../tracking/helpers.js";

let root: string;
let repo: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "specwarden-inventory-store-"));
  repo = join(root, "distro");
  cpSync(FIXTURE_DISTRO, repo, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e.org", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e.org" } });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "fixture");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function patches(cache: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const io = fakeIO(repo, { SPECWARDEN_CACHE_DIR: cache, ...env });
  expect(await main(["patches", "--json", ...args], io)).toBe(0);
  return io.out;
}

const inventoryFiles = (cache: string): string[] => {
  try {
    return readdirSync(join(cache, "inventory"));
  } catch {
    return [];
  }
};

describe("the command line's inventory records", () => {
  it("are kept for a git revision and give the same output; a damaged file is ignored and replaced", async () => {
    const cache = join(root, "cache");
    const uncached = await patches(cache, ["--repo", repo, "--ref", "HEAD"], { SPECWARDEN_PROJECT_CACHE: "0" });
    expect(inventoryFiles(cache)).toEqual([]);
    expect(await patches(cache, ["--repo", repo, "--ref", "HEAD"])).toBe(uncached);
    const files = inventoryFiles(cache);
    expect(files).toHaveLength(1);
    expect(await patches(cache, ["--repo", repo, "--ref", "HEAD"])).toBe(uncached);
    writeFileSync(join(cache, "inventory", files[0] as string), "not records");
    expect(await patches(cache, ["--repo", repo, "--ref", "HEAD"])).toBe(uncached);
    expect(await patches(cache, ["--repo", repo, "--ref", "HEAD"])).toBe(uncached);
  });

  it("are never kept for a working tree", async () => {
    const cache = join(root, "working-tree-cache");
    await patches(cache, ["--repo", repo]);
    expect(inventoryFiles(cache)).toEqual([]);
  });
});
