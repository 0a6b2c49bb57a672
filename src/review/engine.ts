/**
 * The PR review: which components a change touches, what their rendered trees should be, and
 * what the change did to them. Judges the change, not the repository: a problem that is already
 * on the base is at most a notice.
 */
import { parseConfigText } from "../azldev/index.js";
import type { ComponentConfig, ConfigError, ConfiguredOverlay, Project } from "../azldev/types.js";
import { matchGlob } from "../glob/index.js";
import type { FileContent, LineOrigin } from "../overlays/types.js";
import { RENDER_FAILED_FILE as RENDER_FAILED } from "../render/failure-marker.js";
import { buildMacroSet, macrosFileName, renderMacrosFile } from "../render/macros-file.js";
import type { RepoView } from "../repo/types.js";
import { affectedComponents, overlayIdentity, sourceIdentity, type AffectedComponent } from "./affected.js";
import { bookkeepingMask } from "./bookkeeping.js";
import { catchUpRender, MAX_SUFFIX } from "./catch-up.js";
import { changedInputs, type ChangedInputs } from "./changed-inputs.js";
import type { ReviewDeps } from "./deps.js";
import { filterSettings, incrementalRender, referencedNames, verbatimCopies, type ExpectedLineOrigin } from "./incremental.js";
import type { ReviewChangeInput } from "./input.js";
import { changedNewLines, classifiedSpecDiff, diffLineArrays, type LineHunk } from "./line-diff.js";
import { isPatchOverlay, lintOverlays, lintPatchMetadata, unappliedPatches } from "./lint.js";
import { sharedProjectCache, type ProjectCache } from "./project-cache.js";
import { specLines } from "./spec-scan.js";
import { changedBetween, readRenderedDir, renderedPathOf, sameBytes } from "./tree.js";
import type { ComponentVerdict, Finding } from "./types.js";

const decoder = new TextDecoder();
export const text = (bytes: Uint8Array | undefined): string => (bytes ? decoder.decode(bytes) : "");

/** Everything known about one affected component after the check. */
export interface ComponentReview {
  name: string;
  verdict: ComponentVerdict;
  findings: Finding[];
  /** repo-relative rendered dir */
  dir: string;
  headConfig?: ComponentConfig;
  baseConfig?: ComponentConfig;
  /** the committed rendered files of the head (relative to dir) */
  committed: Map<string, Uint8Array>;
  baseCommitted: Map<string, Uint8Array>;
  /** what the comps produce at the head, when it could be determined */
  expected?: Map<string, Uint8Array>;
  expectedProvenance?: ExpectedLineOrigin[];
  /** provenance of the expected spec's lines from a full render */
  renderProvenance?: LineOrigin[];
  /** overlays appended by the change (incremental method) */
  appended?: ConfiguredOverlay[];
  /** files of dir whose differences the change made by hand (content hunks on lines it touched) */
  handEdited: Set<string>;
  /** files of dir (head or base) whose content could not be read: never compared */
  unreadable: Set<string>;
  /** the rendered dir must be rewritten to `expected` (stale, missing, unexpected files) */
  needsRerender: boolean;
  /** top-level names a Source/Patch tag newly names that only the upstream checkout can supply (not verified) */
  fromUpstream?: Set<string>;
  /** the component's comps and pin did not change: differences the change did not make are the base's */
  compsUnchanged?: boolean;
  /**
   * The change brings another revision of the upstream spec (its %changelog differs, or it is one of a
   * bulk re-render's renders) to a component whose comps did not change, and no render could run: its
   * spec edits are not verified either way.
   */
  otherRevision?: {
    /** what shows it, as a clause: "its %changelog differs in …", "this change re-renders 7,572 components …" */
    reason: string;
    /** the evidence is the tool's, not a hand's (rpmautospec's generated changelog, a bulk re-render): files it brings are the upstream's too */
    generated: boolean;
  };
  /** patches registered by new overlays but never applied by %prep */
  unapplied: { file: string; number: number; overlay?: ConfiguredOverlay }[];
}

export interface Analysis {
  base: Project;
  head: Project;
  renderedSpecsDir: string;
  changedPaths: string[];
  components: ComponentReview[];
  /** findings not tied to one component's evaluation (config errors, deferred verification) */
  findings: Finding[];
  /** components reached only through a shared default and verified separately, not in this check */
  deferred: string[];
}

const CONCURRENCY = 8;

/**
 * The head's config is the base's when the change only touches rendered trees (no config file, no
 * overlay source, no local spec can live there); loading a large project twice is the costliest
 * part of a small check.
 */
function onlyRenderedPaths(paths: readonly string[], project: Project, renderedSpecsDir: string): boolean {
  const specPatterns = Object.values(project.groups).flatMap((g) => g.specs);
  return paths.every((p) => renderedPathOf(renderedSpecsDir, p) !== undefined && !p.endsWith(".toml") && !specPatterns.some((g) => matchGlob(g, p)));
}

export async function analyseChange(input: ReviewChangeInput, deps: ReviewDeps, projects: ProjectCache = sharedProjectCache): Promise<Analysis> {
  const base = await projects.get(input.base, deps.loadProject);
  const changedPaths = input.changedPaths ?? (await changedBetween(input.base, input.head));
  const reuse = onlyRenderedPaths(changedPaths, base, input.config?.renderedSpecsDir ?? base.settings.renderedSpecsDir);
  const head = reuse ? base : await projects.get(input.head, deps.loadProject);
  const renderedSpecsDir = input.config?.renderedSpecsDir ?? head.settings.renderedSpecsDir;
  const changed = new Set(changedPaths);
  const findings = configFindings(base, head, changed);
  for (const finding of await strayRenderedFiles(input, changedPaths, renderedSpecsDir)) findings.push(finding);
  for (const finding of await unincludedTomlErrors(input, head, changedPaths, renderedSpecsDir)) findings.push(finding);
  const brokenComponents = new Set(head.errors.filter((e) => e.severity === "error" && e.component).map((e) => e.component as string));
  const renderedTree = await holdsRenderedTree(input, renderedSpecsDir);
  if (!renderedTree) {
    findings.push({
      rule: "rendered-file-missing",
      level: "notice",
      path: head.files[0] ?? "azldev.toml",
      message: `this repository holds no rendered tree (${renderedSpecsDir}/ is absent before and after this change): rendered specs are not committed here, so the rendered-tree checks do not apply. The configuration and new overlays are still checked.`,
    });
  }
  const reached = [...affectedComponents(base, head, changedPaths, renderedSpecsDir).values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const deferAbove = input.config?.deferAbove ?? DEFER_ABOVE;
  const { affected, deferred } = deferShared(reached, base, head, changed, deferAbove);
  // renders of declared components only: dirs nothing declares are nobody's render
  const rerenderedAlone = reached.filter((a) => a.renderedPaths.length > 0 && !a.configChanged && base.components.has(a.name) && head.components.has(a.name)).length;
  const bulkRerender = rerenderedAlone > deferAbove ? rerenderedAlone : undefined;
  if (deferred.length > 0) findings.push(await deferredFinding(reached, deferred, input, head, changedPaths));
  const components: ComponentReview[] = new Array(affected.length);
  let next = 0;
  const worker = async () => {
    while (next < affected.length) {
      const i = next++;
      components[i] = await evaluate(affected[i] as AffectedComponent, { input, deps, base, head, renderedSpecsDir, renderedTree, ...(bulkRerender ? { bulkRerender } : {}), changed, brokenComponents });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, affected.length) }, worker));
  return { base, head, renderedSpecsDir, changedPaths, components, findings, deferred };
}

/** Whether the base or the head holds the rendered-specs dir (a repository that renders at the root always does). */
async function holdsRenderedTree(input: ReviewChangeInput, renderedSpecsDir: string): Promise<boolean> {
  if (renderedSpecsDir === "") return true;
  const [base, head] = await Promise.all([input.base.stat(renderedSpecsDir).catch(() => undefined), input.head.stat(renderedSpecsDir).catch(() => undefined)]);
  return base !== undefined || head !== undefined;
}

/**
 * Files the change adds under the rendered tree outside any `<letter>/<name>/` dir: a stray file at
 * its top, a dir whose letter does not match, leftovers of an interrupted render
 * (`.<name>.specwarden-new-*`). No render writes them, and no component would ever account for them.
 */
async function strayRenderedFiles(input: ReviewChangeInput, changedPaths: readonly string[], renderedSpecsDir: string): Promise<Finding[]> {
  const prefix = renderedSpecsDir ? `${renderedSpecsDir}/` : "";
  const findings: Finding[] = [];
  for (const path of changedPaths) {
    if (!path.startsWith(prefix) || prefix === "" || renderedPathOf(renderedSpecsDir, path)) continue;
    const entry = await input.head.stat(path).catch(() => undefined);
    if (!entry) continue; // removed by the change: nothing left behind
    findings.push({
      rule: "rendered-file-unexpected",
      level: "failure",
      path,
      message: `${path} belongs to no component: rendered trees hold only ${prefix}<first letter>/<component>/ dirs that a render writes. Remove it${/\.specwarden-(new|old)-/.test(path) ? " (it is left over from an interrupted render)" : ""}.`,
    });
  }
  return findings;
}

/**
 * A changed TOML file under the configuration's directories that no include reaches yet does not
 * fail the change (azldev does not read it), but one that does not parse is usually the next include:
 * a warning at its line says so now rather than when it is wired in.
 */
async function unincludedTomlErrors(input: ReviewChangeInput, head: Project, changedPaths: readonly string[], renderedSpecsDir: string): Promise<Finding[]> {
  // files the loader read, or tried to read and reported (an included file that no longer parses)
  const included = new Set([...head.files, ...head.errors.map((e) => e.file)]);
  const roots = new Set(head.files.map((f) => (f.includes("/") ? f.slice(0, f.indexOf("/")) : "")));
  const findings: Finding[] = [];
  for (const path of changedPaths) {
    if (!path.endsWith(".toml") || included.has(path)) continue;
    const top = path.includes("/") ? path.slice(0, path.indexOf("/")) : "";
    if (!roots.has(top) || (renderedSpecsDir !== "" && path.startsWith(`${renderedSpecsDir}/`))) continue;
    const text = await input.head.readText(path).catch(() => undefined);
    if (text === undefined) continue;
    const parsed = parseConfigText(path, text);
    if (!("error" in parsed)) continue;
    findings.push({
      rule: "config-invalid",
      level: "warning",
      path,
      line: parsed.error.line,
      message: `${parsed.error.message} (no include reads this file yet; it fails the configuration as soon as one does)`,
    });
  }
  return findings;
}

/** Above this many components reached only through a shared default, the check defers them. */
export const DEFER_ABOVE = 200;

/**
 * A distro snapshot or a project or group default reaches every member: verifying each would take
 * a dist-git tree per component. Those the change touches itself (rendered files, own declaration,
 * input files) are checked here; the rest are deferred as one finding when they are many.
 */
function deferShared(reached: AffectedComponent[], base: Project, head: Project, changed: Set<string>, above: number): { affected: AffectedComponent[]; deferred: string[] } {
  const shared = (a: AffectedComponent): boolean => {
    const b = base.components.get(a.name);
    const h = head.components.get(a.name);
    if (!a.configChanged || !b || !h || a.renderedPaths.length > 0 || a.inputPaths.length > 0) return false;
    return !(h.declaredAt && changed.has(h.declaredAt.file));
  };
  const deferrable = reached.filter(shared);
  if (deferrable.length <= above) return { affected: reached, deferred: [] };
  const deferred = new Set(deferrable.map((a) => a.name));
  return { affected: reached.filter((a) => !deferred.has(a.name)), deferred: [...deferred] };
}

async function deferredFinding(reached: AffectedComponent[], deferred: string[], input: ReviewChangeInput, head: Project, changedPaths: readonly string[]): Promise<Finding> {
  // the shared line: the first changed line of the first changed configuration file
  const configFile = changedPaths.find((p) => head.files.includes(p)) ?? changedPaths.find((p) => p.endsWith(".toml")) ?? head.files[0] ?? "azldev.toml";
  const [before, after] = await Promise.all([input.base.readText(configFile).catch(() => undefined), input.head.readText(configFile).catch(() => undefined)]);
  const line = firstDifferentLine(before ?? "", after ?? "");
  const rerendered = reached.filter((a) => a.renderedPaths.length > 0).map((a) => a.name);
  const sample = (names: string[]) => `${names.slice(0, 8).join(", ")}${names.length > 8 ? `, … (${names.length - 8} more)` : ""}`;
  return {
    rule: "render-deferred",
    level: "notice",
    path: configFile,
    line,
    message:
      `This line changes the effective configuration of ${reached.length} component(s). ` +
      `${rerendered.length > 0 ? `The change re-rendered ${rerendered.length} of them (${sample(rerendered)}), checked here. ` : "The change re-rendered none of them. "}` +
      `The other ${deferred.length} (${sample(deferred)}) reach it only through this shared setting` +
      (input.config?.deferredVerification === "fan-out"
        ? ": each needs its own re-render from the upstream, done one by one after this report — the check run shows the progress and ends with their verdicts."
        : " and are not verified in this check: each needs its own re-render from the upstream. Verify them with `specwarden render --check --all`."),
  };
}

function firstDifferentLine(before: string, after: string): number {
  const a = before.split("\n");
  const b = after.split("\n");
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return i + 1;
  return Math.max(1, b.length);
}

function errorKey(e: ConfigError): string {
  return `${e.file}\u0000${e.component ?? ""}\u0000${e.message}`;
}

/** Config errors the change introduces fail; those already on the base are notices when the change touches their file. */
function configFindings(base: Project, head: Project, changed: Set<string>): Finding[] {
  const before = new Set(base.errors.map(errorKey));
  const findings: Finding[] = [];
  for (const e of head.errors) {
    const existing = before.has(errorKey(e));
    if (existing && !changed.has(e.file)) continue;
    const level = existing ? "notice" : e.severity === "error" ? "failure" : "warning";
    findings.push({
      rule: "config-invalid",
      level,
      path: e.file,
      line: e.line,
      ...(e.component ? { component: e.component } : {}),
      message: existing ? `${e.message} (already the case before this change)` : e.message,
    });
  }
  return findings;
}

interface EvalContext {
  input: ReviewChangeInput;
  deps: ReviewDeps;
  base: Project;
  head: Project;
  renderedSpecsDir: string;
  /** the base or the head holds the rendered-specs dir: the repository commits its renders */
  renderedTree: boolean;
  /**
   * How many components the change re-renders with no change to their comps, when more than the
   * deferral bound: a bulk re-render (a newer azldev, a moved snapshot), not a set of hand edits.
   */
  bulkRerender?: number;
  changed: Set<string>;
  brokenComponents: Set<string>;
}

function renderedDir(specsDir: string, name: string): string {
  return `${specsDir ? `${specsDir}/` : ""}${name.charAt(0).toLowerCase()}/${name}`;
}

async function evaluate(a: AffectedComponent, ctx: EvalContext): Promise<ComponentReview> {
  const { input, head, base } = ctx;
  const name = a.name;
  const dir = renderedDir(ctx.renderedSpecsDir, name);
  const headConfig = head.components.get(name);
  const baseConfig = base.components.get(name);
  const [headTree, baseTree] = await Promise.all([readRenderedDir(input.head, dir), readRenderedDir(input.base, dir)]);
  const review: ComponentReview = {
    name,
    verdict: { name, status: "clean" },
    findings: [],
    dir,
    ...(headConfig ? { headConfig } : {}),
    ...(baseConfig ? { baseConfig } : {}),
    committed: headTree.files,
    baseCommitted: baseTree.files,
    handEdited: new Set(),
    unreadable: new Set(),
    needsRerender: false,
    unapplied: [],
  };
  for (const r of [...headTree.unreadable, ...baseTree.unreadable]) review.unreadable.add(r.path.slice(dir.length + 1));
  for (const r of headTree.unreadable) {
    review.findings.push({
      rule: "rendered-file-unexpected",
      level: "notice",
      path: r.path,
      component: name,
      message: `${r.reason}: it could not be read, so it was not compared with what the comps produce.`,
    });
  }
  for (const r of headTree.refused) {
    const introduced = ctx.changed.has(r.path);
    review.findings.push({
      rule: "rendered-file-unexpected",
      level: introduced ? "failure" : "notice",
      // a name with a control character is no place for an annotation: its directory is
      path: /[\x00-\x1f\x7f]/.test(r.path) ? dir : r.path,
      component: name,
      message: `${r.reason}; ${r.badName ? "delete it" : "rendered trees hold regular files only"}${introduced ? "" : " (already the case before this change)"}.`,
    });
  }

  if (!headConfig && configLost(baseConfig, head)) {
    // the declaring file no longer loads: the component is not removed, its config is broken
    review.verdict = { name, status: "failed", method: "none", reason: "its configuration does not load" };
    return review;
  }
  if (!headConfig) return undeclared(review, a, ctx);
  if (ctx.brokenComponents.has(name)) {
    review.verdict = { name, status: "failed", method: "none", reason: "its configuration is invalid" };
    return review;
  }
  if (!ctx.renderedTree) {
    review.verdict = { name, status: "clean", method: "none", reason: "the repository commits no rendered tree" };
    lintNewOverlays(review, ctx);
    return finish(review);
  }

  if (headTree.files.has(RENDER_FAILED) && ctx.changed.has(`${dir}/${RENDER_FAILED}`)) {
    // azldev writes this marker, in place of the rendered files, when it cannot render a component:
    // the change committed a failed render. Nothing it holds can be compared; the component is not
    // built from this tree until its render succeeds.
    review.verdict = { name, status: "unverified", method: "none", reason: "its render failed when this change was rendered (RENDER_FAILED)" };
    review.findings.push({
      rule: "rendered-file-missing",
      level: "warning",
      path: `${dir}/${RENDER_FAILED}`,
      component: name,
      message: `azldev could not render ${name} when this change was rendered: its ${RENDER_FAILED} marker replaces the rendered files, so ${name} is not built from this tree until a render succeeds. Its rendered files were not compared; \`azldev component render ${name}\` shows why it fails.`,
    });
    return review;
  }
  if (baseConfig && baseTree.files.size === 0 && review.committed.size === 0 && baseTree.unreadable.length === 0 && headTree.unreadable.length === 0 && headTree.refused.length === 0) {
    // Declared on the base with no render there, and none now: the change did not leave it
    // unrendered, and an empty dir is nothing to compare a render with, file by file.
    review.verdict = { name, status: "clean", method: "none", reason: "no committed render, on the base either" };
    review.findings.push({
      rule: "rendered-file-missing",
      level: "notice",
      path: dir,
      component: name,
      message: `${name} has no rendered files in ${dir}/, and had none on the base either: not caused by this pull request. Render it (\`azldev component render ${name}\`) when convenient.`,
    });
    return review;
  }

  // The base's committed render stands for what the comps produce only when there is one: a
  // component declared earlier and rendered now, or one whose base dir holds only azldev's failure
  // marker, has nothing to compare with — its first render is verified like any full render.
  const baseRendered = baseTree.files.has(`${name}.spec`) && !baseTree.files.has(RENDER_FAILED);
  const configSame = !a.configChanged && baseConfig !== undefined && (baseRendered || review.committed.size === 0);
  if (configSame) {
    // Same effective config and pin: the base's committed render is what the comps produce.
    review.expected = baseTree.files;
    review.verdict = { name, status: "clean", method: "unchanged", reason: "comps and pin unchanged: compared with the base's render" };
    review.compsUnchanged = true;
    if (baseRendered && a.renderedPaths.length > 0) {
      await caughtUp(review, a, ctx);
      if (unexplainedEdits(review, a)) await verifyEdits(review, ctx);
    }
  } else {
    const determined = await expectedRender(review, a, ctx, baseTree.files);
    if (!determined && review.verdict.status === "unverified" && a.renderedPaths.length === 0) {
      const inputs = changedInputs(review.baseConfig, review.headConfig as ComponentConfig, a);
      if (inputs.decisive) staleByEvidence(review, inputs);
    }
    if (!determined) {
      // an overlay that fails (or a render that cannot run) hides nothing else the packager must fix
      if (review.headConfig) lintNewOverlays(review, ctx);
      return finish(review);
    }
  }
  // with the comps unchanged, the head's render is the base's too
  const baseDrift = review.verdict.method !== "full" ? NO_DRIFT : review.compsUnchanged ? driftAgainst(review.expected as Map<string, Uint8Array>, review.baseCommitted) : await baseDriftOf(review, ctx);
  compareTrees(review, ctx, baseDrift);
  lintNewOverlays(review, ctx);
  return finish(review);
}

/**
 * The change re-rendered files of a component whose comps it did not change: when the base render
 * was stale, what the comps produce is the base render caught up with them (catch-up.ts), and the
 * change's edits that match it are a re-render, not a hand edit.
 */
async function caughtUp(review: ComponentReview, a: AffectedComponent, ctx: EvalContext): Promise<void> {
  const headConfig = review.headConfig as ComponentConfig;
  const touched = new Set(a.renderedPaths.map((p) => p.slice(review.dir.length + 1)));
  // only the sources catch-up can use: copies the change touched, and those of the newest overlays
  const overlays = headConfig.overlays;
  const specTouched = touched.has(`${review.name}.spec`);
  const needed = overlays.filter((o, i) => o.source !== undefined && ((specTouched && i >= overlays.length - MAX_SUFFIX) || touched.has(o.file ?? o.source.slice(o.source.lastIndexOf("/") + 1))));
  const result = catchUpRender({
    name: review.name,
    base: review.baseCommitted,
    head: review.committed,
    touched,
    overlays,
    sourceFiles: await sourceFilesOf(ctx.input.head, needed),
    apply: ctx.deps.applyOverlays,
    filter: filterSettings(headConfig),
  });
  if (!result) return;
  review.expected = result.files;
  if (result.provenance) review.expectedProvenance = result.provenance;
  review.appended = result.overlays;
  const parts = [
    ...(result.overlays.length > 0 ? [`what ${result.overlays.length === 1 ? "its last overlay" : `its last ${result.overlays.length} overlays`} (${result.overlays.map(where).join(", ")}) write${result.overlays.length === 1 ? "s" : ""}`] : []),
    ...(result.copies.length > 0 ? [`the current content of ${result.copies.join(", ")} from base/comps`] : []),
  ];
  review.verdict = { ...review.verdict, reason: "comps and pin unchanged; the base's render was stale and this change re-renders it" };
  review.findings.push({
    rule: "rendered-file-edited",
    level: "notice",
    path: review.dir,
    component: review.name,
    message: `the comps of ${review.name} did not change, but its render on the base was stale: it lacked ${parts.join(" and ")}. This change brings ${review.dir}/ up to date with the comps; those edits are a re-render, not a hand edit.`,
  });
}

function hunkKey(rel: string, h: LineHunk): string {
  return JSON.stringify([rel, h.removed, h.added]);
}

/** How the base's committed render already differed from a render of the base's own comps. */
interface BaseDrift {
  /** hunks (hunkKey) of files both hold */
  hunks: Set<string>;
  /** files the base held that its comps did not produce: leftovers already stale there */
  leftovers: Set<string>;
  /** files the base's comps produced that the base did not hold */
  missing: Set<string>;
}

const NO_DRIFT: BaseDrift = { hunks: new Set(), leftovers: new Set(), missing: new Set() };

/** Differences the base already had between its committed render and a render of its own comps. */
async function baseDriftOf(review: ComponentReview, ctx: EvalContext): Promise<BaseDrift> {
  if (!review.baseConfig || !ctx.deps.renderComponent) return NO_DRIFT;
  try {
    const render = await ctx.deps.renderComponent({ project: ctx.base, repo: ctx.input.base, name: review.name, ...(ctx.input.upstream ? { upstream: ctx.input.upstream } : {}) });
    return render.status === "ok" ? driftAgainst(render.files, review.baseCommitted) : NO_DRIFT;
  } catch {
    // the base cannot be rendered either: nothing is known about its drift
    return NO_DRIFT;
  }
}

function driftAgainst(rendered: ReadonlyMap<string, Uint8Array>, committed: ReadonlyMap<string, Uint8Array>): BaseDrift {
  const drift: BaseDrift = { hunks: new Set(), leftovers: new Set(), missing: new Set() };
  for (const [rel, bytes] of rendered) {
    const held = committed.get(rel);
    if (!held) drift.missing.add(rel);
    if (!held || sameBytes(bytes, held)) continue;
    for (const h of diffLineArrays(specLines(text(bytes)), specLines(text(held)))) drift.hunks.add(hunkKey(rel, h));
  }
  for (const rel of committed.keys()) if (!rendered.has(rel)) drift.leftovers.add(rel);
  return drift;
}

/** A file the change touched that the expected render does not explain (bookkeeping aside). */
function unexplainedEdits(review: ComponentReview, a: AffectedComponent): boolean {
  const expected = review.expected as Map<string, Uint8Array>;
  const specName = `${review.name}.spec`;
  return a.renderedPaths.some((path) => {
    const rel = path.slice(review.dir.length + 1);
    const e = expected.get(rel);
    const c = review.committed.get(rel);
    if (sameBytes(e, c) || review.unreadable.has(rel)) return false;
    if (!e || !c || rel !== specName) return true;
    return classifiedSpecDiff(specLines(text(e)), specLines(text(c))).some((h) => !h.bookkeeping);
  });
}

/**
 * The change edits rendered files of a component whose comps it did not change, and the base's
 * render does not explain the edits: a hand edit, or a re-render over a base that was stale against
 * its upstream. A local spec needs nothing else to render, so a full render decides at once. For an
 * upstream spec the edits stand as hand edits unless the change shows another upstream revision (its
 * %changelog gains or loses entries): then a full render decides when the upstream can be read, and
 * otherwise the spec's edits stay unverified. A plain hand edit never waits on the network.
 */
async function verifyEdits(review: ComponentReview, ctx: EvalContext): Promise<void> {
  const headConfig = review.headConfig as ComponentConfig;
  const specName = `${review.name}.spec`;
  const entries = changedChangelogEntries(text(review.baseCommitted.get(specName)), text(review.committed.get(specName)));
  const local = headConfig.spec.type === "local";
  if (!local && entries.length === 0 && !ctx.bulkRerender) return;
  if (ctx.deps.renderComponent && (local || ctx.input.upstream)) {
    const before = { verdict: review.verdict, findings: review.findings.length };
    if (await fullRender(review, ctx, "comps unchanged, but the change edits rendered files that the base's render does not explain")) return;
    // a render that could not run leaves the comparison with the base's render
    review.findings.splice(before.findings);
    review.verdict = before.verdict;
  }
  if (entries.length > 0) {
    const reason = `its %changelog differs in ${entries.length === 1 ? "the entry" : `${entries.length} entries`} ${entries.slice(0, 2).map((e) => `"${e.text}"`).join(", ")}${entries.length > 2 ? ", …" : ""}`;
    review.otherRevision = { reason, generated: entries.some((e) => e.generated) || ctx.bulkRerender !== undefined };
  } else if (ctx.bulkRerender !== undefined && !local) {
    // one of thousands of renders of a tool run: its unexplained edits are the upstream's or the tool's until a render shows otherwise
    review.otherRevision = { reason: `this change re-renders ${ctx.bulkRerender} components with no change to their comps, a bulk re-render`, generated: true };
  }
}

const CHANGELOG_ENTRY = /^\*\s+\w{3}\s+\w{3}\s+\d{1,2}\s+\d{4}\s/;

/**
 * Entry headers (`* Mon Jan 1 2026 Name <mail> - 1.0-1`) of %changelog that one side has and the
 * other lacks, each marked when it sits in rpmautospec's generated changelog — written from the
 * upstream dist-git history, never by a hand in this repository.
 */
function changedChangelogEntries(baseSpec: string, headSpec: string): { text: string; generated: boolean }[] {
  const entries = (spec: string): { text: string; generated: boolean }[] => {
    const lines = specLines(spec);
    const at = lines.findIndex((l) => /^%changelog\b/.test(l.trim()));
    if (at < 0) return [];
    const mask = bookkeepingMask(lines);
    const out: { text: string; generated: boolean }[] = [];
    for (let i = at + 1; i < lines.length; i++) if (CHANGELOG_ENTRY.test(lines[i] as string)) out.push({ text: lines[i] as string, generated: mask[i] ?? false });
    return out;
  };
  const before = entries(baseSpec);
  const after = entries(headSpec);
  const had = new Set(before.map((e) => e.text));
  const has = new Set(after.map((e) => e.text));
  // entries taken away count too: a render from an earlier upstream revision drops the later ones
  return [...after.filter((e) => !had.has(e.text)), ...before.filter((e) => !has.has(e.text))];
}

/**
 * The head's configuration cannot say whether the component is gone: its declaring file does not
 * load, or part of the configuration was not read at all (over a budget, unreadable) — a component
 * missing then may well still be declared, and deleting its rendered dir would be a false fix.
 */
function configLost(baseConfig: ComponentConfig | undefined, head: Project): boolean {
  const declaredIn = baseConfig?.declaredAt?.file;
  return head.errors.some(
    (e) => e.severity === "error" && (e.incomplete === true || (baseConfig !== undefined && (e.file === declaredIn || e.message.startsWith("invalid TOML")))),
  );
}

function finish(review: ComponentReview): ComponentReview {
  const fails = review.findings.some((f) => f.level === "failure");
  if (review.verdict.status === "clean" && fails) review.verdict = { ...review.verdict, status: "drift" };
  if (review.verdict.status === "clean" && review.unreadable.size > 0) {
    review.verdict = { ...review.verdict, status: "unverified", reason: `${[...review.unreadable].sort().join(", ")} could not be read` };
  }
  return review;
}

/** A rendered dir of a component that the head does not declare. */
function undeclared(review: ComponentReview, a: AffectedComponent, ctx: EvalContext): ComponentReview {
  const { name, dir } = review;
  review.verdict = { name, status: "clean", method: "none", reason: "not declared in the comps" };
  if (review.committed.size === 0) return review;
  const removedNow = review.baseConfig !== undefined;
  const touched = a.renderedPaths.filter((p) => review.committed.has(p.slice(dir.length + 1)));
  if (!removedNow && touched.length === 0) {
    review.findings.push({
      rule: "rendered-file-unexpected",
      level: "notice",
      path: dir,
      component: name,
      message: `${dir}/ belongs to no declared component (it was already there before this change); remove it when convenient.`,
    });
    return review;
  }
  review.verdict = { name, status: "drift", method: "none", reason: removedNow ? "removed from the comps, rendered dir left behind" : "rendered files for an undeclared component" };
  review.expected = new Map();
  review.needsRerender = true;
  review.findings.push({
    rule: "rendered-file-unexpected",
    level: "failure",
    path: dir,
    component: name,
    message: removedNow
      ? `${name} is no longer declared in the comps, but its rendered dir ${dir}/ is still there; delete it in the same change (a full render with --clean-stale would).`
      : `${dir}/ is not the render of any declared component; rendered dirs are produced by azldev from base/comps, not written by hand.`,
  });
  return review;
}

function appendedOverlays(baseConfig: ComponentConfig, headConfig: ComponentConfig): ConfiguredOverlay[] | undefined {
  const b = baseConfig.overlays;
  const h = headConfig.overlays;
  if (h.length < b.length) return undefined;
  for (let i = 0; i < b.length; i++) if (overlayIdentity(b[i] as ConfiguredOverlay) !== overlayIdentity(h[i] as ConfiguredOverlay)) return undefined;
  return h.slice(b.length);
}

async function sourceFilesOf(repo: RepoView, overlays: readonly ConfiguredOverlay[]): Promise<Record<string, FileContent>> {
  const out: Record<string, FileContent> = {};
  await Promise.all(
    overlays
      .filter((o) => o.source)
      .map(async (o) => {
        const bytes = await repo.readFile(o.source as string).catch(() => undefined);
        if (bytes) out[o.source as string] = bytes;
      }),
  );
  return out;
}

/** Changed inputs that the incremental method cannot account for: anything but the sources of appended overlays. */
function foreignInputs(a: AffectedComponent, appended: readonly ConfiguredOverlay[] | undefined): string[] {
  const own = new Set((appended ?? []).map((o) => o.source).filter(Boolean));
  return a.inputPaths.filter((p) => !own.has(p));
}

/** Works out what the comps produce at the head: incrementally when possible, else by a full render. */
async function expectedRender(review: ComponentReview, a: AffectedComponent, ctx: EvalContext, baseFiles: Map<string, Uint8Array>): Promise<boolean> {
  const { name } = review;
  const headConfig = review.headConfig as ComponentConfig;
  const baseConfig = review.baseConfig;
  let fullReason = "";
  const specName = `${name}.spec`;
  if (!baseConfig) fullReason = "the component is new";
  else if (sourceIdentity(baseConfig) !== sourceIdentity(headConfig)) fullReason = "its spec source or build settings changed";
  else if (!baseFiles.has(specName) || baseFiles.has(RENDER_FAILED)) fullReason = "the base has no usable committed render";
  let appended = baseConfig && !fullReason ? appendedOverlays(baseConfig, headConfig) : undefined;
  if (!fullReason && !appended) fullReason = "existing overlays changed (not only appended)";
  const foreign = foreignInputs(a, appended);
  // an existing patch-add/file-add source edited in base/comps: its rendered copy changes verbatim
  const copies = new Map<string, string[]>();
  for (const path of foreign) {
    const dests = verbatimCopies(headConfig.overlays, path);
    if (dests) copies.set(path, dests);
  }
  if (!fullReason && foreign.length > copies.size) {
    fullReason = `${foreign.find((p) => !copies.has(p))} changed`;
    appended = undefined;
  }

  if (appended) {
    const sourceFiles = await sourceFilesOf(ctx.input.head, appended);
    const outcome = incrementalRender(name, baseFiles, appended, sourceFiles, ctx.deps.applyOverlays, filterSettings(headConfig));
    if (outcome.ok) {
      for (const [source, dests] of copies) {
        const bytes = await ctx.input.head.readFile(source).catch(() => undefined);
        if (bytes === undefined) {
          overlayFailed(review, headConfig.overlays.find((o) => o.source === source), `its source file ${source} does not exist`);
          return false;
        }
        for (const dest of dests) if (outcome.render.files.has(dest)) outcome.render.files.set(dest, bytes);
      }
      const fromUpstream = outcome.render.fromUpstream ?? [];
      if (fromUpstream.length > 0) {
        // the upstream checkout decides what those names hold: a full render when it can be read
        const why = `a Source/Patch tag now names ${fromUpstream.join(", ")}, which the base render does not hold`;
        if (ctx.deps.renderComponent && (headConfig.spec.type === "local" || ctx.input.upstream)) {
          if ((await fullRender(review, ctx, why)) || review.verdict.status === "failed") return review.verdict.status !== "failed";
          review.findings = review.findings.filter((f) => f.rule !== "upstream-unavailable");
        }
        review.fromUpstream = new Set(fromUpstream);
      }
      const notShown = review.verdict.reason;
      review.expected = outcome.render.files;
      review.expectedProvenance = outcome.render.provenance;
      review.appended = appended;
      review.verdict =
        fromUpstream.length > 0
          ? { name, status: "unverified", method: "incremental", reason: `a Source/Patch tag now names ${fromUpstream.join(", ")}, which only the upstream checkout holds, and it was not read (${notShown ?? ctx.input.noUpstreamReason ?? "no upstream dist-git source is configured"})` }
          : { name, status: "clean", method: "incremental", reason: appended.length ? `${appended.length} appended overlay(s) applied to the base render` : "overlay descriptions or metadata only" };
      return true;
    }
    if (!outcome.needsFullRender) {
      const overlay = appended[outcome.failure.index];
      overlayFailed(review, overlay, outcome.failure.message);
      return false;
    }
    fullReason = outcome.failure.index < 0 ? `the render's file filter changes: ${outcome.failure.message}` : "a new loose-file overlay may need files the base render does not keep";
  }
  return fullRender(review, ctx, fullReason);
}

/**
 * The render inputs changed and the change left every rendered file as it was: that alone shows the
 * component was not re-rendered, whatever the upstream holds. Failing here needs no upstream; the
 * exact lines need one, and the finding says so.
 */
function staleByEvidence(review: ComponentReview, { inputs, at }: ChangedInputs): void {
  const { name } = review;
  // what kept the full render from running (set by fullRender with the unverified verdict)
  const notShown = review.verdict.reason ?? "the full render did not run";
  review.findings = review.findings.filter((f) => f.rule !== "upstream-unavailable");
  const never = review.committed.size === 0;
  review.verdict = { name, status: "drift", method: "none", reason: "render inputs changed, rendered files untouched" };
  review.needsRerender = true;
  review.findings.push({
    rule: "render-stale",
    level: "failure",
    path: at?.file ?? review.dir,
    ...(at ? { line: at.line } : {}),
    component: name,
    message:
      `${name}'s render inputs changed — ${inputs.join("; ")} — but this change ${never ? "adds no rendered files for it" : `leaves ${review.dir}/ untouched`}: ` +
      `it was not re-rendered. Run \`azldev component render ${name}\` (or \`specwarden render ${name}\`) and commit ${review.dir}/. ` +
      `The exact lines that change could not be shown: ${notShown}.`,
  });
}

function overlayFailed(review: ComponentReview, overlay: ConfiguredOverlay | undefined, message: string): void {
  review.verdict = { name: review.name, status: "failed", method: "incremental", reason: "an overlay does not apply" };
  review.findings.push({
    rule: "overlay-failed",
    level: "failure",
    path: overlay?.origin.file ?? review.dir,
    ...(overlay ? { line: overlay.origin.line } : {}),
    component: review.name,
    message: `${overlay?.description ? `"${overlay.description}" ` : ""}(${overlay?.type ?? "overlay"}) no longer applies: ${message}. azldev would fail to render ${review.name}.`,
  });
}

async function fullRender(review: ComponentReview, ctx: EvalContext, why: string): Promise<boolean> {
  const { name } = review;
  const headConfig = review.headConfig as ComponentConfig;
  const needsUpstream = headConfig.spec.type !== "local";
  const unavailable = (detail: string) => {
    review.verdict = { name, status: "unverified", method: "none", reason: detail };
    review.findings.push({
      rule: "upstream-unavailable",
      level: "notice",
      path: review.dir,
      component: name,
      message: `${name} needs a full re-render (${why}) and ${detail}; its rendered files were not compared with what the comps produce. Hand edits, stale renders and unapplied patches of ${name} are unchecked.`,
    });
    return false;
  };
  if (!ctx.deps.renderComponent) return unavailable("the native renderer is not available");
  if (needsUpstream && !ctx.input.upstream) return unavailable(ctx.input.noUpstreamReason ?? "no upstream dist-git source is configured");
  try {
    const render = await ctx.deps.renderComponent({ project: ctx.head, repo: ctx.input.head, name, ...(ctx.input.upstream ? { upstream: ctx.input.upstream } : {}) });
    if (render.status !== "ok") {
      const message = render.error ?? "the render failed";
      if (render.failure?.stage === "upstream") return unavailable(`the upstream could not be read: ${message}`);
      const index = render.failure?.overlayIndex;
      const overlay = index !== undefined ? headConfig.overlays[index] : undefined;
      overlayFailed(review, overlay, message);
      review.verdict = { name, status: "failed", method: "full", reason: "the render failed" };
      return false;
    }
    review.expected = render.files;
    if (render.provenance) review.renderProvenance = render.provenance;
    review.verdict = { name, status: "clean", method: "full", reason: why };
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.name === "UpstreamError") return unavailable(`the upstream could not be read: ${message}`);
    const failure = error && typeof error === "object" && "index" in error ? (error as { index: number }).index : undefined;
    if (failure !== undefined) {
      overlayFailed(review, headConfig.overlays[failure], message);
      review.verdict = { name, status: "failed", method: "full", reason: "an overlay does not apply" };
      return false;
    }
    return unavailable(`the render failed: ${message}`);
  }
}

const PATCH_LIKE = /\.(patch|diff)$/i;

function lineOf(lines: readonly string[], index: number): number {
  return Math.min(Math.max(index + 1, 1), Math.max(lines.length, 1));
}

/** Compares the committed head tree with the expected tree and records findings. */
function compareTrees(review: ComponentReview, ctx: EvalContext, baseDrift: BaseDrift): void {
  const expected = review.expected as Map<string, Uint8Array>;
  const { committed, baseCommitted, dir, name } = review;
  const configChanged = review.verdict.method !== "unchanged" && !review.compsUnchanged;
  const paths = [...new Set([...expected.keys(), ...committed.keys()])].sort();
  const referencedByHead = referencedNames(text(committed.get(`${name}.spec`)));
  const referencedByBase = referencedNames(text(review.baseCommitted.get(`${name}.spec`)));
  const baseHasRender = review.baseCommitted.has(`${name}.spec`);
  // names the head's spec references and the expected spec does not: only a line written by hand names them
  const referencedByExpected = referencedNames(text(expected.get(`${name}.spec`)));
  const newlyReferenced = new Set([...referencedByHead].filter((n) => !referencedByExpected.has(n)));
  let staleFiles = 0;
  for (const rel of paths) {
    const e = expected.get(rel);
    const c = committed.get(rel);
    const b = baseCommitted.get(rel);
    const path = `${dir}/${rel}`;
    const prChanged = ctx.changed.has(path);
    if (review.unreadable.has(rel)) continue;
    if (!e && c && review.fromUpstream?.has(rel.split("/")[0] as string)) {
      // named by a new Source/Patch tag and not in the base render: the upstream checkout's, unread
      if (prChanged || b === undefined) {
        review.findings.push({
          rule: "rendered-file-unexpected",
          level: "notice",
          path,
          component: name,
          message: `${rel} arrives with a Source/Patch tag that now names it: it comes from the upstream checkout of ${name}, not from a person. Not verified: ${review.verdict.reason ?? "only a full render from the upstream can confirm it"}.`,
        });
      }
      continue;
    }
    if (e && c) {
      if (sameBytes(e, c)) continue;
      if (isBinary(e) || isBinary(c)) {
        const mine = prChanged && !sameBytes(b, c);
        if (!mine && !configChanged) continue;
        if (mine) review.handEdited.add(rel);
        else review.needsRerender = true;
        review.findings.push({
          rule: mine ? "rendered-file-edited" : "render-stale",
          level: "failure",
          path,
          component: name,
          message: mine
            ? `this binary file of the rendered tree was replaced by hand; the comps of ${name} produce different content, and the next render restores it.`
            : `the comps of ${name} changed and this binary file was not re-rendered.`,
        });
        continue;
      }
      const oldLines = specLines(text(e));
      const newLines = specLines(text(c));
      const isSpec = rel === `${name}.spec`;
      const hunks = isSpec ? classifiedSpecDiff(oldLines, newLines) : diffLineArrays(oldLines, newLines);
      if (hunks.length === 0) {
        // Same lines, other bytes: line endings (CRLF) or a final newline. azldev writes the file as the
        // comps produce it, so `render --check` calls this drift; the check gives the same answer.
        const mine = prChanged && !sameBytes(b, c);
        if (!mine && !configChanged) continue;
        if (mine) review.handEdited.add(rel);
        else review.needsRerender = true;
        review.findings.push({
          rule: mine ? "rendered-file-edited" : "render-stale",
          level: "failure",
          path,
          component: name,
          message: `${rel} has the lines the comps produce but not the same bytes (${text(c).includes("\r\n") ? "CRLF line endings" : "line endings or the final newline"}); the next render of ${name} rewrites it. Keep rendered files exactly as azldev writes them.`,
        });
        continue;
      }
      // A Release value that an overlay writes is content the packager chose, not tool skew.
      // azldev's release bump adds its count after the overlays (AZLDEV.md §4.8): a committed number at or
      // above the overlay's carries it; one below does not.
      for (const h of hunks) if (h.bookkeeping === "release number" && releaseFromOverlay(review, h) && !bumpedFrom(h)) delete h.bookkeeping;
      // the block azldev puts at the top of %check when the build settings skip it, missing from a render older than them
      const skip = review.headConfig?.build.check;
      if (isSpec && review.compsUnchanged && skip?.skip) {
        const block = [`# Check section disabled: ${skip.skipReason ?? ""}`, "exit 0", ""];
        for (const h of hunks) if (!h.bookkeeping && h.removed.length === 0 && (h.added.join("\n") === block.join("\n") || h.added.join("\n") === block.slice(0, 2).join("\n"))) h.bookkeeping = "azldev %check skip block";
      }
      const prLines = prChanged ? changedNewLines(diffLineArrays(specLines(text(b)), newLines)) : new Set<number>();
      const prRemovals = prChanged ? removalPoints(diffLineArrays(specLines(text(b)), newLines)) : new Set<number>();
      const bookkeeping = hunks.filter((h) => h.bookkeeping);
      if (bookkeeping.length > 0 && (prChanged || configChanged)) {
        const reasons = [...new Set(bookkeeping.map((h) => h.bookkeeping))].join(", ");
        review.findings.push({
          rule: "rendered-file-edited",
          level: "notice",
          path,
          line: lineOf(newLines, (bookkeeping[0] as LineHunk).newStart),
          component: name,
          message: `only tool bookkeeping differs from what the comps produce (${reasons}); this comes from a different azldev or rpmautospec version and needs no action.`,
        });
      }
      for (const h of hunks) {
        if (h.bookkeeping) continue;
        const touched = h.added.some((_, i) => prLines.has(h.newStart + i)) || (h.added.length === 0 && prRemovals.has(h.newStart));
        const start = lineOf(newLines, h.newStart);
        const end = h.added.length > 1 ? start + h.added.length - 1 : start;
        if (touched && review.otherRevision && (isSpec || !copySource(review.headConfig, rel))) {
          review.findings.push({
            rule: "rendered-file-edited",
            level: "notice",
            path,
            line: start,
            ...(end !== start ? { endLine: end } : {}),
            component: name,
            message: `the comps of ${name} did not change, but its rendered spec is another upstream revision (${review.otherRevision.reason})${isSpec ? "" : `, and ${rel} comes from the same upstream checkout`}: the base's render no longer stands for what the comps produce, so this edit is not verified. Only a render from the upstream can tell a re-render from a hand edit.`,
          });
          if (review.verdict.status === "clean") review.verdict = { ...review.verdict, status: "unverified", reason: `the change brings a newer upstream revision of the spec and the upstream was not read (${ctx.input.noUpstreamReason ?? "no upstream dist-git source is configured"})` };
        } else if (touched) {
          review.handEdited.add(rel);
          review.findings.push({
            rule: "rendered-file-edited",
            level: "failure",
            path,
            line: start,
            ...(end !== start ? { endLine: end } : {}),
            component: name,
            message: editMessage(h, name, isSpec) + (isSpec ? producedBy(review, h) : copiedFrom(review, rel)),
          });
        } else if (baseDrift.hunks.has(hunkKey(rel, h))) {
          review.findings.push({
            rule: "rendered-file-edited",
            level: "notice",
            path,
            line: start,
            component: name,
            message: `this part of ${rel} already differed from what the comps produce before this change; not caused by this pull request.`,
          });
        } else if (configChanged) {
          staleFiles++;
          review.needsRerender = true;
          review.findings.push({
            rule: "render-stale",
            level: "failure",
            path,
            line: start,
            ...(end !== start ? { endLine: end } : {}),
            component: name,
            message: prChanged
              ? `the comps of ${name} changed in this pull request and this part of ${rel} was not re-rendered: azldev would write ${describeLines(h.removed)} here.`
              : `the comps of ${name} changed in this pull request (${review.verdict.reason ?? "effective config"}) but ${rel} was not re-rendered: azldev would write ${describeLines(h.removed)} here.`,
          });
        }
      }
      continue;
    }
    if (e && !c) {
      review.needsRerender = true;
      const removedByPr = b !== undefined;
      if (!removedByPr && baseDrift.missing.has(rel)) {
        review.findings.push({
          rule: "rendered-file-missing",
          level: "notice",
          path,
          component: name,
          message: `the comps of ${name} produce ${rel}, but it is not in the rendered tree — already the case on the base, not caused by this pull request; re-render ${name} when convenient.`,
        });
        continue;
      }
      const top = rel.split("/")[0] as string;
      const unnamedByHand = !referencedByBase.has(top) || review.otherRevision !== undefined;
      if (removedByPr && review.compsUnchanged && review.verdict.method !== "full" && unnamedByHand && !copySource(review.headConfig, rel) && !referencedByHead.has(top) && rel !== `${name}.spec`) {
        // Nothing of the head's spec names it, no overlay copies it, and no hand took its name out of
        // the spec (the base's did not name it, or the spec is another upstream revision): an upstream
        // file that revision no longer carries, or that azldev's file filter drops.
        review.findings.push({
          rule: "rendered-file-missing",
          level: "notice",
          path,
          component: name,
          message: `${rel} was deleted from the rendered tree; no Source/Patch tag of the spec names it any more and no overlay adds it${review.otherRevision ? ` (the spec is another upstream revision: ${review.otherRevision.reason})` : ""}, so a render that drops it is what the comps produce now. Not verified: only a render from the upstream can confirm it.`,
        });
        if (review.verdict.status === "clean") review.verdict = { ...review.verdict, status: "unverified", reason: "files no spec line names were deleted; a full render from the upstream would confirm it" };
        continue;
      }
      review.findings.push({
        rule: "rendered-file-missing",
        level: removedByPr || configChanged ? "failure" : "notice",
        path,
        component: name,
        message: removedByPr
          ? `${rel} was deleted from the rendered tree, but the comps of ${name} still produce it; the next render brings it back. Remove it through the comps (patch-remove, file-remove, spec-remove-tag) if it should go.`
          : `the comps of ${name} now produce ${rel}, but it is not in the rendered tree: re-render ${name}.`,
      });
      continue;
    }
    if (!e && c) {
      const addedByPr = b === undefined || (prChanged && !sameBytes(b, c));
      if (!addedByPr && !configChanged) continue;
      if (!addedByPr && baseDrift.leftovers.has(rel)) {
        // the base's own comps did not produce it either: a leftover of an older render, not this change's
        review.findings.push({
          rule: "rendered-file-unexpected",
          level: "notice",
          path,
          component: name,
          message: `the comps of ${name} do not produce ${rel}, and did not on the base either: a leftover already stale before this pull request. Delete it when convenient (re-render ${name}).`,
        });
        continue;
      }
      const top = rel.split("/")[0] as string;
      // Only rpmautospec's own entries show the upstream's history moved; a hand can write a manual
      // %changelog entry next to the Patch line it wires a vendored patch with.
      if (addedByPr && review.otherRevision?.generated && !copySource(review.headConfig, rel)) {
        review.findings.push({
          rule: "rendered-file-unexpected",
          level: "notice",
          path,
          component: name,
          message: `${rel} arrives with another revision of ${name}'s upstream spec (${review.otherRevision.reason}) while its comps did not change: most likely a file of that upstream checkout. Not verified: only a render from the upstream can tell it from a vendored file.`,
        });
        if (review.verdict.status === "clean") review.verdict = { ...review.verdict, status: "unverified", reason: "the change brings a newer upstream revision and the upstream was not read" };
        continue;
      }
      if (addedByPr && rel === macrosFileName(name) && review.headConfig && !review.headConfig.build.emitUpstreamProvenance && sameBytes(c, new TextEncoder().encode(renderMacrosFile(buildMacroSet(review.headConfig.build)) ?? ""))) {
        // what the comps' build settings make azldev write; an azldev older than the macros file did not
        review.findings.push({
          rule: "rendered-file-unexpected",
          level: "notice",
          path,
          component: name,
          message: `${rel} is azldev's macros file, exactly as the build settings of ${name} produce it: written by a newer azldev than the base's render, not by hand.`,
        });
        continue;
      }
      if (b === undefined && baseHasRender && review.verdict.method !== "full" && !newlyReferenced.has(top)) {
        // No line of this change names the file: the spec on the base already did, or nothing does.
        // Then no hand wired it in — it is a file of the upstream checkout that an older azldev's file
        // filter dropped and a newer one keeps (a bulk re-render brings back patches, .gitignore,
        // test plans). Only a render from the upstream can tell; it is never a vendored patch.
        review.findings.push({
          rule: "rendered-file-unexpected",
          level: "notice",
          path,
          component: name,
          message: referencedByBase.has(top)
            ? `${rel} is new in the rendered tree, but the spec on the base already references it: most likely an upstream file an older azldev left out. Not verified: only a full render of ${name} from its upstream can confirm it.`
            : `${rel} is new in the rendered tree and no spec line this change wrote names it: most likely a file of ${name}'s upstream checkout that an older azldev left out and a newer one keeps (a file added by hand would do nothing, as nothing references it). Not verified: only a full render of ${name} from its upstream can confirm it.`,
        });
        if (review.verdict.status === "clean") review.verdict = { ...review.verdict, status: "unverified", reason: "files arrived that no changed spec line names; a full render from the upstream would confirm them" };
        continue;
      }
      if (addedByPr && (PATCH_LIKE.test(rel) || referencedByHead.has(rel.split("/")[0] as string))) {
        review.handEdited.add(rel);
        review.findings.push({
          rule: "vendored-patch-in-rendered-tree",
          level: "failure",
          path,
          component: name,
          message: `${rel} was added to the rendered tree by hand; the comps of ${name} do not produce it, so the next render deletes it${referencedByHead.has(rel) ? " and the spec would then reference a missing file" : ""}. Vendored ${PATCH_LIKE.test(rel) ? "patches" : "sources"} belong in base/comps/${name}/ with ${PATCH_LIKE.test(rel) ? "a patch-add overlay (or file-add and a tag, where the component wires its patches that way)" : "a file-add overlay"}.`,
        });
      } else {
        review.needsRerender = true;
        review.findings.push({
          rule: "rendered-file-unexpected",
          level: "failure",
          path,
          component: name,
          message: addedByPr
            ? `${rel} was added to the rendered tree, but the comps of ${name} do not produce it; a render deletes it.`
            : `the comps of ${name} changed and no longer produce ${rel}; delete it (re-render ${name}).`,
        });
      }
    }
  }
  for (const top of review.fromUpstream ?? []) {
    if (paths.some((rel) => rel === top || rel.startsWith(`${top}/`))) continue;
    review.findings.push({
      rule: "rendered-file-missing",
      level: "notice",
      path: `${dir}/${top}`,
      component: name,
      message: `a Source/Patch tag of ${name} now names ${top}, which the base render did not hold and this change does not add. If the upstream checkout has it, a render keeps it: re-render ${name} to find out. Not verified: ${review.verdict.reason ?? "the upstream was not read"}.`,
    });
  }
  if (staleFiles > 0 && review.verdict.status === "clean") review.verdict = { ...review.verdict, status: "drift" };
}

function where(o: { origin?: { file: string; line: number } | undefined; description?: string | undefined }): string {
  return `${o.description ? `"${o.description}"` : "an overlay"}${o.origin ? ` (${o.origin.file}:${o.origin.line})` : ""}`;
}

/** Whether every committed Release number of a "release number" hunk is at or above the expected one (a bump on top of it). */
function bumpedFrom(h: LineHunk): boolean {
  const number = (line: string): number | undefined => {
    const m = /^\s*Release\s*:\s*(\d+)/i.exec(line);
    return m ? Number(m[1]) : undefined;
  };
  return h.removed.length === h.added.length && h.removed.every((line, i) => {
    const expected = number(line);
    const committed = number(h.added[i] as string);
    return expected !== undefined && committed !== undefined && committed >= expected;
  });
}

/** Whether the expected Release line of a hunk was written by an overlay (by provenance, else by its text). */
function releaseFromOverlay(review: ComponentReview, h: LineHunk): boolean {
  for (let i = 0; i < h.removed.length; i++) {
    const index = h.oldStart + i;
    if (review.expectedProvenance?.[index]?.kind === "overlay" || review.renderProvenance?.[index]?.kind === "overlay") return true;
  }
  const overlays = review.headConfig?.overlays ?? [];
  return h.removed.some((text) => {
    const line = text.trim();
    return overlays.some(
      (o) =>
        (o.tag !== undefined && /^release$/i.test(o.tag) && o.value !== undefined && o.type !== "spec-remove-tag" && isTagLine(line, o.tag, o.value)) ||
        // an empty replacement deletes text: it cannot be what wrote a Release value
        (o.type === "spec-search-replace" && o.replacement !== undefined && o.replacement.trim() !== "" && /^\s*Release\s*:/i.test(line) && line.includes(o.replacement.trim())),
    );
  });
}

/** Which overlay produced the expected lines a hand edit replaced: that overlay is what to change. */
function producedBy(review: ComponentReview, h: LineHunk): string {
  if (h.removed.length === 0) return "";
  const config = review.headConfig;
  for (let i = 0; i < h.removed.length; i++) {
    const index = h.oldStart + i;
    const inc = review.expectedProvenance?.[index];
    if (inc?.kind === "overlay") {
      const o = review.appended?.[inc.index];
      if (o) return ` This line comes from ${where(o)}: changing that overlay is cleaner than the extra overlay the fix adds after it.`;
    }
    const full = review.renderProvenance?.[index];
    if (full?.kind === "overlay" && full.origin) return ` This line comes from ${where(full)}: changing that overlay is cleaner than the extra overlay the fix adds after it.`;
  }
  // no provenance (the comps did not change): recognise the text an existing overlay writes
  for (const text of h.removed) {
    const line = text.trim();
    if (line === "") continue;
    const o = config?.overlays.find(
      (o) =>
        (o.replacement !== undefined && o.replacement.split("\n").some((r) => r.trim() === line)) ||
        (o.lines ?? []).some((l) => l.trim() === line) ||
        (o.tag !== undefined && o.value !== undefined && o.type !== "spec-remove-tag" && isTagLine(line, o.tag, o.value)),
    );
    if (o) return ` The comps write this line with ${where(o)}: changing that overlay is cleaner than the extra overlay the fix adds after it.`;
  }
  return "";
}

/** For a rendered file that an overlay copies from base/comps: where to edit it instead. */
export function copySource(config: ComponentConfig | undefined, rel: string): ConfiguredOverlay | undefined {
  return config?.overlays.find(
    (o) => (o.type === "patch-add" || o.type === "file-add") && o.source !== undefined && (o.file ?? o.source.slice(o.source.lastIndexOf("/") + 1)) === rel,
  );
}

function copiedFrom(review: ComponentReview, rel: string): string {
  const o = copySource(review.headConfig, rel);
  return o?.source ? ` It is a copy of ${o.source}, made by ${where(o)}; edit ${o.source} instead.` : "";
}

function isTagLine(line: string, tag: string, value: string): boolean {
  const colon = line.indexOf(":");
  return colon > 0 && line.slice(0, colon).trim().toLowerCase() === tag.toLowerCase() && line.slice(colon + 1).trim() === value.trim();
}

function isBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

function removalPoints(hunks: readonly LineHunk[]): Set<number> {
  const set = new Set<number>();
  for (const h of hunks) if (h.removed.length > 0 && h.added.length === 0) set.add(h.newStart);
  return set;
}

function describeLines(lines: readonly string[]): string {
  if (lines.length === 0) return "nothing (these lines go away)";
  const first = (lines[0] as string).trim();
  const shown = first.length > 120 ? `${first.slice(0, 117)}…` : first;
  return lines.length === 1 ? `\`${shown}\`` : `\`${shown}\` and ${lines.length - 1} more line(s)`;
}

function editMessage(h: LineHunk, name: string, isSpec: boolean): string {
  const what = isSpec ? "the rendered spec" : "a rendered file";
  const lost = `the next render of ${name} from its comps overwrites it; make the change with an overlay in base/comps (see the fix)`;
  if (h.removed.length === 0) {
    const patchTag = h.added.find((l) => /^\s*Patch\d*\s*:/i.test(l));
    if (patchTag) return `hand-written \`${patchTag.trim().split(/\s+/)[0]}\` line in ${what}: ${lost}.`;
    return `${h.added.length === 1 ? "this line was" : `these ${h.added.length} lines were`} added to ${what} by hand: ${lost}.`;
  }
  if (h.added.length === 0) return `${describeLines(h.removed)} was deleted from ${what} by hand: ${lost}.`;
  return `this line of ${what} was edited by hand (the comps produce ${describeLines(h.removed)}): ${lost}.`;
}

/** Lints overlays the change adds or modifies, and checks that new patches are applied. */
function lintNewOverlays(review: ComponentReview, ctx: EvalContext): void {
  const headConfig = review.headConfig as ComponentConfig;
  const before = new Set((review.baseConfig?.overlays ?? []).map((o) => `${overlayIdentity(o)}\u0000${o.description ?? ""}\u0000${JSON.stringify(o.metadata ?? null)}`));
  const fresh = headConfig.overlays.filter((o) => !before.has(`${overlayIdentity(o)}\u0000${o.description ?? ""}\u0000${JSON.stringify(o.metadata ?? null)}`));
  if (fresh.length === 0) return;
  const inlineArrayIsConvention = (review.baseConfig?.overlays ?? []).some((o) => o.via === "inline-array");
  review.findings.push(...lintOverlays(review.name, fresh, { inlineArrayIsConvention }), ...lintPatchMetadata(review.name, fresh));
  const expectedSpec = review.expected?.get(`${review.name}.spec`);
  if (!expectedSpec) return;
  const patches = new Map<string, ConfiguredOverlay>();
  for (const o of fresh) if (isPatchOverlay(o)) patches.set((o.file ?? o.source ?? "").split("/").pop() as string, o);
  for (const u of unappliedPatches(specLines(text(expectedSpec)), new Set(patches.keys()))) {
    const overlay = patches.get(u.file);
    review.unapplied.push({ file: u.file, number: u.number, ...(overlay ? { overlay } : {}) });
    review.findings.push({
      rule: "overlay-lint",
      level: "failure",
      path: overlay?.origin.file ?? `${review.dir}/${review.name}.spec`,
      line: overlay?.origin.line ?? u.line,
      component: review.name,
      message: `${u.file} is registered as Patch${u.number} but never applied: %prep of ${review.name} applies patches with explicit \`%patch\` lines (no %autosetup/%autopatch), so it also needs a \`spec-append-lines\` overlay on %prep with \`%patch -P${u.number} -p1\`.`,
    });
  }
  void ctx;
}
