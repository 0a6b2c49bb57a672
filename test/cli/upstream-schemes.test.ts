import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { runRender } from "../../src/cli/commands/render.js";
import { buildFixtureRepos, type FixtureRepos } from "../render/fixture-repos.js";

/**
 * The repository under review names its dist-git (dist-git-base-uri). From the command line as in
 * the app, only https is fetched: a `file://` URI could copy a private local repository into the
 * rendered output. A local mirror is read only when the user asks for it.
 */

let fixture: FixtureRepos;
let cache: string;
beforeAll(() => {
  fixture = buildFixtureRepos();
  cache = mkdtempSync(join(tmpdir(), "specwarden-scheme-cache-"));
});
afterAll(() => {
  fixture?.cleanup();
  rmSync(cache, { recursive: true, force: true });
});

function io(env: Record<string, string> = {}): CliIO & { out: string; err: string } {
  const sink = {
    out: "",
    err: "",
    cwd: fixture.root,
    isTTY: false,
    env: { SPECWARDEN_CACHE_DIR: cache, ...env },
    stdout(text: string) {
      sink.out += text;
    },
    stderr(text: string) {
      sink.err += text;
    },
  };
  return sink;
}

describe("dist-git schemes on the command line", () => {
  it("a file:// dist-git-base-uri is refused by default: not verified, and says how to allow it", async () => {
    const sink = io();
    expect(await runRender(["--repo", fixture.projectDir, "--check", "widget"], sink)).toBe(2);
    expect(sink.err).toContain("widget: not verified");
    expect(sink.err).toContain("uses the scheme file, which is not allowed (allowed: https)");
    expect(sink.err).toContain("--allow-local-upstream");
  });

  it("--allow-local-upstream (or SPECWARDEN_ALLOW_LOCAL_UPSTREAM=1) reads the local mirror", async () => {
    const flag = io();
    expect(await runRender(["--repo", fixture.projectDir, "--check", "--allow-local-upstream", "widget"], flag)).not.toBe(2);
    expect(flag.err).not.toContain("not allowed");
    const env = io({ SPECWARDEN_ALLOW_LOCAL_UPSTREAM: "1" });
    expect(await runRender(["--repo", fixture.projectDir, "--check", "widget"], env)).not.toBe(2);
    expect(env.err).not.toContain("not allowed");
  });
});
