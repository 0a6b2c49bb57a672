import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { patchId, patchIds } from "../../src/tracking/index.js";

let dir: string;
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "Ada Packager",
  GIT_AUTHOR_EMAIL: "ada@example.org",
  GIT_COMMITTER_NAME: "Ada Packager",
  GIT_COMMITTER_EMAIL: "ada@example.org",
  GIT_AUTHOR_DATE: "2026-01-02T03:04:05Z",
  GIT_COMMITTER_DATE: "2026-01-02T03:04:05Z",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: "/nonexistent",
};

function git(args: string[], input?: string | Buffer): Buffer {
  return execFileSync("git", ["-c", "core.autocrlf=false", "-c", "diff.noprefix=false", ...args], { cwd: dir, env, input, maxBuffer: 64 * 1024 * 1024 });
}

function gitPatchIds(input: Buffer | string, flag = "--stable"): { id: string; commit: string }[] {
  const out = git(["patch-id", flag], input).toString("utf8").trim();
  if (!out) return [];
  return out.split("\n").map((line) => {
    const [id, commit] = line.split(" ");
    return { id: id as string, commit: commit as string };
  });
}

function write(path: string, content: string | Buffer): void {
  const full = join(dir, path);
  mkdirSync(join(full, ".."), { recursive: true });
  writeFileSync(full, content);
}

function commit(message: string): string {
  git(["add", "-A"]);
  git(["commit", "-q", "-m", message]);
  return git(["rev-parse", "HEAD"]).toString().trim();
}

const units = (n: number) => Array.from({ length: n }, (_, i) => `unit_${i} = load("unit-${i}.service")\n`).join("");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "specwarden-patchid-"));
  git(["init", "-q", "-b", "main"]);
  write("src/core/main.c", `#include <stdio.h>\n\nint main(void) {\n\tputs("hello");\n\treturn 0;\n}\n`);
  write("units/meson.build", units(40));
  write("README", "systemd\n");
  commit("initial import");

  // 1: two files, several hunks, non-ASCII content
  write("src/core/main.c", `#include <stdio.h>\n#include <stdlib.h>\n\nint main(void) {\n\tputs("héllo wörld");\n\treturn EXIT_SUCCESS;\n}\n`);
  write("units/meson.build", units(40).replace("unit_3 =", "unit_3  =").replace('unit-20.service")', 'unit-20.service", install: true)'));
  commit("core: use EXIT_SUCCESS");

  // 2: whitespace-only change (tabs → spaces, trailing blanks)
  write("src/core/main.c", `#include <stdio.h>\n#include <stdlib.h>\n\nint main(void) {\n    puts("héllo wörld");   \n    return EXIT_SUCCESS;\n}\n`);
  commit("style: indent with spaces");

  // 3: new file without a trailing newline, file removal, rename
  write("tmpfiles.d/legacy.conf", "d /run/lock 0755 root root -");
  rmSync(join(dir, "README"));
  git(["mv", "units/meson.build", "units/units.build"]);
  commit("tmpfiles: add legacy.conf, rename units build file");

  // 4: binary file plus a text change after it
  write("test/blob.bin", Buffer.from([0, 1, 2, 3, 255, 254, 0, 10, 13, 0]));
  write("src/core/main.c", `#include <stdio.h>\n#include <stdlib.h>\n\nint main(void) {\n    puts("bye");   \n    return EXIT_SUCCESS;\n}\n`);
  commit("test: add a binary fixture");

  // 5: CRLF lines and a vertical tab (not whitespace for git)
  write("data/crlf.txt", "line one\r\nline\x0btwo\r\n\fthree\r\n");
  commit("data: CRLF and control characters");
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("patchId equals git patch-id --stable", () => {
  it("on each single commit as format-patch output", () => {
    const shas = git(["rev-list", "--reverse", "HEAD~5..HEAD"]).toString().trim().split("\n");
    expect(shas).toHaveLength(5);
    for (const sha of shas) {
      const patch = git(["format-patch", "-1", "--stdout", sha]);
      const expected = gitPatchIds(patch);
      expect(expected).toHaveLength(1);
      expect(patchIds(patch)).toEqual(expected);
      expect(patchId(patch)).toBe(expected[0]?.id);
    }
    const binary = git(["format-patch", "-1", "--binary", "--stdout", "HEAD~1"]);
    expect(binary.toString("latin1")).toContain("GIT binary patch");
    expect(patchIds(binary)).toEqual(gitPatchIds(binary));
  });

  it("on a multi-commit mbox (every message gets its own id and commit)", () => {
    const mbox = git(["format-patch", "--stdout", "HEAD~5..HEAD"]);
    const expected = gitPatchIds(mbox);
    expect(expected).toHaveLength(5);
    expect(patchIds(mbox)).toEqual(expected);
  });

  it("on git log -p output and on plain diffs with other context sizes", () => {
    const log = git(["log", "-p", "HEAD~5..HEAD"]);
    expect(patchIds(log)).toEqual(gitPatchIds(log));
    const u1 = git(["diff", "-U1", "HEAD~5", "HEAD~3"]);
    expect(patchIds(u1)).toEqual(gitPatchIds(u1));
    const u0 = git(["diff", "-U0", "HEAD~5", "HEAD~4"]);
    expect(patchIds(u0)).toEqual(gitPatchIds(u0));
    // different context size → a different id (UPSTREAM.md §1c)
    expect(patchId(u1)).not.toBe(patchId(git(["diff", "-U3", "HEAD~5", "HEAD~3"])));
  });

  it("ignores whitespace: a whitespace-only commit hashes like an empty change of its lines", () => {
    const styled = git(["format-patch", "-1", "--stdout", "HEAD~3"]);
    expect(patchIds(styled)).toEqual(gitPatchIds(styled));
    const respaced = git(["diff", "HEAD~5", "HEAD~4"]).toString().replace(/\t/g, "        ");
    expect(patchId(respaced)).toBe(gitPatchIds(respaced)[0]?.id);
    expect(patchId(respaced)).toBe(patchId(git(["diff", "HEAD~5", "HEAD~4"])));
  });

  it("does not depend on file order in stable mode, but does in unstable mode", () => {
    const forward = git(["diff", "HEAD~5", "HEAD~4"]).toString();
    const files = forward.split(/^(?=diff --git )/m);
    const swapped = [...files].reverse().join("");
    expect(patchId(swapped)).toBe(patchId(forward));
    expect(patchId(swapped, { stable: false })).toBe(gitPatchIds(swapped, "--unstable")[0]?.id);
    expect(patchId(swapped, { stable: false })).not.toBe(patchId(forward, { stable: false }));
    expect(patchId(forward, { verbatim: true })).toBe(gitPatchIds(forward, "--verbatim")[0]?.id);
  });

  it("treats a line starting with 40 hex digits as a patch boundary, like git", () => {
    const patch = git(["format-patch", "-1", "--stdout", "HEAD~4"]).toString();
    const bisect = patch.replace(/^(Subject: .*\n)/m, "$1\n0123456789abcdef0123456789abcdef01234567 is the first bad commit\n");
    expect(patchIds(bisect)).toEqual(gitPatchIds(bisect));
    expect(patchIds(bisect)[0]?.commit).toBe("0123456789abcdef0123456789abcdef01234567");
  });

  it("returns nothing for text without a diff", () => {
    expect(patchId("Subject: just words\n\nno diff here\n")).toBeUndefined();
    expect(patchIds("")).toEqual([]);
  });
});
