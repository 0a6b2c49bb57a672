/**
 * Local upstream clones as a forge: containment (`merge-base --is-ancestor`), tags, files and diffs,
 * and what only history can answer — which commits carry a change (a patch-id index of `git log -p`,
 * run through the same patch-id code as the downstream patches), which commits have a given subject or
 * name a given mailing-list message, and which stable-branch commits say `(cherry picked from commit …)`. It knows nothing about pull
 * requests or issues, and says so (`answersChangeState: false`).
 *
 * git runs with a clean environment and safe configuration (no hooks, no system or global config);
 * refs and paths from patches are checked before they reach the command line.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { gitEnvironment, runGit, SAFE_CONFIG } from "../repo/git-command.js";
import type { HistoryQuery, UpstreamForge, UpstreamProject } from "./forge.js";
import { historyIndexKey, type HistoryIndexStore } from "./history-index-store.js";
import { messageIdsOf } from "./patch-headers.js";
import { patchIds } from "./patch-id.js";

export interface LocalGitForgeOptions {
  /** commits read into a history index at most (newest first); default 50,000 */
  maxCommits?: number;
  /** one commit's diff larger than this is left out of the patch-id index; default 32 MiB */
  maxCommitBytes?: number;
  /** a history read is stopped after this long; default 10 minutes */
  timeoutMs?: number;
  /**
   * history indexes kept across runs (the command line keeps them under its cache directory): a
   * clone whose refs have not moved since is not read again
   */
  indexStore?: HistoryIndexStore;
}

/** What a pass over a clone's history found, for one range. */
export interface HistoryIndex {
  byPatchId: Map<string, string[]>;
  bySubject: Map<string, string[]>;
  /** mailing-list message ids the commit message names (lower case) */
  byMessageId: Map<string, string[]>;
  /** the commit a `(cherry picked from commit X)` trailer names (full, lower case) → the commits saying so */
  cherryPicks: Map<string, string[]>;
  commits: number;
  /** the commit limit was reached: older history was not read */
  truncated: boolean;
}

const SAFE_REF = /^[A-Za-z0-9._/^~@{}+-]+$/;
const safeRef = (ref: string): boolean => SAFE_REF.test(ref) && !ref.startsWith("-") && !ref.includes("..");
const HEX40 = /^[0-9a-f]{40}$/;

async function git(gitDir: string, args: string[], maxOutputBytes = 64 * 1024 * 1024): Promise<{ code: number; stdout: string }> {
  try {
    const r = await runGit(["--git-dir", gitDir, ...args], { maxOutputBytes, timeoutMs: 120_000 });
    return { code: r.code, stdout: r.stdout.toString("utf8") };
  } catch {
    return { code: 128, stdout: "" };
  }
}

const indexes = new Map<string, Promise<HistoryIndex>>();

/**
 * Local clones under `dir`: `<dir>/<owner>/<repo>`, `<dir>/<repo>` (bare or with a work tree, `.git`
 * suffix allowed). A project without a clone there is not supported, so a composed forge asks the next.
 */
export function localGitForge(dir: string, options: LocalGitForgeOptions = {}): UpstreamForge {
  const located = new Map<string, string | undefined>();
  const gitDirOf = (project: UpstreamProject): string | undefined => {
    if (located.has(project.path)) return located.get(project.path);
    const name = project.path.split("/").pop() as string;
    let found: string | undefined;
    if (!project.path.split("/").some((s) => s === ".." || s === ".")) {
      const candidates = [join(dir, project.path), join(dir, `${project.path}.git`), join(dir, name), join(dir, `${name}.git`)];
      search: for (const candidate of candidates) {
        for (const gitDir of [join(candidate, ".git"), candidate]) {
          try {
            if (statSync(join(gitDir, "HEAD")).isFile()) {
              found = gitDir;
              break search;
            }
          } catch {
            // not a clone here
          }
        }
      }
    }
    located.set(project.path, found);
    return found;
  };
  const refs = new Map<string, Promise<boolean>>();
  const hasRef = (gitDir: string, ref: string): Promise<boolean> => {
    const key = `${gitDir}\0${ref}`;
    let known = refs.get(key);
    if (!known) {
      known = safeRef(ref) ? git(gitDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).then((r) => r.code === 0) : Promise.resolve(false);
      refs.set(key, known);
    }
    return known;
  };
  const history = async (project: UpstreamProject, query: HistoryQuery | undefined): Promise<HistoryIndex | undefined> => {
    const gitDir = gitDirOf(project);
    if (!gitDir) return undefined;
    const since = query?.since && (await hasRef(gitDir, query.since)) ? query.since : undefined;
    return historyIndex(gitDir, since, options);
  };
  const lookup = (map: Map<string, string[]>, keys: string[]): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    for (const key of keys) {
      const hit = map.get(key);
      if (hit) out.set(key, hit);
    }
    return out;
  };
  return {
    description: `local git clones in ${dir}`,
    answersChangeState: false,
    supports: (project) => gitDirOf(project) !== undefined,
    searchesHistory: (project) => gitDirOf(project) !== undefined,
    async change() {
      return undefined;
    },
    async hasRef(project, ref) {
      const gitDir = gitDirOf(project);
      return gitDir ? hasRef(gitDir, ref) : false;
    },
    async contains(project, ref, commit) {
      const gitDir = gitDirOf(project);
      if (!gitDir || !safeRef(ref) || !safeRef(commit)) return undefined;
      // 0: ancestor, 1: not an ancestor, 128: either object is unknown here
      const r = await git(gitDir, ["merge-base", "--is-ancestor", commit, ref]);
      return r.code === 0 ? true : r.code === 1 ? false : undefined;
    },
    async tags(project) {
      const gitDir = gitDirOf(project);
      if (!gitDir) return [];
      const r = await git(gitDir, ["tag", "--list"]);
      return r.stdout.split("\n").filter(Boolean);
    },
    async readFile(project, ref, path) {
      const gitDir = gitDirOf(project);
      if (!gitDir || !safeRef(ref) || path.split("/").includes("..") || path.startsWith("/")) return undefined;
      const r = await git(gitDir, ["cat-file", "blob", `${ref}:${path}`]);
      return r.code === 0 ? r.stdout : undefined;
    },
    async commitDiff(project, sha) {
      const gitDir = gitDirOf(project);
      if (!gitDir || !safeRef(sha)) return undefined;
      const r = await git(gitDir, ["show", "--format=", "--no-color", "--no-ext-diff", "--no-textconv", "-U3", sha]);
      return r.code === 0 ? r.stdout : undefined;
    },
    async findByPatchId(project, ids, query) {
      const index = await history(project, query);
      return index ? lookup(index.byPatchId, ids) : undefined;
    },
    async findBySubject(project, subjects, query) {
      const index = await history(project, query);
      return index ? lookup(index.bySubject, subjects) : undefined;
    },
    async findByMessageId(project, ids, query) {
      const index = await history(project, query);
      return index ? lookup(index.byMessageId, ids.map((x) => x.toLowerCase())) : undefined;
    },
    async findCherryPicks(project, shas, query) {
      const index = await history(project, query);
      if (!index) return undefined;
      const found = lookup(index.cherryPicks, shas.map((x) => x.toLowerCase()));
      // with refs, only the backports those refs (releases) contain — as an API listing them answers
      const gitDir = gitDirOf(project) as string;
      const refs = (query?.refs ?? []).filter(safeRef);
      if (!refs.length) return found;
      const out = new Map<string, string[]>();
      for (const [source, picks] of found) {
        const kept: string[] = [];
        for (const pick of picks) {
          for (const ref of refs) {
            if ((await git(gitDir, ["merge-base", "--is-ancestor", pick, ref])).code === 0) {
              kept.push(pick);
              break;
            }
          }
        }
        if (kept.length) out.set(source, kept);
      }
      return out;
    },
  };
}

/**
 * The history index of a clone: every commit on its branches, tags and remote-tracking branches (not
 * pull request refs a mirror may carry — those are not upstream history), newest first, minus the
 * ancestors of `since` when given (what happened after the packaged version). Cached by the clone, the
 * state of its refs, `since` and the limits: in the process, and on disk when given a store.
 */
export async function historyIndex(gitDir: string, since: string | undefined, options: LocalGitForgeOptions = {}): Promise<HistoryIndex> {
  const state = await git(gitDir, ["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags", "refs/remotes"]);
  const maxCommits = options.maxCommits ?? 50_000;
  const maxCommitBytes = options.maxCommitBytes ?? 32 * 1024 * 1024;
  const key = `${gitDir}\0${since ?? ""}\0${maxCommits}\0${maxCommitBytes}\0${createHash("sha1").update(state.stdout).digest("hex")}`;
  let index = indexes.get(key);
  if (!index) {
    // refs that could not be listed name no state: such an index is not kept on disk
    const { indexStore, ...rest } = options;
    index = storedOrRead(gitDir, since, state.stdout, { ...rest, ...(indexStore && state.code === 0 ? { indexStore } : {}), maxCommits, maxCommitBytes });
    indexes.set(key, index);
    // a few clones and ranges per process; the oldest goes first
    while (indexes.size > 8) indexes.delete(indexes.keys().next().value as string);
    index.catch(() => indexes.delete(key));
  }
  return index;
}

async function storedOrRead(gitDir: string, since: string | undefined, refsState: string, options: LocalGitForgeOptions & { maxCommits: number; maxCommitBytes: number }): Promise<HistoryIndex> {
  const store = options.indexStore;
  const storeKey = store ? await historyIndexKey({ gitDir, refsState, since, maxCommits: options.maxCommits, maxCommitBytes: options.maxCommitBytes }) : undefined;
  if (store && storeKey) {
    const stored = await store.load(storeKey);
    if (stored) return stored;
  }
  const { index, complete } = await readHistory(gitDir, since, options);
  // an index cut short by the timeout or a failing git is used once, never kept
  if (store && storeKey && complete) await store.save(storeKey, index);
  return index;
}

/** One pass of `git log -p`; `complete` when git finished or stopped at the commit limit (not at the timeout, not failing). */
function readHistory(gitDir: string, since: string | undefined, options: LocalGitForgeOptions): Promise<{ index: HistoryIndex; complete: boolean }> {
  const maxCommits = options.maxCommits ?? 50_000;
  const maxCommitBytes = options.maxCommitBytes ?? 32 * 1024 * 1024;
  const index: HistoryIndex = { byPatchId: new Map(), bySubject: new Map(), byMessageId: new Map(), cherryPicks: new Map(), commits: 0, truncated: false };
  const add = (map: Map<string, string[]>, key: string, commit: string) => {
    const list = map.get(key);
    if (!list) map.set(key, [commit]);
    else if (!list.includes(commit)) list.push(commit);
  };
  // the message is indented by four spaces, so no line of it can look like a patch boundary or a diff
  const args = [
    ...SAFE_CONFIG,
    "--git-dir",
    gitDir,
    "log",
    "--branches",
    "--tags",
    "--remotes",
    "--no-merges",
    "-p",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "-U3",
    "--format=commit %H%n%w(0,4,4)%B",
    `--max-count=${maxCommits + 1}`,
    ...(since ? [`^${since}`] : []),
    "--",
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { env: gitEnvironment(), stdio: ["ignore", "pipe", "ignore"], detached: true });
    let timedOut = false;
    let stoppedAtLimit = false;
    const timer = setTimeout(() => {
      index.truncated = true;
      timedOut = true;
      stop();
    }, options.timeoutMs ?? 600_000);
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    let oversized = false;
    let commit: string | undefined;
    let message: string[] = [];
    let inMessage = false;
    let pending = Buffer.alloc(0);
    const stop = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const finishCommit = () => {
      if (!commit) return;
      index.commits++;
      if (index.commits > maxCommits) {
        index.truncated = true;
        index.commits = maxCommits;
        commit = undefined;
        stoppedAtLimit = true;
        stop();
        return;
      }
      const text = message.join("\n");
      const subject = message.find((l) => l.trim() !== "")?.trim();
      if (subject) add(index.bySubject, subject, commit);
      for (const m of text.matchAll(/\(cherry[- ]picked from commit ([0-9a-f]{40})\)/gi)) add(index.cherryPicks, (m[1] as string).toLowerCase(), commit);
      if (text.includes("@")) for (const id of messageIdsOf(text)) add(index.byMessageId, id, commit);
      if (!oversized && chunk.length) for (const entry of patchIds(Buffer.concat(chunk))) add(index.byPatchId, entry.id, commit);
      commit = undefined;
    };
    const onLine = (line: Buffer) => {
      // `commit <40 hex>\n`: a new commit (the message lines are indented and cannot match)
      if (line.length >= 47 && line[0] === 0x63 && line.subarray(0, 7).toString("latin1") === "commit ") {
        const sha = line.subarray(7, 47).toString("latin1");
        if (HEX40.test(sha) && (line.length === 47 || line[47] === 0x0a)) {
          finishCommit();
          commit = sha;
          chunk = [line];
          chunkBytes = line.length;
          oversized = false;
          message = [];
          inMessage = true;
          return;
        }
      }
      if (!commit) return;
      if (inMessage) {
        if (line.subarray(0, 5).toString("latin1") === "diff ") inMessage = false;
        else {
          message.push(line.toString("utf8").replace(/\n$/, "").replace(/^ {4}/, ""));
          return;
        }
      }
      if (oversized) return;
      chunkBytes += line.length;
      if (chunkBytes > maxCommitBytes) {
        oversized = true;
        chunk = [];
        return;
      }
      chunk.push(line);
    };
    child.stdout.on("data", (data: Buffer) => {
      let buffer = pending.length ? Buffer.concat([pending, data]) : data;
      let start = 0;
      for (let k = buffer.indexOf(0x0a); k >= 0; k = buffer.indexOf(0x0a, start)) {
        onLine(buffer.subarray(start, k + 1));
        start = k + 1;
      }
      buffer = buffer.subarray(start);
      pending = Buffer.from(buffer);
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (pending.length) onLine(pending);
      finishCommit();
      resolve({ index, complete: !timedOut && (code === 0 || stoppedAtLimit) });
    });
  });
}
