/**
 * Decoding component-config-shaped TOML tables (a component, a group / project / distro-version
 * default) into layers, with azldev's strict key checking and its per-file validation rules.
 * Every problem is reported with the position of the offending key; decoding never throws.
 */
import { posix } from "node:path";
import { report, locate, type FileContext, type TomlPath } from "./diagnostics.js";
import { checkOverlay, escapesDirectory } from "./overlay-check.js";
import { checkOverlayMetadata } from "./overlay-rules.js";
import type { ConfiguredOverlay, OverlayMetadata, SourceFileEntry, SourceLocation } from "./types.js";

export type TomlTable = Record<string, unknown>;

export function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Where a component-config table sits, which decides the validation applied (AZLDEV.md §1.6). */
export type LayerKind = "component" | "group-default" | "project-default" | "distro-default";

export interface SpecLayer {
  type?: string;
  path?: string;
  upstreamName?: string;
  upstreamCommit?: string;
  upstreamDistro?: { name?: string; version?: string; snapshot?: string };
}

export interface BuildLayer {
  with: string[];
  without: string[];
  defines: Record<string, string>;
  undefines: string[];
  emitUpstreamProvenance?: boolean;
  check: { skip?: boolean; skipReason?: string };
  failure: { expected?: boolean; expectedReason?: string };
  hints: { expensive?: boolean };
}

/** One layer of component configuration, paths already resolved against the declaring file. */
export interface ComponentLayer {
  spec: SpecLayer;
  release: { calculation?: string };
  render: { skipFileFilter?: boolean };
  build: BuildLayer;
  overlays: ConfiguredOverlay[];
  /** present when the layer sets `overlay-files` at all (even to []) */
  overlayFiles?: { patterns: string[]; at: SourceLocation };
  sourceFiles: SourceFileEntry[];
  /** the table had no keys at all (a bare `[components.x]` entry): merging it changes nothing */
  empty?: boolean;
}

export function emptyLayer(): ComponentLayer {
  return {
    spec: {},
    release: {},
    render: {},
    build: { with: [], without: [], defines: {}, undefines: [], check: {}, failure: {}, hints: {} },
    overlays: [],
    sourceFiles: [],
  };
}

/** The layer of a table without keys, shared: layers are never mutated once decoded. */
const EMPTY_COMPONENT_LAYER: ComponentLayer = Object.freeze({ ...emptyLayer(), empty: true }) as ComponentLayer;

function isEmptyTable(table: TomlTable): boolean {
  for (const _key in table) return false;
  return true;
}

const COMPONENT_KEYS = new Set([
  "spec",
  "release",
  "overlays",
  "overlay-files",
  "build",
  "render",
  "source-files",
  // accepted, not modelled: they do not affect rendering
  "packages",
  "publish",
  "tests",
  "default-package-config",
]);
const SPEC_KEYS = new Set(["type", "path", "upstream-distro", "upstream-name", "upstream-commit"]);
const DISTRO_REF_KEYS = new Set(["name", "version", "snapshot"]);
const BUILD_KEYS = new Set(["with", "without", "defines", "undefines", "emit-upstream-provenance", "check", "failure", "hints"]);
const OVERLAY_KEYS = new Set([
  "type",
  "description",
  "file",
  "section",
  "package",
  "tag",
  "value",
  "regex",
  "replacement",
  "lines",
  "source",
  "archive",
  "metadata",
]);
const METADATA_KEYS = new Set(["category", "upstream-status", "commits", "bugs"]);
const SOURCE_FILE_KEYS = new Set(["filename", "hash", "hash-type", "origin", "replace-upstream", "replace-reason"]);
const ORIGIN_KEYS = new Set(["type", "uri", "script", "mock-packages", "inputs"]);

/** Report every key of `table` not in `allowed` (azldev decodes strictly: unknown keys are errors). */
export function checkKeys(ctx: FileContext, table: TomlTable, path: TomlPath, allowed: Set<string>, what: string, component?: string): void {
  for (const key of Object.keys(table)) {
    if (!allowed.has(key)) {
      report(ctx, [...path, key], `unknown key \`${key}\` in ${what} (allowed: ${[...allowed].join(", ")})`, { component });
    }
  }
}

export function readString(ctx: FileContext, table: TomlTable, key: string, path: TomlPath, component?: string): string | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  report(ctx, [...path, key], `\`${key}\` must be a string, found ${describe(value)}`, { component });
  return undefined;
}

export function readBoolean(ctx: FileContext, table: TomlTable, key: string, path: TomlPath, component?: string): boolean | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value === "boolean") return value;
  report(ctx, [...path, key], `\`${key}\` must be a boolean, found ${describe(value)}`, { component });
  return undefined;
}

export function readStringArray(ctx: FileContext, table: TomlTable, key: string, path: TomlPath, component?: string): string[] | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    report(ctx, [...path, key], `\`${key}\` must be an array of strings, found ${describe(value)}`, { component });
    return undefined;
  }
  // All or nothing, so that indices in the result stay the indices in the file.
  let valid = true;
  value.forEach((item, index) => {
    if (typeof item === "string") return;
    valid = false;
    report(ctx, [...path, key, index], `\`${key}\` entries must be strings, found ${describe(item)}`, { component });
  });
  // a copy: parsed documents are shared between loads (see parseConfigText) and must stay intact
  return valid ? (value.slice() as string[]) : undefined;
}

export function readTable(ctx: FileContext, table: TomlTable, key: string, path: TomlPath, component?: string): TomlTable | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (isTable(value)) return value;
  report(ctx, [...path, key], `\`${key}\` must be a table, found ${describe(value)}`, { component });
  return undefined;
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a date-time";
  if (isTable(value)) return "a table";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Resolve a path written in a config file against that file's directory, the way azldev makes
 * paths absolute at merge time. Returns a normalised repo-relative path, or undefined (after
 * reporting) when it is absolute or climbs out of the repository.
 */
export function resolveRepoPath(ctx: FileContext, written: string, path: TomlPath, what: string, component?: string): string | undefined {
  if (written.startsWith("/")) {
    report(ctx, path, `${what} \`${written}\` is an absolute path; it must be relative to ${ctx.file}`, { component });
    return undefined;
  }
  if (written.includes("\0") || written.includes("\\")) {
    report(ctx, path, `${what} \`${written}\` contains a NUL or backslash`, { component });
    return undefined;
  }
  const joined = posix.normalize(posix.join(ctx.dir || ".", written));
  if (joined === ".." || joined.startsWith("../")) {
    report(ctx, path, `${what} \`${written}\` escapes the repository (resolves outside it from ${ctx.dir || "the root"})`, { component });
    return undefined;
  }
  return joined === "." ? "" : joined.replace(/\/$/, "");
}

// ------------------------------------------------------------------------------------------------

/**
 * Decode one component-config table. `kind` selects validation: azldev runs its custom checks
 * (overlay rules, check.skip_reason, source-files rules, snapshot ban) only on a file's own
 * `[components.*]` tables, and the plain schema rules (enums, spec required-if) also on group and
 * project defaults, but not on distro-version defaults.
 */
export function decodeComponentTable(
  ctx: FileContext,
  table: TomlTable,
  path: TomlPath,
  kind: LayerKind,
  component?: string,
): ComponentLayer {
  if (isEmptyTable(table)) return EMPTY_COMPONENT_LAYER;
  const layer = emptyLayer();
  const schemaRules = kind !== "distro-default";
  const customRules = kind === "component";
  const what = kind === "component" ? `component \`${component}\`` : describeKind(kind);
  checkKeys(ctx, table, path, COMPONENT_KEYS, what, component);

  const spec = readTable(ctx, table, "spec", path, component);
  if (spec) layer.spec = decodeSpec(ctx, spec, [...path, "spec"], schemaRules, customRules, component);

  const release = readTable(ctx, table, "release", path, component);
  if (release) {
    checkKeys(ctx, release, [...path, "release"], new Set(["calculation"]), "release", component);
    const calculation = readString(ctx, release, "calculation", [...path, "release"], component);
    if (calculation !== undefined) {
      layer.release.calculation = calculation;
      if (schemaRules && calculation !== "" && !["auto", "autorelease", "static", "manual"].includes(calculation)) {
        report(ctx, [...path, "release", "calculation"], `release.calculation \`${calculation}\` must be one of auto, autorelease, static, manual`, { component });
      }
    }
  }

  const render = readTable(ctx, table, "render", path, component);
  if (render) {
    checkKeys(ctx, render, [...path, "render"], new Set(["skip-file-filter"]), "render", component);
    const skip = readBoolean(ctx, render, "skip-file-filter", [...path, "render"], component);
    if (skip !== undefined) layer.render.skipFileFilter = skip;
  }

  const build = readTable(ctx, table, "build", path, component);
  if (build) layer.build = decodeBuild(ctx, build, [...path, "build"], customRules, component);

  layer.overlays = decodeOverlayList(ctx, table, path, kind, component);

  if (table["overlay-files"] !== undefined) {
    const patterns = readStringArray(ctx, table, "overlay-files", path, component) ?? [];
    patterns.forEach((pattern, index) => {
      if (pattern === "" && schemaRules) report(ctx, [...path, "overlay-files", index], "`overlay-files` entries must not be empty", { component });
    });
    layer.overlayFiles = { patterns: patterns.filter((p) => p !== ""), at: locate(ctx, [...path, "overlay-files"]) };
  }

  const sourceFiles = table["source-files"];
  if (sourceFiles !== undefined) {
    if (!Array.isArray(sourceFiles)) {
      report(ctx, [...path, "source-files"], "`source-files` must be an array of tables", { component });
    } else {
      layer.sourceFiles = decodeSourceFiles(ctx, sourceFiles, [...path, "source-files"], customRules, component);
    }
  }
  return layer;
}

function describeKind(kind: LayerKind): string {
  switch (kind) {
    case "group-default":
      return "a component group's default-component-config";
    case "project-default":
      return "default-component-config";
    case "distro-default":
      return "a distro version's default-component-config";
    default:
      return "a component";
  }
}

function decodeSpec(ctx: FileContext, table: TomlTable, path: TomlPath, schemaRules: boolean, customRules: boolean, component?: string): SpecLayer {
  checkKeys(ctx, table, path, SPEC_KEYS, "spec", component);
  const spec: SpecLayer = {};
  const type = readString(ctx, table, "type", path, component);
  if (type !== undefined) spec.type = type;
  const writtenPath = readString(ctx, table, "path", path, component);
  const upstreamName = readString(ctx, table, "upstream-name", path, component);
  const upstreamCommit = readString(ctx, table, "upstream-commit", path, component);
  const distro = readTable(ctx, table, "upstream-distro", path, component);
  if (upstreamName !== undefined) spec.upstreamName = upstreamName;
  if (upstreamCommit !== undefined) spec.upstreamCommit = upstreamCommit;
  if (distro) {
    checkKeys(ctx, distro, [...path, "upstream-distro"], DISTRO_REF_KEYS, "upstream-distro", component);
    const ref: NonNullable<SpecLayer["upstreamDistro"]> = {};
    for (const key of ["name", "version", "snapshot"] as const) {
      const value = readString(ctx, distro, key, [...path, "upstream-distro"], component);
      if (value !== undefined) ref[key] = value;
    }
    if (ref.snapshot && Number.isNaN(Date.parse(ref.snapshot))) {
      report(ctx, [...path, "upstream-distro", "snapshot"], `snapshot \`${ref.snapshot}\` is not an RFC 3339 date-time`, { component });
    }
    spec.upstreamDistro = ref;
    if (customRules && ref.snapshot) {
      report(
        ctx,
        [...path, "upstream-distro", "snapshot"],
        `component \`${component}\` has a per-component 'snapshot' on 'upstream-distro'; snapshots should be set on the distro or group default-component-config, or use 'upstream-commit' to pin a specific commit`,
        { component },
      );
    }
  }
  if (writtenPath !== undefined && writtenPath !== "") {
    const resolved = resolveRepoPath(ctx, writtenPath, [...path, "path"], "spec path", component);
    if (resolved !== undefined) spec.path = resolved;
  }
  if (schemaRules) {
    const t = type ?? "";
    if (t !== "" && t !== "local" && t !== "upstream") {
      report(ctx, [...path, "type"], `spec type \`${t}\` must be "upstream", "local" or ""`, { component });
    }
    if (t === "local" && !writtenPath) report(ctx, [...path, "type"], "spec type `local` requires `path`", { component });
    if (t !== "local" && writtenPath) report(ctx, [...path, "path"], "spec `path` is only allowed when type = \"local\"", { component });
    if (t !== "upstream" && upstreamName) {
      report(ctx, [...path, "upstream-name"], "spec `upstream-name` is only allowed when type = \"upstream\" in the same table", { component });
    }
    if (t !== "upstream" && upstreamCommit) {
      report(ctx, [...path, "upstream-commit"], "spec `upstream-commit` is only allowed when type = \"upstream\" in the same table", { component });
    }
    if (upstreamCommit && !/^[0-9a-fA-F]{7,40}$/.test(upstreamCommit)) {
      report(ctx, [...path, "upstream-commit"], `spec upstream-commit \`${upstreamCommit}\` must be 7 to 40 hexadecimal characters`, { component });
    }
  }
  return spec;
}

function decodeBuild(ctx: FileContext, table: TomlTable, path: TomlPath, customRules: boolean, component?: string): BuildLayer {
  checkKeys(ctx, table, path, BUILD_KEYS, "build", component);
  const build = emptyLayer().build;
  build.with = readStringArray(ctx, table, "with", path, component) ?? [];
  build.without = readStringArray(ctx, table, "without", path, component) ?? [];
  build.undefines = readStringArray(ctx, table, "undefines", path, component) ?? [];
  const defines = readTable(ctx, table, "defines", path, component);
  if (defines) {
    for (const [key, value] of Object.entries(defines)) {
      if (typeof value === "string") build.defines[key] = value;
      else report(ctx, [...path, "defines", key], `build define \`${key}\` must be a string, found ${describe(value)}`, { component });
    }
  }
  const provenance = readBoolean(ctx, table, "emit-upstream-provenance", path, component);
  if (provenance !== undefined) build.emitUpstreamProvenance = provenance;

  const check = readTable(ctx, table, "check", path, component);
  if (check) {
    checkKeys(ctx, check, [...path, "check"], new Set(["skip", "skip_reason"]), "build.check", component);
    const skip = readBoolean(ctx, check, "skip", [...path, "check"], component);
    const reason = readString(ctx, check, "skip_reason", [...path, "check"], component);
    if (skip !== undefined) build.check.skip = skip;
    if (reason !== undefined) build.check.skipReason = reason;
    if (customRules && skip && !reason) {
      report(ctx, [...path, "check", "skip"], `invalid build config for component \`${component}\`: check.skip_reason is required when check.skip is true`, { component });
    }
  }
  const failure = readTable(ctx, table, "failure", path, component);
  if (failure) {
    checkKeys(ctx, failure, [...path, "failure"], new Set(["expected", "expected-reason"]), "build.failure", component);
    const expected = readBoolean(ctx, failure, "expected", [...path, "failure"], component);
    const reason = readString(ctx, failure, "expected-reason", [...path, "failure"], component);
    if (expected !== undefined) build.failure.expected = expected;
    if (reason !== undefined) build.failure.expectedReason = reason;
    if (customRules && expected && !reason) {
      report(ctx, [...path, "failure", "expected"], `invalid build config for component \`${component}\`: failure.expected-reason is required when failure.expected is true`, { component });
    }
  }
  const hints = readTable(ctx, table, "hints", path, component);
  if (hints) {
    checkKeys(ctx, hints, [...path, "hints"], new Set(["expensive"]), "build.hints", component);
    const expensive = readBoolean(ctx, hints, "expensive", [...path, "hints"], component);
    if (expensive !== undefined) build.hints.expensive = expensive;
  }
  return build;
}

function decodeOverlayList(ctx: FileContext, table: TomlTable, path: TomlPath, kind: LayerKind, component?: string): ConfiguredOverlay[] {
  const raw = table["overlays"];
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    report(ctx, [...path, "overlays"], "`overlays` must be an array of tables", { component });
    return [];
  }
  // `[[components.x.overlays]]` records a header position per element; `overlays = [...]` records
  // the key and one position per inline element. The header form starts the element with `[[`.
  const via: ConfiguredOverlay["via"] = kind !== "component" ? "default" : isArrayOfTables(ctx, [...path, "overlays"]) ? "inline" : "inline-array";
  const out: ConfiguredOverlay[] = [];
  raw.forEach((item, index) => {
    const itemPath = [...path, "overlays", index];
    if (!isTable(item)) {
      report(ctx, itemPath, `overlay ${index + 1} must be a table, found ${describe(item)}`, { component });
      return;
    }
    const overlay = decodeOverlay(ctx, item, itemPath, { via, component, allowMetadata: true });
    if (!overlay) return;
    if (kind === "component") {
      const problem = checkOverlay(overlay);
      if (problem) report(ctx, itemPath, `invalid overlay ${index + 1} for component \`${component}\`: ${problem}`, { component });
    } else if (overlay.file && escapesDirectory(overlay.file)) {
      // azldev does not validate inherited overlays, but a path out of the component directory is never acceptable.
      report(ctx, [...itemPath, "file"], `overlay \`file\` \`${overlay.file}\` must stay inside the component directory`);
    }
    out.push(overlay);
  });
  return out;
}

function isArrayOfTables(ctx: FileContext, path: TomlPath): boolean {
  const element = ctx.positions.exact([...path, 0]);
  if (!element) return false;
  const key = ctx.positions.exact(path);
  // For `[[a.overlays]]` the array and its first element share the header's position.
  return key !== undefined && key.line === element.line && key.column === element.column;
}

/** Decode one overlay table; undefined when it is too malformed to keep (already reported). */
export function decodeOverlay(
  ctx: FileContext,
  table: TomlTable,
  path: TomlPath,
  options: { via: ConfiguredOverlay["via"]; component?: string; allowMetadata: boolean },
): ConfiguredOverlay | undefined {
  const { component } = options;
  checkKeys(ctx, table, path, OVERLAY_KEYS, "an overlay", component);
  const type = readString(ctx, table, "type", path, component);
  const overlay: ConfiguredOverlay = { type: type ?? "", origin: locate(ctx, path), via: options.via };
  for (const key of ["description", "tag", "value", "section", "package", "regex", "replacement", "archive"] as const) {
    const value = readString(ctx, table, key, path, component);
    if (value !== undefined) overlay[key] = value;
  }
  const lines = readStringArray(ctx, table, "lines", path, component);
  if (lines !== undefined) overlay.lines = lines;

  const file = readString(ctx, table, "file", path, component);
  if (file !== undefined) overlay.file = file;
  const source = readString(ctx, table, "source", path, component);
  if (source !== undefined && source !== "") {
    const resolved = resolveRepoPath(ctx, source, [...path, "source"], "overlay `source`", component);
    overlay.source = resolved ?? source;
  }

  if (table["metadata"] !== undefined) {
    if (!options.allowMetadata) {
      report(ctx, [...path, "metadata"], "an overlay inside an overlay file may not carry its own `metadata`; the file's [metadata] applies to every overlay", { component });
    } else {
      const metadata = decodeMetadata(ctx, table["metadata"], [...path, "metadata"], component);
      if (metadata) overlay.metadata = metadata;
    }
  }
  return overlay;
}

/** Decode and validate overlay metadata; undefined when invalid (already reported). */
export function decodeMetadata(ctx: FileContext, raw: unknown, path: TomlPath, component?: string): OverlayMetadata | undefined {
  if (!isTable(raw)) {
    report(ctx, path, `\`metadata\` must be a table, found ${describe(raw)}`, { component });
    return undefined;
  }
  checkKeys(ctx, raw, path, METADATA_KEYS, "overlay metadata", component);
  const metadata: OverlayMetadata = {};
  const category = readString(ctx, raw, "category", path, component);
  const status = readString(ctx, raw, "upstream-status", path, component);
  if (category !== undefined) metadata.category = category;
  if (status !== undefined) metadata["upstream-status"] = status;
  for (const field of ["commits", "bugs"] as const) {
    const list = raw[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      report(ctx, [...path, field], `\`${field}\` must be an array of { url = "…" } tables`, { component });
      continue;
    }
    const urls: string[] = [];
    list.forEach((entry, index) => {
      // azldev's schema is `[{ url = "https://…" }]`; a bare URL string is accepted as shorthand.
      if (typeof entry === "string") urls.push(entry);
      else if (isTable(entry) && typeof entry["url"] === "string") {
        checkKeys(ctx, entry, [...path, field, index], new Set(["url"]), `a ${field} entry`, component);
        urls.push(entry["url"]);
      } else report(ctx, [...path, field, index], `\`${field}\` entries must be { url = "…" } tables`, { component });
    });
    metadata[field] = urls;
  }
  const problem = checkOverlayMetadata(metadata);
  if (problem) {
    report(ctx, path, `invalid overlay metadata: ${problem}`, { component });
    return undefined;
  }
  return metadata;
}

const SAFE_FILENAME = /^[^/\\\0\s]+$/;

function isSafeFilename(name: string): boolean {
  return name !== "." && name !== ".." && SAFE_FILENAME.test(name);
}

function decodeSourceFiles(ctx: FileContext, list: unknown[], path: TomlPath, customRules: boolean, component?: string): SourceFileEntry[] {
  const out: SourceFileEntry[] = [];
  const seen = new Set<string>();
  list.forEach((item, index) => {
    const itemPath = [...path, index];
    if (!isTable(item)) {
      report(ctx, itemPath, `source-files entry ${index + 1} must be a table`, { component });
      return;
    }
    checkKeys(ctx, item, itemPath, SOURCE_FILE_KEYS, "a source-files entry", component);
    const filename = readString(ctx, item, "filename", itemPath, component) ?? "";
    const hash = readString(ctx, item, "hash", itemPath, component);
    const hashType = readString(ctx, item, "hash-type", itemPath, component);
    const replaceUpstream = readBoolean(ctx, item, "replace-upstream", itemPath, component) ?? false;
    const replaceReason = readString(ctx, item, "replace-reason", itemPath, component);
    const originTable = readTable(ctx, item, "origin", itemPath, component);
    const entry: SourceFileEntry = { filename, origin: { type: "download" }, replaceUpstream };
    if (hash !== undefined) entry.hash = hash;
    if (hashType === "SHA256" || hashType === "SHA512") entry.hashType = hashType;
    if (replaceReason !== undefined) entry.replaceReason = replaceReason;

    const fail = (key: string | undefined, message: string) =>
      customRules && report(ctx, key ? [...itemPath, key] : itemPath, `${message} (component \`${component}\`)`, { component });

    if (!isSafeFilename(filename)) fail("filename", `invalid source-files filename \`${filename}\`: must be a plain file name`);
    else if (seen.has(filename)) fail("filename", `duplicate filename \`${filename}\` in 'source-files'; each filename must be unique`);
    seen.add(filename);
    if (hashType !== undefined && hashType !== "SHA256" && hashType !== "SHA512") {
      fail("hash-type", `unsupported hash type \`${hashType}\` for source file \`${filename}\`; supported types are SHA256, SHA512`);
    }
    if (hash && !hashType) fail("hash", `hash value specified without hash type for source file \`${filename}\`; 'hash-type' must be set when 'hash' is provided`);
    if (replaceUpstream && !(replaceReason ?? "").trim()) fail("replace-upstream", `source file \`${filename}\` sets replace-upstream = true without a non-blank 'replace-reason'`);
    if (!replaceUpstream && replaceReason !== undefined) fail("replace-reason", `source file \`${filename}\` has a 'replace-reason' without replace-upstream = true`);

    if (!originTable) {
      fail(undefined, `source file \`${filename}\` requires an 'origin'`);
    } else {
      const originPath = [...itemPath, "origin"];
      checkKeys(ctx, originTable, originPath, ORIGIN_KEYS, "a source-files origin", component);
      const type = readString(ctx, originTable, "type", originPath, component) ?? "";
      const uri = readString(ctx, originTable, "uri", originPath, component);
      const script = readString(ctx, originTable, "script", originPath, component);
      const mockPackages = originTable["mock-packages"];
      const inputs = readStringArray(ctx, originTable, "inputs", originPath, component);
      if (type === "download" || type === "custom" || type === "overlay") entry.origin = { type };
      if (uri !== undefined) entry.origin.uri = uri;
      if (script !== undefined) entry.origin.script = script;
      const forbid = (key: string, present: boolean) => present && fail("origin", `source file \`${filename}\`: origin type \`${type}\` does not allow \`${key}\``);
      switch (type) {
        case "download":
          if (!uri) fail("origin", `source file \`${filename}\`: origin type \`download\` requires \`uri\``);
          else if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) fail("origin", `source file \`${filename}\`: origin uri \`${uri}\` has no scheme`);
          forbid("script", script !== undefined);
          forbid("mock-packages", mockPackages !== undefined);
          forbid("inputs", inputs !== undefined);
          break;
        case "custom":
          if (!script) fail("origin", `source file \`${filename}\`: origin type \`custom\` requires \`script\``);
          else if (!isSafeFilename(script)) fail("origin", `source file \`${filename}\`: custom script \`${script}\` must be a plain file name`);
          forbid("uri", uri !== undefined);
          if (inputs) {
            const names = new Set<string>();
            for (const input of inputs) {
              if (!isSafeFilename(input) || input === script || names.has(input)) {
                fail("origin", `source file \`${filename}\`: custom input \`${input}\` must be a unique plain file name other than the script`);
              }
              names.add(input);
            }
          }
          break;
        case "overlay":
          if (!replaceUpstream) fail("origin", `source file \`${filename}\`: origin type \`overlay\` requires replace-upstream = true`);
          forbid("uri", uri !== undefined);
          forbid("script", script !== undefined);
          forbid("mock-packages", mockPackages !== undefined);
          forbid("inputs", inputs !== undefined);
          break;
        default:
          fail("origin", `source file \`${filename}\`: origin type \`${type}\` must be one of download, custom, overlay`);
      }
    }
    out.push(entry);
  });
  return out;
}
