import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliIO } from "../../src/cli/io.js";

function captureIO(): CliIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
    cwd: process.cwd(),
    isTTY: false,
    env: {},
  };
  return io;
}

const PATCH = "0001-core-set-SYSTEMD_NSS_DYNAMIC_BYPASS-1-for-generators.patch";

describe("specwarden demo", () => {
  beforeEach(() => {
    // the demo must not touch the network
    vi.stubGlobal("fetch", () => Promise.reject(new Error("network used by the demo")));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("prints the review of the embedded PR: failure, both findings on the spec lines, the verified fix", async () => {
    const io = captureIO();
    const code = await main(["demo"], io);
    expect(io.err).toBe("");
    expect(code).toBe(0);
    const md = io.out;
    expect(md).toMatch(/^## ❌ This pull request edits generated output or leaves it stale/);
    expect(md).toContain("| systemd | drift | unchanged |");
    expect(md).toContain("`vendored-patch-in-rendered-tree` **specs/s/systemd/0001-core-set-SYSTEMD\\_NSS\\_DYNAMIC\\_BYPASS-1-for-generators.patch**");
    expect(md).toMatch(/`rendered-file-edited` \*\*specs\/s\/systemd\/systemd\.spec:88-91\*\* — hand-written `Patch:` line/);
    expect(md).toMatch(/`rendered-file-edited` \*\*specs\/s\/systemd\/systemd\.spec:196\*\*/);
    expect(md).toContain("### Fix (verified by re-rendering)");
    expect(md).toContain(`+++ b/base/comps/systemd/${PATCH}`);
    expect(md).toContain('+type = "patch-add"');
    expect(md).toContain(`+Patch4: ${PATCH}`);
  });

  it("--json prints the same review as JSON", async () => {
    const io = captureIO();
    expect(await main(["demo", "--json"], io)).toBe(0);
    const doc = JSON.parse(io.out);
    expect(doc.verdict).toBe("failure");
    expect(doc.findings.filter((f: { level: string }) => f.level === "failure").map((f: { rule: string }) => f.rule)).toEqual([
      "vendored-patch-in-rendered-tree",
      "rendered-file-edited",
      "rendered-file-edited",
    ]);
    expect(doc.fix.verified).toBe(true);
  });

  it("rejects unknown options with exit status 2", async () => {
    const io = captureIO();
    expect(await main(["demo", "--frobnicate"], io)).toBe(2);
    expect(io.err).toContain("unknown option '--frobnicate'");
  });
});
