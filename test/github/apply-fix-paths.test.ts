import { describe, expect, it } from "vitest";
import { applyFix } from "../../src/github/apply-fix.js";
import { combinedDiff } from "../../src/review/patch-text.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("the app's fix commit: paths", () => {
  it("keeps systemd's escaped unit names (a backslash is a file name character)", async () => {
    const path = "base/comps/systemd/run-vmblock\\x2dfuse.mount";
    const patch = combinedDiff([{ path, after: enc("[Mount]\n") }]);
    expect([...(await applyFix(patch, async () => undefined)).keys()]).toEqual([path]);
  });

  it("refuses traversal, absolute paths and writes into .git", async () => {
    const write = (path: string) => `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+x\n`;
    await expect(applyFix(write("../outside"), async () => undefined)).rejects.toThrow();
    await expect(applyFix(write("sub/.git/config"), async () => undefined)).rejects.toThrow(/\.git/);
    await expect(applyFix(write(".git/hooks/post-checkout"), async () => undefined)).rejects.toThrow(/\.git/);
    await expect(applyFix(`--- /dev/null\n+++ /etc/passwd\n@@ -0,0 +1 @@\n+x\n`, async () => undefined)).rejects.toThrow();
  });
});
