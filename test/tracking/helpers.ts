import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CliIO } from "../../src/cli/io.js";
import { loadProject } from "../../src/azldev/index.js";
import { openRepo } from "../../src/repo/index.js";
import { inventory, type InventoryOptions } from "../../src/tracking/index.js";

export const FIXTURE_DISTRO = fileURLToPath(new URL("../../fixtures/tracking/distro", import.meta.url));

export async function fixtureInventory(options: InventoryOptions = {}) {
  const repo = await openRepo(FIXTURE_DISTRO);
  const project = await loadProject(repo);
  const inv = await inventory(project, repo, options);
  return { repo, project, inv };
}

let testCache: string | undefined;

/** A cache directory for the commands a test file runs, removed when its process ends: never the user's. */
export function testCacheDirectory(): string {
  if (!testCache) {
    const dir = mkdtempSync(join(tmpdir(), "specwarden-test-cache-"));
    testCache = dir;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return testCache;
}

/** A CliIO that collects output (for the patches and track commands); its cache directory is the test's. */
export function fakeIO(cwd: string, env: Record<string, string> = {}): CliIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    cwd,
    isTTY: false,
    env: { SPECWARDEN_CACHE_DIR: testCacheDirectory(), ...env },
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}
