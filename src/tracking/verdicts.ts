/**
 * The evidence ladder (UPSTREAM.md §1) applied to each inventoried patch, strongest rung first:
 * (a) the downstream commit is in the packaged version's tag, (b) the upstream PR/MR is merged and its
 * commit is in the tag (or a cherry-pick trailer names one that is), (c) patch-id equality with the
 * landed commit, (d) every hunk reverse-applies at the tag, (f) human metadata and removal criteria.
 * Each verdict records the rung that produced it, the evidence links and the drop action.
 */
import { compareEVR, rpmvercmp, tagToVersion } from "../version/index.js";
import { ForgeError, type ChangeState, type UpstreamForge, type UpstreamProject } from "./forge.js";
import { patchId, patchIds } from "./patch-id.js";
import type { RemovalCondition, RemovalCriterion } from "./removal-criteria.js";
import { checkAgainstTree, seriesNetDiff, touchedPaths } from "./reverse-apply.js";
import type { DropAction, InventoryPatch, PatchInventory, PatchOrigin } from "./types.js";
import { canonicalUrl, classifyUrl, type UrlReference } from "./urls.js";

export const VERDICTS = ["released", "merged-unreleased", "pending", "declined", "fixed-elsewhere", "inactive", "unknown"] as const;
export type VerdictKind = (typeof VERDICTS)[number];

/** a–g: the evidence ladder; `spec`: the spec itself (inactive conditional); `none`: no evidence */
export type Rung = "a" | "b" | "c" | "d" | "e" | "f" | "g" | "spec" | "none";

export const RUNG_NAMES: Record<Rung, string> = {
  a: "downstream commit contained in the release tag",
  b: "upstream change merged and contained in the release tag",
  c: "patch-id equal to an upstream commit",
  d: "every hunk reverse-applies at the release tag",
  e: "fingerprint or subject match",
  f: "metadata or removal criterion",
  g: "upstream issue state",
  spec: "spec conditional is false for the distro",
  none: "no evidence",
};

export interface Evidence {
  rung: Rung;
  /** one line, plain text */
  summary: string;
  url?: string;
  /** true: supports dropping; false: contradicts; undefined: neutral or failed */
  supports?: boolean;
  error?: boolean;
}

export interface PatchVerdict {
  key: string;
  component: string;
  file: string;
  origin: PatchOrigin;
  url?: string;
  verdict: VerdictKind;
  rung: Rung;
  /** one line explaining the verdict */
  reason: string;
  /** can be dropped at the packaged version */
  droppable: boolean;
  /** merged-unreleased: the first upstream version that carries the change */
  dropFrom?: string;
  packagedVersion?: string;
  upstream?: { project: string; url: string; tag?: string };
  evidence: Evidence[];
  links: string[];
  criteria: RemovalCriterion[];
  /** claims that disagree with the verdict ("marked upstreamed, but not in 258.4") */
  conflicts: string[];
  drop: DropAction;
  /** a distro-owned patch whose state asks a maintainer to act */
  actionable: boolean;
  /** an upstream query failed: the verdict may be weaker than the truth (publishers keep the last good one) */
  incomplete?: boolean;
  /** fingerprints that identify the patch across renames */
  patchIds?: string[];
  blobId?: string;
  wiring: InventoryPatch["wiring"];
  metadata?: InventoryPatch["metadata"];
}

export interface TrackOptions {
  /** undefined: offline (only the spec, metadata and removal criteria are used) */
  forge?: UpstreamForge;
  /** reads patch files for reverse-apply (the snapshot the inventory came from) */
  readText?: (path: string) => Promise<string | undefined>;
  /** patches assessed at once (forge calls are awaited per patch) */
  concurrency?: number;
}

function projectOf(ref: UrlReference): UpstreamProject | undefined {
  switch (ref.kind) {
    case "github-pull":
    case "github-commit":
    case "github-issue":
      return { forge: "github", host: "github.com", path: `${ref.owner}/${ref.repo}` };
    case "gitlab-merge-request":
    case "gitlab-commit":
    case "gitlab-issue":
      return { forge: "gitlab", host: ref.host, path: ref.project };
    default:
      return undefined;
  }
}

/** The upstream project a Source0 URL downloads from (GitHub/GitLab archives and releases). */
export function projectFromSource(url: string | undefined): UpstreamProject | undefined {
  if (!url) return undefined;
  const m = /^https?:\/\/github\.com\/([^/\s]+)\/([^/\s#?]+)\//.exec(url);
  if (m) return { forge: "github", host: "github.com", path: `${m[1]}/${(m[2] as string).replace(/\.git$/, "")}` };
  const g = /^https?:\/\/(gitlab\.[^/\s]+|salsa\.debian\.org|invent\.kde\.org)\/(.+?)\/-\//.exec(url);
  if (g) return { forge: "gitlab", host: g[1] as string, path: g[2] as string };
  return undefined;
}

const projectKey = (p: UpstreamProject) => `${p.host}/${p.path}`.toLowerCase();
const projectUrl = (p: UpstreamProject) => `https://${p.host}/${p.path}`;

interface ProjectTags {
  /** tag names sorted by their RPM version, oldest first */
  sorted: { tag: string; version: string }[];
}

export class ForgeSession {
  readonly #tags = new Map<string, Promise<ProjectTags>>();
  /** `project@ref commit` → containment, asked once per sweep (patches of one package share commits and tags) */
  readonly #contains = new Map<string, Promise<boolean | undefined>>();
  constructor(readonly forge: UpstreamForge) {}

  contains(project: UpstreamProject, ref: string, commit: string): Promise<boolean | undefined> {
    const key = `${projectKey(project)}@${ref} ${commit}`;
    let answer = this.#contains.get(key);
    if (!answer) {
      answer = this.forge.contains(project, ref, commit);
      this.#contains.set(key, answer);
      answer.catch(() => this.#contains.delete(key));
    }
    return answer;
  }

  tags(project: UpstreamProject, component: string): Promise<ProjectTags> {
    const key = projectKey(project);
    let tags = this.#tags.get(key);
    if (!tags) {
      tags = this.forge.tags(project).then((names) => {
        const repoName = project.path.split("/").pop() as string;
        const prefixes = [`${repoName}-`, `${component}-`, `${repoName}_`, `${component}_`];
        const sorted = names
          .map((tag) => ({ tag, version: tagToVersion(tag, { prefixes }) }))
          .filter((t): t is { tag: string; version: string } => t.version !== undefined && /^\d/.test(t.version))
          .sort((a, b) => rpmvercmp(a.version, b.version) || (a.tag < b.tag ? -1 : 1));
        return { sorted };
      });
      this.#tags.set(key, tags);
    }
    return tags;
  }
}

/** The tag (or snapshot commit) the packaged version was built from. */
async function tagForVersion(session: ForgeSession, project: UpstreamProject, component: string, version: string, source0?: string): Promise<string | undefined> {
  const snapshot = /\^.*?git\.?([0-9a-f]{7,40})\b/.exec(version);
  if (snapshot) return snapshot[1];
  const { sorted } = await session.tags(project, component);
  const equal = sorted.filter((t) => rpmvercmp(t.version, version) === 0);
  if (equal.length === 0) return undefined;
  // the Source0 URL names the tag best when it spells one of the candidates
  const named = source0 ? equal.find((t) => source0.includes(`/${t.tag}/`) || source0.includes(`/${t.tag}.`) || source0.includes(`/refs/tags/${t.tag}`)) : undefined;
  return (named ?? equal.find((t) => t.tag === version) ?? equal.find((t) => t.tag === `v${version}`) ?? equal[0])?.tag;
}

/** `259~rc1`, `259-rc1`, `2.0.0-beta.2`, `1.0a1`: a version upstream has not released yet. */
export function isPreRelease(version: string): boolean {
  return /(?:^|[.~_-]|\d)(?:rc|alpha|beta|pre|preview|dev)\.?\d*(?:$|[.~_-])/i.test(version) || /\d(?:a|b)\d+$/.test(version);
}

/**
 * Release streams: `258.1`, `258.4` form the stable stream of `258` when the project also tags
 * `258` itself; everything else is the mainline. Containment is monotone within a stream only.
 */
function streamOf(version: string, all: Set<string>): string {
  const m = /^(\d+(?:\.\d+)*)\.\d+$/.exec(version.replace(/[~^].*$/, ""));
  return m && all.has(m[1] as string) ? `stable:${m[1]}` : "main";
}

async function searchStream(forge: Pick<UpstreamForge, "contains">, project: UpstreamProject, commit: string, candidates: { tag: string; version: string }[]): Promise<{ tag: string; version: string } | undefined> {
  // the newest tag first: containment is monotone within a stream, so when it lacks the commit no
  // tag has it — one request instead of a search (a PR-head commit that never landed is the common case)
  const newest = candidates[candidates.length - 1];
  if (!newest || (await forge.contains(project, newest.tag, commit)) !== true) return undefined;
  let lo = 0;
  let hi = candidates.length - 1;
  let found: { tag: string; version: string } | undefined;
  for (let probes = 0; lo <= hi && probes < 20; probes++) {
    const mid = (lo + hi) >> 1;
    const tag = candidates[mid] as { tag: string; version: string };
    if ((await forge.contains(project, tag.tag, commit)) === true) {
      found = tag;
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  return found;
}

/**
 * The oldest tag newer than `after` that contains `commit`: searched first in the packaged
 * version's stable stream (a backport ships there first), then in the mainline.
 */
async function firstTagContaining(session: ForgeSession, project: UpstreamProject, component: string, commit: string, after?: string): Promise<{ tag: string; version: string } | undefined> {
  const { sorted } = await session.tags(project, component);
  const versions = new Set(sorted.map((t) => t.version));
  // people drop patches at releases: a release candidate counts only when the packaged version is one
  const withPre = after !== undefined && isPreRelease(after);
  const newer = (after ? sorted.filter((t) => rpmvercmp(t.version, after) > 0) : sorted).filter((t) => withPre || !isPreRelease(t.version));
  const own = after ? streamOf(after, versions) : "main";
  // packaged at 258 (or 258.3), the 258.x stable releases come before the next mainline one
  const streams = [...new Set([own, ...(after ? [`stable:${after.replace(/[~^].*$/, "")}`] : []), "main"])].filter((st) => st === "main" || newer.some((t) => streamOf(t.version, versions) === st));
  for (const stream of streams) {
    const found = await searchStream(session, project, commit, newer.filter((t) => streamOf(t.version, versions) === stream));
    if (found) return found;
  }
  return undefined;
}

function describeCondition(c: RemovalCondition): string {
  switch (c.kind) {
    case "package-version":
      return `${c.package} ${c.operator} ${c.version}${c.release ? `-${c.release}` : ""}`;
    case "package-fixed":
      return `${c.package} fixed`;
    case "upstream-version":
      return `upstream version ${c.version}`;
    case "next-rebase":
      return "the next rebase";
    case "upstream-change":
      return `${c.url} merged`;
  }
}

/** A package name as the repo's components name it (`kernel-core` → `kernel`). */
function packagedVersionOf(pkg: string, versions: Map<string, string>): { component: string; version: string } | undefined {
  const candidates = [pkg, pkg.replace(/-(core|libs?|devel|common|tools|modules.*)$/, ""), pkg.replace(/^python3-/, "python-")];
  for (const name of candidates) {
    const version = versions.get(name);
    if (version) return { component: name, version };
  }
  return undefined;
}

type Draft = Pick<PatchVerdict, "verdict" | "rung" | "reason" | "droppable"> & { dropFrom?: string };

/** Per-inventory lookups, built once however many patches are assessed. */
const lookups = new WeakMap<PatchInventory, { components: Map<string, PatchInventory["components"][number]>; versions: Map<string, string> }>();
function lookupsOf(inv: PatchInventory) {
  let found = lookups.get(inv);
  if (!found) {
    found = {
      components: new Map(inv.components.map((c) => [c.name, c])),
      versions: new Map(inv.components.filter((c) => c.version).map((c) => [c.name, c.version as string])),
    };
    lookups.set(inv, found);
  }
  return found;
}

export async function assessPatch(patch: InventoryPatch, inv: PatchInventory, options: TrackOptions = {}, session?: ForgeSession): Promise<PatchVerdict> {
  const { components, versions } = lookupsOf(inv);
  const component = components.get(patch.component);
  const version = component?.version;
  const evidence: Evidence[] = [];
  const conflicts: string[] = [];
  const links: string[] = [];
  const addLink = (url: string | undefined) => {
    if (url && !links.includes(url)) links.push(url);
  };
  for (const ref of patch.references) addLink(canonicalUrl(ref));

  const changeRefs = patch.references.filter((r) => r.kind === "github-pull" || r.kind === "gitlab-merge-request");
  for (const criterion of patch.removalCriteria) {
    for (const c of criterion.conditions) {
      if (c.kind !== "upstream-change") continue;
      const ref = classifyUrl(c.url);
      if (ref && (ref.kind === "github-pull" || ref.kind === "gitlab-merge-request") && !changeRefs.some((r) => canonicalUrl(r) === canonicalUrl(ref))) changeRefs.push(ref);
    }
  }
  const commitRefs: { project?: UpstreamProject; sha: string; rung: Rung; why: string }[] = [];
  for (const r of patch.references) {
    if (r.kind === "github-commit" || r.kind === "gitlab-commit") commitRefs.push({ project: projectOf(r) as UpstreamProject, sha: r.sha, rung: "a", why: `commit ${r.sha.slice(0, 12)}` });
  }
  for (const sha of patch.headers?.cherryPickedFrom ?? []) commitRefs.push({ sha, rung: "b", why: `cherry-picked from ${sha.slice(0, 12)}` });
  for (const sha of patch.headers?.commits ?? []) commitRefs.push({ sha, rung: "a", why: `format-patch commit ${sha.slice(0, 12)}` });

  // the upstream is what the patch's changes and commits point at, else where Source0 downloads from; an
  // issue link in a comment (a distro tracker, a downstream bug) names the upstream only when it agrees
  const sourceProject = projectFromSource(component?.source0);
  const isIssue = (r: UrlReference) => r.kind === "github-issue" || r.kind === "gitlab-issue";
  // the package's own source names the upstream first; links name it only when the source cannot
  const project =
    sourceProject ??
    [patch.reference, ...patch.references].map((r) => (r && !isIssue(r) ? projectOf(r) : undefined)).find(Boolean) ??
    [patch.reference, ...patch.references].map((r) => (r && isIssue(r) ? projectOf(r) : undefined)).find(Boolean);
  const result: Omit<PatchVerdict, keyof Draft> = {
    key: patch.key,
    component: patch.component,
    file: patch.file,
    origin: patch.origin,
    evidence,
    links,
    criteria: patch.removalCriteria,
    conflicts,
    drop: patch.drop,
    actionable: false,
    wiring: patch.wiring,
  };
  if (patch.url) result.url = patch.url;
  if (version) result.packagedVersion = version;
  if (patch.patchIds) result.patchIds = patch.patchIds;
  if (patch.blobId) result.blobId = patch.blobId;
  if (patch.metadata) result.metadata = patch.metadata;
  if (project) result.upstream = { project: project.path, url: projectUrl(project) };

  const finish = (draft: Draft): PatchVerdict => {
    const verdict: PatchVerdict = { ...result, ...draft };
    const failure = evidence.find((e) => e.error);
    if (failure) {
      verdict.incomplete = true;
      if (draft.verdict === "unknown") verdict.reason = `upstream could not be queried (${failure.summary})`;
    }
    verdict.actionable = patch.origin === "distro" && draft.verdict !== "pending";
    // hints never override evidence, but a disagreement is worth showing
    const status = patch.metadata?.["upstream-status"];
    if (status === "upstreamed" && (draft.verdict === "pending" || draft.verdict === "declined")) conflicts.push(`marked upstream-status = "upstreamed" in comp.toml, but the upstream change is ${draft.verdict}`);
    if (draft.verdict === "released" && (status === "upstreamable" || patch.headers?.hints.some((h) => h.status === "not-forwarded"))) conflicts.push(`marked as not yet upstreamed, but upstream ${version ?? "the packaged version"} already contains it`);
    return verdict;
  };

  // spec: a patch that no build applies is dead weight, whatever upstream did
  if (!patch.active) {
    evidence.push({ rung: "spec", summary: `inside \`${patch.condition ?? "a false conditional"}\`, false for ${Object.entries(inv.macros).map(([k, v]) => `%${k}=${v}`).join(" ")}`, supports: true });
    return finish({ verdict: "inactive", rung: "spec", reason: `never applied: ${patch.condition ?? "its conditional is false"} for this distro`, droppable: true });
  }

  const forgeSession = session ?? (options.forge ? new ForgeSession(options.forge) : undefined);
  let tag: string | undefined;
  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (error) {
      evidence.push({ rung: "none", summary: `${what}: ${error instanceof ForgeError || error instanceof Error ? error.message : String(error)}`, error: true });
      return undefined;
    }
  };
  if (forgeSession && project && version && forgeSession.forge.supports(project)) {
    tag = await guard(`tags of ${project.path}`, () => tagForVersion(forgeSession, project, patch.component, version, component?.source0));
    if (result.upstream && tag) result.upstream.tag = tag;
    if (!tag) evidence.push({ rung: "none", summary: `no upstream tag of ${project.path} matches the packaged version ${version}` });
  }

  // rung c: the patch's content in the upstream history — each commit of the series (rebased, or
  // cherry-picked to a stable branch under a new id) and the whole series as one (a squash merge)
  if (forgeSession?.forge.findByPatchId && project && forgeSession.forge.supports(project) && (patch.patchIds?.length || tag)) {
    const ids = [...(patch.patchIds ?? [])];
    const path = patch.sourcePath ?? patch.renderedPath;
    const text = path && options.readText ? await options.readText(path).catch(() => undefined) : undefined;
    const net = text && tag && (patch.headers?.commits.length ?? 0) > 1 ? await guard(`the series applied at ${tag}`, () => seriesNetDiff(text, (file) => forgeSession.forge.readFile(project, tag as string, file))) : undefined;
    const netId = net ? patchId(net) : undefined;
    if (netId) ids.push(netId);
    const hits = ids.length ? await guard(`patch-id search in ${project.path}`, async () => (await (forgeSession.forge.findByPatchId as NonNullable<UpstreamForge["findByPatchId"]>)(project, ids)) ?? new Map<string, string[]>()) : undefined;
    // a commit of a series found upstream covers that commit only: the series counts when its net change
    // is found, or every one of its commits is (then the last one decides)
    const perCommit = patch.patchIds ?? [];
    const usable = [...(hits ?? [])].filter(([id]) => id === netId || perCommit.length <= 1 || (perCommit.every((c) => hits?.has(c)) && id === perCommit[perCommit.length - 1]));
    for (const [id] of [...(hits ?? [])].filter(([id]) => !usable.some(([u]) => u === id))) evidence.push({ rung: "c", summary: `commit ${perCommit.indexOf(id) + 1} of ${perCommit.length} of the series is upstream as ${hits?.get(id)?.[0]?.slice(0, 12)}, the rest is not` });
    for (const [id, commits] of usable) {
      const sha = commits[0] as string;
      const why = id === netId ? `the whole series, as one commit (${sha.slice(0, 12)}), by patch-id` : `commit ${sha.slice(0, 12)} of upstream has the same patch-id`;
      evidence.push({ rung: "c", summary: why, url: `${projectUrl(project)}/commit/${sha}`, supports: true });
      for (const commit of commits.slice(0, 3)) commitRefs.unshift({ project, sha: commit, rung: "c", why: `${id === netId ? "the squashed series" : "the same change"} ${commit.slice(0, 12)}` });
    }
  }

  // rung e: the same subject line upstream, when the content search found nothing — a change edited
  // on merge keeps its subject. Only distinctive subjects, and only one matching commit each.
  if (forgeSession?.forge.findBySubject && project && forgeSession.forge.supports(project) && !commitRefs.some((r) => r.rung === "c")) {
    const subjects = (patch.headers?.subjects ?? []).map((s) => s.replace(/^\[PATCH[^\]]*\]\s*/, "").trim()).filter((s) => s.length >= 20);
    const found = subjects.length ? await guard(`subject search in ${project.path}`, async () => (await (forgeSession.forge.findBySubject as NonNullable<UpstreamForge["findBySubject"]>)(project, subjects)) ?? new Map<string, string[]>()) : undefined;
    // a series counts only when every commit's subject is there (the last one decides, as for patch-ids)
    const all = subjects.length > 0 && subjects.every((s) => found?.get(s)?.length === 1);
    if (all) {
      const last = subjects[subjects.length - 1] as string;
      const sha = (found?.get(last) as string[])[0] as string;
      evidence.push({ rung: "e", summary: `${subjects.length === 1 ? "a commit" : `all ${subjects.length} commits`} with the same subject upstream (last: ${sha.slice(0, 12)} "${last}"); the content differs, so it may have been edited on merge`, url: `${projectUrl(project)}/commit/${sha}`, supports: true });
      commitRefs.push({ project, sha, rung: "e", why: `the commit with the same subject ${sha.slice(0, 12)}` });
    }
  }

  let best: Draft | undefined;
  const consider = (draft: Draft) => {
    const order: VerdictKind[] = ["released", "merged-unreleased", "pending", "fixed-elsewhere", "declined", "unknown", "inactive"];
    if (!best || order.indexOf(draft.verdict) < order.indexOf(best.verdict)) best = draft;
    // the same verdict from two routes: the earlier release wins (a backport before the next mainline)
    else if (draft.verdict === best.verdict && draft.dropFrom && (!best.dropFrom || rpmvercmp(draft.dropFrom, best.dropFrom) < 0)) best = draft;
  };

  // rung a / b: commits named by the patch
  if (forgeSession) {
    for (const ref of commitRefs.slice(0, 6)) {
      const where = ref.project ?? project;
      if (!where || !forgeSession.forge.supports(where)) continue;
      if (tag && (!ref.project || !project || projectKey(ref.project) === projectKey(project))) {
        const inside = await guard(`containment of ${ref.sha.slice(0, 12)}`, () => forgeSession.contains(where, tag as string, ref.sha));
        if (inside === true) {
          evidence.push({ rung: ref.rung, summary: `${ref.why} is contained in ${tag}`, url: `${projectUrl(where)}/commit/${ref.sha}`, supports: true });
          consider({ verdict: "released", rung: ref.rung, reason: `${ref.why} is in ${tag}, the packaged version ${version}`, droppable: true });
          break;
        }
        if (inside === false) {
          const first = await guard(`release search for ${ref.sha.slice(0, 12)}`, () => firstTagContaining(forgeSession, where, patch.component, ref.sha, version));
          if (first) {
            evidence.push({ rung: ref.rung, summary: `${ref.why} first released in ${first.tag}`, url: `${projectUrl(where)}/commit/${ref.sha}`, supports: true });
            consider({ verdict: "merged-unreleased", rung: ref.rung, reason: `${ref.why} is upstream from ${first.version}; the packaged version is ${version}`, droppable: false, dropFrom: first.version });
          } else {
            evidence.push({ rung: ref.rung, summary: `${ref.why} is not in ${tag} nor in a newer tag`, url: `${projectUrl(where)}/commit/${ref.sha}` });
          }
        }
      }
    }
  }

  // rung b: pull / merge requests
  const changes: { ref: UrlReference; state: ChangeState }[] = [];
  if (forgeSession) {
    for (const ref of changeRefs.slice(0, 4)) {
      const where = projectOf(ref);
      if (!where || !forgeSession.forge.supports(where) || (ref.kind !== "github-pull" && ref.kind !== "gitlab-merge-request")) continue;
      // a pull request of another project than the package's source is a reference, not evidence
      if (sourceProject && projectKey(where) !== projectKey(sourceProject)) {
        evidence.push({ rung: "b", summary: `${canonicalUrl(ref)} is in ${where.path}, not ${sourceProject.path} (where the package's source comes from): shown as a reference` });
        continue;
      }
      const state = await guard(`state of ${canonicalUrl(ref)}`, () => forgeSession.forge.change(where, ref.number));
      if (!state) continue;
      changes.push({ ref, state });
      const label = ref.kind === "github-pull" ? `PR #${ref.number}` : `MR !${ref.number}`;
      addLink(state.url);
      if (state.state === "open") {
        evidence.push({ rung: "b", summary: `${label} is open${state.title ? `: ${state.title}` : ""}`, url: state.url });
        consider({ verdict: "pending", rung: "b", reason: `${label} is still open upstream`, droppable: false });
        continue;
      }
      if (state.state === "closed") {
        evidence.push({ rung: "b", summary: `${label} was closed without merging`, url: state.url, supports: false });
        continue;
      }
      const merged = state.mergeCommit;
      evidence.push({ rung: "b", summary: `${label} merged${merged ? ` as ${merged.slice(0, 12)}` : ""}${state.baseRef ? ` into ${state.baseRef}` : ""}`, url: state.url, supports: true });
      if (!merged) {
        consider({ verdict: "merged-unreleased", rung: "b", reason: `${label} is merged upstream; its release is not known`, droppable: false });
        continue;
      }
      // rung c, supporting: does the landed commit carry the same change?
      if (patch.patchIds?.length && forgeSession.forge.commitDiff) {
        const diff = await guard(`diff of ${merged.slice(0, 12)}`, () => (forgeSession.forge.commitDiff as NonNullable<UpstreamForge["commitDiff"]>)(where, merged));
        const landedId = diff ? patchIds(diff)[0]?.id : undefined;
        if (landedId) {
          const same = patch.patchIds.includes(landedId);
          evidence.push({ rung: "c", summary: same ? `patch-id of ${merged.slice(0, 12)} equals the downstream patch` : `patch-id of ${merged.slice(0, 12)} differs from the downstream patch (edited on merge, or a series)`, supports: same ? true : undefined });
        }
      }
      const sameProject = !project || projectKey(where) === projectKey(project);
      if (tag && sameProject) {
        const inside = await guard(`containment of ${merged.slice(0, 12)}`, () => forgeSession.contains(where, tag as string, merged));
        if (inside === true) {
          evidence.push({ rung: "b", summary: `${merged.slice(0, 12)} is contained in ${tag}`, url: `${projectUrl(where)}/commit/${merged}`, supports: true });
          consider({ verdict: "released", rung: "b", reason: `${label} is merged and released in ${tag} (packaged ${version})`, droppable: true });
          continue;
        }
      }
      const first = await guard(`release search for ${merged.slice(0, 12)}`, () => firstTagContaining(forgeSession, where, patch.component, merged, sameProject ? version : undefined));
      if (first && version && sameProject && rpmvercmp(first.version, version) <= 0) {
        consider({ verdict: "released", rung: "b", reason: `${label} is merged and released in ${first.tag}`, droppable: true });
      } else if (first) {
        evidence.push({ rung: "b", summary: `first released in ${first.tag}`, url: `${projectUrl(where)}/releases/tag/${encodeURIComponent(first.tag)}`, supports: true });
        consider({ verdict: "merged-unreleased", rung: "b", reason: `${label} is merged upstream and released in ${first.version}; the packaged version is ${version ?? "unknown"}`, droppable: false, dropFrom: first.version });
      } else {
        consider({ verdict: "merged-unreleased", rung: "b", reason: `${label} is merged upstream but in no release yet`, droppable: false });
      }
    }
  }

  // rung g: the upstream issue a patch points at, when nothing stronger decided
  if (forgeSession?.forge.issue && (!best || (best as Draft).verdict === "unknown")) {
    for (const ref of patch.references.filter((r) => r.kind === "github-issue" || r.kind === "gitlab-issue").slice(0, 2)) {
      const where = projectOf(ref);
      if (!where || !forgeSession.forge.supports(where) || (ref.kind !== "github-issue" && ref.kind !== "gitlab-issue")) continue;
      const state = await guard(`state of ${canonicalUrl(ref)}`, async () => (forgeSession.forge.issue as NonNullable<UpstreamForge["issue"]>)(where, ref.number));
      if (!state) continue;
      addLink(state.url);
      const label = `${where.path}#${ref.number}`;
      if (state.state === "open") {
        evidence.push({ rung: "g", summary: `${label} is open${state.title ? `: ${state.title}` : ""}`, url: state.url });
        consider({ verdict: "pending", rung: "g", reason: `the upstream issue ${label} is still open`, droppable: false });
      } else if (state.reason === "not_planned") {
        evidence.push({ rung: "g", summary: `${label} was closed as not planned`, url: state.url, supports: false });
      } else {
        evidence.push({ rung: "g", summary: `${label} is closed${state.reason ? ` (${state.reason})` : ""}`, url: state.url, supports: true });
        consider({ verdict: "merged-unreleased", rung: "g", reason: `the upstream issue ${label} is closed; the release with the fix is not known — check it and drop`, droppable: false });
      }
    }
  }

  // rung d: is the change already in the source at the packaged tag?
  const strongEnough = (best as Draft | undefined)?.verdict === "released";
  if (!strongEnough && forgeSession && project && tag && options.readText && forgeSession.forge.supports(project)) {
    const path = patch.sourcePath ?? patch.renderedPath;
    const text = path ? await options.readText(path).catch(() => undefined) : undefined;
    if (text && touchedPaths(text).length > 0 && touchedPaths(text).length <= 40) {
      const check = await guard(`reverse-apply at ${tag}`, () => checkAgainstTree(text, (file) => forgeSession.forge.readFile(project, tag as string, file)));
      if (check) {
        // the series' net change: hunks a later commit of the series takes back, and trivial ones, prove nothing
        const all = check.files.flatMap((f) => f.hunks);
        const hunks = all.filter((h) => h !== "trivial" && h !== "undone");
        const setAside = all.length - hunks.length;
        const aside = setAside ? ` (${setAside} hunk(s) set aside: taken back later in the series, or trivial)` : "";
        const present = hunks.filter((h) => h === "present").length;
        if (check.state === "present") {
          evidence.push({ rung: "d", summary: `all ${hunks.length} hunks are in ${tag}, each at one place: ${project.path} ${tag} already contains the change${aside}`, supports: true });
          consider({ verdict: "released", rung: "d", reason: `upstream ${tag} already contains every hunk (packaged ${version})`, droppable: true });
        } else if (check.state === "partial") {
          // reported by file: a file counts as upstream only when every hunk of it that counts is there
          const counted = check.files.map((f) => f.hunks.filter((h) => h !== "trivial" && h !== "undone")).filter((h) => h.length > 0);
          const filesIn = counted.filter((h) => h.every((x) => x === "present")).length;
          evidence.push({ rung: "d", summary: `${filesIn} of ${counted.length} files already have the change at ${tag} (${present} of ${hunks.length} hunks, each at one place): partly upstream, needs a rebase${aside}` });
        } else if (check.state === "absent") {
          evidence.push({ rung: "d", summary: `none of the ${hunks.length} hunks is in ${tag}${aside}`, supports: false });
        } else if (check.state === "conflict") {
          evidence.push({ rung: "d", summary: `the hunks neither apply nor reverse-apply at ${tag}: upstream diverged` });
        }
      }
    }
  }

  // rung f: removal criteria and metadata
  for (const criterion of patch.removalCriteria) {
    for (const c of criterion.conditions) {
      if (c.kind === "upstream-version" && version) {
        const met = rpmvercmp(version, c.version) >= 0;
        evidence.push({ rung: "f", summary: `removal criterion "${criterion.text}": packaged ${version} ${met ? "meets" : "is below"} ${c.version}`, supports: met });
        if (met) consider({ verdict: "released", rung: "f", reason: `removal criterion met: ${describeCondition(c)} (packaged ${version})`, droppable: true });
        else consider({ verdict: "merged-unreleased", rung: "f", reason: `removal criterion: drop from ${c.version}`, droppable: false, dropFrom: c.version });
      }
      if (c.kind === "package-version" || c.kind === "package-fixed") {
        const self = c.package === patch.component.toLowerCase() || (project && c.package === (project.path.split("/").pop() as string).toLowerCase());
        if (self && c.kind === "package-version" && version) {
          const met = rpmvercmp(version, c.version) >= 0;
          if (met) consider({ verdict: "released", rung: "f", reason: `removal criterion met: ${describeCondition(c)}`, droppable: true });
          continue;
        }
        if (self) continue;
        const packaged = packagedVersionOf(c.package, versions);
        let met: boolean | undefined;
        if (packaged && c.kind === "package-version") {
          met = compareEVR(packaged.version, c.version) >= 0;
          evidence.push({ rung: "f", summary: `removal criterion "${criterion.text}": ${packaged.component} ${packaged.version} is packaged here, ${met ? "which meets" : "below"} ${describeCondition(c)}`, supports: met });
        } else {
          evidence.push({ rung: "f", summary: `removal criterion "${criterion.text}" depends on ${c.package}${packaged ? ` (packaged ${packaged.version})` : ", not packaged in this repository"}` });
        }
        consider({
          verdict: "fixed-elsewhere",
          rung: "f",
          reason: `the drop condition is another package: ${describeCondition(c)}${met === true ? " — met" : met === false ? " — not met yet" : ""}`,
          droppable: met === true,
        });
      }
    }
  }
  const status = patch.metadata?.["upstream-status"];
  if (typeof status === "string") evidence.push({ rung: "f", summary: `comp.toml metadata: upstream-status = "${status}"` });
  for (const hint of patch.headers?.hints ?? []) {
    evidence.push({ rung: "f", summary: `patch header: ${hint.source}` });
    // "Applied-Upstream: 2.5" / "Upstream-Status: Backport [2.5]": a version the packaged one can be compared with
    const applied = hint.reference && /^v?(\d+(?:[.~^]\w+)*)$/.exec(hint.reference.trim());
    if ((hint.status === "upstreamed" || hint.status === "backport") && applied && version) {
      const met = rpmvercmp(version, applied[1] as string) >= 0;
      if (met) consider({ verdict: "released", rung: "f", reason: `the patch says it is upstream in ${applied[1]} (${hint.source}); packaged ${version}`, droppable: true });
      else consider({ verdict: "merged-unreleased", rung: "f", reason: `the patch says it is upstream in ${applied[1]} (${hint.source})`, droppable: false, dropFrom: applied[1] as string });
    }
  }

  const closed = changes.filter((c) => c.state.state === "closed");
  if ((!best || best.verdict === "unknown") && closed.length > 0) {
    const label = closed.map((c) => c.state.url).join(", ");
    consider({ verdict: "declined", rung: "b", reason: `closed upstream without merging (${label}) and no equivalent change found`, droppable: false });
  }
  // a declined change whose removal criterion names another package is fixed elsewhere (already considered above)
  if (best) return finish(best);
  const hint = patch.headers?.hints[0];
  const notForwarded = status === "upstreamable" || hint?.status === "not-forwarded";
  const downstreamOnly = status === "inapplicable" || hint?.status === "inapplicable";
  const reason = downstreamOnly
    ? "downstream-only by its metadata"
    : notForwarded
      ? "not forwarded upstream yet"
      : !options.forge
        ? "no evidence offline"
        : project
          ? "no upstream change or content evidence found"
          : "no upstream reference to follow";
  return finish({ verdict: "unknown", rung: "none", reason, droppable: false });
}

/** Verdicts for every patch of an inventory (bounded concurrency, one tag listing per upstream). */
export async function trackPatches(inv: PatchInventory, options: TrackOptions = {}): Promise<PatchVerdict[]> {
  const session = options.forge ? new ForgeSession(options.forge) : undefined;
  const out: PatchVerdict[] = new Array(inv.patches.length);
  let next = 0;
  const worker = async () => {
    while (next < inv.patches.length) {
      const k = next++;
      out[k] = await assessPatch(inv.patches[k] as InventoryPatch, inv, options, session);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, inv.patches.length)) }, worker));
  return out;
}
