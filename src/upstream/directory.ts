/**
 * `--upstream DIR`: upstream trees served from `DIR/<upstream-name>/`. A plain directory is
 * served as it is (no history, pins and snapshots do not apply); a git repository, bare or
 * not, is served from its commits like a dist-git clone, so its history feeds rpmautospec and pins
 * and snapshots select commits. The work tree of a git repository is not read.
 */
import { lstatSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULT_MAX_FILE_BYTES, DirectoryRepoView, GitTimeoutError, RepoEntryError, locateGitDir, normalizeRepoPath } from "../repo/index.js";
import { GitSource, SelectionError, isValidPin } from "./git-source.js";
import { UpstreamError, type UpstreamCheckout, type UpstreamRequest, type UpstreamSource } from "./types.js";

export interface DirectoryUpstreamOptions {
  gitBinary?: string;
  timeoutMs?: number;
  maxFileBytes?: number;
}

export class DirectoryUpstream implements UpstreamSource {
  readonly description: string;
  readonly root: string;
  readonly #options: DirectoryUpstreamOptions;
  readonly #sources = new Map<string, GitSource>();

  constructor(root: string, options: DirectoryUpstreamOptions = {}) {
    this.root = resolve(root);
    this.#options = options;
    this.description = `directory ${this.root}`;
  }

  async fetch(request: UpstreamRequest): Promise<UpstreamCheckout> {
    const { component, upstreamName } = request;
    let name: string;
    try {
      name = normalizeRepoPath(upstreamName);
    } catch (error) {
      throw new UpstreamError(component, "invalid", `upstream name ${JSON.stringify(upstreamName)}: ${(error as Error).message}`);
    }
    if (name === "" || name.includes("/") || name !== upstreamName) {
      throw new UpstreamError(component, "invalid", `upstream name ${JSON.stringify(upstreamName)} is not a single directory name`);
    }
    if (request.commit !== undefined && !isValidPin(request.commit)) {
      throw new UpstreamError(component, "invalid", `upstream commit ${JSON.stringify(request.commit)} is not 7–40 hexadecimal digits`);
    }
    const dir = join(this.root, name);
    const info = lstatQuiet(dir);
    if (!info) throw new UpstreamError(component, "unreachable", `no upstream tree for ${name}: ${dir} does not exist`);
    if (!info.isDirectory()) throw new UpstreamError(component, "invalid", `${dir} is not a directory`);
    try {
      const gitDir = await this.#gitDirOf(dir);
      return gitDir ? await this.#fromGit(gitDir, request) : await this.#fromDirectory(dir, component);
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      if (error instanceof SelectionError) throw new UpstreamError(component, error.reason, `${dir}: ${error.message}`);
      if (error instanceof GitTimeoutError) throw new UpstreamError(component, "timeout", `${dir}: ${error.message}`);
      throw new UpstreamError(component, "unreachable", `${dir}: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    const sources = [...this.#sources.values()];
    this.#sources.clear();
    await Promise.all(sources.map((s) => s.close()));
  }

  /** The git directory when `dir` is a repository itself (never an enclosing one). */
  #gitDirOf(dir: string): Promise<string | undefined> {
    return locateGitDir(dir, this.#gitOptions());
  }

  #gitOptions() {
    return {
      ...(this.#options.gitBinary ? { gitBinary: this.#options.gitBinary } : {}),
      ...(this.#options.timeoutMs ? { timeoutMs: this.#options.timeoutMs } : {}),
    };
  }

  async #fromGit(gitDir: string, request: UpstreamRequest): Promise<UpstreamCheckout> {
    let source = this.#sources.get(gitDir);
    if (!source) {
      source = new GitSource(gitDir, { ...this.#gitOptions(), idleMs: 2_000, ...(this.#options.maxFileBytes ? { maxFileBytes: this.#options.maxFileBytes } : {}) });
      this.#sources.set(gitDir, source);
    }
    const branch = request.version.distGitBranch;
    const branchHead = branch ? await source.resolveRef(`refs/heads/${branch}`) : undefined;
    const head = branchHead ?? (await source.resolveRef("HEAD"));
    if (!head) throw new SelectionError("branch-missing", `has no commits${branch ? ` (and no branch ${branch})` : ""}`);
    const commit =
      request.commit !== undefined
        ? await source.resolvePin(request.commit)
        : request.snapshot !== undefined
          ? await source.snapshotCommit(head, request.snapshot, branchHead ? (branch as string) : "HEAD")
          : head;
    return source.checkout(commit);
  }

  async #fromDirectory(dir: string, component: string): Promise<UpstreamCheckout> {
    const maxBytes = this.#options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    const view = new DirectoryRepoView(dir, { maxFileBytes: maxBytes });
    const files = new Map<string, Uint8Array>();
    const skipped: NonNullable<UpstreamCheckout["skipped"]> = [];
    for (const entry of await view.list("", { recursive: true })) {
      if (entry.kind === "dir") continue;
      if (entry.kind === "symlink" || entry.kind === "submodule") {
        skipped.push({ path: entry.path, kind: entry.kind, reason: `is a ${entry.kind === "symlink" ? "symbolic link" : "submodule"}; it is not followed` });
        continue;
      }
      try {
        const content = await view.readFile(entry.path);
        if (content) files.set(entry.path, content);
      } catch (error) {
        if (!(error instanceof RepoEntryError)) throw error;
        skipped.push({ path: entry.path, kind: error.kind === "oversized" ? "oversized" : "symlink", reason: error.message });
      }
    }
    if (files.size === 0 && skipped.length === 0) throw new UpstreamError(component, "unreachable", `no upstream tree: ${dir} is empty`);
    return { files, ...(skipped.length > 0 ? { skipped } : {}) };
  }
}

/** lstat, or undefined when the entry cannot be examined (a metadata call: synchronous, microseconds). */
function lstatQuiet(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

export function directoryUpstream(dir: string, options: DirectoryUpstreamOptions = {}): DirectoryUpstream {
  return new DirectoryUpstream(dir, options);
}
