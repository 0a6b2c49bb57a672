import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/commands/serve.js";
import { UsageError, type CliIO } from "../../src/cli/io.js";

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
