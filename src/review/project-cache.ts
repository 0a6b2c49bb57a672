/**
 * Loaded projects, reused across checks. Loading the config of a 7,500-component repository costs
 * far more than reviewing a one-component change, and most checks share their base commit. A view
 * pinned to a commit (git, GitHub) is keyed by its description and validated by the blob ids of
 * every config file the project was loaded from; other views are reused only as the same object.
 */
import type { Project } from "../azldev/types.js";
import type { RepoView } from "../repo/types.js";

interface Entry {
  project: Project;
  /** config file → content id when loaded */
  ids: Map<string, string | undefined>;
}

const PINNED = /^(git|github):.+@[0-9a-f]{7,}$/;
const MAX_ENTRIES = 8;

export class ProjectCache {
  readonly #byView = new WeakMap<RepoView, Promise<Project>>();
  readonly #byCommit = new Map<string, Entry>();

  async get(repo: RepoView, load: (repo: RepoView) => Promise<Project>): Promise<Project> {
    const same = this.#byView.get(repo);
    if (same) return same;
    const pending = this.#load(repo, load);
    this.#byView.set(repo, pending);
    pending.catch(() => this.#byView.delete(repo));
    return pending;
  }

  async #load(repo: RepoView, load: (repo: RepoView) => Promise<Project>): Promise<Project> {
    const pinned = PINNED.test(repo.description);
    if (pinned) {
      const entry = this.#byCommit.get(repo.description);
      if (entry && (await sameIds(repo, entry.ids))) {
        // most recently used last
        this.#byCommit.delete(repo.description);
        this.#byCommit.set(repo.description, entry);
        return entry.project;
      }
    }
    const project = await load(repo);
    if (pinned) {
      const ids = new Map<string, string | undefined>();
      await Promise.all(project.files.map(async (f) => ids.set(f, (await repo.stat(f).catch(() => undefined))?.id)));
      this.#byCommit.set(repo.description, { project, ids });
      while (this.#byCommit.size > MAX_ENTRIES) this.#byCommit.delete(this.#byCommit.keys().next().value as string);
    }
    return project;
  }
}

async function sameIds(repo: RepoView, ids: Map<string, string | undefined>): Promise<boolean> {
  const checks = await Promise.all(
    [...ids].map(async ([file, id]) => id !== undefined && (await repo.stat(file).catch(() => undefined))?.id === id),
  );
  return checks.every(Boolean);
}

/** Shared by every review in this process. */
export const sharedProjectCache = new ProjectCache();
