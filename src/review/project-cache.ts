/**
 * Loaded projects, reused across checks. Loading the config of a 7,500-component repository costs
 * far more than reviewing a one-component change, and most checks share their base commit — and the
 * head, and the head with the fix applied, differ from it in one file or two.
 *
 * A load is recorded (every stat, listing and file read, with the content ids of the answers); a
 * later view reuses the project when it answers every one of those reads the same way. That holds
 * across views of the same commit, other commits, and a fix layered on a head, and can never hand
 * out a project loaded from other content. Only views pinned to content (git, GitHub, edits on
 * them) are compared so; any other view is reused only as the same object.
 */
import type { Project } from "../azldev/types.js";
import { isPinnedView, RecordingView, sameReads, type RecordedRead } from "../repo/recorded-reads.js";
import type { RepoView } from "../repo/types.js";

interface Entry {
  project: Project;
  reads: RecordedRead[];
}

const MAX_ENTRIES = 8;

export class ProjectCache {
  readonly #byView = new WeakMap<RepoView, Promise<Project>>();
  /** most recently used last */
  readonly #entries: Entry[] = [];

  async get(repo: RepoView, load: (repo: RepoView) => Promise<Project>): Promise<Project> {
    const same = this.#byView.get(repo);
    if (same) return same;
    const pending = this.#load(repo, load);
    this.#byView.set(repo, pending);
    pending.catch(() => this.#byView.delete(repo));
    return pending;
  }

  async #load(repo: RepoView, load: (repo: RepoView) => Promise<Project>): Promise<Project> {
    if (!isPinnedView(repo)) return load(repo);
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const entry = this.#entries[i] as Entry;
      if (!(await sameReads(repo, entry.reads))) continue;
      const at = this.#entries.indexOf(entry);
      if (at >= 0) this.#entries.splice(at, 1);
      this.#entries.push(entry);
      return entry.project;
    }
    const recorder = new RecordingView(repo);
    const project = await load(recorder);
    if (recorder.reusable) {
      this.#entries.push({ project, reads: recorder.reads });
      while (this.#entries.length > MAX_ENTRIES) this.#entries.shift();
    }
    return project;
  }
}

/** Shared by every review in this process. */
export const sharedProjectCache = new ProjectCache();
