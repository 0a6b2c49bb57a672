/**
 * A fix is offered as verified only if `git apply` takes it on the head: what the head holds at
 * every path the fix touches is written to a private temporary git repository and `git apply
 * --check` runs there. The repository is built from those files alone — no hooks, no templates, no
 * user or system git configuration, nothing else of the repository under review — and git only
 * reads it. Paths are held to the fix rules first, and a path the head holds as a symbolic link,
 * a submodule or below one is refused before anything is written.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { RepoView } from "../repo/types.js";
import { checkFixPath, fixPathConflict } from "./fix-paths.js";
import type { FileEdit } from "./patch-text.js";

function git(cwd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "git",
      ["-c", "core.hooksPath=/dev/null", "-c", "core.quotePath=true", "-c", "core.autocrlf=false", ...args],
      {
        cwd,
        timeout: 30_000,
        maxBuffer: 4 * 1024 * 1024,
        env: { PATH: process.env["PATH"] ?? "", HOME: cwd, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0", GIT_CEILING_DIRECTORIES: dirname(cwd) },
      },
      (error, _stdout, stderr) => resolve({ code: error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 128) : 0, stderr: String(stderr) }),
    );
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The pre-image of every touched path: what `head` holds there (undefined: nothing), or, without a
 * head, what the fix was made from. A string is the reason the fix cannot be checked.
 */
async function preImages(edits: readonly FileEdit[], head: RepoView | undefined): Promise<Map<string, Uint8Array | undefined> | string> {
  const out = new Map<string, Uint8Array | undefined>();
  const checked = new Set<string>();
  for (const edit of edits) {
    let path: string;
    try {
      path = checkFixPath(edit.path);
    } catch (error) {
      return `the fix names ${JSON.stringify(edit.path)}, where a fix may not write (${messageOf(error)})`;
    }
    if (out.has(path)) continue;
    if (!head) {
      out.set(path, edit.before);
      continue;
    }
    const conflict = await fixPathConflict(head, path, checked).catch((error: unknown) => `cannot be looked up (${messageOf(error)})`);
    if (conflict) return `the fix cannot be applied at ${path}: ${conflict}`;
    try {
      out.set(path, await head.readFile(path));
    } catch (error) {
      return `the fix cannot be checked at ${path}: the head's file cannot be read (${messageOf(error)})`;
    }
  }
  return out;
}

/** undefined when `git apply --check` accepts the patch on the head (or on the pre-images); otherwise why not. */
export async function gitApplyCheck(patch: string, edits: readonly FileEdit[], head?: RepoView): Promise<string | undefined> {
  const images = await preImages(edits, head);
  if (typeof images === "string") return images;
  const root = await mkdtemp(join(tmpdir(), "specwarden-apply-"));
  try {
    const work = join(root, "repo");
    await mkdir(work);
    for (const [path, bytes] of images) {
      if (bytes === undefined) continue;
      const target = join(work, ...path.split("/"));
      await mkdir(dirname(target), { recursive: true });
      // a fresh directory of our own: exclusive creation, nothing stands at these names yet
      await writeFile(target, bytes, { flag: "wx" });
    }
    await writeFile(join(root, "fix.patch"), patch);
    const init = await git(work, ["init", "-q", "--template="]);
    if (init.code !== 0) return `git init failed: ${init.stderr.trim()}`;
    const check = await git(work, ["apply", "--check", join(root, "fix.patch")]);
    return check.code === 0 ? undefined : `git apply refuses it: ${check.stderr.trim().split("\n").slice(0, 3).join("; ")}`;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
