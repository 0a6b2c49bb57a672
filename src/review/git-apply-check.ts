/**
 * A fix is offered as verified only if `git apply` takes it: the pre-images of the files it touches
 * are written to a private temporary git repository and `git apply --check` runs there (no hooks, no
 * user or system git configuration, nothing of the repository under review but those files).
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import type { FileEdit } from "./patch-text.js";

function git(cwd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "git",
      ["-c", "core.hooksPath=/dev/null", "-c", "core.quotePath=true", ...args],
      { cwd, timeout: 30_000, maxBuffer: 4 * 1024 * 1024, env: { PATH: process.env["PATH"] ?? "", HOME: cwd, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0" } },
      (error, _stdout, stderr) => resolve({ code: error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 128) : 0, stderr: String(stderr) }),
    );
  });
}

/** undefined when `git apply --check` accepts the patch; otherwise git's reason. */
export async function gitApplyCheck(patch: string, edits: readonly FileEdit[]): Promise<string | undefined> {
  const root = await mkdtemp(join(tmpdir(), "specwarden-apply-"));
  try {
    const work = join(root, "repo");
    await mkdir(work);
    for (const edit of edits) {
      if (edit.before === undefined) continue;
      const target = join(work, ...edit.path.split("/"));
      const inside = relative(work, target);
      if (inside.startsWith("..") || inside.startsWith(sep) || inside === "") return `refused to stage ${JSON.stringify(edit.path)}: outside the repository`;
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, edit.before);
    }
    await writeFile(join(root, "fix.patch"), patch);
    const init = await git(work, ["init", "-q"]);
    if (init.code !== 0) return `git init failed: ${init.stderr.trim()}`;
    const check = await git(work, ["apply", "--check", join(root, "fix.patch")]);
    return check.code === 0 ? undefined : `git apply refuses it: ${check.stderr.trim().split("\n").slice(0, 3).join("; ")}`;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
