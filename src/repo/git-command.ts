/**
 * Running the git CLI safely: argument arrays (never a shell), an environment built from scratch
 * so that neither the caller's GIT_* variables nor system/global config (hooks, fsmonitor, replace
 * refs, credential helpers, pagers) can change what a read returns, and a hard timeout that kills
 * the whole process group.
 */
import { spawn } from "node:child_process";

/** Variables passed through from the caller: process basics and the network settings git's HTTP
 * transport honours. Everything else, GIT_* included, is dropped. */
const PASSED_THROUGH = [
  "PATH",
  "HOME",
  "TMPDIR",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "all_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "GIT_SSL_CAINFO",
  "GIT_SSL_CAPATH",
];

export function gitEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED_THROUGH) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, {
    LC_ALL: "C",
    LANG: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false",
    SSH_ASKPASS: "/bin/false",
    GIT_NO_REPLACE_OBJECTS: "1",
    GIT_OPTIONAL_LOCKS: "0",
    GIT_PAGER: "cat",
    GIT_LFS_SKIP_SMUDGE: "1",
    ...extra,
  });
  return env;
}

/** `-c` settings on every invocation: no hooks, no fsmonitor, no automatic maintenance. */
export const SAFE_CONFIG = [
  "-c", "core.hooksPath=/dev/null",
  "-c", "core.fsmonitor=false",
  "-c", "core.untrackedCache=false",
  "-c", "gc.auto=0",
  "-c", "maintenance.auto=false",
  "-c", "protocol.ext.allow=never",
  "-c", "advice.detachedHead=false",
];

export interface GitRunOptions {
  /** working directory; with `gitDir` it only matters for commands that use a work tree */
  cwd?: string;
  gitBinary?: string;
  /** kill the process group and reject with GitTimeoutError after this many ms (default 120 s) */
  timeoutMs?: number;
  /** extra environment (e.g. GIT_CEILING_DIRECTORIES, GIT_DIR) */
  env?: Record<string, string>;
  /** refuse output larger than this (default 256 MiB) */
  maxOutputBytes?: number;
  /** written to git's standard input, which is then closed */
  input?: string;
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export class GitCommandError extends Error {
  constructor(readonly args: readonly string[], readonly code: number | null, readonly stderr: string) {
    super(`git ${args.join(" ")} failed${code === null ? "" : ` (exit ${code})`}: ${stderr.trim() || "no output"}`);
    this.name = "GitCommandError";
  }
}

export class GitTimeoutError extends Error {
  constructor(readonly args: readonly string[], readonly timeoutMs: number) {
    super(`git ${args.join(" ")} did not finish within ${timeoutMs} ms and was stopped`);
    this.name = "GitTimeoutError";
  }
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_OUTPUT = 256 * 1024 * 1024;

/** Runs git; resolves with the exit code and output whatever the code (callers decide what a
 * failure means), rejects on timeout, spawn failure or runaway output. */
export function runGit(args: readonly string[], options: GitRunOptions = {}): Promise<GitResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const fullArgs = [...SAFE_CONFIG, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(options.gitBinary ?? "git", fullArgs, {
      cwd: options.cwd,
      env: gitEnvironment(options.env),
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      // Its own process group, so a timeout also stops the transport helpers git starts.
      detached: true,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outBytes = 0;
    let settled = false;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      killGroup();
      finish(() => reject(new GitTimeoutError(args, timeoutMs)));
    }, timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxOutput) {
        killGroup();
        finish(() => reject(new GitCommandError(args, null, `output exceeded ${maxOutput} bytes`)));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < 256) stderr.push(chunk);
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on("error", () => {
        // git exited before reading everything; its exit status tells the story
      });
      child.stdin.end(options.input);
    }
    child.on("error", (error) => finish(() => reject(error)));
    child.on("close", (code, signal) => {
      finish(() =>
        resolve({
          code: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(stdout),
          stderr: Buffer.concat(stderr).toString("utf8"),
        }),
      );
    });
  });
}

/** runGit that rejects with GitCommandError on a non-zero exit. */
export async function git(args: readonly string[], options: GitRunOptions = {}): Promise<Buffer> {
  const result = await runGit(args, options);
  if (result.code !== 0) throw new GitCommandError(args, result.code, result.stderr);
  return result.stdout;
}

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function isObjectId(value: string): boolean {
  return OBJECT_ID.test(value);
}
