/**
 * Upstream releases: a sweep's view of each project's tags (normalised to RPM versions), the tag of
 * the packaged version, release streams, and the first release that contains a commit. A session asks
 * each question of the forge once per sweep — one tag listing per project, one answer per containment
 * question — and remembers commits upstream does not have, so a pull request's head commit that never
 * landed costs one request, not a search per tag.
 */
import { rpmvercmp, tagToVersion } from "../version/index.js";
import type { ChangeState, HistoryQuery, IssueState, UpstreamForge, UpstreamProject } from "./forge.js";

export const projectKey = (p: UpstreamProject): string => `${p.host}/${p.path}`.toLowerCase();

export interface TaggedVersion {
  tag: string;
  version: string;
}

export interface Release extends TaggedVersion {
  /** `main`, or `stable:<x>` for the x.N releases of a project that also tags x */
  stream: string;
}

/** Where a commit is released, as far as the upstream's tags tell. */
export interface Placement {
  /** the packaged version's tag contains it */
  inPackaged?: boolean;
  /** else the first release newer than the packaged version that does */
  first?: Release;
  /** upstream does not know the commit */
  unknown?: boolean;
}

interface ProjectTags {
  /** tag names sorted by their RPM version, oldest first */
  sorted: TaggedVersion[];
  byName: Set<string>;
}

/** `259~rc1`, `259-rc1`, `2.0.0-beta.2`, `1.0a1`, `3.5.0~alpha1`: a version upstream has not released yet. */
export function isPreRelease(version: string): boolean {
  return /(?:^|[.~_-]|\d)(?:rc|alpha|beta|pre|preview|dev)\.?\d*(?:$|[.~_-])/i.test(version) || /\d(?:a|b)\d+$/.test(version);
}

/**
 * Release streams: `258.1`, `258.4` form the stable stream of `258` when the project also tags
 * `258` itself; everything else is the mainline. Containment is monotone within a stream only.
 */
export function streamOf(version: string, all: ReadonlySet<string>): string {
  const m = /^(\d+(?:\.\d+)*)\.\d+$/.exec(version.replace(/[~^].*$/, ""));
  return m && all.has(m[1] as string) ? `stable:${m[1]}` : "main";
}

const memo = <T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> => {
  let hit = map.get(key);
  if (!hit) {
    hit = make();
    map.set(key, hit);
    // a failure is not an answer: the next question asks again
    hit.catch(() => map.delete(key));
  }
  return hit;
};

/**
 * One sweep's questions to a forge, each asked once. `forge` is the memoising view the evidence
 * ladder uses; commits that turned out unknown upstream are not asked about again.
 */
export class ForgeSession {
  readonly #tags = new Map<string, Promise<ProjectTags>>();
  readonly #answers = new Map<string, Promise<unknown>>();
  readonly #placements = new Map<string, Promise<Placement>>();
  /** project key → commits upstream does not know (a 404, or unknown to every forge) */
  readonly #unknown = new Map<string, Set<string>>();
  readonly forge: UpstreamForge;

  constructor(readonly upstream: UpstreamForge) {
    const ask = <T>(key: string, make: () => Promise<T>): Promise<T> => memo(this.#answers as Map<string, Promise<T>>, key, make);
    const k = (...parts: (string | number | undefined)[]) => parts.map((p) => String(p ?? "")).join("\0");
    const session = this;
    this.forge = {
      description: upstream.description,
      ...(upstream.answersChangeState !== undefined ? { answersChangeState: upstream.answersChangeState } : {}),
      supports: (project) => upstream.supports(project),
      change: (project, n) => ask<ChangeState | undefined>(k("change", projectKey(project), n), () => upstream.change(project, n)),
      contains: async (project, ref, commit) => {
        if (session.isUnknown(project, commit)) return undefined;
        const inside = await ask<boolean | undefined>(k("contains", projectKey(project), ref, commit), () => upstream.contains(project, ref, commit));
        // asked about a tag upstream has, no answer means upstream does not know the commit
        if (inside === undefined && (await session.#tags.get(projectKey(project))?.catch(() => undefined))?.byName.has(ref)) session.#markUnknown(project, commit);
        return inside;
      },
      tags: (project) => upstream.tags(project),
      readFile: (project, ref, path) => ask<string | undefined>(k("file", projectKey(project), ref, path), () => upstream.readFile(project, ref, path)),
      ...(upstream.hasRef ? { hasRef: (project: UpstreamProject, ref: string) => ask<boolean>(k("ref", projectKey(project), ref), () => (upstream.hasRef as NonNullable<UpstreamForge["hasRef"]>)(project, ref)) } : {}),
      ...(upstream.commitDiff ? { commitDiff: (project: UpstreamProject, sha: string) => ask<string | undefined>(k("diff", projectKey(project), sha), () => (upstream.commitDiff as NonNullable<UpstreamForge["commitDiff"]>)(project, sha)) } : {}),
      ...(upstream.issue ? { issue: (project: UpstreamProject, n: number) => ask<IssueState | undefined>(k("issue", projectKey(project), n), () => (upstream.issue as NonNullable<UpstreamForge["issue"]>)(project, n)) } : {}),
      ...(upstream.searchesHistory ? { searchesHistory: (project: UpstreamProject) => (upstream.searchesHistory as NonNullable<UpstreamForge["searchesHistory"]>)(project) } : {}),
      ...(upstream.findByPatchId
        ? { findByPatchId: (project: UpstreamProject, ids: string[], query?: HistoryQuery) => ask(k("patch-id", projectKey(project), query?.since, ...ids), () => (upstream.findByPatchId as NonNullable<UpstreamForge["findByPatchId"]>)(project, ids, query)) }
        : {}),
      ...(upstream.findBySubject
        ? { findBySubject: (project: UpstreamProject, subjects: string[], query?: HistoryQuery) => ask(k("subject", projectKey(project), query?.since, ...subjects), () => (upstream.findBySubject as NonNullable<UpstreamForge["findBySubject"]>)(project, subjects, query)) }
        : {}),
      ...(upstream.findByMessageId
        ? { findByMessageId: (project: UpstreamProject, ids: string[], query?: HistoryQuery) => ask(k("message-id", projectKey(project), query?.since, ...ids), () => (upstream.findByMessageId as NonNullable<UpstreamForge["findByMessageId"]>)(project, ids, query)) }
        : {}),
      ...(upstream.findCherryPicks
        ? { findCherryPicks: (project: UpstreamProject, shas: string[], query?: HistoryQuery) => ask(k("cherry-pick", projectKey(project), query?.since, ...(query?.refs ?? []), "|", ...(query?.paths ?? []), "|", ...shas), () => (upstream.findCherryPicks as NonNullable<UpstreamForge["findCherryPicks"]>)(project, shas, query)) }
        : {}),
      ...(upstream.stats ? { stats: () => (upstream.stats as NonNullable<UpstreamForge["stats"]>)() } : {}),
    };
  }

  isUnknown(project: UpstreamProject, commit: string): boolean {
    return this.#unknown.get(projectKey(project))?.has(commit.toLowerCase()) ?? false;
  }

  #markUnknown(project: UpstreamProject, commit: string): void {
    const key = projectKey(project);
    const set = this.#unknown.get(key) ?? new Set<string>();
    set.add(commit.toLowerCase());
    this.#unknown.set(key, set);
  }

  /** The project's tags that name versions, oldest first (one listing per project per session). */
  tags(project: UpstreamProject, component: string): Promise<ProjectTags> {
    return memo(this.#tags, projectKey(project), async () => {
      const names = await this.upstream.tags(project);
      const repoName = project.path.split("/").pop() as string;
      const prefixes = [`${repoName}-`, `${component}-`, `${repoName}_`, `${component}_`];
      const sorted = names
        .map((tag) => ({ tag, version: tagToVersion(tag, { prefixes }) }))
        .filter((t): t is TaggedVersion => t.version !== undefined && /^\d/.test(t.version))
        .sort((a, b) => rpmvercmp(a.version, b.version) || (a.tag < b.tag ? -1 : 1));
      return { sorted, byName: new Set(names) };
    });
  }

  /** The tag (or snapshot commit) the packaged version was built from. */
  async tagForVersion(project: UpstreamProject, component: string, version: string, source0?: string): Promise<string | undefined> {
    const snapshot = /\^.*?git\.?([0-9a-f]{7,40})\b/.exec(version);
    if (snapshot) return snapshot[1];
    const { sorted } = await this.tags(project, component);
    const equal = sorted.filter((t) => rpmvercmp(t.version, version) === 0);
    if (equal.length === 0) return undefined;
    // the Source0 URL names the tag best when it spells one of the candidates
    const named = source0 ? equal.find((t) => source0.includes(`/${t.tag}/`) || source0.includes(`/${t.tag}.`) || source0.includes(`/refs/tags/${t.tag}`)) : undefined;
    return (named ?? equal.find((t) => t.tag === version) ?? equal.find((t) => t.tag === `v${version}`) ?? equal[0])?.tag;
  }

  /**
   * Releases newer than `after` by stream, as they are searched: the packaged version's stable stream
   * first (a backport ships there first), then the mainline. Release candidates count only when the
   * packaged version is one itself: people drop patches at releases.
   */
  async streams(project: UpstreamProject, component: string, after?: string): Promise<{ stream: string; releases: TaggedVersion[] }[]> {
    const { sorted } = await this.tags(project, component);
    const versions = new Set(sorted.map((t) => t.version));
    const withPre = after !== undefined && isPreRelease(after);
    const newer = (after ? sorted.filter((t) => rpmvercmp(t.version, after) > 0) : sorted).filter((t) => withPre || !isPreRelease(t.version));
    const own = after ? streamOf(after, versions) : "main";
    // packaged at 258 (or 258.3), the 258.x stable releases come before the next mainline one
    const order = [...new Set([own, ...(after ? [`stable:${after.replace(/[~^].*$/, "")}`] : []), "main"])];
    return order.map((stream) => ({ stream, releases: newer.filter((t) => streamOf(t.version, versions) === stream) })).filter((s) => s.releases.length > 0);
  }

  /**
   * Where `commit` is released: in the packaged version's tag, else the oldest release newer than it,
   * searched stream by stream — the packaged version's stable stream first (a backport ships there
   * first), then the mainline. The packaged tag joins its own stream as the oldest candidate and the
   * newest release of a stream is asked first: containment is monotone along a stream, so when the
   * newest lacks the commit, so do the others and the packaged tag — one request, not a search (a pull
   * request's head commit that never landed is the common case). `knownIn` names a tag known to
   * contain the commit already.
   */
  place(project: UpstreamProject, component: string, commit: string, packaged: { version?: string; tag?: string } = {}, knownIn?: string): Promise<Placement> {
    return memo(this.#placements, `${projectKey(project)}\0${commit}\0${packaged.version ?? ""}\0${packaged.tag ?? ""}\0${knownIn ?? ""}`, async () => {
      const { sorted } = await this.tags(project, component);
      const own = packaged.tag ? sorted.find((t) => t.tag === packaged.tag) : undefined;
      if (packaged.tag && !own) {
        // a snapshot commit, or a tag the listing lacks: asked directly
        const inside = await this.forge.contains(project, packaged.tag, commit);
        if (inside === true) return { inPackaged: true };
        if (this.isUnknown(project, commit)) return { unknown: true };
      }
      const versions = new Set(sorted.map((t) => t.version));
      const ownStream = own ? streamOf(own.version, versions) : undefined;
      const streams = await this.streams(project, component, packaged.version);
      if (own && ownStream && !streams.some((x) => x.stream === ownStream)) streams.unshift({ stream: ownStream, releases: [] });
      // a tag already known to contain the commit is not asked
      const holds = async (tag: string) => (tag === knownIn ? true : this.forge.contains(project, tag, commit));
      for (const { stream, releases } of streams) {
        let found: TaggedVersion | undefined;
        if (own && stream === ownStream) {
          // the newest of the stream first, then the packaged tag (the oldest), then between them
          const newest = releases[releases.length - 1];
          if (newest && (await holds(newest.tag)) !== true) found = undefined;
          else if ((await holds(own.tag)) === true) return { inPackaged: true };
          else found = newest && (await bisect(releases, holds, { newestKnown: true }));
        } else found = await bisect(releases, holds);
        if (found) return { first: { ...found, stream } };
        if (this.isUnknown(project, commit)) return { unknown: true };
      }
      return {};
    });
  }

  /** The oldest release newer than `after` that contains `commit` (another project's commit, or no packaged tag). */
  async firstRelease(project: UpstreamProject, component: string, commit: string, after?: string): Promise<Release | undefined> {
    return (await this.place(project, component, commit, after ? { version: after } : {})).first;
  }

  /** Like firstRelease, for any monotone test of a release (content present at a tag). */
  async firstReleaseWhere(project: UpstreamProject, component: string, after: string | undefined, holds: (tag: string) => Promise<boolean | undefined>): Promise<Release | undefined> {
    for (const { stream, releases } of await this.streams(project, component, after)) {
      const found = await bisect(releases, holds);
      if (found) return { ...found, stream };
    }
    return undefined;
  }

}

/** The oldest of `candidates` (sorted oldest first) for which `holds` is true, the newest asked first. */
async function bisect(candidates: TaggedVersion[], holds: (tag: string) => Promise<boolean | undefined>, options: { newestKnown?: boolean } = {}): Promise<TaggedVersion | undefined> {
  const newest = candidates[candidates.length - 1];
  if (!newest || (!options.newestKnown && (await holds(newest.tag)) !== true)) return undefined;
  let lo = 0;
  let hi = candidates.length - 2;
  let found: TaggedVersion = newest;
  for (let probes = 0; lo <= hi && probes < 20; probes++) {
    const mid = (lo + hi) >> 1;
    const tag = candidates[mid] as TaggedVersion;
    if ((await holds(tag.tag)) === true) {
      found = tag;
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  return found;
}
