/**
 * The downstream patch inventory of a repository snapshot: every patch the distro vendors through
 * its overlays and every Patch tag the upstream specs bring, with how it is wired, whether it is
 * active for the distro's macros and applied in %prep, what it says about itself, its removal
 * criteria and the exact action that drops it. Pure over a Project and a RepoView.
 */
import { renderedDirOf, type ComponentConfig, type ConfiguredOverlay, type Project, type SourceLocation } from "../azldev/types.js";
import { resolveDistroVersion } from "../azldev/fingerprint.js";
import { RecordingView } from "../repo/recorded-reads.js";
import type { RepoView } from "../repo/types.js";
import { sourceFileName } from "../spec/index.js";
import { messageIdsOf, parsePatchFile } from "./patch-headers.js";
import { patchIds } from "./patch-id.js";
import { findRemovalCriteria, type RemovalCriterion } from "./removal-criteria.js";
import type { ComponentInventory, InventoryRecords } from "./inventory-records.js";
import { applicationOf, scanSpec, type SpecEntry, type SpecScan } from "./spec-scan.js";
import type { Application, ComponentPatches, DropAction, InventoryPatch, OverlayRef, PatchInventory, UpstreamSpecRef, Wiring } from "./types.js";
import { canonicalUrl, classifyUrl, extractUrls } from "./urls.js";

export interface InventoryOptions {
  /** macros conditionals are evaluated with; default: derived from the project's distro (see distroMacros) */
  macros?: Record<string, string>;
  /** target architectures; a patch is active when it is active on at least one. Default x86_64, aarch64 */
  arches?: string[];
  /** only these components */
  components?: string[];
  /**
   * read patch files for headers and patch ids: every patch (true, the default), only the ones the
   * distro vendors ("distro": one blob read per vendored patch instead of per Patch tag), or none
   */
  readPatches?: boolean | "distro";
  /**
   * skip components whose rendered directory holds no patch file and whose overlays vendor none:
   * their spec is not read (saves a blob read per component on large repositories; such a
   * component can only carry URL patches inside false conditionals)
   */
  skipPatchless?: boolean;
  /**
   * records of components inventoried before, reused when a component's inputs and everything it
   * read are the same (see inventory-records); newly inventoried components are kept in it
   */
  records?: InventoryRecords;
}

const DEFAULT_ARCHES = ["x86_64", "aarch64"];
const PATCH_FILE = /\.(patch|diff)(\.(gz|bz2|xz))?$/i;

/**
 * The macros a distro build defines that specs test in conditionals: `%fedora` from the upstream
 * Fedora release the distro builds from (its `%if 0%{?fedora} < 40` branches resolve as they do in
 * the render), the distro's own major version and `%dist`.
 */
export function distroMacros(project: Project, component?: ComponentConfig): Record<string, string> {
  const macros: Record<string, string> = {};
  const ref = project.settings.defaultDistro;
  const distro = project.distros[ref.name];
  const versionName = ref.version ?? distro?.defaultVersion;
  const version = versionName ? distro?.versions[versionName] : undefined;
  const major = /^(\d+)/.exec(version?.releaseVer ?? versionName ?? "")?.[1];
  if (major) {
    const short = ref.name === "azurelinux" ? "azl" : ref.name.replace(/[^a-z0-9]/gi, "");
    macros[short] = major;
    macros.dist = `.${short}${major}`;
  }
  const upstream = component?.spec.upstreamDistro ?? upstreamDistroOf(version?.defaultComponentConfig);
  if (upstream?.name === "fedora" && upstream.version && /^\d+$/.test(upstream.version)) macros.fedora = upstream.version;
  return macros;
}

function upstreamDistroOf(config: unknown): { name: string; version?: string } | undefined {
  const spec = (config as { spec?: { "upstream-distro"?: { name?: unknown; version?: unknown } } } | undefined)?.spec;
  const distro = spec?.["upstream-distro"];
  if (!distro || typeof distro.name !== "string") return undefined;
  return { name: distro.name, ...(typeof distro.version === "string" ? { version: distro.version } : {}) };
}

/**
 * Macros the distro's rpm configuration provides that specs use in Source and URL values, as plain
 * bodies (the spec's own definitions still win): Fedora's `%version_no_tilde` (systemd's Source0).
 */
const COMMON_SPEC_MACROS: Record<string, string> = {
  version_no_tilde: "%{gsub %{version} ~}",
};

const basename = (path: string): string => path.split("/").pop() ?? path;

interface EntryFacts {
  entry: SpecEntry;
  active: boolean;
  activeArches: string[];
  condition?: string;
  application?: Application;
}

/** Merges the per-architecture scans: an entry is identified by its spec line. */
function entryFacts(scans: { arch: string; scan: SpecScan }[]): EntryFacts[] {
  const byLine = new Map<string, EntryFacts>();
  for (const { arch, scan } of scans) {
    for (const entry of scan.entries) {
      const id = `${entry.kind}:${entry.line}`;
      let facts = byLine.get(id);
      if (!facts) {
        facts = { entry, active: false, activeArches: [] };
        byLine.set(id, facts);
      }
      // undefined (cannot decide) counts as active: never call a patch inactive on a guess
      if (entry.active !== false) {
        facts.active = true;
        facts.activeArches.push(arch);
        const app = applicationOf(scan, entry);
        if (app && app.active !== false && !facts.application?.applied) {
          facts.application = { applied: true, method: app.method, line: app.line, text: app.text };
        }
      } else if (entry.condition && !facts.condition) {
        facts.condition = entry.condition;
      }
      if (entry.condition && facts.condition === undefined && entry.active !== true) facts.condition = entry.condition;
    }
  }
  return [...byLine.values()].sort((a, b) => a.entry.line - b.entry.line);
}

class TextCache {
  readonly #texts = new Map<string, Promise<{ text?: string; error?: string }>>();
  constructor(private readonly repo: RepoView) {}
  #load(path: string): Promise<{ text?: string; error?: string }> {
    let entry = this.#texts.get(path);
    if (!entry) {
      entry = this.repo.readText(path).then(
        (text) => (text === undefined ? {} : { text }),
        (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
      );
      this.#texts.set(path, entry);
    }
    return entry;
  }
  /** the text, or undefined when absent or unreadable (see `error`) */
  async read(path: string): Promise<string | undefined> {
    return (await this.#load(path)).text;
  }
  /** why `path` could not be read (a symlink, an oversized file …), if it could not */
  async error(path: string): Promise<string | undefined> {
    return (await this.#load(path)).error;
  }
}

/** The comment block directly above the TOML item that starts at or just above `line`. */
function tomlCommentAbove(text: string, line: number): { text: string; line: number } | undefined {
  const lines = text.split(/\r?\n/);
  let k = Math.min(line - 1, lines.length - 1);
  // walk up from the reported position to the start of the item (a table header or an inline `{`)
  for (let steps = 0; k > 0 && steps < 60; steps++, k--) {
    const current = (lines[k] as string).trim();
    if (current.startsWith("[") || current.startsWith("{")) break;
  }
  const block: string[] = [];
  let first = k;
  for (let j = k - 1; j >= 0; j--) {
    const current = (lines[j] as string).trim();
    if (!current.startsWith("#")) break;
    block.unshift(current.replace(/^#+\s?/, ""));
    first = j;
  }
  return block.length ? { text: block.join("\n"), line: first + 1 } : undefined;
}

const fmt = (loc: SourceLocation): string => `${loc.file}:${loc.line}`;

function overlayRef(overlay: ConfiguredOverlay, index: number): OverlayRef {
  return { index, type: overlay.type, ...(overlay.description ? { description: overlay.description } : {}), location: overlay.origin };
}

/** Does this overlay add a Patch/Source tag naming `file`? Returns the tag kind. */
function tagOverlayKind(overlay: ConfiguredOverlay, file: string): "Patch" | "Source" | undefined {
  if (/^spec-(add|insert|set|update)-tag$/.test(overlay.type) && overlay.tag && overlay.value !== undefined) {
    const tag = /^(patch|source)\d*$/i.exec(overlay.tag);
    if (tag && sourceFileName(overlay.value, { asWritten: true }) === file) return (tag[1] as string).toLowerCase() === "patch" ? "Patch" : "Source";
  }
  const text = overlay.type === "spec-search-replace" ? overlay.replacement : overlay.type === "spec-append-lines" || overlay.type === "spec-prepend-lines" ? overlay.lines?.join("\n") : undefined;
  if (text) {
    for (const m of text.matchAll(/^\s*(Patch|Source)\d*\s*:\s*(\S+)\s*$/gim)) {
      if (sourceFileName(m[2] as string, { asWritten: true }) === file) return (m[1] as string).toLowerCase() === "patch" ? "Patch" : "Source";
    }
  }
  return undefined;
}

/** Does this overlay apply the entry in %prep (by number or by file name)? */
function prepOverlayMentions(overlay: ConfiguredOverlay, kind: "Patch" | "Source", number: number, file: string): boolean {
  const text = overlay.type === "spec-search-replace" ? overlay.replacement : overlay.type === "spec-append-lines" || overlay.type === "spec-prepend-lines" ? overlay.lines?.join("\n") : undefined;
  if (!text) return false;
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (/^(Patch|Source)\d*\s*:/i.test(t)) continue;
    if (kind === "Patch" && new RegExp(`^%\\{?patch(?:${number}\\b|\\}?\\s+(?:.*\\s)?(?:-P\\s*)?${number}(?:\\s|$))`).test(t)) return true;
    if (new RegExp(`%\\{?${kind.toUpperCase()}${number}\\b`).test(t)) return true;
    if (t.includes(file) && /(patch|git\s+apply)/.test(t)) return true;
  }
  return false;
}

/** Is the overlay about nothing but wiring this one entry (so removing it is safe)? */
function overlayOnlyFor(overlay: ConfiguredOverlay, kind: "Patch" | "Source", number: number, file: string): boolean {
  if (overlay.type === "spec-append-lines" || overlay.type === "spec-prepend-lines") {
    return (overlay.lines ?? []).every((line) => !line.trim() || prepOverlayMentions({ ...overlay, lines: [line] }, kind, number, file) || tagOverlayKind({ ...overlay, lines: [line] }, file) !== undefined);
  }
  if (overlay.type === "spec-search-replace") {
    // a replacement that re-inserts what it matched plus our lines is an insertion: removable when
    // every added line is ours
    const replacement = overlay.replacement ?? "";
    const matched = (overlay.regex ?? "").replace(/\\(.)/g, "$1").replace(/^\^|\$$/g, "");
    const added = replacement.split("\n").filter((line) => line !== matched && line.trim());
    return added.every((line) => prepOverlayMentions({ ...overlay, replacement: line }, kind, number, file) || tagOverlayKind({ ...overlay, replacement: line }, file) !== undefined);
  }
  return true;
}

function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** Components inventoried at once: enough to keep git's object reader busy while specs are scanned. */
const INVENTORY_CONCURRENCY = 16;

export async function inventory(project: Project, repo: RepoView, options: InventoryOptions = {}): Promise<PatchInventory> {
  const arches = options.arches?.length ? options.arches : DEFAULT_ARCHES;
  const cache = new TextCache(repo);
  const patches: InventoryPatch[] = [];
  const components: ComponentPatches[] = [];
  const baseMacros = options.macros;
  const names = [...project.components.keys()].filter((n) => !options.components || options.components.includes(n)).sort();

  // Components are read a few at a time so that reads from git overlap the scanning of specs; the
  // results keep the sorted order.
  const results: ({ component: ComponentPatches; patches: InventoryPatch[] } | undefined)[] = new Array(names.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const index = next++;
      const name = names[index] as string;
      const config = project.components.get(name) as ComponentConfig;
      if (options.skipPatchless && !(await mayCarryPatches(project, repo, config))) continue;
      const inputs = componentInputs(project, config, { arches, macros: { ...distroMacros(project, config), ...(baseMacros ?? {}) }, readPatches: options.readPatches ?? true });
      results[index] = await inventoryRecord(name, () => (options.records ? recordedInventory(options.records, inputs, repo) : inventoryComponent(inputs, repo)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(INVENTORY_CONCURRENCY, names.length) }, worker));
  for (const result of results) {
    if (!result) continue;
    components.push(result.component);
    for (const patch of result.patches) patches.push(patch);
  }
  // Removal criteria name other packages ("drop when selinux-policy >= 42.3"): when only some
  // components were read, still read the packaged version of the ones the criteria name.
  if (options.components || options.skipPatchless) {
    const named = new Set<string>();
    for (const patch of patches) {
      for (const criterion of patch.removalCriteria) {
        for (const c of criterion.conditions) {
          if (c.kind === "package-version" || c.kind === "package-fixed") {
            named.add(c.package);
            named.add(c.package.replace(/-(core|libs?|devel|common|tools|modules.*)$/, ""));
          }
        }
      }
    }
    for (const name of [...named].sort()) {
      const config = project.components.get(name);
      if (!config || components.some((c) => c.name === name)) continue;
      const dir = renderedDirOf(project, name);
      const specPath = await findSpec(repo, dir, name);
      const text = specPath ? await cache.read(specPath) : undefined;
      const scan = text === undefined ? undefined : scanSpec(text, { macros: { ...distroMacros(project, config), ...(baseMacros ?? {}), ...config.build.defines }, arch: arches[0] as string });
      components.push({ name, ...(specPath ? { specPath } : {}), ...(scan?.version ? { version: scan.version } : {}), problems: [], referencedOnly: true });
    }
  }
  const macros = { ...distroMacros(project), ...(baseMacros ?? {}) };
  return { patches, components, macros, arches };
}

/**
 * The record boundary of the inventory: one component whose files hold a value nothing can parse
 * (a blob missing from a partial clone, a text the scanners reject) becomes that component's
 * problem, and the inventory of every other component goes on.
 */
async function inventoryRecord(name: string, read: () => Promise<ComponentInventory>): Promise<ComponentInventory> {
  try {
    return await read();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { component: { name, problems: [`could not be inventoried: ${message}`], failed: true }, patches: [] };
  }
}

async function mayCarryPatches(project: Project, repo: RepoView, config: ComponentConfig): Promise<boolean> {
  if (config.overlays.some((o) => o.type === "patch-add" || (o.type === "file-add" && PATCH_FILE.test(o.file ?? "")))) return true;
  const entries = await repo.list(renderedDirOf(project, config.name)).catch(() => []);
  return entries.some((e) => PATCH_FILE.test(e.path));
}

async function findSpec(repo: RepoView, dir: string, name: string): Promise<string | undefined> {
  const preferred = `${dir}/${name}.spec`;
  const stat = await repo.stat(preferred).catch(() => undefined);
  if (stat?.kind === "file") return preferred;
  const entries = await repo.list(dir).catch(() => []);
  return entries.find((e) => e.kind === "file" && e.path.endsWith(".spec"))?.path;
}

/**
 * Everything a component's inventory depends on besides what it reads from the repository: the
 * inventory of a component is a function of these and of its reads alone (plain data, so that
 * equal inputs can be recognised across runs).
 */
export interface ComponentInputs {
  /** without the render fingerprint, which the inventory never looks at (and which is most of a configuration's size) */
  config: Omit<ComponentConfig, "fingerprint">;
  renderedDir: string;
  /** where the upstream spec comes from, for components rendered from an upstream distro's spec */
  upstreamSpec?: UpstreamSpecRef;
  macros: Record<string, string>;
  arches: string[];
  readPatches: boolean | "distro";
}

export function componentInputs(project: Project, config: ComponentConfig, options: { arches: string[]; macros: Record<string, string>; readPatches: boolean | "distro" }): ComponentInputs {
  const inputs: ComponentInputs = { config, renderedDir: renderedDirOf(project, config.name), macros: options.macros, arches: options.arches, readPatches: options.readPatches };
  if (config.spec.type === "upstream" && config.spec.upstreamDistro?.name) {
    const ref = config.spec.upstreamDistro;
    const resolved = resolveDistroVersion(project.distros, ref.name, ref.version);
    inputs.upstreamSpec = {
      distro: ref.name,
      ...(resolved?.version ? { version: resolved.version } : {}),
      ...(resolved?.distGitBranch ? { branch: resolved.distGitBranch } : {}),
      ...(ref.snapshot ? { snapshot: ref.snapshot } : {}),
      ...(config.spec.upstreamCommit ? { commit: config.spec.upstreamCommit } : {}),
      name: config.spec.upstreamName ?? config.name,
    };
  }
  return inputs;
}

/**
 * A component's inventory from its records when the records hold one for the same inputs and the
 * view answers its reads the same; otherwise computed while its reads are recorded, and kept.
 */
async function recordedInventory(records: InventoryRecords, inputs: ComponentInputs, repo: RepoView): Promise<ComponentInventory> {
  const reused = await records.find(inputs, repo);
  if (reused) return reused;
  const recorder = new RecordingView(repo);
  const computed = await inventoryComponent(inputs, recorder);
  if (recorder.reusable && recorder.complete) records.keep(inputs, recorder.reads, computed);
  return computed;
}

async function inventoryComponent(inputs: ComponentInputs, repo: RepoView): Promise<ComponentInventory> {
  const { config, renderedDir: dir } = inputs;
  const name = config.name;
  // per component, so that every read the component's inventory makes goes through `repo`
  const cache = new TextCache(repo);
  const component: ComponentPatches = { name, problems: [] };
  const specPath = await findSpec(repo, dir, name);
  let specText: string | undefined;
  if (!specPath) component.problems.push(`no rendered spec in ${dir}/`);
  else {
    try {
      specText = await repo.readText(specPath);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // the repository's own errors already name the path
      component.problems.push(message.startsWith(specPath) ? message : `${specPath}: ${message}`);
    }
  }
  const macros = { ...COMMON_SPEC_MACROS, ...inputs.macros, ...config.build.defines };
  // one scan serves every architecture unless the spec looks at the architecture
  const archDependent = specText !== undefined && /%(?:el)?ifn?arch\b|_arch\b|_target_cpu|_host_cpu/.test(specText);
  const scanFor = (arch: string) => scanSpec(specText as string, { macros, with: config.build.with, without: config.build.without, arch });
  const shared = specText !== undefined && !archDependent ? scanFor(inputs.arches[0] as string) : undefined;
  const scans = specText === undefined ? [] : inputs.arches.map((arch) => ({ arch, scan: shared ?? scanFor(arch) }));
  const facts = entryFacts(scans);
  const first = scans[0]?.scan;
  if (specPath) component.specPath = specPath;
  if (first?.version) component.version = first.version;
  if (first?.url) component.url = first.url;
  if (inputs.upstreamSpec) component.upstreamSpec = { ...inputs.upstreamSpec };
  const source0 = facts.find((f) => f.entry.kind === "Source" && f.entry.number === 0)?.entry;
  if (source0?.expanded) component.source0 = source0.expanded;

  const overlays = config.overlays;
  const compFile = config.declaredAt?.file ?? overlays[0]?.origin.file;
  const claimed = new Set<EntryFacts>();
  const patches: InventoryPatch[] = [];

  const build = async (args: {
    file: string;
    origin: "distro" | "inherited";
    wiring: Wiring;
    facts?: EntryFacts;
    overlays: { overlay: ConfiguredOverlay; index: number }[];
    sourcePath?: string;
  }): Promise<InventoryPatch> => {
    const { facts: f, file } = args;
    const entry = f?.entry;
    const value = entry?.expanded ?? entry?.value;
    const reference = value ? classifyUrl(value) : undefined;
    const url = reference ? value : undefined;
    const patch: InventoryPatch = {
      key: "",
      component: name,
      file,
      origin: args.origin,
      wiring: args.wiring,
      overlays: args.overlays.map(({ overlay, index }) => overlayRef(overlay, index)),
      active: f ? f.active : false,
      applied: Boolean(f?.application?.applied),
      removalCriteria: [],
      references: [],
      problems: [],
      drop: { summary: "", overlays: [], files: [] },
    };
    if (url) patch.url = url;
    if (reference) patch.reference = reference;
    patch.key = `${name}|${args.origin}|${reference ? canonicalUrl(reference) : file}`;
    if (entry) {
      patch.tag = { kind: entry.kind, number: entry.number, value: entry.value, line: entry.line, fromList: entry.fromList };
      if (entry.comment.length) patch.specComment = entry.comment;
    }
    if (specPath) patch.specPath = specPath;
    if (f && f.activeArches.length > 0 && f.activeArches.length < inputs.arches.length) patch.activeArches = f.activeArches;
    if (f?.condition && (!f.active || patch.activeArches)) patch.condition = f.condition;
    if (f?.application) patch.application = f.application;
    if (args.sourcePath) patch.sourcePath = args.sourcePath;
    const metadata = args.overlays.find(({ overlay }) => overlay.metadata)?.overlay.metadata;
    if (metadata) patch.metadata = metadata;
    if (!f) patch.problems.push(`no Source or Patch tag in ${specPath ?? "the rendered spec"} names ${file}; the render drops the file`);
    else if (patch.active && !patch.applied) patch.problems.push(`${entry?.kind}${entry?.number} is declared but %prep never applies it`);

    // the patch file: rendered copy and overlay source
    const renderedCandidate = `${dir}/${file}`;
    const renderedStat = await repo.stat(renderedCandidate).catch(() => undefined);
    if (renderedStat?.kind === "file") patch.renderedPath = renderedCandidate;
    const contentPath = args.sourcePath ?? patch.renderedPath;
    const wantContent = inputs.readPatches === true || (inputs.readPatches === "distro" && args.origin === "distro");
    if (wantContent && contentPath && PATCH_FILE.test(file) && !/\.(gz|bz2|xz)$/i.test(file)) {
      try {
        const stat = await repo.stat(contentPath);
        if (stat?.id) patch.blobId = stat.id;
        const text = await cache.read(contentPath);
        const unreadable = await cache.error(contentPath);
        if (unreadable) patch.problems.push(`${contentPath}: ${unreadable}`);
        if (text !== undefined) {
          const info = parsePatchFile(text);
          const { messages, ...rest } = info;
          patch.headers = {
            ...rest,
            subjects: messages.map((m) => m.subject).filter((s): s is string => Boolean(s)),
            commits: messages.map((m) => m.commit).filter((s): s is string => Boolean(s)),
            cherryPickedFrom: [...new Set(messages.flatMap((m) => m.cherryPickedFrom))],
          };
          // the mailing-list messages the patch came from (its own Message-Id, b4's Link: trailers)
          const messageIds = [...new Set(messages.flatMap((m) => [...(m.messageId ? [m.messageId.toLowerCase()] : []), ...messageIdsOf(m.body)]))];
          if (messageIds.length) patch.headers.messageIds = messageIds;
          const ids = patchIds(text).map((p) => p.id);
          if (ids.length) patch.patchIds = ids;
          for (const m of messages) for (const link of m.links) addReference(patch, link);
          if (info.dep3?.forwarded && /^https?:/.test(info.dep3.forwarded)) addReference(patch, info.dep3.forwarded);
          for (const bug of info.dep3?.bugs ?? []) addReference(patch, bug);
          if (info.dep3?.origin && /^https?:/.test(info.dep3.origin.value)) addReference(patch, info.dep3.origin.value);
        }
        if (args.sourcePath && patch.renderedPath) {
          const rendered = await repo.stat(patch.renderedPath);
          if (stat?.id && rendered?.id && stat.id !== rendered.id) patch.problems.push(`${patch.renderedPath} differs from its overlay source ${args.sourcePath}; re-render the component`);
        }
      } catch (error) {
        patch.problems.push(`${contentPath}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }

    // removal criteria and references: overlay comments and descriptions, spec comment
    for (const { overlay } of args.overlays) {
      const toml = await cache.read(overlay.origin.file);
      const comment = toml ? tomlCommentAbove(toml, overlay.origin.line) : undefined;
      if (comment) collect(patch, comment.text, `${overlay.origin.file}:${comment.line}`, name);
      if (overlay.description) collect(patch, overlay.description, fmt(overlay.origin), name);
      for (const url of [...(overlay.metadata?.commits ?? []), ...(overlay.metadata?.bugs ?? [])]) if (typeof url === "string") addReference(patch, url);
    }
    if (args.origin === "distro" && config.declaredAt) {
      const toml = await cache.read(config.declaredAt.file);
      const comment = toml ? tomlCommentAbove(toml, config.declaredAt.line) : undefined;
      if (comment) collect(patch, comment.text, `${config.declaredAt.file}:${comment.line}`, name);
    }
    if (entry?.comment.length) collect(patch, entry.comment.join("\n"), `${specPath}:${entry.commentLine ?? entry.line}`, name);
    if (reference) addReference(patch, value as string, true);

    patch.drop = dropAction(patch, args, f, first, specPath, compFile, name);
    return patch;
  };

  // distro patches: patch-add
  const handledSources = new Set<number>();
  for (const [index, overlay] of overlays.entries()) {
    if (overlay.type !== "patch-add" || !overlay.source) continue;
    handledSources.add(index);
    const file = overlay.file ?? basename(overlay.source);
    const f = facts.find((x) => x.entry.kind === "Patch" && sourceFileName(x.entry.expanded ?? x.entry.value, { asWritten: true }) === file);
    if (f) claimed.add(f);
    const related = relatedOverlays(overlays, index, f, file);
    patches.push(await build({ file, origin: "distro", wiring: "patch-add", ...(f ? { facts: f } : {}), overlays: related, sourcePath: overlay.source }));
  }
  // distro patches: file-add of a patch file
  for (const [index, overlay] of overlays.entries()) {
    if (overlay.type !== "file-add" || !overlay.file || !overlay.source) continue;
    const file = overlay.file;
    const f = facts.find((x) => sourceFileName(x.entry.expanded ?? x.entry.value, { asWritten: true }) === file);
    const looksLikePatch = PATCH_FILE.test(file) || (f?.entry.kind === "Patch");
    if (!looksLikePatch) continue;
    const tagIndex = overlays.findIndex((o) => tagOverlayKind(o, file) !== undefined);
    let wiring: Wiring;
    if (!f) wiring = "file-add+unreferenced";
    else if (tagIndex < 0) wiring = "file-add+upstream-tag";
    else wiring = tagOverlayKind(overlays[tagIndex] as ConfiguredOverlay, file) === "Patch" ? "file-add+patch-tag" : "file-add+source-tag";
    if (f) claimed.add(f);
    const related = relatedOverlays(overlays, index, f, file);
    patches.push(await build({ file, origin: "distro", wiring, ...(f ? { facts: f } : {}), overlays: related, sourcePath: overlay.source }));
  }
  // inherited: Patch entries, and Source entries that %prep applies as patches
  for (const f of facts) {
    if (claimed.has(f)) continue;
    const value = f.entry.expanded ?? f.entry.value;
    // a value naming no file of the component (an absolute path) still identifies the entry
    const file = sourceFileName(value, { asWritten: true }) ?? value;
    if (f.entry.kind === "Source" && !(f.application?.applied && PATCH_FILE.test(file))) continue;
    const related = overlays
      .map((overlay, index) => ({ overlay, index }))
      .filter(({ overlay }) => tagOverlayKind(overlay, file) !== undefined || prepOverlayMentions(overlay, f.entry.kind, f.entry.number, file));
    // overlays may rename or re-point an upstream patch; the file itself still comes from upstream
    patches.push(await build({ file, origin: "inherited", wiring: "upstream-tag", facts: f, overlays: related }));
  }
  return { component, patches };
}

function relatedOverlays(overlays: ConfiguredOverlay[], ownIndex: number, f: EntryFacts | undefined, file: string): { overlay: ConfiguredOverlay; index: number }[] {
  const out: { overlay: ConfiguredOverlay; index: number }[] = [{ overlay: overlays[ownIndex] as ConfiguredOverlay, index: ownIndex }];
  for (const [index, overlay] of overlays.entries()) {
    if (index === ownIndex) continue;
    if (tagOverlayKind(overlay, file) !== undefined || (f && prepOverlayMentions(overlay, f.entry.kind, f.entry.number, file))) out.push({ overlay, index });
  }
  return out;
}

function addReference(patch: InventoryPatch, url: string, first = false): void {
  const ref = classifyUrl(url);
  if (!ref) return;
  const key = canonicalUrl(ref);
  if (patch.references.some((r) => canonicalUrl(r) === key)) return;
  if (first) patch.references.unshift(ref);
  else patch.references.push(ref);
}

function collect(patch: InventoryPatch, text: string, location: string, component: string): void {
  const m = /^(.*):(\d+)$/.exec(location);
  for (const criterion of findRemovalCriteria(text, m ? { component, file: m[1] as string, line: Number(m[2]) } : { component, location })) {
    if (!patch.removalCriteria.some((c: RemovalCriterion) => c.text === criterion.text)) patch.removalCriteria.push(criterion);
  }
  for (const url of extractUrls(text)) addReference(patch, url);
}

function dropAction(
  patch: InventoryPatch,
  args: { origin: "distro" | "inherited"; overlays: { overlay: ConfiguredOverlay; index: number }[]; sourcePath?: string },
  f: EntryFacts | undefined,
  scan: SpecScan | undefined,
  specPath: string | undefined,
  compFile: string | undefined,
  name: string,
): DropAction {
  const entry = f?.entry;
  const action: DropAction = { summary: "", overlays: [], files: [] };
  for (const { overlay } of args.origin === "distro" ? args.overlays : []) {
    const only = !entry || overlayOnlyFor(overlay, entry.kind, entry.number, patch.file);
    action.overlays.push({
      location: overlay.origin,
      type: overlay.type,
      action: only ? "remove" : "edit",
      ...(only ? {} : { note: `remove only the part that wires ${patch.file}` }),
    });
  }
  if (args.sourcePath) action.files.push(args.sourcePath);
  // explicit %prep lines that name the patch by number survive a tag removal
  if (entry && scan && specPath) {
    const lines = scan.prep.filter((p) => p.method !== "autosetup" && p.kind === entry.kind && p.numbers !== "all" && p.numbers.includes(entry.number));
    if (lines.length) action.specLines = lines.map((p) => ({ path: specPath, line: p.line, text: p.text }));
  }
  if (args.origin === "distro") {
    const parts = action.overlays.map((o) => `${o.action === "remove" ? "remove" : "edit"} the ${o.type} overlay at ${fmt(o.location)}`);
    if (action.files.length) parts.push(`delete ${action.files.join(", ")}`);
    action.summary = parts.length ? `${capitalise(parts.join(", "))}, then re-render ${name}.` : `Re-render ${name}.`;
    return action;
  }
  if (!entry) {
    action.summary = `Nothing to drop for ${patch.file}.`;
    return action;
  }
  const file = compFile ?? `base/comps/${name}/${name}.comp.toml`;
  let toml: string;
  // azldev's patch-remove deletes numbered `PatchN:` tags and %patchlist lines whose file it can
  // also delete; bare `Patch:` tags and URL values need spec-remove-tag
  if (!patch.url && (entry.fromList || entry.explicitNumber)) {
    toml = `[[components.${name}.overlays]]\ndescription = ${tomlString(`Drop ${patch.file}`)}\ntype = "patch-remove"\nfile = ${tomlString(entry.value)}`;
  } else {
    const written = entry.explicitNumber ? `${entry.kind}${entry.number}` : entry.kind;
    toml = `[[components.${name}.overlays]]\ndescription = ${tomlString(`Drop ${patch.file}`)}\ntype = "spec-remove-tag"\ntag = ${tomlString(written)}\nvalue = ${tomlString(entry.value)}`;
  }
  for (const line of action.specLines ?? []) {
    toml += `\n\n[[components.${name}.overlays]]\ndescription = ${tomlString(`Stop applying ${patch.file}`)}\ntype = "spec-search-replace"\nsection = "%prep"\nregex = ${tomlString(`^${re2Escape(line.text)}$`)}\nreplacement = ""`;
  }
  action.addOverlay = { file, toml };
  action.summary = `Add ${action.specLines?.length ? "these overlays" : "this overlay"} to ${file}, then re-render ${name}.`;
  return action;
}

function re2Escape(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
