/**
 * The evidence ladder (UPSTREAM.md §1) applied to each inventoried patch. The rungs, strongest first:
 * (a) a commit the patch names is in the packaged version's tag; (b) the upstream pull/merge request is
 * merged and its commit is in the tag, or a stable backport of it (a `cherry picked from` trailer) is;
 * (c) the patch's content is in upstream history (patch-id per commit, and of the whole series for a
 * squash merge); (d) the series reverse-applies at the tag, file by file; (e) a commit with the same
 * subject; (f) human metadata and removal criteria; (g) the upstream issue's state. Every commit found
 * is then placed in releases: the packaged tag, else the first release of each stream that has it —
 * so "droppable from 258.7 (stable backport) or 259 (mainline)" is one answer. Each verdict records
 * the rung that decided it, the evidence and the drop action.
 */
import { compareEVR, rpmvercmp } from "../version/index.js";
import { ATTRIBUTION_WORDS, attributeUpstream, projectOf, sameProject, type AttributionSource } from "./attribution.js";
import { ForgeError, type ChangeState, type UpstreamForge, type UpstreamProject } from "./forge.js";
import { patchId, patchIds } from "./patch-id.js";
import { ForgeSession, projectKey } from "./releases.js";
import type { RemovalCondition, RemovalCriterion } from "./removal-criteria.js";
import { checkAgainstTree, seriesNetDiff, touchedPaths, type ReverseApplyResult } from "./reverse-apply.js";
import type { DropAction, InventoryPatch, PatchInventory, PatchOrigin } from "./types.js";
import { canonicalUrl, classifyUrl, type UrlReference } from "./urls.js";

export { ForgeSession, isPreRelease } from "./releases.js";
export { projectFromSource } from "./attribution.js";

export const VERDICTS = ["released", "merged-unreleased", "pending", "declined", "fixed-elsewhere", "inactive", "unknown"] as const;
export type VerdictKind = (typeof VERDICTS)[number];

/** a–g: the evidence ladder; `spec`: the spec itself (inactive conditional); `none`: no evidence */
export type Rung = "a" | "b" | "c" | "d" | "e" | "f" | "g" | "spec" | "none";

export const RUNG_NAMES: Record<Rung, string> = {
  a: "downstream commit contained in the release tag",
  b: "upstream change merged and contained in the release tag",
  c: "patch-id equal to an upstream commit",
  d: "the series reverse-applies at the release tag, file by file",
  e: "a commit with the same subject",
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

/** An upstream release that carries the change, and which commit brought it there. */
export interface UpstreamRelease {
  version: string;
  tag: string;
  /** `main`, or `stable:<x>` for the x.N releases */
  stream: string;
  /** the commit that brought it, in words ("stable backport 1a2b3c of 4d5e6f") */
  via: string;
  rung: Rung;
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
  /** every release found to carry the change, earliest first: one per stream (a backport and the mainline) */
  releases?: UpstreamRelease[];
  packagedVersion?: string;
  /** the upstream project, where the attribution came from, and the packaged version's tag */
  upstream?: { project: string; url: string; tag?: string; from?: AttributionSource };
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
  /** inherited patches: the upstream spec they come with (the distro, its branch and the pinned snapshot) */
  inheritedFrom?: PatchInventory["components"][number]["upstreamSpec"];
}

export interface TrackOptions {
  /** undefined: offline (only the spec, metadata and removal criteria are used) */
  forge?: UpstreamForge;
  /** reads patch files for content evidence (the snapshot the inventory came from) */
  readText?: (path: string) => Promise<string | undefined>;
  /** patches assessed at once (forge calls are awaited per patch) */
  concurrency?: number;
}

const projectUrl = (p: UpstreamProject) => `https://${p.host}/${p.path}`;
const short = (sha: string) => sha.slice(0, 12);

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

type Draft = Pick<PatchVerdict, "verdict" | "rung" | "reason" | "droppable"> & { dropFrom?: string; releases?: UpstreamRelease[] };

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

/** A commit upstream that may carry the change, and how it was found. */
interface Landed {
  project: UpstreamProject;
  sha: string;
  rung: Rung;
  why: string;
  /** found by content (patch-id, subject): in history, but maybe on no release branch yet */
  content?: boolean;
  /** the merged change that landed it (for "merged but in no release yet") */
  change?: string;
  /** a tag known to contain it (a backport found by listing that release's commits) */
  knownIn?: string;
}

const isChange = (r: UrlReference): r is Extract<UrlReference, { kind: "github-pull" | "gitlab-merge-request" }> => r.kind === "github-pull" || r.kind === "gitlab-merge-request";
const changeLabel = (r: Extract<UrlReference, { kind: "github-pull" | "gitlab-merge-request" }>) => (r.kind === "github-pull" ? `PR #${r.number}` : `MR !${r.number}`);

function describeReverseApply(check: ReverseApplyResult, tag: string): { summary: string; supports?: boolean } {
  const aside = check.files.length - check.deciding;
  const note = aside ? ` (${aside} of ${check.files.length} file(s) set aside: the series leaves them as they were, or they fit both ways)` : "";
  const n = check.deciding;
  switch (check.state) {
    case "present":
      return { summary: `${n === 1 ? "the file" : `all ${n} files`} the patch changes already carry the change at ${tag}: the series reverse-applies there, in order, with no fuzz${note}`, supports: true };
    case "partial":
      return { summary: `${check.present} of ${n} files already carry their part of the change at ${tag}, the others do not: partly upstream, needs a rebase${note}` };
    case "absent":
      return { summary: `none of the ${n} file(s) has the change at ${tag}: the series applies there as it is${note}`, supports: false };
    case "conflict": {
      const changed = check.files.filter((f) => f.state === "conflict").length;
      return { summary: `the series neither applies nor reverse-applies at ${tag} in ${changed} of ${n} file(s): upstream changed them${note}` };
    }
    case "empty":
      return { summary: `no file decides at ${tag}${note}` };
  }
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

  // the upstream is where the package's source comes from; links elsewhere are references, not evidence
  const attribution = attributeUpstream(patch, component);
  const project = attribution?.project;
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
  if (patch.origin === "inherited" && component?.upstreamSpec) result.inheritedFrom = component.upstreamSpec;
  if (project && attribution) result.upstream = { project: project.path, url: projectUrl(project), from: attribution.from };

  const finish = (draft: Draft): PatchVerdict => {
    const verdict: PatchVerdict = { ...result, ...draft };
    if (!draft.releases?.length) delete verdict.releases;
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

  const s = session ?? (options.forge ? new ForgeSession(options.forge) : undefined);
  const forge = s?.forge;
  const supported = (p: UpstreamProject | undefined): p is UpstreamProject => p !== undefined && forge !== undefined && forge.supports(p);
  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (error) {
      evidence.push({ rung: "none", summary: `${what}: ${error instanceof ForgeError || error instanceof Error ? error.message : String(error)}`, error: true });
      return undefined;
    }
  };

  let tag: string | undefined;
  if (s && supported(project) && version) {
    tag = await guard(`tags of ${project.path}`, () => s.tagForVersion(project, patch.component, version, component?.source0));
    if (result.upstream && tag) result.upstream.tag = tag;
    if (!tag) evidence.push({ rung: "none", summary: `no upstream tag of ${project.path} matches the packaged version ${version}` });
  }
  // content searches cover what happened after the packaged version (what is in it, rung d finds)
  const history = tag ? { since: tag } : undefined;
  const patchPath = patch.sourcePath ?? patch.renderedPath;
  let patchText: Promise<string | undefined> | undefined;
  const readPatch = () => (patchText ??= patchPath && options.readText ? options.readText(patchPath).catch(() => undefined) : Promise.resolve(undefined));

  let best: Draft | undefined;
  const consider = (draft: Draft) => {
    const order: VerdictKind[] = ["released", "merged-unreleased", "pending", "fixed-elsewhere", "declined", "unknown", "inactive"];
    if (!best || order.indexOf(draft.verdict) < order.indexOf(best.verdict)) best = draft;
    // the same verdict from two routes: the earlier release wins (a backport before the next mainline)
    else if (draft.verdict === best.verdict && draft.dropFrom && (!best.dropFrom || rpmvercmp(draft.dropFrom, best.dropFrom) < 0)) best = draft;
  };
  const decided = (): Draft | undefined => best;

  const landed: Landed[] = [];
  const land = (l: Landed) => {
    if (!landed.some((x) => x.sha === l.sha && sameProject(x.project, l.project))) landed.push(l);
  };

  // rung b: pull / merge requests — the patch's own, those of its project linked in comments, and
  // those a removal criterion waits for
  const changeRefs: Extract<UrlReference, { kind: "github-pull" | "gitlab-merge-request" }>[] = [];
  const addChange = (ref: UrlReference | undefined) => {
    if (ref && isChange(ref) && !changeRefs.some((r) => canonicalUrl(r) === canonicalUrl(ref))) changeRefs.push(ref);
  };
  addChange(patch.reference);
  const elsewhere: string[] = [];
  for (const ref of patch.references) {
    if (!isChange(ref) && ref.kind !== "github-commit" && ref.kind !== "gitlab-commit" && ref.kind !== "github-issue" && ref.kind !== "gitlab-issue") continue;
    const where = projectOf(ref);
    if (ref === patch.reference || !project || sameProject(where, project)) {
      if (isChange(ref)) addChange(ref);
    } else if (where && !elsewhere.includes(where.path)) elsewhere.push(where.path);
  }
  for (const criterion of patch.removalCriteria) {
    for (const c of criterion.conditions) if (c.kind === "upstream-change") addChange(classifyUrl(c.url));
  }
  for (const other of elsewhere.slice(0, 5)) if (project) evidence.push({ rung: "none", summary: `a link to ${other} is shown as a reference, not evidence: the upstream of ${patch.component} is ${project.path} (from ${ATTRIBUTION_WORDS[attribution?.from ?? "source0"]})` });

  const changes: { ref: UrlReference; state: ChangeState }[] = [];
  let projectChangeKnown = false;
  let stateNotAsked = false;
  if (forge) {
    for (const ref of changeRefs.slice(0, 4)) {
      const where = projectOf(ref);
      if (!supported(where)) continue;
      const label = changeLabel(ref);
      if (forge.answersChangeState === false) {
        stateNotAsked = true;
        evidence.push({ rung: "b", summary: `the state of ${label} is not known here: no forge API was asked (offline); content evidence only`, url: canonicalUrl(ref) });
        continue;
      }
      const state = await guard(`state of ${canonicalUrl(ref)}`, () => forge.change(where, ref.number));
      if (!state) continue;
      changes.push({ ref, state });
      if (sameProject(where, project)) projectChangeKnown = true;
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
      evidence.push({ rung: "b", summary: `${label} merged${merged ? ` as ${short(merged)}` : ""}${state.baseRef ? ` into ${state.baseRef}` : ""}`, url: state.url, supports: true });
      if (!merged) {
        consider({ verdict: "merged-unreleased", rung: "b", reason: `${label} is merged upstream; its release is not known`, droppable: false });
        continue;
      }
      land({ project: where, sha: merged, rung: "b", why: `the merge commit ${short(merged)} of ${label}`, change: label });
      // rung c, supporting: does the landed commit carry the same change? Only where diffs are cheap (a clone)
      if (patch.patchIds?.length && forge.commitDiff && (await forge.hasRef?.(where, merged))) {
        const diff = await guard(`diff of ${short(merged)}`, () => (forge.commitDiff as NonNullable<UpstreamForge["commitDiff"]>)(where, merged));
        const landedId = diff ? patchIds(diff)[0]?.id : undefined;
        if (landedId) {
          const same = patch.patchIds.includes(landedId);
          evidence.push({ rung: "c", summary: same ? `patch-id of ${short(merged)} equals the downstream patch` : `patch-id of ${short(merged)} differs from the downstream patch (edited on merge, or a series)`, supports: same ? true : undefined });
        }
      }
    }
  }

  // rung a: commits the patch names — commit URLs of its project, cherry-pick trailers, and the
  // format-patch `From` ids. Those are a pull request's head commits, in upstream history only when it
  // was merged with a merge commit: not asked about when the request's state is known (its merge commit
  // answers), and otherwise only the last of a series (it contains the others).
  if (forge && project) {
    for (const r of patch.references) {
      if (r.kind !== "github-commit" && r.kind !== "gitlab-commit") continue;
      const where = projectOf(r);
      if (where && (r === patch.reference || sameProject(where, project))) land({ project: where, sha: r.sha, rung: "a", why: `commit ${short(r.sha)}` });
    }
    for (const sha of patch.headers?.cherryPickedFrom ?? []) land({ project, sha, rung: "b", why: `cherry-picked from ${short(sha)}` });
    const commits = patch.headers?.commits ?? [];
    const last = commits[commits.length - 1];
    if (last && !projectChangeKnown) land({ project, sha: last, rung: "a", why: commits.length > 1 ? `format-patch commit ${short(last)} (the last of ${commits.length})` : `format-patch commit ${short(last)}` });
  }

  // rung c: the patch's content in upstream history — each commit of the series (rebased, or
  // cherry-picked to a stable branch under a new id) and the whole series as one (a squash merge)
  if (forge?.findByPatchId && supported(project) && (forge.searchesHistory?.(project) ?? true) && patch.patchIds?.length) {
    const ids = [...patch.patchIds];
    const perCommit = patch.patchIds;
    const text = perCommit.length > 1 && tag ? await readPatch() : undefined;
    const net = text && tag ? await guard(`the series applied at ${tag}`, () => seriesNetDiff(text, (file) => forge.readFile(project, tag as string, file))) : undefined;
    const netId = net ? patchId(net) : undefined;
    if (netId && !ids.includes(netId)) ids.push(netId);
    const hits = await guard(`patch-id search in ${project.path}`, async () => (await (forge.findByPatchId as NonNullable<UpstreamForge["findByPatchId"]>)(project, ids, history)) ?? new Map<string, string[]>());
    // a commit of a series found upstream covers that commit only: the series counts when its net change
    // is found, or every one of its commits is (then the last one decides)
    const wholeSeries = perCommit.length > 1 && perCommit.every((c) => hits?.has(c));
    for (const [id, commits] of hits ?? []) {
      const usable = id === netId || perCommit.length === 1 || (wholeSeries && id === perCommit[perCommit.length - 1]);
      if (!usable) {
        if (!wholeSeries && id !== netId) evidence.push({ rung: "c", summary: `commit ${perCommit.indexOf(id) + 1} of ${perCommit.length} of the series is upstream as ${short(commits[0] as string)}, the rest is not` });
        continue;
      }
      const sha = commits[0] as string;
      evidence.push({ rung: "c", summary: id === netId ? `the whole series, as one commit (${short(sha)}), by patch-id` : `commit ${short(sha)} of upstream has the same patch-id`, url: `${projectUrl(project)}/commit/${sha}`, supports: true });
      for (const commit of commits.slice(0, 3)) land({ project, sha: commit, rung: "c", why: `${id === netId ? "the squashed series" : "the same change"} ${short(commit)}`, content: true });
    }
  }

  // rung e: the mailing-list message the patch came from, named by the commit that landed it (a `Link:`
  // to lore, `Message-Id:`) — exact, for upstreams that take patches by mail
  const messageIds = patch.headers?.messageIds ?? [];
  if (forge?.findByMessageId && supported(project) && messageIds.length && !landed.some((l) => l.rung === "c" || l.rung === "b")) {
    const found = await guard(`message-id search in ${project.path}`, async () => (await (forge.findByMessageId as NonNullable<UpstreamForge["findByMessageId"]>)(project, messageIds.slice(0, 20), history)) ?? new Map<string, string[]>());
    for (const [id, commits] of found ?? []) {
      for (const sha of commits.slice(0, 2)) {
        evidence.push({ rung: "e", summary: `${short(sha)} names the mailing-list message the patch came from (<${id}>)`, url: `${projectUrl(project)}/commit/${sha}`, supports: true });
        land({ project, sha, rung: "e", why: `the commit that landed message <${id}> (${short(sha)})`, content: true });
      }
    }
  }

  // rung e: the same subject line upstream, when the content search found nothing — a change edited
  // on merge keeps its subject. Only distinctive subjects, and only one matching commit each.
  if (forge?.findBySubject && supported(project) && !landed.some((l) => l.rung === "c" || l.rung === "b" || l.rung === "e")) {
    const subjects = (patch.headers?.subjects ?? []).map((x) => x.replace(/^\[PATCH[^\]]*\]\s*/, "").trim()).filter((x) => x.length >= 20);
    const found = subjects.length ? await guard(`subject search in ${project.path}`, async () => (await (forge.findBySubject as NonNullable<UpstreamForge["findBySubject"]>)(project, subjects, history)) ?? new Map<string, string[]>()) : undefined;
    // a series counts only when every commit's subject is there (the last one decides, as for patch-ids)
    if (subjects.length > 0 && subjects.every((x) => found?.get(x)?.length === 1)) {
      const lastSubject = subjects[subjects.length - 1] as string;
      const sha = (found?.get(lastSubject) as string[])[0] as string;
      evidence.push({ rung: "e", summary: `${subjects.length === 1 ? "a commit" : `all ${subjects.length} commits`} with the same subject upstream (last: ${short(sha)} "${lastSubject}"); the content differs, so it may have been edited on merge`, url: `${projectUrl(project)}/commit/${sha}`, supports: true });
      land({ project, sha, rung: "e", why: `the commit with the same subject ${short(sha)}`, content: true });
    }
  }

  // every commit found, placed in releases: in the packaged tag (released), or the first release of
  // each stream that has it. Then the stable backports of those upstream has: commits whose
  // `(cherry picked from commit …)` trailer names one of them, in a newer stable release — from a clone's
  // history, or (an API) the commits of that release that touch the change — placed the same way.
  const releases: UpstreamRelease[] = [];
  const unreleased: Landed[] = [];
  let inPackaged = false;
  const place = async (batch: Landed[]): Promise<Landed[]> => {
    const known: Landed[] = [];
    for (const l of batch) {
      if (inPackaged || !s || !supported(l.project)) continue;
      const same = sameProject(l.project, project);
      const placed = await guard(`release search for ${short(l.sha)}`, () => s.place(l.project, patch.component, l.sha, same ? { ...(version ? { version } : {}), ...(tag ? { tag } : {}) } : {}, l.knownIn));
      if (!placed) continue;
      if (placed.inPackaged) {
        evidence.push({ rung: l.rung, summary: `${l.why} is contained in ${tag}`, url: `${projectUrl(l.project)}/commit/${l.sha}`, supports: true });
        consider({ verdict: "released", rung: l.rung, reason: l.change ? `${l.change} is merged and released in ${tag} (packaged ${version})` : `${l.why} is in ${tag}, the packaged version ${version}`, droppable: true });
        inPackaged = true;
        continue;
      }
      if (placed.unknown) {
        evidence.push({ rung: l.rung, summary: `${l.why} is not in ${l.project.path}'s history` });
        continue;
      }
      known.push(l);
      const first = placed.first;
      if (first) {
        evidence.push({ rung: l.rung, summary: `${l.why} first released in ${first.tag}${first.stream === "main" ? "" : ` (the ${first.stream.slice("stable:".length)}.x stable releases)`}`, url: `${projectUrl(l.project)}/commit/${l.sha}`, supports: true });
        releases.push({ version: first.version, tag: first.tag, stream: first.stream, via: l.why, rung: l.rung });
      } else {
        evidence.push({ rung: l.rung, summary: `${l.why} is in no release${same && tag ? ` from ${tag} on` : ""} yet`, url: `${projectUrl(l.project)}/commit/${l.sha}` });
        unreleased.push(l);
      }
    }
    return known;
  };
  const inHistory = await place(landed.slice(0, 10));
  if (s && !inPackaged && forge?.findCherryPicks && supported(project)) {
    const sources = inHistory.filter((l) => sameProject(l.project, project) && /^[0-9a-f]{40}$/i.test(l.sha) && !releases.some((r) => r.via === l.why && r.stream !== "main"));
    const stable = sources.length ? ((await guard(`tags of ${project.path}`, () => s.streams(project, patch.component, version))) ?? []).filter((x) => x.stream !== "main") : [];
    const text = stable.length ? await readPatch() : undefined;
    const backports: Landed[] = [];
    for (const { releases: streamReleases } of stable.slice(0, 2)) {
      const newest = (streamReleases[streamReleases.length - 1] as { tag: string }).tag;
      const query = { ...history, refs: [newest], paths: text ? touchedPaths(text) : [] };
      const picks = await guard(`backport search in ${project.path}`, async () => (await (forge.findCherryPicks as NonNullable<UpstreamForge["findCherryPicks"]>)(project, sources.map((l) => l.sha), query)) ?? new Map<string, string[]>());
      for (const source of sources) {
        for (const pick of (picks?.get(source.sha.toLowerCase()) ?? []).slice(0, 3)) {
          if (landed.some((l) => l.sha === pick) || backports.some((b) => b.sha === pick)) continue;
          evidence.push({ rung: source.rung, summary: `${short(pick)} is a backport of ${short(source.sha)} (its message says "cherry picked from commit ${short(source.sha)}")`, url: `${projectUrl(project)}/commit/${pick}`, supports: true });
          backports.push({ project, sha: pick, rung: source.rung, why: `stable backport ${short(pick)} of ${short(source.sha)}`, knownIn: newest, ...(source.change ? { change: source.change } : {}), ...(source.content ? { content: true } : {}) });
        }
      }
    }
    await place(backports);
  }
  if (releases.length) {
    // one release per stream, earliest first: "258.7 (stable backport …) or 259 (mainline)"
    const perStream = new Map<string, UpstreamRelease>();
    for (const r of releases) {
      const seen = perStream.get(r.stream);
      if (!seen || rpmvercmp(r.version, seen.version) < 0) perStream.set(r.stream, r);
    }
    const sorted = [...perStream.values()].sort((a, b) => rpmvercmp(a.version, b.version));
    const earliest = sorted[0] as UpstreamRelease;
    const label = (r: UpstreamRelease) => `${r.version} (${r.stream === "main" ? "mainline" : `${r.stream.slice("stable:".length)}.x stable`}: ${r.via})`;
    const what = changes.find((c) => c.state.state === "merged") ? `${changeLabel(changes.find((c) => c.state.state === "merged")?.ref as Extract<UrlReference, { kind: "github-pull" | "gitlab-merge-request" }>)} is merged upstream and released in` : "upstream from";
    consider({
      verdict: "merged-unreleased",
      rung: earliest.rung,
      reason: `${what} ${sorted.length > 1 ? sorted.map(label).join(" or ") : earliest.version}; the packaged version is ${version ?? "unknown"}`,
      droppable: false,
      dropFrom: earliest.version,
      releases: sorted,
    });
  }
  for (const l of unreleased) {
    if (l.change) consider({ verdict: "merged-unreleased", rung: l.rung, reason: `${l.change} is merged upstream but in no release yet`, droppable: false });
    else if (l.content) consider({ verdict: "merged-unreleased", rung: l.rung, reason: `${l.why} is in upstream history but in no release yet`, droppable: false });
  }

  // rung g: the upstream issue a patch points at (its own project's only), when nothing stronger decided
  if (forge?.issue && (!decided() || decided()?.verdict === "unknown")) {
    for (const ref of patch.references.filter((r) => r.kind === "github-issue" || r.kind === "gitlab-issue").slice(0, 2)) {
      const where = projectOf(ref);
      if (!supported(where) || !sameProject(where, project) || (ref.kind !== "github-issue" && ref.kind !== "gitlab-issue")) continue;
      if (forge.answersChangeState === false) {
        evidence.push({ rung: "g", summary: `the state of ${where.path}#${ref.number} is not known here: no forge API was asked (offline)`, url: canonicalUrl(ref) });
        continue;
      }
      const state = await guard(`state of ${canonicalUrl(ref)}`, async () => (forge.issue as NonNullable<UpstreamForge["issue"]>)(where, ref.number));
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

  // rung d: is the change already in the source at the packaged tag — the series undone file by file.
  // Not asked when the change is placed already (a release found, a pull request still open): on an
  // API every file is a request
  const placedAlready = releases.length > 0 || changes.some((c) => c.state.state === "open");
  if (decided()?.verdict !== "released" && !placedAlready && s && supported(project) && tag) {
    const text = await readPatch();
    const files = text ? touchedPaths(text).length : 0;
    if (text && files > 0 && files <= 40) {
      const at = (ref: string) => (file: string) => s.forge.readFile(project, ref, file);
      const check = await guard(`reverse-apply at ${tag}`, () => checkAgainstTree(text, at(tag as string)));
      if (check) {
        const described = describeReverseApply(check, tag);
        evidence.push({ rung: "d", ...described });
        if (check.state === "present") consider({ verdict: "released", rung: "d", reason: `upstream ${tag} already contains the whole change (packaged ${version})`, droppable: true });
      }
      // and in a newer release, when nothing else placed the change in one — only where reading files is
      // cheap (a local clone holds the tags), never a file request per tag to an API
      if (check && check.state !== "present" && decided()?.verdict !== "released") {
        const local = async (ref: string) => (await s.forge.hasRef?.(project, ref).catch(() => false)) === true;
        const first = await guard(`reverse-apply in newer releases`, () =>
          s.firstReleaseWhere(project, patch.component, version, async (ref) => ((await local(ref)) ? (await checkAgainstTree(text, at(ref))).state === "present" : undefined)),
        );
        if (first) {
          evidence.push({ rung: "d", summary: `the whole change is in ${first.tag}: the series reverse-applies there, file by file`, supports: true });
          const release: UpstreamRelease = { version: first.version, tag: first.tag, stream: first.stream, via: "the same content", rung: "d" };
          consider({ verdict: "merged-unreleased", rung: "d", reason: `upstream ${first.tag} contains the whole change; the packaged version is ${version}`, droppable: false, dropFrom: first.version, releases: [release] });
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
        : stateNotAsked
          ? "pull request state not asked (offline), and no content evidence in the local clone"
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
