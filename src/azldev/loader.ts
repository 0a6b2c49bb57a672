/**
 * Loading an azldev project from a RepoView, as azldev does (AZLDEV.md §1): discovery of
 * azldev.toml, includes, per-file decoding and validation, merging across files, group membership
 * and spec discovery, the four-layer inheritance, overlay-files, and a render fingerprint per
 * component. Bad input never throws: every problem lands in `project.errors` with file:line:column,
 * and one bad file does not stop the others from loading.
 */
import { posix } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { compareWalkOrder, expandGlob, hasGlobMeta, hasWildcard, matchGlob, validateGlob } from "../glob/index.js";
import type { RepoView, TreeEntry } from "../repo/types.js";
import {
  checkKeys,
  decodeComponentTable,
  decodeMetadata,
  decodeOverlay,
  describe,
  emptyLayer,
  isTable,
  readString,
  readStringArray,
  readTable,
  resolveRepoPath,
  type ComponentLayer,
  type TomlTable,
} from "./decode.js";
import { locate, report, type FileContext, type TomlPath } from "./diagnostics.js";
import { assembleFingerprint, renderInputsJson } from "./fingerprint.js";
import { mergeLayers, mergeTwo } from "./merge.js";
import { checkOverlay } from "./overlay-check.js";
import { indexTomlPositions, type TomlPositions } from "./toml-positions.js";
import {
  renderedDirOf,
  type ComponentConfig,
  type ComponentGroup,
  type ConfigError,
  type ConfiguredOverlay,
  type Distro,
  type DistroVersion,
  type Project,
  type ProjectSettings,
  type SourceLocation,
  type SpecSource,
} from "./types.js";

export interface LoadProjectOptions {
  /** repo-relative directory to start the upward search for azldev.toml from (default: the root) */
  root?: string;
}

/** What azldev's embedded defaults file sets that matters here. */
const DEFAULT_AUTHOR_EMAIL = "azurelinux@microsoft.com";
const PROJECT_FILE = "azldev.toml";

const TOP_LEVEL_KEYS = new Set([
  "$schema",
  "project",
  "includes",
  "distros",
  "resources",
  "component-groups",
  "components",
  "images",
  "tools",
  "default-component-config",
  "default-package-config",
  "package-groups",
  "test-suites",
  "tests",
  "test-groups",
]);
const PROJECT_KEYS = new Set([
  "description",
  "log-dir",
  "work-dir",
  "output-dir",
  "lock-dir",
  "rendered-specs-dir",
  "default-distro",
  "default-author-email",
]);
const DISTRO_KEYS = new Set(["description", "default-version", "dist-git-base-uri", "lookaside-base-uri", "repos", "disable-origins", "versions"]);
const DISTRO_VERSION_KEYS = new Set([
  "description",
  "release-ver",
  "dist-git-branch",
  "default-component-config",
  "mock-config",
  "mock-config-x86_64",
  "mock-config-aarch64",
  "inputs",
]);
const GROUP_KEYS = new Set(["description", "components", "specs", "excluded-paths", "default-component-config", "metadata"]);

interface LoadedFile {
  ctx: FileContext;
  data: TomlTable;
}

interface DeclaredComponent {
  name: string;
  layer: ComponentLayer;
  ctx: FileContext;
  declaredAt: SourceLocation;
}

interface DeclaredGroup {
  group: ComponentGroup;
  layer: ComponentLayer;
  ctx: FileContext;
}

/** Load the project whose azldev.toml is at `options.root` or the nearest directory above it. */
export async function loadProject(repo: RepoView, options: LoadProjectOptions = {}): Promise<Project> {
  const loader = new ProjectLoader(repo);
  return loader.load(normalizeDir(options.root ?? ""));
}

function normalizeDir(dir: string): string {
  const normalized = posix.normalize(dir.replace(/^\/+/, "") || ".");
  return normalized === "." ? "" : normalized.replace(/\/$/, "");
}

function joinRepo(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

class ProjectLoader {
  private readonly errors: ConfigError[] = [];
  private readonly listings = new Map<string, Promise<TreeEntry[]>>();

  constructor(private readonly repo: RepoView) {}

  async load(start: string): Promise<Project> {
    const root = await this.discover(start);
    const settings: ProjectSettings = {
      defaultDistro: { name: "" },
      renderedSpecsDir: joinRepo(root ?? start, "specs"),
      lockDir: joinRepo(root ?? start, "locks"),
      defaultAuthorEmail: DEFAULT_AUTHOR_EMAIL,
    };
    const project: Project = {
      root: root ?? start,
      files: [],
      settings,
      distros: {},
      groups: {},
      components: new Map(),
      errors: this.errors,
    };
    if (root === undefined) {
      this.errors.push({
        file: joinRepo(start, PROJECT_FILE),
        line: 1,
        column: 1,
        severity: "error",
        message: `no ${PROJECT_FILE} found in ${start || "the repository root"} or any parent directory`,
      });
      return project;
    }

    const files = await this.loadWithIncludes(joinRepo(root, PROJECT_FILE), new Map(), undefined);
    project.files = files.map((f) => f.ctx.file);

    const merged = this.mergeFiles(files, project);
    await this.resolveComponents(project, merged);
    this.errors.sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : compareWalkOrder(a.file, b.file)));
    return project;
  }

  // ----------------------------------------------------------------------------------------------
  // Discovery and includes

  private async discover(start: string): Promise<string | undefined> {
    let dir: string | undefined = start;
    while (dir !== undefined) {
      const entry = await this.safeStat(joinRepo(dir, PROJECT_FILE));
      if (entry && entry.kind !== "dir") return dir;
      dir = dir === "" ? undefined : dirOf(dir);
    }
    return undefined;
  }

  private async safeStat(path: string): Promise<TreeEntry | undefined> {
    try {
      return await this.repo.stat(path);
    } catch {
      return undefined;
    }
  }

  /**
   * Load `path`, then each include match depth-first, in azldev's order. One `seen` map is shared by
   * the whole include tree, so a file reached twice (a cycle or a diamond) is reported, like azldev.
   */
  private async loadWithIncludes(
    path: string,
    seen: Map<string, SourceLocation | undefined>,
    includedAt: SourceLocation | undefined,
  ): Promise<LoadedFile[]> {
    if (seen.has(path)) {
      const first = seen.get(path);
      const where = includedAt ?? { file: path, line: 1, column: 1 };
      this.errors.push({
        ...where,
        severity: "error",
        message: `circular include detected: '${path}' is included by a file that it transitively includes${
          first ? ` (first included at ${first.file}:${first.line}:${first.column})` : " (it is the project file)"
        }`,
      });
      return [];
    }
    seen.set(path, includedAt);
    const loaded = await this.readConfigFile(path, includedAt);
    if (!loaded) return [];
    const out = [loaded];
    const { ctx, data } = loaded;
    if (data["includes"] === undefined) return out;
    const includes = readStringArray(ctx, data, "includes", []);
    if (!includes) return out;
    for (let index = 0; index < includes.length; index++) {
      const pattern = includes[index] as string;
      const at = locate(ctx, ["includes", index]);
      if (pattern === "") {
        report(ctx, ["includes", index], "`includes` entries must not be empty");
        continue;
      }
      const matches = await this.expandPattern(ctx, pattern, ["includes", index], "include pattern");
      if (matches === undefined) continue;
      if (matches.length === 0) {
        if (!hasWildcard(pattern)) {
          report(ctx, ["includes", index], `include file '${pattern}' referenced in config file '${ctx.file}' was not found`);
        }
        continue;
      }
      for (const match of matches) out.push(...(await this.loadWithIncludes(match, seen, at)));
    }
    return out;
  }

  /** characters of configuration read so far, against CONFIG_TOTAL_MAX_CHARS */
  private configChars = 0;

  private async readConfigFile(path: string, includedAt: SourceLocation | undefined): Promise<LoadedFile | undefined> {
    const where = includedAt ?? { file: path, line: 1, column: 1 };
    let text: string | undefined;
    try {
      text = await this.repo.readText(path);
    } catch (error) {
      this.errors.push({ ...where, severity: "error", message: `cannot read config file '${path}': ${messageOf(error)}`, incomplete: true });
      return undefined;
    }
    if (text === undefined) {
      this.errors.push({ ...where, severity: "error", message: `config file '${path}' does not exist` });
      return undefined;
    }
    // Parsing and indexing a document costs far more memory than its bytes: bound what one
    // repository can make the loader hold.
    if (text.length > CONFIG_FILE_MAX_CHARS) {
      this.errors.push({ ...where, severity: "error", message: `config file '${path}' has ${text.length.toLocaleString("en-US")} characters, more than the ${CONFIG_FILE_MAX_CHARS.toLocaleString("en-US")} a configuration file may have; it is not read`, incomplete: true });
      return undefined;
    }
    this.configChars += text.length;
    if (this.configChars > CONFIG_TOTAL_MAX_CHARS) {
      this.errors.push({ ...where, severity: "error", message: `the configuration passes ${CONFIG_TOTAL_MAX_CHARS.toLocaleString("en-US")} characters with '${path}'; it and the files after it are not read`, incomplete: true });
      return undefined;
    }
    const parsed = parseConfigShared(path, text);
    if ("error" in parsed) {
      this.errors.push(parsed.error);
      return undefined;
    }
    return { ctx: { file: path, dir: dirOf(path), positions: parsed.positions, errors: this.errors }, data: parsed.data };
  }

  /**
   * Expand a path or glob written in `ctx`'s file, relative to its directory, to the regular files
   * it names (directory-walk order). Undefined after reporting when the pattern is unusable.
   */
  private async expandPattern(ctx: FileContext, pattern: string, path: TomlPath, what: string): Promise<string[] | undefined> {
    const invalid = validateGlob(pattern);
    if (invalid) {
      report(ctx, path, `${what} '${pattern}': ${invalid}`);
      return undefined;
    }
    const resolved = resolveRepoPath(ctx, pattern, path, what);
    if (resolved === undefined) return undefined;
    if (!hasGlobMeta(resolved)) {
      const entry = await this.safeStat(resolved);
      if (!entry) return [];
      if (entry.kind === "symlink") {
        report(ctx, path, `${what} '${pattern}' names a symlink (${resolved}); symlinks are not followed`);
        return undefined;
      }
      return entry.kind === "file" ? [resolved] : [];
    }
    const entries = await this.filesUnder(literalPrefixDir(resolved));
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const matches = expandGlob(resolved, byPath.keys());
    const files: string[] = [];
    for (const match of matches) {
      const entry = byPath.get(match) as TreeEntry;
      if (entry.kind === "file") files.push(match);
      else if (entry.kind === "symlink") report(ctx, path, `${what} '${pattern}' matches the symlink ${match}; symlinks are not followed`);
    }
    return files;
  }

  /** Every entry below `dir`, listed once and shared by all patterns under it. */
  private async filesUnder(dir: string): Promise<TreeEntry[]> {
    for (let ancestor: string | undefined = dir; ancestor !== undefined; ancestor = ancestor === "" ? undefined : dirOf(ancestor)) {
      const cached = this.listings.get(ancestor);
      if (cached) {
        if (ancestor === dir) return cached;
        const prefix = dir + "/";
        return (await cached).filter((e) => e.path.startsWith(prefix));
      }
    }
    const listing = this.repo.list(dir, { recursive: true }).catch(() => [] as TreeEntry[]);
    this.listings.set(dir, listing);
    return listing;
  }

  // ----------------------------------------------------------------------------------------------
  // Merging across files (AZLDEV.md §1.4)

  private mergeFiles(files: LoadedFile[], project: Project): MergedConfig {
    const merged: MergedConfig = {
      components: new Map(),
      groups: new Map(),
      projectDefaults: [],
      distroDefaults: new Map(),
      defaultDistroAt: undefined,
    };
    const named = { images: new Map<string, SourceLocation>(), "package-groups": new Map<string, SourceLocation>(), "test-suites": new Map<string, SourceLocation>() };
    const packageOwners = new Map<string, string>();
    let componentsCapped = false;

    for (const { ctx, data } of files) {
      checkKeys(ctx, data, [], TOP_LEVEL_KEYS, "a project config file");
      if (data["$schema"] !== undefined) readString(ctx, data, "$schema", []);

      const projectTable = readTable(ctx, data, "project", []);
      if (projectTable) this.mergeProjectTable(ctx, projectTable, project, merged);

      const distros = readTable(ctx, data, "distros", []);
      if (distros) {
        for (const [name, raw] of Object.entries(distros)) {
          if (!isTable(raw)) {
            report(ctx, ["distros", name], `distro \`${name}\` must be a table, found ${describe(raw)}`);
            continue;
          }
          this.mergeDistro(ctx, name, raw, project, merged);
        }
      }

      const groups = readTable(ctx, data, "component-groups", []);
      if (groups) {
        for (const [name, raw] of Object.entries(groups)) {
          const path = ["component-groups", name];
          if (!isTable(raw)) {
            report(ctx, path, `component group \`${name}\` must be a table, found ${describe(raw)}`);
            continue;
          }
          const existing = merged.groups.get(name);
          if (existing) {
            const first = existing.group.declaredAt;
            report(ctx, path, `duplicate component group: ${name} (first declared at ${first.file}:${first.line}:${first.column})`);
            continue;
          }
          merged.groups.set(name, this.decodeGroup(ctx, name, raw));
        }
      }

      const components = readTable(ctx, data, "components", []);
      if (components) {
        for (const [name, raw] of Object.entries(components)) {
          const path = ["components", name];
          if (merged.components.size >= MAX_COMPONENTS) {
            // every component costs memory and work in every command: a repository cannot declare
            // its way past the ceiling; said once, where the limit is passed
            if (!componentsCapped) report(ctx, path, `more than ${MAX_COMPONENTS.toLocaleString("en-US")} components are declared; \`${name}\` and every component after it are ignored`, { incomplete: true });
            componentsCapped = true;
            continue;
          }
          if (!isTable(raw)) {
            report(ctx, path, `component \`${name}\` must be a table, found ${describe(raw)}`, { component: name });
            continue;
          }
          const unsafe = unsafeNameReason(name);
          if (unsafe) {
            // Its rendered directory would be built from the name: never let it leave specs/.
            report(ctx, path, `component name ${JSON.stringify(name)} is not a safe file name (${unsafe}); the component is ignored`, { component: name });
            continue;
          }
          const declaredAt = locate(ctx, path);
          const existing = merged.components.get(name);
          if (existing) {
            const first = existing.declaredAt;
            report(ctx, path, `duplicate component: ${name} (also declared at ${first.file}:${first.line}:${first.column})`, { component: name });
            continue;
          }
          const layer = decodeComponentTable(ctx, raw, path, "component", name);
          merged.components.set(name, { name, layer, ctx, declaredAt });
        }
      }

      const defaults = readTable(ctx, data, "default-component-config", []);
      if (defaults) merged.projectDefaults.push(decodeComponentTable(ctx, defaults, ["default-component-config"], "project-default"));

      for (const key of ["images", "package-groups", "test-suites"] as const) {
        const table = readTable(ctx, data, key, []);
        if (!table) continue;
        for (const name of Object.keys(table)) {
          const first = named[key].get(name);
          const at = locate(ctx, [key, name]);
          if (first) report(ctx, [key, name], `duplicate ${key.replace(/s$/, "").replace("-", " ")}: ${name} (first declared at ${first.file}:${first.line}:${first.column})`);
          else named[key].set(name, at);
          if (key === "package-groups") this.checkPackageGroup(ctx, name, table[name], packageOwners);
        }
      }
    }
    return merged;
  }

  private mergeProjectTable(ctx: FileContext, table: TomlTable, project: Project, merged: MergedConfig): void {
    checkKeys(ctx, table, ["project"], PROJECT_KEYS, "[project]");
    const settings = project.settings;
    for (const [key, field] of [
      ["rendered-specs-dir", "renderedSpecsDir"],
      ["lock-dir", "lockDir"],
    ] as const) {
      const written = readString(ctx, table, key, ["project"]);
      if (written) {
        const resolved = resolveRepoPath(ctx, written, ["project", key], `project ${key}`);
        const unsafe = key === "rendered-specs-dir" && resolved !== undefined ? unsafeRenderedDirReason(resolved) : undefined;
        if (unsafe) report(ctx, ["project", key], `project ${key} ${JSON.stringify(written)} cannot hold rendered specs: ${unsafe}; the default is kept`);
        else if (resolved !== undefined) settings[field] = resolved;
      }
    }
    for (const key of ["description", "log-dir", "work-dir", "output-dir"]) readString(ctx, table, key, ["project"]);
    const email = readString(ctx, table, "default-author-email", ["project"]);
    if (email) settings.defaultAuthorEmail = email;
    const distro = readTable(ctx, table, "default-distro", ["project"]);
    if (distro) {
      checkKeys(ctx, distro, ["project", "default-distro"], new Set(["name", "version", "snapshot"]), "project.default-distro");
      const ref = settings.defaultDistro;
      for (const key of ["name", "version", "snapshot"] as const) {
        const value = readString(ctx, distro, key, ["project", "default-distro"]);
        if (value) ref[key] = value;
      }
      merged.defaultDistroAt = locate(ctx, ["project", "default-distro"]);
    }
  }

  private mergeDistro(ctx: FileContext, name: string, table: TomlTable, project: Project, merged: MergedConfig): void {
    const path = ["distros", name];
    checkKeys(ctx, table, path, DISTRO_KEYS, `distro \`${name}\``);
    const distro: Distro = (project.distros[name] ??= { name, versions: {} });
    const description = readString(ctx, table, "description", path);
    if (description) distro.displayName = description;
    const defaultVersion = readString(ctx, table, "default-version", path);
    if (defaultVersion) distro.defaultVersion = defaultVersion;
    const distGit = readString(ctx, table, "dist-git-base-uri", path);
    if (distGit) distro.distGitBaseUri = distGit;
    const lookaside = readString(ctx, table, "lookaside-base-uri", path);
    if (lookaside) distro.lookasideBaseUri = lookaside;
    if (table["repos"] !== undefined && !Array.isArray(table["repos"])) report(ctx, [...path, "repos"], "`repos` must be an array of tables");

    const versions = readTable(ctx, table, "versions", path);
    if (!versions) return;
    for (const [versionName, raw] of Object.entries(versions)) {
      const versionPath = [...path, "versions", versionName];
      if (!isTable(raw)) {
        report(ctx, versionPath, `distro version \`${name}\` \`${versionName}\` must be a table, found ${describe(raw)}`);
        continue;
      }
      checkKeys(ctx, raw, versionPath, DISTRO_VERSION_KEYS, `distro version \`${name}.${versionName}\``);
      // A version defined again is replaced whole (mergo replaces map values).
      const version: DistroVersion = { name: versionName };
      const releaseVer = readString(ctx, raw, "release-ver", versionPath);
      if (releaseVer) version.releaseVer = releaseVer;
      const branch = readString(ctx, raw, "dist-git-branch", versionPath);
      if (branch) version.distGitBranch = branch;
      const mockConfig = readString(ctx, raw, "mock-config", versionPath);
      if (mockConfig) {
        const resolved = resolveRepoPath(ctx, mockConfig, [...versionPath, "mock-config"], "mock-config");
        if (resolved !== undefined) version.mockConfig = resolved;
      }
      for (const key of ["description", "mock-config-x86_64", "mock-config-aarch64"]) readString(ctx, raw, key, versionPath);
      const defaults = readTable(ctx, raw, "default-component-config", versionPath);
      const layerKey = `${name}\u0000${versionName}`;
      if (defaults) {
        version.defaultComponentConfig = defaults;
        merged.distroDefaults.set(layerKey, decodeComponentTable(ctx, defaults, [...versionPath, "default-component-config"], "distro-default"));
      } else {
        merged.distroDefaults.delete(layerKey);
      }
      distro.versions[versionName] = version;
    }
  }

  private decodeGroup(ctx: FileContext, name: string, table: TomlTable): DeclaredGroup {
    const path = ["component-groups", name];
    checkKeys(ctx, table, path, GROUP_KEYS, `component group \`${name}\``);
    readString(ctx, table, "description", path);
    const components = readStringArray(ctx, table, "components", path) ?? [];
    const resolvePatterns = (key: string): string[] => {
      const patterns = readStringArray(ctx, table, key, path) ?? [];
      const out: string[] = [];
      patterns.forEach((pattern, index) => {
        if (pattern === "") {
          report(ctx, [...path, key, index], `\`${key}\` entries must not be empty`);
          return;
        }
        const invalid = validateGlob(pattern);
        if (invalid) {
          report(ctx, [...path, key, index], `component group \`${name}\` ${key}: ${invalid}`);
          return;
        }
        const resolved = resolveRepoPath(ctx, pattern, [...path, key, index], `component group \`${name}\` ${key} pattern`);
        if (resolved !== undefined) out.push(resolved);
      });
      return out;
    };
    const specs = resolvePatterns("specs");
    const excludedPaths = resolvePatterns("excluded-paths");
    if (table["metadata"] !== undefined && !isTable(table["metadata"])) report(ctx, [...path, "metadata"], "`metadata` must be a table");
    const defaults = readTable(ctx, table, "default-component-config", path);
    const layer = defaults ? decodeComponentTable(ctx, defaults, [...path, "default-component-config"], "group-default") : emptyLayer();
    return { group: { name, components, specs, excludedPaths, declaredAt: locate(ctx, path) }, layer, ctx };
  }

  private checkPackageGroup(ctx: FileContext, name: string, raw: unknown, owners: Map<string, string>): void {
    if (!isTable(raw)) {
      report(ctx, ["package-groups", name], `package group \`${name}\` must be a table, found ${describe(raw)}`);
      return;
    }
    const packages = readStringArray(ctx, raw, "packages", ["package-groups", name]) ?? [];
    packages.forEach((pkg, index) => {
      const owner = owners.get(pkg);
      if (owner === undefined) owners.set(pkg, name);
      else if (owner !== name) {
        report(ctx, ["package-groups", name, "packages", index], `package \`${pkg}\` is in package groups \`${owner}\` and \`${name}\`; a package may belong to one group only`);
      }
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Components (AZLDEV.md §1.5–1.7)

  private async resolveComponents(project: Project, merged: MergedConfig): Promise<void> {
    for (const [name, { group }] of merged.groups) project.groups[name] = group;

    // Group members must be declared components (reported all together, at each reference).
    const membership = new Map<string, Set<string>>();
    for (const [groupName, { group }] of merged.groups) {
      group.components.forEach((member, index) => {
        if (!merged.components.has(member)) {
          this.errors.push({
            ...this.groupMemberLocation(merged, groupName, index),
            severity: "error",
            message: `component group \`${groupName}\` has an undefined component reference: ${member}`,
            component: member,
          });
        }
        let groups = membership.get(member);
        if (!groups) membership.set(member, (groups = new Set()));
        groups.add(groupName);
      });
    }

    // Spec discovery: local-spec components named after the spec file.
    const discovered = new Map<string, { path: string; groups: Set<string> }>();
    let discoveredOnly = 0;
    let discoveryCapped = false;
    for (const [groupName, { group }] of merged.groups) {
      for (const pattern of group.specs) {
        const entries = await this.filesUnder(literalPrefixDir(pattern));
        for (const match of expandGlob(pattern, entries.filter((e) => e.kind === "file").map((e) => e.path))) {
          if (group.excludedPaths.some((excluded) => matchGlob(excluded, match))) continue;
          const name = baseName(match).replace(/\.[^.]*$/, "");
          const unsafe = unsafeNameReason(name);
          if (unsafe) {
            this.errors.push({ ...group.declaredAt, severity: "error", component: name, message: `spec ${match} gives the component name ${JSON.stringify(name)}, which is not a safe file name (${unsafe}); ignored` });
            continue;
          }
          const existing = discovered.get(name);
          if (!existing && !merged.components.has(name) && merged.components.size + discoveredOnly >= MAX_COMPONENTS) {
            if (!discoveryCapped) this.errors.push({ ...group.declaredAt, severity: "error", incomplete: true, message: `more than ${MAX_COMPONENTS.toLocaleString("en-US")} components with the specs found; ${match} and the specs after it are ignored` });
            discoveryCapped = true;
            continue;
          }
          if (existing && existing.path !== match) {
            this.errors.push({
              ...group.declaredAt,
              severity: "error",
              message: `component \`${name}\` is discovered from two spec files: ${existing.path} and ${match}`,
              component: name,
            });
            continue;
          }
          if (!existing && !merged.components.has(name)) discoveredOnly++;
          const entry = existing ?? { path: match, groups: new Set<string>() };
          entry.groups.add(groupName);
          discovered.set(name, entry);
        }
      }
    }

    const baseLayer = mergeLayers([this.distroDefaultLayer(project, merged), mergeLayers(merged.projectDefaults)]);
    // Most components are bare entries: their effective config only depends on their groups.
    const inheritedByGroups = new Map<string, ComponentLayer>();
    const inherited = (groups: readonly string[]): ComponentLayer => {
      const key = groups.length === 0 ? "" : groups.join("\u0000");
      let layer = inheritedByGroups.get(key);
      if (!layer) {
        layer = groups.reduce((acc, g) => mergeTwo(acc, (merged.groups.get(g) as DeclaredGroup).layer), baseLayer);
        inheritedByGroups.set(key, layer);
      }
      return layer;
    };
    const names = new Set([...merged.components.keys(), ...discovered.keys()]);
    const overlayFileCache = new Map<string, Promise<ConfiguredOverlay[]>>();
    const resolved: Array<{ config: ComponentConfig; effective: ComponentLayer }> = [];

    for (const name of [...names].sort()) {
      const declared = merged.components.get(name);
      const found = discovered.get(name);
      const member = membership.get(name);
      const sortedGroups =
        !member && !found ? NO_GROUPS : [...new Set([...(member ?? []), ...(found?.groups ?? [])])].filter((g) => merged.groups.has(g)).sort();
      let own = declared?.layer ?? EMPTY_LAYER;
      if (found) {
        if (own.spec.path && own.spec.path !== found.path && declared) {
          report(declared.ctx, ["components", name, "spec", "path"], `spec path mismatch for component \`${name}\`: configured ${own.spec.path}, discovered ${found.path}`, { component: name });
        }
        own = { ...own, empty: false, spec: { ...own.spec, type: "local", path: found.path } };
      }
      const effective = mergeTwo(inherited(sortedGroups), own);
      const configDir = declared ? declared.ctx.dir : found ? dirOf(found.path) : undefined;

      const overlays: ConfiguredOverlay[] = effective.overlays.map(cloneOverlay);
      if (effective.overlayFiles && effective.overlayFiles.patterns.length > 0) {
        for (const overlay of await this.expandOverlayFiles(name, effective.overlayFiles, configDir, overlayFileCache)) overlays.push(overlay);
      }
      if (overlays.length > MAX_OVERLAYS_PER_COMPONENT) {
        // each overlay is a pass over the spec: thousands of them would make one render take minutes
        const at = declared?.declaredAt ?? { file: found?.path ?? PROJECT_FILE, line: 1, column: 1 };
        this.errors.push({ ...at, severity: "error", component: name, message: `component \`${name}\` has ${overlays.length.toLocaleString("en-US")} overlays, more than the ${MAX_OVERLAYS_PER_COMPONENT.toLocaleString("en-US")} a component may have; only the first ${MAX_OVERLAYS_PER_COMPONENT.toLocaleString("en-US")} are kept` });
        overlays.length = MAX_OVERLAYS_PER_COMPONENT;
      }

      const spec: SpecSource = { type: normalizeSpecType(effective.spec.type) };
      if (effective.spec.path) spec.path = effective.spec.path;
      if (effective.spec.upstreamName) spec.upstreamName = effective.spec.upstreamName;
      if (effective.spec.upstreamCommit) spec.upstreamCommit = effective.spec.upstreamCommit;
      const distroRef = effective.spec.upstreamDistro;
      if (distroRef && (distroRef.name || distroRef.version || distroRef.snapshot)) {
        spec.upstreamDistro = { name: distroRef.name ?? "" };
        if (distroRef.version) spec.upstreamDistro.version = distroRef.version;
        if (distroRef.snapshot) spec.upstreamDistro.snapshot = distroRef.snapshot;
      }

      const build = effective.build;
      const config: ComponentConfig = {
        name,
        spec,
        overlays,
        release: { calculation: (effective.release.calculation || "auto") as ComponentConfig["release"]["calculation"] },
        render: { skipFileFilter: effective.render.skipFileFilter ?? false },
        build: {
          with: [...build.with],
          without: [...build.without],
          defines: { ...build.defines },
          undefines: [...build.undefines],
          check: build.check.skip ? { skip: true, ...(build.check.skipReason ? { skipReason: build.check.skipReason } : {}) } : { skip: false },
          emitUpstreamProvenance: build.emitUpstreamProvenance ?? false,
        },
        sourceFiles: effective.sourceFiles.map((entry) => ({ ...entry, origin: { ...entry.origin } })),
        groups: [...sortedGroups],
        fingerprint: "",
      };
      if (declared) config.declaredAt = declared.declaredAt;
      if (configDir !== undefined) config.configDir = configDir;
      resolved.push({ config, effective });
    }

    const configs = resolved.map((r) => r.config);
    this.checkUpstreamDistros(project, merged, configs);
    const contentIds = await this.contentIdentities(configs, merged);
    // Configs derived from the same effective layer without overlay files render the same inputs.
    const inputsByLayer = new Map<ComponentLayer, string>();
    for (const { config, effective } of resolved) {
      const shareable = !effective.overlayFiles || effective.overlayFiles.patterns.length === 0;
      let inputs = shareable ? inputsByLayer.get(effective) : undefined;
      if (inputs === undefined) {
        inputs = renderInputsJson(config, project.settings, project.distros);
        if (shareable) inputsByLayer.set(effective, inputs);
      }
      config.fingerprint = assembleFingerprint(config.name, renderedDirOf(project, config.name), contentIds.get(config.name) ?? {}, inputs);
      project.components.set(config.name, config);
    }
  }

  private groupMemberLocation(merged: MergedConfig, groupName: string, index: number): SourceLocation {
    const declared = merged.groups.get(groupName) as DeclaredGroup;
    return locate(declared.ctx, ["component-groups", groupName, "components", index]);
  }

  /** Layer 1: the default-component-config of the project's default distro version (the build target). */
  private distroDefaultLayer(project: Project, merged: MergedConfig): ComponentLayer {
    const ref = project.settings.defaultDistro;
    if (!ref.name) return emptyLayer();
    const at = merged.defaultDistroAt ?? { file: project.files[0] ?? PROJECT_FILE, line: 1, column: 1 };
    const distro = project.distros[ref.name];
    if (!distro) {
      this.errors.push({ ...at, severity: "error", message: `project default-distro names an unknown distro \`${ref.name}\`` });
      return emptyLayer();
    }
    const version = ref.version || distro.defaultVersion;
    if (!version) {
      this.errors.push({ ...at, severity: "error", message: `project default-distro \`${ref.name}\` has no version and the distro has no default-version` });
      return emptyLayer();
    }
    if (!distro.versions[version]) {
      this.errors.push({ ...at, severity: "error", message: `project default-distro names an unknown version \`${ref.name}\` \`${version}\`` });
      return emptyLayer();
    }
    return merged.distroDefaults.get(`${ref.name}\u0000${version}`) ?? emptyLayer();
  }

  /**
   * An upstream component must resolve to a known distro version. Reported once per distinct
   * problem (a bad distro default would otherwise repeat for every component).
   */
  private checkUpstreamDistros(project: Project, merged: MergedConfig, configs: ComponentConfig[]): void {
    const problems = new Map<string, ComponentConfig[]>();
    for (const config of configs) {
      if (config.spec.type !== "upstream") continue;
      const name = config.spec.upstreamDistro?.name || project.settings.defaultDistro.name;
      const distro = project.distros[name];
      const version = config.spec.upstreamDistro?.version || distro?.defaultVersion || "";
      let problem: string | undefined;
      if (!name) problem = "has no upstream distro (no spec.upstream-distro and no project default-distro)";
      else if (!distro) problem = `names an unknown upstream distro \`${name}\``;
      else if (!version) problem = `names upstream distro \`${name}\` without a version, and it has no default-version`;
      else if (!distro.versions[version]) problem = `names an unknown upstream distro version \`${name}\` \`${version}\``;
      if (!problem) continue;
      const list = problems.get(problem) ?? [];
      list.push(config);
      problems.set(problem, list);
    }
    for (const [problem, list] of problems) {
      const first = list[0] as ComponentConfig;
      const at = first.declaredAt ?? merged.defaultDistroAt ?? { file: project.files[0] ?? PROJECT_FILE, line: 1, column: 1 };
      const others = list.length > 1 ? ` (so do ${list.length - 1} other components)` : "";
      this.errors.push({ ...at, severity: "error", component: first.name, message: `component \`${first.name}\` ${problem}${others}` });
    }
  }

  /** overlay-files (AZLDEV.md §1.7): resolved against the concrete component's config dir. */
  private async expandOverlayFiles(
    component: string,
    overlayFiles: NonNullable<ComponentLayer["overlayFiles"]>,
    configDir: string | undefined,
    cache: Map<string, Promise<ConfiguredOverlay[]>>,
  ): Promise<ConfiguredOverlay[]> {
    const at = overlayFiles.at;
    const fail = (message: string) => this.errors.push({ ...at, severity: "error", component, message });
    if (configDir === undefined) {
      fail(`component \`${component}\` has relative overlay-files patterns but no config directory to resolve them against`);
      return [];
    }
    const seen = new Set<string>();
    const ordered: string[] = [];
    for (const pattern of overlayFiles.patterns) {
      if (pattern.startsWith("/")) {
        fail(`overlay-files pattern '${pattern}' is absolute; it must be relative to the component's config file`);
        continue;
      }
      const invalid = validateGlob(pattern);
      if (invalid) {
        fail(`overlay-files pattern '${pattern}': ${invalid}`);
        continue;
      }
      const resolved = posix.normalize(posix.join(configDir || ".", pattern));
      if (resolved === ".." || resolved.startsWith("../")) {
        fail(`overlay-files pattern '${pattern}' escapes the repository`);
        continue;
      }
      let matches: string[];
      if (!hasGlobMeta(resolved)) {
        const entry = await this.safeStat(resolved);
        matches = entry?.kind === "file" ? [resolved] : [];
      } else {
        const entries = await this.filesUnder(literalPrefixDir(resolved));
        matches = expandGlob(
          resolved,
          entries.filter((e) => e.kind === "file").map((e) => e.path),
        );
      }
      if (matches.length === 0) {
        if (!hasWildcard(pattern)) fail(`overlay-files pattern '${pattern}' matched no files (resolved against ${configDir || "the repository root"})`);
        continue;
      }
      matches.sort((a, b) => {
        const byBase = baseName(a) < baseName(b) ? -1 : baseName(a) > baseName(b) ? 1 : 0;
        return byBase || (a < b ? -1 : a > b ? 1 : 0);
      });
      for (const match of matches) {
        if (seen.has(match)) continue;
        seen.add(match);
        ordered.push(match);
      }
    }
    const out: ConfiguredOverlay[] = [];
    for (const file of ordered) {
      let parsed = cache.get(file);
      if (!parsed) {
        parsed = this.loadOverlayFile(file, at);
        cache.set(file, parsed);
      }
      out.push(...(await parsed).map(cloneOverlay));
    }
    return out;
  }

  /** One overlay file: exactly one [metadata] table and at least one [[overlays]] entry. */
  private async loadOverlayFile(path: string, referencedAt: SourceLocation): Promise<ConfiguredOverlay[]> {
    const loaded = await this.readConfigFile(path, referencedAt);
    if (!loaded) return [];
    const { ctx, data } = loaded;
    checkKeys(ctx, data, [], new Set(["metadata", "overlays"]), "an overlay file");
    const metadata = data["metadata"] === undefined ? undefined : decodeMetadata(ctx, data["metadata"], ["metadata"]);
    if (data["metadata"] === undefined) report(ctx, [], `overlay file '${path}' has no [metadata] table; exactly one is required`);
    const list = data["overlays"];
    if (list === undefined || (Array.isArray(list) && list.length === 0)) {
      report(ctx, [], `overlay file '${path}' declares no overlays`);
      return [];
    }
    if (!Array.isArray(list)) {
      report(ctx, ["overlays"], "`overlays` must be an array of tables");
      return [];
    }
    const out: ConfiguredOverlay[] = [];
    list.forEach((item, index) => {
      const itemPath = ["overlays", index];
      if (!isTable(item)) {
        report(ctx, itemPath, `overlay ${index + 1} must be a table, found ${describe(item)}`);
        return;
      }
      const overlay = decodeOverlay(ctx, item, itemPath, { via: "file", allowMetadata: false });
      if (!overlay) return;
      const problem = checkOverlay(overlay);
      if (problem) report(ctx, itemPath, `invalid overlay ${index + 1} in overlay file '${path}': ${problem}`);
      if (metadata) overlay.metadata = cloneMetadata(metadata);
      out.push(overlay);
    });
    return out;
  }

  /**
   * Content identities of the files a render reads besides the upstream: each overlay `source` and,
   * for a local spec, every file of the spec's directory (azldev copies that whole directory).
   */
  private async contentIdentities(configs: ComponentConfig[], merged: MergedConfig): Promise<Map<string, Record<string, string | null>>> {
    const stats = new Map<string, Promise<TreeEntry | undefined>>();
    const statOnce = (path: string) => {
      let pending = stats.get(path);
      if (!pending) stats.set(path, (pending = this.safeStat(path)));
      return pending;
    };
    const out = new Map<string, Record<string, string | null>>();
    const needed = configs.filter((config) => config.spec.type === "local" || config.overlays.some((o) => o.source));
    await Promise.all(
      needed.map(async (config) => {
        const ids: Record<string, string | null> = {};
        out.set(config.name, ids);
        for (const overlay of config.overlays) {
          // An unresolvable source (absolute, or escaping the repository) was reported when decoded.
          if (!overlay.source || overlay.source.startsWith("/") || overlay.source.startsWith("../")) continue;
          const entry = await statOnce(overlay.source);
          ids[overlay.source] = entry ? (entry.id ?? `${entry.kind}:${entry.size ?? ""}`) : null;
          if (!entry) {
            this.errors.push({
              ...overlay.origin,
              severity: "warning",
              component: config.name,
              message: `overlay source '${overlay.source}' of component \`${config.name}\` does not exist; rendering will fail`,
            });
          } else if (entry.kind !== "file") {
            this.errors.push({
              ...overlay.origin,
              severity: "error",
              component: config.name,
              message: `overlay source '${overlay.source}' of component \`${config.name}\` is a ${entry.kind}, not a regular file`,
            });
          }
        }
        if (config.spec.type === "local" && config.spec.path) {
          const entries = await this.filesUnder(dirOf(config.spec.path));
          // listings of directories on disk leave ids out; a stat gives them
          const known = await Promise.all(
            entries.filter((e) => e.kind !== "dir").map(async (e) => (e.id !== undefined || e.kind !== "file" ? e : ((await statOnce(e.path)) ?? e))),
          );
          for (const entry of known) ids[entry.path] = entry.id ?? `${entry.kind}:${entry.size ?? ""}`;
          if (baseName(config.spec.path) !== `${config.name}.spec`) {
            this.errors.push({
              ...(config.declaredAt ?? { file: config.spec.path, line: 1, column: 1 }),
              severity: "warning",
              component: config.name,
              message: `local spec '${config.spec.path}' of component \`${config.name}\` is not named ${config.name}.spec; azldev renders only <component>.spec from that directory`,
            });
          }
          if (!entries.some((e) => e.path === config.spec.path && e.kind === "file")) {
            const declared = merged.components.get(config.name);
            this.errors.push({
              ...(declared ? locate(declared.ctx, ["components", config.name, "spec"]) : (config.declaredAt ?? { file: config.spec.path, line: 1, column: 1 })),
              severity: "warning",
              component: config.name,
              message: `local spec '${config.spec.path}' of component \`${config.name}\` does not exist`,
            });
          }
        }
      }),
    );
    return out;
  }
}

interface MergedConfig {
  components: Map<string, DeclaredComponent>;
  groups: Map<string, DeclaredGroup>;
  projectDefaults: ComponentLayer[];
  /** "<distro>\0<version>" → that version's default-component-config */
  distroDefaults: Map<string, ComponentLayer>;
  defaultDistroAt: SourceLocation | undefined;
}

/** azldev's rule for component names at render time: they become directory names. */
function unsafeNameReason(name: string): string | undefined {
  if (name === "" || name === "." || name === "..") return "empty, '.' or '..'";
  if (/[/\\]/.test(name)) return "contains a path separator";
  if (/[\s\0]/.test(name)) return "contains whitespace or NUL";
  if (/[^\x21-\x7e]/.test(name)) return "contains non-ASCII characters";
  // `.git`, `.ssh`, `.config`: a hidden name is never a package, and as a directory it is somebody's
  // repository or credentials. (Its letter directory would be `.` as well.)
  if (name.startsWith(".")) return "starts with '.'";
  return undefined;
}

/** Why a rendered-specs dir cannot hold renders: render replaces whole directories below it. */
function unsafeRenderedDirReason(dir: string): string | undefined {
  if (dir === "") return "it is the repository root";
  if (dir.split("/").some((segment) => segment.toLowerCase() === ".git")) return "it is inside .git";
  return undefined;
}

const NO_GROUPS: readonly string[] = Object.freeze([]);
/** Shared by every bare `[components.x]` entry; merging never mutates a layer. */
const EMPTY_LAYER: ComponentLayer = { ...emptyLayer(), empty: true };

function normalizeSpecType(type: string | undefined): SpecSource["type"] {
  return type === "upstream" || type === "local" ? type : "";
}

function cloneOverlay(overlay: ConfiguredOverlay): ConfiguredOverlay {
  const copy: ConfiguredOverlay = { ...overlay, origin: { ...overlay.origin } };
  if (overlay.lines) copy.lines = [...overlay.lines];
  if (overlay.metadata) copy.metadata = cloneMetadata(overlay.metadata);
  return copy;
}

function cloneMetadata(metadata: NonNullable<ConfiguredOverlay["metadata"]>): NonNullable<ConfiguredOverlay["metadata"]> {
  const copy = { ...metadata };
  if (metadata.commits) copy.commits = [...metadata.commits];
  if (metadata.bugs) copy.bugs = [...metadata.bugs];
  return copy;
}

/** The directory part of a pattern before its first segment with glob syntax. */
function literalPrefixDir(pattern: string): string {
  const segments = pattern.split("/");
  const literal: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (/[*?[{\\]/.test(segment)) break;
    literal.push(segment);
  }
  return literal.join("/");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type ParsedConfig = { data: TomlTable; positions: TomlPositions };

/**
 * Parsed documents by their text, most recently used last. The base and the head of a change, or
 * a head with a fix applied, share almost every config file: each is decoded and indexed once.
 * Entries are read-only: decoders copy what they keep (readStringArray) and never write into them.
 */
const parsedByText = new Map<string, ParsedConfig>();
let parsedChars = 0;
/**
 * UTF-16 code units of cached text. Decoded data and positions weigh about 35 bytes per character
 * (a 7,500-component config of 0.43 M characters keeps 15 MB), so this holds four versions of a
 * config that size in about 70 MB.
 */
const PARSED_CACHE_MAX_CHARS = 2 * 1024 * 1024;

/**
 * The largest configuration file the loader reads, and the most configuration in total. The full
 * Azure Linux tree has 229 TOML files, 2 MB together, the largest just under 1 MB.
 */
export const CONFIG_FILE_MAX_CHARS = 4 * 1024 * 1024;
/**
 * Loaded configuration costs 60-80 bytes of memory per character, and `check` loads two revisions:
 * 8 Mi characters (four times Azure Linux) keeps a check of any pull request well under the 1 GiB
 * ceiling of the command line.
 */
export const CONFIG_TOTAL_MAX_CHARS = 8 * 1024 * 1024;
/** Components of one project: Azure Linux declares about 7,600. */
export const MAX_COMPONENTS = 50_000;
/** Overlays of one component, inherited ones included: Azure Linux's most are 17. */
export const MAX_OVERLAYS_PER_COMPONENT = 1_000;

/** parseConfigText through the cache of parsed documents (the loader's own use: it never writes into them). */
function parseConfigShared(file: string, text: string): ParsedConfig | { error: ConfigError } {
  const cached = parsedByText.get(text);
  if (cached) {
    parsedByText.delete(text);
    parsedByText.set(text, cached);
    return cached;
  }
  const parsed = parseConfigText(file, text);
  if ("error" in parsed || text.length > PARSED_CACHE_MAX_CHARS / 4) return parsed;
  parsedByText.set(text, parsed);
  parsedChars += text.length;
  for (const [oldest] of parsedByText) {
    if (parsedChars <= PARSED_CACHE_MAX_CHARS) break;
    parsedByText.delete(oldest);
    parsedChars -= oldest.length;
  }
  return parsed;
}

/** Decode TOML text: data plus a position index, or the decoder's error at its line:column. */
export function parseConfigText(file: string, text: string): ParsedConfig | { error: ConfigError } {
  try {
    return { data: parseToml(text) as TomlTable, positions: indexTomlPositions(text) };
  } catch (error) {
    if (error instanceof TomlError) {
      const message = (error.message.split("\n")[0] ?? "").replace(/^Invalid TOML document: /, "");
      return { error: { file, line: error.line, column: error.column, severity: "error", message: `invalid TOML: ${message}` } };
    }
    return { error: { file, line: 1, column: 1, severity: "error", message: `invalid TOML: ${messageOf(error)}` } };
  }
}
