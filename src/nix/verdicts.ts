/**
 * Verdicts for Nix patch entries and workarounds, with the tracker's verdict names, rungs and drop
 * actions so that the dashboard, the patch issues and the CLI treat them exactly like RPM patches:
 * version guards and comment thresholds decided with Nix's own version ordering, commit containment
 * at the tag the package's version maps to (through the `src` tag template), PR state and first
 * release, nixpkgs PRs against the revision `flake.lock` pins, `stateVersion` gates against every
 * host of the repo. What the evidence does not decide stays `unknown` with the reason.
 */
import { ForgeError, type UpstreamForge, type UpstreamProject } from "../tracking/forge.js";
import type { RemovalCondition, RemovalCriterion } from "../tracking/removal-criteria.js";
import type { DropAction } from "../tracking/types.js";
import { canonicalUrl, type UrlReference } from "../tracking/urls.js";
import type { Evidence, PatchVerdict, Rung, VerdictKind } from "../tracking/verdicts.js";
import { NixpkgsReader } from "./nixpkgs.js";
import type { FlakeInput, NixGuard, NixInventory, NixPackage, NixPatchEntry, NixWorkaround, VersionGuard } from "./types.js";
import { compareVersions, isReleaseVersion, scaleMismatch } from "./version.js";

/** An issue's state, where the forge can tell it (the GitHub forge can; older forges may not). */
type IssueAware = UpstreamForge & { issue?(project: UpstreamProject, number: number): Promise<{ state: "open" | "closed"; url: string; title?: string } | undefined> };

export interface NixTrackOptions {
  /** undefined: offline (guards, comments, notes and the lock file only) */
  forge?: UpstreamForge;
  concurrency?: number;
}

const github = (owner: string, repo: string): UpstreamProject => ({ forge: "github", host: "github.com", path: `${owner}/${repo}` });
const projectUrl = (p: UpstreamProject) => `https://${p.host}/${p.path}`;
const sameProject = (a: UpstreamProject, b: UpstreamProject) => a.host === b.host && a.path.toLowerCase() === b.path.toLowerCase();

function projectOfRef(ref: UrlReference): UpstreamProject | undefined {
  if (ref.kind === "github-pull" || ref.kind === "github-commit" || ref.kind === "github-issue") return github(ref.owner, ref.repo);
  if (ref.kind === "gitlab-merge-request" || ref.kind === "gitlab-commit" || ref.kind === "gitlab-issue") return { forge: "gitlab", host: ref.host, path: ref.project };
  if (ref.kind === "other") {
    const m = /^https?:\/\/github\.com\/([\w.-]+)\/([\w.-]+)/.exec(ref.url);
    if (m && !/^(orgs|users|settings|features)$/.test(m[1] as string)) return github(m[1] as string, (m[2] as string).replace(/\.git$/, ""));
  }
  return undefined;
}

export function sourceProject(pkg: NixPackage | undefined): UpstreamProject | undefined {
  const src = pkg?.src;
  if (!src?.owner || !src.repo || /\$\{/.test(src.owner + src.repo)) return undefined;
  if (src.fetcher === "fetchFromGitHub") return github(src.owner, src.repo);
  if (src.fetcher === "fetchFromGitLab") return { forge: "gitlab", host: "gitlab.com", path: `${src.owner}/${src.repo}` };
  return undefined;
}

/** The tag a version maps to through the `src` template (`"v${version}"` → `v2.5.4`). */
export function tagFor(pkg: NixPackage | undefined, version: string): string | undefined {
  const template = pkg?.src?.refTemplate;
  if (!template) return undefined;
  if (!/\$\{/.test(template)) return /^[0-9a-f]{40}$/i.test(template) ? undefined : template === pkg?.version ? version : undefined;
  let unresolved = false;
  const tag = template.replace(/\$\{([^}]*)\}/g, (_, expr: string) => {
    if (/(?:^|\.)version$/.test(expr.trim())) return version;
    if (/replaceStrings\s*\[\s*"\."\s*\]\s*\[\s*"_"\s*\]\s*(?:finalAttrs\.)?version/.test(expr)) return version.replace(/\./g, "_");
    unresolved = true;
    return "";
  });
  return unresolved ? undefined : tag;
}

/** Is this guard about the package's own version? */
function ownVersionGuard(guard: NixGuard): VersionGuard | undefined {
  const v = guard.version;
  return v && /^(?:(?:finalAttrs|self|attrs|old|oldAttrs|previousAttrs)\.)?version$/.test(v.subject.trim()) ? v : undefined;
}

/** Does the guarded code apply at `version`? */
export function guardHolds(v: VersionGuard, version: string): boolean {
  const c = compareVersions(version, v.bound);
  switch (v.op) {
    case "older":
      return c < 0;
    case "at-least":
      return c >= 0;
    case "newer":
      return c > 0;
    case "at-most":
      return c <= 0;
    case "equal":
      return version.split(".").slice(0, v.bound.split(".").length).join(".") === v.bound;
  }
}

const OPS: Record<VersionGuard["op"], string> = { older: "<", "at-least": ">=", newer: ">", "at-most": "<=", equal: "==" };
const describeGuard = (v: VersionGuard) => `${v.subject} ${OPS[v.op]} ${v.bound}`;

const isPreRelease = (v: string) => /(?:^|[.\-_~])(?:rc|alpha|beta|pre|preview|dev)\d*/i.test(v);

/** Tags that name releases, with their version, oldest first (Nix ordering); pre-releases only when asked. */
function releaseTags(tags: string[], template: string | undefined, withPre: boolean): { tag: string; version: string }[] {
  const prefix = template ? template.slice(0, template.indexOf("${")) : "";
  const suffix = template && template.includes("}") ? template.slice(template.lastIndexOf("}") + 1) : "";
  const out: { tag: string; version: string }[] = [];
  for (const tag of tags) {
    let v = tag;
    if (prefix && v.startsWith(prefix)) v = v.slice(prefix.length);
    else if (/^v\d/.test(v)) v = v.slice(1);
    if (suffix && v.endsWith(suffix)) v = v.slice(0, -suffix.length);
    if (!/^\d/.test(v) || (!withPre && isPreRelease(v))) continue;
    out.push({ tag, version: v });
  }
  return out.sort((a, b) => compareVersions(a.version, b.version));
}

/** Forge answers shared by every item of one run: tag lists, nixpkgs files at pinned revisions. */
export class NixForgeSession {
  readonly #tags = new Map<string, Promise<string[]>>();
  readonly nixpkgs: NixpkgsReader;
  constructor(readonly forge: UpstreamForge) {
    this.nixpkgs = new NixpkgsReader(forge);
  }
  tags(project: UpstreamProject): Promise<string[]> {
    const key = `${project.host}/${project.path}`;
    let t = this.#tags.get(key);
    if (!t) {
      t = this.forge.tags(project);
      this.#tags.set(key, t);
    }
    return t;
  }
  /** The oldest release tag newer than `after` that contains `commit` (binary search, ≤ 20 probes). */
  async firstRelease(project: UpstreamProject, pkg: NixPackage | undefined, commit: string, after: string | undefined): Promise<{ tag: string; version: string } | undefined> {
    const tags = releaseTags(await this.tags(project), pkg?.src?.refTemplate, after ? isPreRelease(after) : false);
    const candidates = after ? tags.filter((t) => compareVersions(t.version, after) > 0) : tags;
    let lo = 0;
    let hi = candidates.length - 1;
    let found: { tag: string; version: string } | undefined;
    for (let probes = 0; lo <= hi && probes < 20; probes++) {
      const mid = (lo + hi) >> 1;
      const t = candidates[mid] as { tag: string; version: string };
      if ((await this.forge.contains(project, t.tag, commit)) === true) {
        found = t;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    return found;
  }
}

type Draft = Pick<PatchVerdict, "verdict" | "rung" | "reason" | "droppable"> & { dropFrom?: string };
const ORDER: VerdictKind[] = ["released", "inactive", "merged-unreleased", "pending", "fixed-elsewhere", "declined", "unknown"];
/** Stronger evidence first: the spec itself, then upstream history, then what people wrote. */
const RUNG_RANK: Rung[] = ["spec", "a", "b", "c", "d", "e", "g", "f", "none"];

class Assessment {
  readonly evidence: Evidence[] = [];
  readonly conflicts: string[] = [];
  readonly links: string[] = [];
  best: Draft | undefined;
  /** the verdict of the strongest rung wins; within a rung, the verdict order (then the earlier release) */
  consider(d: Draft): void {
    const b = this.best;
    if (!b) {
      this.best = d;
      return;
    }
    const rank = RUNG_RANK.indexOf(d.rung) - RUNG_RANK.indexOf(b.rung);
    const [strong, weak] = rank < 0 || (rank === 0 && ORDER.indexOf(d.verdict) < ORDER.indexOf(b.verdict)) || (rank === 0 && d.verdict === b.verdict && !!d.dropFrom && !!b.dropFrom && compareVersions(d.dropFrom, b.dropFrom) < 0) ? [d, b] : [b, d];
    this.best = strong;
    if (strong.droppable !== weak.droppable && strong.rung !== weak.rung) {
      const note = `${weak.reason} — but the stronger evidence says otherwise: ${strong.reason}`;
      if (!this.conflicts.includes(note)) this.conflicts.push(note);
    }
  }
  link(url: string | undefined): void {
    if (url && !this.links.includes(url)) this.links.push(url);
  }
  async guard<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      this.evidence.push({ rung: "none", summary: `${what}: ${error instanceof ForgeError || error instanceof Error ? error.message : String(error)}`, error: true });
      return undefined;
    }
  }
}

function dropOf(item: NixPatchEntry | NixWorkaround, what: string): DropAction {
  const files = "path" in item && item.path && item.kind === "vendored" ? [item.path] : [];
  return {
    summary: `delete ${what} at ${item.file}:${item.line}${item.endLine > item.line ? `-${item.endLine}` : ""}${files.length ? ` and the file ${files[0]}` : ""}`,
    overlays: [],
    files,
    specLines: item.text.split("\n").map((text, i) => ({ path: item.file, line: item.line + i, text })),
  };
}

function finish(a: Assessment, base: Omit<PatchVerdict, "verdict" | "rung" | "reason" | "droppable" | "evidence" | "links" | "conflicts" | "actionable">, fallback: string, offline: boolean): PatchVerdict {
  const draft: Draft = a.best ?? { verdict: "unknown", rung: "none", reason: offline ? `${fallback} (offline: upstream not queried)` : fallback, droppable: false };
  const verdict: PatchVerdict = { ...base, ...draft, evidence: a.evidence, links: a.links, conflicts: a.conflicts, actionable: draft.verdict !== "pending" };
  const failure = a.evidence.find((e) => e.error);
  if (failure) {
    verdict.incomplete = true;
    if (draft.verdict === "unknown") verdict.reason = `upstream could not be queried (${failure.summary})`;
  }
  return verdict;
}

/** Comment thresholds: "remove when updating to 2.5.4" against the package's version. */
function criteriaAtVersion(a: Assessment, criteria: RemovalCriterion[], name: string, version: string | undefined): void {
  for (const criterion of criteria) {
    for (const c of criterion.conditions) {
      const threshold = c.kind === "upstream-version" ? c.version : c.kind === "package-version" && c.package === name.toLowerCase() ? c.version : undefined;
      if (threshold === undefined) continue;
      const bound = threshold.replace(/^v(?=\d)/, "").replace(/\+$/, "");
      if (!version || !isReleaseVersion(version)) {
        a.evidence.push({ rung: "f", summary: `removal criterion "${criterion.text}": the version ${version ?? "(unknown)"} cannot be compared` });
        continue;
      }
      const met = compareVersions(version, bound) >= 0;
      a.evidence.push({ rung: "f", summary: `removal criterion "${criterion.text}"${criterion.location ? ` (${criterion.location})` : ""}: ${version} ${met ? "reaches" : "is below"} ${bound}`, supports: met });
      if (met) a.consider({ verdict: "released", rung: "f", reason: `the comment says remove at ${bound}, and the version is ${version}`, droppable: true });
      else a.consider({ verdict: "merged-unreleased", rung: "f", reason: `the comment says remove at ${bound}; the version is ${version}`, droppable: false, dropFrom: bound });
    }
  }
}

/** Containment of commits and the state of PRs a patch names, at the tag of `version`. */
async function upstreamEvidence(a: Assessment, s: NixForgeSession, refs: UrlReference[], pkg: NixPackage | undefined, version: string | undefined, revert: boolean): Promise<void> {
  const own = sourceProject(pkg);
  const tag = version ? tagFor(pkg, version) : undefined;
  for (const ref of refs.slice(0, 6)) {
    const project = projectOfRef(ref);
    if (!project || !s.forge.supports(project)) continue;
    let commit: string | undefined;
    let label: string;
    if (ref.kind === "github-commit" || ref.kind === "gitlab-commit") {
      commit = ref.sha;
      label = `commit ${ref.sha.slice(0, 12)}`;
    } else if (ref.kind === "github-pull" || ref.kind === "gitlab-merge-request") {
      label = `${ref.kind === "github-pull" ? "PR #" : "MR !"}${ref.number}`;
      const state = await a.guard(`state of ${canonicalUrl(ref)}`, () => s.forge.change(project, ref.number));
      if (!state) continue;
      a.link(state.url);
      if (state.state === "open") {
        a.evidence.push({ rung: "b", summary: `${label} is open${state.title ? `: ${state.title}` : ""}`, url: state.url });
        a.consider({ verdict: "pending", rung: "b", reason: `${label} is still open upstream`, droppable: false });
        continue;
      }
      if (state.state === "closed") {
        a.evidence.push({ rung: "b", summary: `${label} was closed without merging`, url: state.url, supports: false });
        a.consider({ verdict: "declined", rung: "b", reason: `${label} was closed upstream without merging: a permanent downstream patch now — record why`, droppable: false });
        continue;
      }
      a.evidence.push({ rung: "b", summary: `${label} merged${state.mergeCommit ? ` as ${state.mergeCommit.slice(0, 12)}` : ""}`, url: state.url, supports: true });
      commit = state.mergeCommit;
      if (!commit) {
        a.consider({ verdict: "merged-unreleased", rung: "b", reason: `${label} is merged upstream; its release is not known`, droppable: false });
        continue;
      }
    } else continue;
    const rung: Rung = ref.kind === "github-commit" || ref.kind === "gitlab-commit" ? "a" : "b";
    if (!own || !sameProject(own, project)) {
      a.evidence.push({ rung, summary: `${label} is in ${project.path}, not the package's source${own ? ` (${own.path})` : ""}: containment not decidable` });
      if (rung === "b") a.consider({ verdict: "merged-unreleased", rung, reason: `${label} is merged in ${project.path}`, droppable: false });
      continue;
    }
    if (!tag) {
      a.evidence.push({ rung, summary: `no tag for version ${version ?? "(unknown)"} from the src template ${pkg?.src?.refTemplate ?? "(none)"}` });
      continue;
    }
    const inside = await a.guard(`containment of ${commit.slice(0, 12)} in ${tag}`, () => s.forge.contains(project, tag, commit as string));
    const url = `${projectUrl(project)}/commit/${commit}`;
    if (inside === true) {
      a.evidence.push({ rung, summary: `${label} is contained in ${tag}`, url, supports: !revert });
      if (revert) a.consider({ verdict: "pending", rung, reason: `reverts ${label}, which ${tag} contains: still needed`, droppable: false });
      else a.consider({ verdict: "released", rung, reason: `${label} is already in ${tag}: drop this patch`, droppable: true });
    } else if (inside === false) {
      if (revert) {
        a.evidence.push({ rung, summary: `${label} is not in ${tag}: nothing to revert`, url, supports: true });
        a.consider({ verdict: "released", rung, reason: `reverts ${label}, which ${tag} does not contain: nothing left to revert`, droppable: true });
        continue;
      }
      const first = await a.guard(`release search for ${commit.slice(0, 12)}`, () => s.firstRelease(project, pkg, commit as string, version));
      if (first) {
        a.evidence.push({ rung, summary: `${label} first released in ${first.tag}`, url, supports: true });
        a.consider({ verdict: "merged-unreleased", rung, reason: `${label} is upstream from ${first.version}; the version is ${version}`, droppable: false, dropFrom: first.version });
      } else {
        a.evidence.push({ rung, summary: `${label} is not in ${tag} nor in a newer release`, url });
        if (rung === "b") a.consider({ verdict: "merged-unreleased", rung, reason: `${label} is merged upstream but in no release yet`, droppable: false });
      }
    } else {
      a.evidence.push({ rung, summary: `containment of ${label} in ${tag} is unknown (tag or commit not found)`, url });
    }
  }
}

/** A patch entry of a package at a version (the package's own, or the version a pull request moves to). */
export async function assessNixPatch(entry: NixPatchEntry, pkg: NixPackage, options: NixTrackOptions & { version?: string } = {}, session?: NixForgeSession): Promise<PatchVerdict> {
  const version = options.version ?? pkg.version;
  const a = new Assessment();
  const own = sourceProject(pkg);
  for (const r of entry.references) a.link(canonicalUrl(r));
  const base = {
    key: entry.key,
    component: pkg.name,
    file: entry.name,
    origin: "distro" as const,
    ...(entry.url ? { url: entry.url } : {}),
    ...(version ? { packagedVersion: version } : {}),
    ...(own ? { upstream: { project: own.path, url: projectUrl(own), ...(version && tagFor(pkg, version) ? { tag: tagFor(pkg, version) as string } : {}) } } : {}),
    criteria: entry.removalCriteria,
    drop: dropOf(entry, entry.kind === "vendored" ? "the patch entry" : `the ${entry.kind} entry`),
    wiring: "nix-patch" as const,
  };
  for (const g of entry.guards) {
    const v = ownVersionGuard(g);
    if (!v) continue;
    if (!version || !isReleaseVersion(version)) {
      a.evidence.push({ rung: "spec", summary: `guard \`${g.text}\`: version ${version ?? "(unknown)"} cannot be compared` });
      continue;
    }
    if (scaleMismatch(version, v.bound)) a.conflicts.push(`the guard \`${g.text}\` (${g.line}) compares ${version} with ${v.bound}, a bound on a different scale: it will never change — probably a typo`);
    if (!guardHolds(v, version)) {
      a.evidence.push({ rung: "spec", summary: `guard \`${g.text}\` is false at ${version}`, supports: true });
      a.consider({ verdict: "inactive", rung: "spec", reason: `never applied at ${version}: \`${describeGuard(v)}\` is false — the guarded entry is dead`, droppable: true });
    } else {
      a.evidence.push({ rung: "spec", summary: `guard \`${g.text}\` holds at ${version}` });
    }
  }
  criteriaAtVersion(a, entry.removalCriteria, pkg.name, version);
  const session_ = session ?? (options.forge ? new NixForgeSession(options.forge) : undefined);
  if (session_ && a.best?.verdict !== "inactive") await upstreamEvidence(a, session_, entry.references, pkg, version, entry.revert === true);
  const fallback = entry.references.length ? "no upstream evidence decides it" : entry.comments.length ? "no upstream reference to follow (a comment, no URL)" : "no comment and no upstream reference: a permanent downstream patch, or one that needs a note";
  return finish(a, base, fallback, !options.forge);
}

/** The pinned nixpkgs of a config repo: the `nixpkgs` input, else the first input whose repo is nixpkgs. */
export function pinnedNixpkgs(inv: NixInventory): (FlakeInput & { locked: { owner: string; repo: string; rev: string } }) | undefined {
  const candidates = [inv.inputs.find((i) => i.name === "nixpkgs"), ...inv.inputs.filter((i) => i.locked?.repo === "nixpkgs")];
  for (const c of candidates) if (c?.locked?.owner && c.locked.repo && c.locked.rev) return c as FlakeInput & { locked: { owner: string; repo: string; rev: string } };
  return undefined;
}

function hostOfFile(file: string): string | undefined {
  return /(?:^|\/)(?:hosts|machines|systems)\/([^/]+)\//.exec(file)?.[1];
}

/** What a workaround is called on the dashboard: the host it sits in, else its directory. */
function ownerOf(w: NixWorkaround): string {
  return hostOfFile(w.file) ?? (w.file.includes("/") ? w.file.slice(0, w.file.lastIndexOf("/")) : w.file);
}

async function pinnedVersion(a: Assessment, s: NixForgeSession | undefined, inv: NixInventory, name: string): Promise<{ version: string; where: string } | undefined> {
  const pin = pinnedNixpkgs(inv);
  if (!pin) {
    a.evidence.push({ rung: "f", summary: `no flake.lock pin of nixpkgs: the ${name} version the hosts get is not known` });
    return undefined;
  }
  const where = `nixpkgs ${pin.locked.rev.slice(0, 12)}`;
  if (!s) {
    a.evidence.push({ rung: "f", summary: `the ${name} version in ${where} was not read (offline)` });
    return undefined;
  }
  const project = github(pin.locked.owner, pin.locked.repo);
  if (!s.forge.supports(project)) return undefined;
  const found = await a.guard(`${name} in ${where}`, () => s.nixpkgs.packageVersion(project, pin.locked.rev, name));
  if (!found) {
    a.evidence.push({ rung: "f", summary: `${name} was not found in ${where} (or its version is not a literal)` });
    return undefined;
  }
  a.evidence.push({ rung: "f", summary: `the hosts get ${name} ${found.version} from ${where} (${found.file})` });
  return { version: found.version, where };
}

/**
 * Removal criteria that name another package, decided against the version the pinned nixpkgs ships.
 * Criteria are alternatives ("once either: systemd fixes … / NixOS adds …"): any one met drops it.
 */
async function packageCriteria(a: Assessment, s: NixForgeSession | undefined, inv: NixInventory, criteria: RemovalCriterion[]): Promise<void> {
  const waits: string[] = [];
  let met: string | undefined;
  for (const criterion of criteria) {
    for (const c of criterion.conditions as RemovalCondition[]) {
      if (c.kind !== "package-version" && c.kind !== "package-fixed") continue;
      if (c.package === "nixos" || c.package === "nixpkgs") {
        a.evidence.push({ rung: "f", summary: `removal criterion "${criterion.text}": waits on a change in NixOS itself` });
        waits.push(`NixOS (${criterion.text})`);
        continue;
      }
      const pinned = await pinnedVersion(a, s, inv, c.package);
      if (c.kind === "package-version") {
        const ok = pinned ? compareVersions(pinned.version, c.version) >= 0 : undefined;
        if (ok) met ??= `${c.package} ${c.operator} ${c.version}: ${pinned?.where} has ${pinned?.version}`;
        else waits.push(`${c.package} ${c.operator} ${c.version}${pinned ? ` (${pinned.where} has ${pinned.version})` : ""}`);
      } else {
        waits.push(`${c.package} (${criterion.text})${pinned ? ` — the hosts get ${c.package} ${pinned.version} from ${pinned.where}` : ""}`);
      }
    }
  }
  if (met) a.consider({ verdict: "fixed-elsewhere", rung: "f", reason: `the drop condition is met: ${met}`, droppable: true });
  else if (waits.length) a.consider({ verdict: "fixed-elsewhere", rung: "f", reason: `waits on ${waits.join("; or on ")}`, droppable: false });
}

/** nixpkgs PRs and other upstream changes a config workaround waits on, against the locked revisions. */
async function configReferences(a: Assessment, s: NixForgeSession, inv: NixInventory, refs: UrlReference[]): Promise<void> {
  for (const ref of refs.slice(0, 6)) {
    const project = projectOfRef(ref);
    if (!project || !s.forge.supports(project)) continue;
    const pin = inv.inputs.find((i) => i.locked?.owner && i.locked.repo && i.locked.rev && sameProject(github(i.locked.owner, i.locked.repo), project))
      ?? (project.path.toLowerCase() === "nixos/nixpkgs" ? pinnedNixpkgs(inv) : undefined);
    if (ref.kind === "github-issue") {
      const forge = s.forge as IssueAware;
      if (!forge.issue) {
        a.evidence.push({ rung: "g", summary: `issue ${project.path}#${ref.number}: this forge cannot report issue state` });
        continue;
      }
      const state = await a.guard(`state of ${canonicalUrl(ref)}`, () => (forge.issue as NonNullable<IssueAware["issue"]>)(project, ref.number));
      if (!state) continue;
      a.link(state.url);
      if (state.state === "open") {
        a.evidence.push({ rung: "g", summary: `${project.path}#${ref.number} is open`, url: state.url });
        a.consider({ verdict: "pending", rung: "g", reason: `waits on ${project.path}#${ref.number}, still open`, droppable: false });
      } else {
        a.evidence.push({ rung: "g", summary: `${project.path}#${ref.number} is closed`, url: state.url, supports: true });
        a.consider({ verdict: "merged-unreleased", rung: "g", reason: `${project.path}#${ref.number} is closed upstream; whether ${pin ? `the pinned ${pin.name} (${pin.locked?.rev?.slice(0, 12)})` : "what the hosts run"} carries the fix is not known — verify, then drop`, droppable: false });
      }
      continue;
    }
    if (ref.kind !== "github-pull") continue;
    const label = `${project.path}#${ref.number}`;
    const state = await a.guard(`state of ${canonicalUrl(ref)}`, () => s.forge.change(project, ref.number));
    if (!state) continue;
    a.link(state.url);
    if (state.state === "open") {
      a.evidence.push({ rung: "b", summary: `${label} is open`, url: state.url });
      a.consider({ verdict: "pending", rung: "b", reason: `${label} is still open`, droppable: false });
      continue;
    }
    if (state.state === "closed") {
      a.evidence.push({ rung: "b", summary: `${label} was closed without merging`, url: state.url, supports: false });
      a.consider({ verdict: "declined", rung: "b", reason: `${label} was closed without merging: the workaround has no upstream end — record why it stays`, droppable: false });
      continue;
    }
    const merge = state.mergeCommit;
    a.evidence.push({ rung: "b", summary: `${label} merged${merge ? ` as ${merge.slice(0, 12)}` : ""}`, url: state.url, supports: true });
    if (!merge || !pin?.locked?.rev) {
      a.consider({ verdict: "merged-unreleased", rung: "b", reason: `${label} is merged; ${pin ? "its merge commit is not known" : "no flake.lock pin to check it against"}`, droppable: false });
      continue;
    }
    const rev = pin.locked.rev;
    const inside = await a.guard(`containment of ${merge.slice(0, 12)} in ${rev.slice(0, 12)}`, () => s.forge.contains(project, rev, merge));
    if (inside === true) {
      a.evidence.push({ rung: "b", summary: `the locked ${pin.name} ${rev.slice(0, 12)} contains it`, supports: true });
      a.consider({ verdict: "released", rung: "b", reason: `${label} is merged and in the ${pin.name} revision flake.lock pins (${rev.slice(0, 12)}): drop the workaround`, droppable: true });
    } else if (inside === false) {
      a.consider({ verdict: "merged-unreleased", rung: "b", reason: `${label} is merged, but the ${pin.name} revision flake.lock pins (${rev.slice(0, 12)}) does not contain it yet: update the lock first`, droppable: false });
    } else {
      a.evidence.push({ rung: "b", summary: `containment in the locked ${pin.name} ${rev.slice(0, 12)} is unknown` });
    }
  }
}

export async function assessNixWorkaround(w: NixWorkaround, inv: NixInventory, pkg: NixPackage | undefined, options: NixTrackOptions & { version?: string } = {}, session?: NixForgeSession): Promise<PatchVerdict> {
  const a = new Assessment();
  const s = session ?? (options.forge ? new NixForgeSession(options.forge) : undefined);
  for (const r of w.references) a.link(canonicalUrl(r));
  const upstream = w.references.map(projectOfRef).find((p): p is UpstreamProject => !!p && p.path.toLowerCase() !== "nixos/nixpkgs") ?? w.references.map(projectOfRef).find(Boolean);
  const base = {
    key: w.key,
    component: pkg?.name ?? ownerOf(w),
    file: w.kind === "oneshot-unit" ? `systemd.services.${w.name}` : w.kind === "activation-script" ? `system.activationScripts.${w.name}` : w.name,
    origin: "distro" as const,
    ...(upstream ? { upstream: { project: upstream.path, url: projectUrl(upstream) } } : {}),
    ...(pkg?.version ? { packagedVersion: options.version ?? pkg.version } : {}),
    criteria: w.removalCriteria,
    drop: dropOf(w, w.kind.replace(/-/g, " ")),
    wiring: "nix-workaround" as const,
  };
  if (w.notes?.length) for (const n of w.notes) a.evidence.push({ rung: "f", summary: `described in ${n.path}${n.title ? ` (${n.title})` : ""}` });

  if (w.kind === "state-version-gate" && w.guard?.version) {
    const v = w.guard.version;
    const hosts = inv.hosts.filter((h) => h.stateVersion);
    if (!hosts.length) {
      a.evidence.push({ rung: "spec", summary: "no host of this repository sets system.stateVersion" });
    } else {
      const live = hosts.filter((h) => guardHolds(v, h.stateVersion as string));
      const list = (hs: typeof hosts) => hs.map((h) => `${h.name} ${h.stateVersion}`).join(", ");
      if (live.length === 0) {
        a.evidence.push({ rung: "spec", summary: `\`${describeGuard(v)}\` is false for every host (${list(hosts)})`, supports: true });
        a.consider({ verdict: "inactive", rung: "spec", reason: `dead: \`${describeGuard(v)}\` is false for every host of the repository (${list(hosts)})`, droppable: true });
      } else {
        a.consider({ verdict: "pending", rung: "spec", reason: `still applies to ${list(live)}`, droppable: false });
      }
    }
  } else if (w.guard?.version) {
    const v = w.guard.version;
    const own = ownVersionGuard(w.guard);
    const version = own ? options.version ?? pkg?.version : undefined;
    if (own && version && isReleaseVersion(version)) {
      if (scaleMismatch(version, v.bound)) a.conflicts.push(`the guard \`${w.guard.text}\` compares ${version} with ${v.bound}, a bound on a different scale: it will never change — probably a typo`);
      const holds = guardHolds(v, version);
      a.evidence.push({ rung: "spec", summary: `\`${w.guard.text}\` is ${holds ? "true" : "false"} at ${version}`, supports: !holds });
      if (!holds) a.consider({ verdict: "inactive", rung: "spec", reason: `\`${describeGuard(v)}\` is false at ${version}: the guarded code is dead`, droppable: true });
      else a.consider({ verdict: "pending", rung: "spec", reason: `\`${describeGuard(v)}\` still holds at ${version}`, droppable: false });
    } else if (!own) {
      const name = v.subject.replace(/\.version$/, "").replace(/^(?:pkgs|prev|super|final|self|config\.\w+)\./, "");
      const pinned = await pinnedVersion(a, s, inv, name);
      if (pinned) {
        const holds = guardHolds(v, pinned.version);
        // `assert lib.versionOlder pkgs.systemd.version "259"`: written for the versions before 259
        if (!holds) a.consider({ verdict: "released", rung: "spec", reason: `written for ${describeGuard(v)}, and ${pinned.where} now has ${name} ${pinned.version}: the assertion fails — re-check the workaround and drop it`, droppable: true });
        else a.evidence.push({ rung: "spec", summary: `the assertion \`${describeGuard(v)}\` holds: ${pinned.where} has ${name} ${pinned.version}` });
      }
    }
  }
  criteriaAtVersion(a, w.removalCriteria, pkg?.name ?? "", options.version ?? pkg?.version);
  if (s) await configReferences(a, s, inv, w.references);
  if (!pkg) await packageCriteria(a, s, inv, w.removalCriteria);
  const waitsOn = upstream ? ` (upstream: ${upstream.path})` : "";
  const fallback = w.removalCriteria.length ? `removal criteria are prose only: ${w.removalCriteria.map((c) => c.text).join("; ")}${waitsOn}` : `no removal criterion or upstream reference${waitsOn}`;
  return finish(a, base, fallback, !options.forge);
}

/** Verdicts for every tracked item: all patch entries, and workarounds that say why they exist. */
export async function trackNix(inv: NixInventory, options: NixTrackOptions = {}): Promise<PatchVerdict[]> {
  const session = options.forge ? new NixForgeSession(options.forge) : undefined;
  const jobs: (() => Promise<PatchVerdict>)[] = [];
  for (const pkg of inv.packages) {
    for (const entry of pkg.patches) jobs.push(() => assessNixPatch(entry, pkg, options, session));
    for (const w of pkg.workarounds) if (tracked(w)) jobs.push(() => assessNixWorkaround(w, inv, pkg, options, session));
  }
  for (const w of inv.workarounds) if (tracked(w)) jobs.push(() => assessNixWorkaround(w, inv, undefined, options, session));
  const out: PatchVerdict[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, jobs.length)) }, async () => {
      while (next < jobs.length) {
        const k = next++;
        out[k] = await (jobs[k] as () => Promise<PatchVerdict>)();
      }
    }),
  );
  return out;
}

/** A substitution is inventory, not debt, unless its comment says when it can go. */
function tracked(w: NixWorkaround): boolean {
  return w.kind !== "substitute" || w.removalCriteria.length > 0 || w.references.length > 0;
}
