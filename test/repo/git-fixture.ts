/** Builds real git repositories in temporary directories for tests. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `specwarden-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface CommitOptions {
  /** ISO date or "@<epoch> <tz>" for both author and committer */
  date?: string;
  /** standard input for the git command */
  input?: string;
  author?: { name: string; email: string };
}

export class TestRepo {
  constructor(readonly dir: string) {}

  static init(dir: string, branch = "main"): TestRepo {
    mkdirSync(dir, { recursive: true });
    runGitSync(dir, ["init", "-q", "-b", branch]);
    return new TestRepo(dir);
  }

  git(args: string[], options: CommitOptions = {}): string {
    return runGitSync(this.dir, args, options);
  }

  write(path: string, content: string | Uint8Array): void {
    const abs = join(this.dir, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }

  /** Writes the files, stages everything and commits; returns the new commit id. */
  commit(message: string, files: Record<string, string | Uint8Array> = {}, options: CommitOptions = {}): string {
    for (const [path, content] of Object.entries(files)) this.write(path, content);
    this.git(["add", "-A"]);
    this.git(["commit", "-q", "--allow-empty", "-m", message], options);
    return this.head();
  }

  head(ref = "HEAD"): string {
    return this.git(["rev-parse", ref]).trim();
  }
}

export function runGitSync(cwd: string, args: string[], options: CommitOptions = {}): string {
  const author = options.author ?? { name: "Test Author", email: "author@example.org" };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: cwd,
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
  if (options.date) {
    env.GIT_AUTHOR_DATE = options.date;
    env.GIT_COMMITTER_DATE = options.date;
  }
  return execFileSync("git", ["-c", "core.autocrlf=false", "-c", "commit.gpgsign=false", ...args], {
    cwd,
    env,
    encoding: "utf8",
    ...(options.input !== undefined ? { input: options.input } : { stdio: ["ignore", "pipe", "pipe"] as ("ignore" | "pipe")[] }),
  });
}
