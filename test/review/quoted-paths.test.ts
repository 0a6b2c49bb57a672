import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { combinedDiff, gitQuotedPath } from "../../src/review/patch-text.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("paths in fix diffs", () => {
  it("are C-quoted exactly as git quotes them", () => {
    expect(gitQuotedPath("a/plain.patch")).toBe("a/plain.patch");
    expect(gitQuotedPath("a/tab\there")).toBe('"a/tab\\there"');
    expect(gitQuotedPath("a/new\nline")).toBe('"a/new\\nline"');
    expect(gitQuotedPath('a/q"uote\\')).toBe('"a/q\\"uote\\\\"');
    expect(gitQuotedPath("a/é")).toBe('"a/\\303\\251"');
  });

  it("git apply creates files whose names hold a newline, a tab or non-ASCII, and nothing else", () => {
    const dir = mkdtempSync(join(tmpdir(), "specwarden-quoted-"));
    try {
      execFileSync("git", ["init", "-q"], { cwd: dir });
      const names = ["base/comps/x/evil\n+++ b/etc/passwd.patch", "base/comps/x/tab\tname.patch", "base/comps/x/naïve.patch"];
      const patch = combinedDiff(names.map((path) => ({ path, after: enc(`content of ${path.length}\n`) })));
      writeFileSync(join(dir, "fix.patch"), patch);
      execFileSync("git", ["apply", "fix.patch"], { cwd: dir });
      for (const name of names) expect(readFileSync(join(dir, name), "utf8")).toBe(`content of ${name.length}\n`);
      const listed = execFileSync("git", ["ls-files", "--others", "-z", "--exclude=fix.patch"], { cwd: dir, encoding: "utf8" }).split("\0").filter(Boolean).sort();
      expect(listed).toEqual([...names].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
