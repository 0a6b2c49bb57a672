import type { ComponentConfig, ConfiguredOverlay, Overlay, Project } from "../azldev/types.js";
import type { ApplyOptions, ApplyResult, ComponentTree, FileContent, LineOrigin } from "../overlays/types.js";
import type { RepoView } from "../repo/types.js";
import { listSourcesAndPatches, parseSpec, sourceListingGaps, specMacros } from "../spec/index.js";
import type { UpstreamSource } from "../upstream/types.js";
import { buildAutospecHistory } from "./autospec-history.js";
import { fetchLocal, fetchUpstream, type FetchedComponent } from "./fetch.js";
import { applyFilter, decideFilter, type ListedSource } from "./file-filter.js";
import { goQuote, queryEscape, wrapError } from "./go-format.js";
import { lockFilePath, parseLockFile, type ComponentLock } from "./lock-file.js";
import { buildMacroSet, macrosFileName, renderMacrosFile } from "./macros-file.js";
import { planOverlays } from "./overlay-list.js";
import { planSyntheticHistory, type ProjectHistory } from "./project-history.js";
import { decideRelease, releaseUsesAutorelease } from "./release.js";
import { processDistgit } from "./rpmautospec.js";
import { rewriteSourcesFile } from "./sources-file.js";
import { lastMainReleaseValue, specLines } from "./spec-lines.js";
import { renderedDirOf } from "../azldev/types.js";
import type { ComponentRender, RenderFailure } from "./types.js";
import { RENDER_FAILED_FILE, RENDER_FAILED_TEXT } from "./failure-marker.js";

/** The static failure marker azldev writes for a component that failed (AZLDEV.md §4.7). */
export { RENDER_FAILED_FILE, RENDER_FAILED_TEXT };

/** The architecture azldev's render normally runs spectool on. */
export const DEFAULT_ARCH = "x86_64";
/** Per component: real specs keep a few dozen files (texlive, the largest, a few thousand) and tens of MB. */
export const MAX_RENDERED_FILES = 20_000;
export const MAX_RENDERED_BYTES = 1024 * 1024 * 1024;

export type ApplyOverlaysFn = (input: ComponentTree, overlays: Overlay[], options?: ApplyOptions) => ApplyResult;

/** The overlay engine the pipeline drives (the real one by default; tests may pass another). */
export interface RenderEngine {
  applyOverlays: ApplyOverlaysFn;
}

export interface RenderComponentInput {
  project: Project;
  repo: RepoView;
  name: string;
  upstream?: UpstreamSource;
  /** the time of the uncommitted-changes changelog entry (default: now) */
  now?: Date;
  /** the project's git history; without it no synthetic history (release bump) is made */
  history?: ProjectHistory;
  /** version printed in the rpmautospec block (default 0.8.3) */
  rpmautospecVersion?: string;
  /** author of rpmautospec's "Uncommitted changes" entry in an upstream checkout */
  uncommittedAuthor?: string;
  /** rpm's `%packager` for that entry when the component dir has no git repository */
  packager?: string;
  /** build architecture spectool evaluates `%ifarch` with (default x86_64) */
  arch?: string;
  engine?: RenderEngine;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toBytes(content: FileContent): Uint8Array {
  return typeof content === "string" ? encoder.encode(content) : content;
}

/** A component name azldev refuses to turn into a path. */
export function unsafeComponentName(name: string): boolean {
  return name === "" || name === "." || name === ".." || /[/\\\0]/.test(name) || name.startsWith("-");
}

/** Finds a component by name or by its URL-escaped alias (`libxml%2B%2B` → `libxml++`). */
export function resolveComponentName(project: Project, name: string): string | undefined {
  if (project.components.has(name)) return name;
  for (const candidate of project.components.keys()) if (queryEscape(candidate) === name) return candidate;
  return undefined;
}

export function failedRender(
  project: Project,
  name: string,
  error: string,
  status: "error" | "cancelled" = "error",
  failure?: RenderFailure,
): ComponentRender {
  return {
    component: name,
    outputDir: unsafeComponentName(name) ? "(invalid)" : renderedDirOf(project, name),
    status,
    error,
    ...(failure ? { failure } : {}),
    files: new Map([[RENDER_FAILED_FILE, encoder.encode(RENDER_FAILED_TEXT)]]),
  };
}

class StageError extends Error {}

// One listing of the lock dir per repository view instead of a failed lookup per component.
const lockDirListings = new WeakMap<RepoView, Map<string, Promise<Set<string>>>>();

function lockDirListing(repo: RepoView, dir: string): Promise<Set<string>> {
  let byDir = lockDirListings.get(repo);
  if (!byDir) lockDirListings.set(repo, (byDir = new Map()));
  let listing = byDir.get(dir);
  if (!listing) {
    listing = repo.list(dir).then(
      (entries) => new Set(entries.map((e) => e.path)),
      () => new Set<string>(),
    );
    byDir.set(dir, listing);
  }
  return listing;
}

async function readLock(project: Project, repo: RepoView, name: string): Promise<{ lock?: ComponentLock; path: string }> {
  const path = lockFilePath(project.settings.lockDir, name);
  if (!(await lockDirListing(repo, project.settings.lockDir)).has(path)) return { path };
  const text = await repo.readText(path).catch(() => undefined);
  return text === undefined ? { path } : { lock: parseLockFile(text, path), path };
}

/** `fedora_upstream_version` / `fedora_upstream_release` for build.emit-upstream-provenance (§1.11). */
function upstreamProvenance(config: ComponentConfig, fetched: FetchedComponent, pristineSpec: string, warnings: string[]): Record<string, string> | undefined {
  if (!config.build.emitUpstreamProvenance) return undefined;
  if (fetched.kind !== "upstream" || fetched.distroName !== "fedora" || !/^\d+$/.test(fetched.releaseVer ?? "")) return undefined;
  const dist = `.fc${fetched.releaseVer}`;
  const table = specMacros(parseSpec(pristineSpec), { defines: { dist } });
  const version = table.get("version");
  const release = lastMainReleaseValue(specLines(pristineSpec));
  if (typeof version !== "string" || release === undefined || releaseUsesAutorelease(release) || /%[{(]/.test(String(table.get("release") ?? "%{"))) {
    warnings.push(`upstream provenance for ${goQuote(config.name)} skipped: the upstream Version/Release cannot be evaluated without rpm`);
    return undefined;
  }
  return { fedora_upstream_version: version, fedora_upstream_release: String(table.get("release")) };
}

function overlayFailure(component: string, error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  const overlay = (error as { overlay?: { type?: string } }).overlay;
  const inner = overlay?.type ? wrapError(`failed to apply ${goQuote(overlay.type)} overlay`, detail) : detail;
  return wrapError(`failed to apply overlays for component ${goQuote(component)}`, inner);
}

/** Renders one component in memory (AZLDEV.md §4.2–4.10). Never throws: failures become status "error". */
export async function renderWithEngine(input: RenderComponentInput & { engine: RenderEngine }): Promise<ComponentRender> {
  const { project, repo } = input;
  const name = resolveComponentName(project, input.name) ?? input.name;
  const configFailure: RenderFailure = { stage: "config" };
  if (unsafeComponentName(name)) return failedRender(project, name, `component name ${goQuote(name)} is not safe as a path`, "error", configFailure);
  const config = project.components.get(name);
  if (!config) return failedRender(project, name, `component ${goQuote(name)} not found`, "error", configFailure);
  const configErrors = project.errors.filter((e) => e.severity === "error" && e.component === name);
  if (configErrors.length > 0) {
    const where = configErrors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join("\n");
    return failedRender(project, name, wrapError(`invalid configuration for component ${goQuote(name)}`, where), "error", configFailure);
  }
  const outputDir = renderedDirOf(project, name);
  const warnings: string[] = [];
  const failure: RenderFailure & { inRpmautospec: boolean } = { stage: "config", inRpmautospec: false };
  try {
    // 1. Fetch.
    const { lock, path: lockPath } = await readLock(project, repo, name);
    let fetched: FetchedComponent;
    failure.stage = config.spec.type === "upstream" ? "upstream" : "spec";
    try {
      if (config.spec.type === "upstream") fetched = await fetchUpstream(config, project, input.upstream, lock);
      else if (config.spec.type === "local") fetched = await fetchLocal(config, repo);
      else throw new StageError(`component ${goQuote(name)} is not a local component (no spec source type)`);
    } catch (error) {
      // A distro or version the config does not define is a configuration problem, not an outage.
      if ((error as { reason?: string }).reason === "invalid") failure.stage = "config";
      if (config.spec.type !== "upstream") failure.stage = "config";
      throw error;
    }
    failure.stage = "spec";
    const specName = `${name}.spec`;
    const pristineSpec = decoder.decode(fetched.files.get(specName));

    // 2. Macros file.
    const macros = buildMacroSet(config.build, upstreamProvenance(config, fetched, pristineSpec, warnings));
    const macrosText = renderMacrosFile(macros);
    const workFiles: Record<string, FileContent> = {};
    for (const [path, bytes] of fetched.files) if (path !== specName) workFiles[path] = bytes;
    if (macrosText !== undefined) workFiles[macrosFileName(name)] = macrosText;

    // 3. Overlays in azldev's order.
    const planned = planOverlays(config, macrosText !== undefined);
    const sourceFiles: Record<string, FileContent> = {};
    for (const { overlay } of planned) {
      if (!overlay.source || sourceFiles[overlay.source] !== undefined) continue;
      const bytes = await repo.readFile(overlay.source).catch(() => undefined);
      if (bytes !== undefined) sourceFiles[overlay.source] = bytes;
    }
    let applied: ApplyResult;
    failure.stage = "overlay";
    try {
      applied = input.engine.applyOverlays({ spec: pristineSpec, files: workFiles }, planned.map((p) => p.overlay), {
        sourceFiles,
        component: name,
        specPath: specName,
      });
    } catch (error) {
      const failedIndex = (error as { index?: unknown }).index;
      const failedOverlay = typeof failedIndex === "number" ? planned[failedIndex]?.overlay : undefined;
      const configuredIndex = failedOverlay ? config.overlays.indexOf(failedOverlay as ConfiguredOverlay) : -1;
      if (configuredIndex >= 0) failure.overlayIndex = configuredIndex;
      throw new StageError(overlayFailure(name, error));
    }
    for (const skipped of applied.skipped ?? []) {
      warnings.push(`overlay ${skipped.index + 1} (${planned[skipped.index]?.overlay.type ?? "?"}) skipped: ${skipped.reason}`);
    }
    let spec = applied.spec;
    let provenance: LineOrigin[] = applied.provenance;
    const files = new Map<string, Uint8Array>();
    for (const [path, content] of Object.entries(applied.files)) files.set(path, toBytes(content));

    // 4. `sources` from source-files.
    failure.stage = "sources";
    const existingSources = files.get("sources");
    const sources = rewriteSourcesFile(existingSources ? decoder.decode(existingSources) : undefined, config.sourceFiles);
    if (sources !== undefined) files.set("sources", encoder.encode(sources));

    // 5. Synthetic history and the release bump.
    failure.stage = "release";
    // A component known only from spec discovery has no config file, hence no project history.
    const plan = config.declaredAt ? await planSyntheticHistory(input.history, lockPath) : { changes: [] };
    const decision = decideRelease(name, config.release.calculation, spec, plan.changes.length);
    if (decision.action === "bump") {
      const bumpIndex = planned.length;
      let bumped: ApplyResult;
      try {
        bumped = input.engine.applyOverlays({ spec, files: {} }, [{ type: "spec-update-tag", tag: "Release", value: decision.to }], {
          component: name,
          specPath: specName,
        });
      } catch (error) {
        throw new StageError(wrapError(`failed to apply release bump overlay for component ${goQuote(name)}`, (error as Error).message));
      }
      provenance = bumped.provenance.map((origin) =>
        origin.kind === "input"
          ? (provenance[origin.line - 1] ?? origin)
          : { kind: "overlay", index: bumpIndex, type: "spec-update-tag", description: `release bump ${decision.from} → ${decision.to}` },
      );
      spec = bumped.spec;
    }

    // 6. rpmautospec.
    const finalFiles = new Map(files);
    finalFiles.set(specName, encoder.encode(spec));
    const view = buildAutospecHistory({
      component: name,
      finalFiles,
      finalSpec: spec,
      fetchedFiles: fetched.files,
      ...(fetched.checkout ? { checkout: fetched.checkout } : {}),
      changes: plan.changes,
      ...(plan.importCommit ? { importCommit: plan.importCommit } : {}),
      now: input.now ?? new Date(),
      ...(input.uncommittedAuthor ? { uncommittedAuthor: input.uncommittedAuthor } : {}),
      ...(input.packager ? { packager: input.packager } : {}),
    });
    let autospec;
    try {
      autospec = await processDistgit({
        spec,
        specFileName: specName,
        ...(view.commits ? { commits: view.commits } : {}),
        ...(view.worktree ? { worktree: view.worktree } : {}),
        ...(input.rpmautospecVersion ? { version: input.rpmautospecVersion } : {}),
      });
    } catch (error) {
      failure.inRpmautospec = true;
      failure.stage = "rpmautospec";
      throw new StageError(`rpmautospec failed: ${(error as Error).message}`);
    }
    if (autospec.processed) {
      const origin: LineOrigin = { kind: "overlay", index: planned.length + 1, type: "rpmautospec", description: "set by rpmautospec" };
      let body = provenance;
      if (autospec.changelogCutAfter !== undefined) body = body.slice(0, autospec.changelogCutAfter);
      const tail = specLines(autospec.spec).length - autospec.headerLines - body.length;
      provenance = [...Array(autospec.headerLines).fill(origin), ...body, ...Array(Math.max(0, tail)).fill(origin)];
      spec = autospec.spec;
    }
    finalFiles.set(specName, encoder.encode(spec));

    // 7. spectool-equivalent listing and the file filter.
    failure.stage = "spec";
    const defines: Record<string, string> = { _sourcedir: `/render/${name}` };
    for (const [macro, value] of macros) defines[macro] = value;
    const parsed = parseSpec(spec);
    const listed: ListedSource[] = listSourcesAndPatches(parsed, { defines, arch: input.arch ?? DEFAULT_ARCH })
      // spectool only sees the branches rpm takes; undecidable conditions count as taken.
      .filter((entry) => entry.active !== false)
      .map((entry) => ({
        ...(entry.expanded !== undefined ? { value: entry.expanded } : {}),
        ...(entry.unexpandable !== undefined ? { unexpandable: entry.unexpandable } : {}),
      }));
    // Lines that could generate tags at parse time make the listing incomplete; the macro-loading
    // line azldev adds only defines the build macros, which are already known.
    const loadLine = `%{load:%{_sourcedir}/${macrosFileName(name)}}`;
    for (const gap of sourceListingGaps(parsed)) {
      if (parsed.lines[gap.line - 1]?.text.trim() === loadLine) continue;
      listed.push({ unexpandable: `line ${gap.line}: ${gap.reason}` });
    }
    const filter = decideFilter(specName, listed, config.render.skipFileFilter);
    if (!filter.filtered && filter.reason === "unexpandable") {
      warnings.push(`file filter skipped: a Source/Patch name cannot be expanded (${filter.detail ?? "?"})`);
    }
    const kept = applyFilter(finalFiles, filter);
    // a repository (or its upstream) must not make one component's output exhaust disk or memory
    let bytes = 0;
    for (const content of kept.values()) bytes += content.byteLength;
    if (kept.size > MAX_RENDERED_FILES || bytes > MAX_RENDERED_BYTES) {
      failure.stage = "budget";
      throw new Error(`the rendered output would be ${kept.size} files and ${bytes} bytes, over the limit of ${MAX_RENDERED_FILES} files and ${MAX_RENDERED_BYTES} bytes per component`);
    }
    const render: ComponentRender = {
      component: name,
      outputDir,
      status: "ok",
      files: new Map([...kept].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      provenance,
    };
    if (fetched.checkout?.commit) render.upstreamCommit = fetched.checkout.commit;
    if (warnings.length > 0) render.warnings = warnings;
    return render;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const { inRpmautospec, ...stage } = failure;
    if (inRpmautospec) return failedRender(project, name, message, "error", stage);
    return failedRender(project, name, wrapError(`preparing sources for ${goQuote(name)}`, message), "error", stage);
  }
}

