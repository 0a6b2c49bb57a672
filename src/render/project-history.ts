import { git } from "../repo/index.js";
import { goQuote, wrapError } from "./go-format.js";
import { parseLockFile, type ComponentLock } from "./lock-file.js";

/** A project commit that touched a component's lock file, with the lock as of that commit. */
export interface LockRevision {
  commit: string;
  authorName: string;
  authorEmail: string;
  /** seconds since the epoch */
  authorTime: number;
  subject: string;
  lock: ComponentLock;
}

/**
 * The project repository's history as far as rendering needs it: the log of one lock file.
 * Implementations: git (the CLI), memory (tests).
 */
export interface ProjectHistory {
  readonly description: string;
  /** the lock file as committed at the rendered revision; undefined when it is not committed */
  lockAtHead(path: string): Promise<ComponentLock | undefined>;
  /** every commit that touched `path`, oldest first */
  lockLog(path: string): Promise<LockRevision[]>;
  /** true when commits are missing below the rendered revision */
  isShallow?(): Promise<boolean>;
}

/** A project commit whose lock `input-fingerprint` differs from the previous one: one synthetic change. */
export interface FingerprintChange {
  commit: string;
  authorName: string;
  authorEmail: string;
  authorTime: number;
  subject: string;
  upstreamCommit: string;
}

export class SyntheticHistoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SyntheticHistoryError";
  }
}

/** Fingerprint changes of a lock file, oldest first (the first non-empty value counts). */
export function fingerprintChanges(revisions: LockRevision[]): FingerprintChange[] {
  const changes: FingerprintChange[] = [];
  let previous = "";
  for (const revision of revisions) {
    const fingerprint = revision.lock.inputFingerprint ?? "";
    if (fingerprint !== previous) {
      changes.push({
        commit: revision.commit,
        authorName: revision.authorName,
        authorEmail: revision.authorEmail,
        authorTime: revision.authorTime,
        subject: revision.subject,
        upstreamCommit: revision.lock.upstreamCommit ?? "",
      });
    }
    previous = fingerprint;
  }
  return changes;
}

export interface SyntheticPlan {
  changes: FingerprintChange[];
  importCommit?: string;
}

/** AZLDEV.md §4.8 steps 2–3: the synthetic changes of a component, or none when its lock is not committed. */
export async function planSyntheticHistory(history: ProjectHistory | undefined, lockPath: string): Promise<SyntheticPlan> {
  if (!history) return { changes: [] };
  const head = await history.lockAtHead(lockPath);
  if (!head) return { changes: [] };
  let revisions: LockRevision[];
  try {
    revisions = await history.lockLog(lockPath);
  } catch (error) {
    throw new SyntheticHistoryError(
      wrapError(`failed to find fingerprint changes for lock file ${goQuote(lockPath)}`, (error as Error).message),
    );
  }
  const changes = fingerprintChanges(revisions);
  if (changes.length === 0 && (await history.isShallow?.())) {
    throw new SyntheticHistoryError(`lock file ${goQuote(lockPath)} has no git history; a full clone is required`);
  }
  return { changes, importCommit: head.importCommit || undefined };
}

/** The project history of a git repository (work tree or bare) at `ref`. */
export class GitProjectHistory implements ProjectHistory {
  readonly description: string;
  constructor(
    private readonly repoPath: string,
    private readonly ref: string = "HEAD",
    private readonly options: { gitBinary?: string; timeoutMs?: number } = {},
  ) {
    this.description = `git:${repoPath}@${ref}`;
  }

  private run(args: string[]): Promise<Buffer> {
    return git(["-C", this.repoPath, ...args], { gitBinary: this.options.gitBinary, timeoutMs: this.options.timeoutMs });
  }

  private async show(commit: string, path: string): Promise<string | undefined> {
    try {
      return (await this.run(["show", `${commit}:${path}`])).toString("utf8");
    } catch {
      return undefined;
    }
  }

  async lockAtHead(path: string): Promise<ComponentLock | undefined> {
    const text = await this.show(this.ref, path);
    return text === undefined ? undefined : parseLockFile(text, path);
  }

  async lockLog(path: string): Promise<LockRevision[]> {
    const output = (
      await this.run(["log", "--format=%H%x00%an%x00%ae%x00%at%x00%s%x01", this.ref, "--", path])
    ).toString("utf8");
    const revisions: LockRevision[] = [];
    for (const block of output.split("\x01")) {
      const record = block.replace(/^[\r\n]+|[\r\n]+$/g, "");
      if (!record) continue;
      const [commit, authorName, authorEmail, time, subject] = record.split("\x00");
      if (!commit || subject === undefined) throw new Error(`unexpected git log output: ${JSON.stringify(record)}`);
      const text = await this.show(commit, path);
      // A commit that deleted the lock file carries no fingerprint.
      const lock = text === undefined ? {} : parseLockFile(text, path);
      revisions.push({
        commit,
        authorName: authorName ?? "",
        authorEmail: authorEmail ?? "",
        authorTime: Number.parseInt(time ?? "0", 10),
        subject,
        lock,
      });
    }
    return revisions.reverse();
  }

  async isShallow(): Promise<boolean> {
    try {
      return (await this.run(["rev-parse", "--is-shallow-repository"])).toString("utf8").trim() === "true";
    } catch {
      return false;
    }
  }
}

/** In-memory project history for tests and embedders. */
export function memoryProjectHistory(locks: Record<string, LockRevision[]>): ProjectHistory {
  return {
    description: "memory",
    async lockAtHead(path) {
      const log = locks[path];
      return log && log.length > 0 ? log[log.length - 1]?.lock : undefined;
    },
    async lockLog(path) {
      return [...(locks[path] ?? [])];
    },
  };
}
