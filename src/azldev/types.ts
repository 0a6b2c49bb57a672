/** Effective azldev configuration, as the loader produces it. All paths are repo-relative POSIX. */

export interface SourceLocation {
  /** repo-relative path of the TOML file */
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

export interface ConfigError extends SourceLocation {
  message: string;
  component?: string;
  /** "error" fails loading for that item; "warning" is informational (e.g. permissive mode) */
  severity: "error" | "warning";
  /**
   * The configuration was not read in full (a file that could not be read or is over a budget,
   * components past the limit): a component missing from the project may still be declared.
   */
  incomplete?: true;
}

export const OVERLAY_TYPES = [
  "spec-add-tag",
  "spec-insert-tag",
  "spec-set-tag",
  "spec-update-tag",
  "spec-remove-tag",
  "spec-prepend-lines",
  "spec-append-lines",
  "spec-search-replace",
  "spec-remove-section",
  "spec-remove-subpackage",
  "patch-add",
  "patch-remove",
  "file-add",
  "file-remove",
  "file-rename",
  "file-prepend-lines",
  "file-search-replace",
] as const;
export type OverlayType = (typeof OVERLAY_TYPES)[number];

export interface OverlayMetadata {
  category?: string;
  "upstream-status"?: string;
  commits?: string[];
  bugs?: string[];
  [key: string]: unknown;
}

/** An overlay with its comp.toml keys, exactly as DESIGN.md's library contract takes it. */
export interface Overlay {
  type: OverlayType | string;
  description?: string;
  tag?: string;
  value?: string;
  section?: string;
  package?: string;
  regex?: string;
  replacement?: string;
  lines?: string[];
  file?: string;
  /** for patch-add / file-add: the file to copy. After loading: repo-relative resolved path. */
  source?: string;
  archive?: string;
  metadata?: OverlayMetadata;
}

/** An overlay as loaded from config: where it was declared and how it reached the component. */
export interface ConfiguredOverlay extends Overlay {
  origin: SourceLocation;
  /** "inline" from an [[components.X.overlays]] / overlays = [...] entry; "file" from overlay-files;
   * "default" inherited from a distro/project/group default-component-config */
  via: "inline" | "inline-array" | "file" | "default";
}

export interface UpstreamDistroRef {
  name: string;
  version?: string;
  /** RFC 3339 */
  snapshot?: string;
}

export interface SpecSource {
  type: "upstream" | "local" | "";
  /** local: repo-relative spec path */
  path?: string;
  upstreamName?: string;
  upstreamDistro?: UpstreamDistroRef;
  upstreamCommit?: string;
}

export interface SourceFileEntry {
  filename: string;
  hash?: string;
  hashType?: "SHA256" | "SHA512";
  origin: { type: "download" | "custom" | "overlay"; uri?: string; script?: string };
  replaceUpstream: boolean;
  replaceReason?: string;
}

export interface BuildConfig {
  with: string[];
  without: string[];
  defines: Record<string, string>;
  undefines: string[];
  check: { skip: boolean; skipReason?: string };
  emitUpstreamProvenance: boolean;
}

export type ReleaseCalculation = "auto" | "autorelease" | "static" | "manual";

export interface ComponentConfig {
  name: string;
  /** where [components.<name>] is declared (undefined for spec-discovered components) */
  declaredAt?: SourceLocation;
  spec: SpecSource;
  overlays: ConfiguredOverlay[];
  release: { calculation: ReleaseCalculation };
  render: { skipFileFilter: boolean };
  build: BuildConfig;
  sourceFiles: SourceFileEntry[];
  /** component-group names this component belongs to, sorted */
  groups: string[];
  /** repo-relative dir of the concrete component's config file (overlay-files base) */
  configDir?: string;
  /** A canonical JSON of everything that affects rendering; equal strings = same effective config. */
  fingerprint: string;
}

export interface DistroVersion {
  name: string;
  releaseVer?: string;
  distGitBranch?: string;
  defaultComponentConfig?: unknown;
  mockConfig?: string;
}

export interface Distro {
  name: string;
  displayName?: string;
  distGitBaseUri?: string;
  lookasideBaseUri?: string;
  defaultVersion?: string;
  versions: Record<string, DistroVersion>;
}

export interface ComponentGroup {
  name: string;
  components: string[];
  specs: string[];
  excludedPaths: string[];
  declaredAt: SourceLocation;
}

export interface ProjectSettings {
  defaultDistro: UpstreamDistroRef;
  /** repo-relative, default "specs" (relative to the azldev.toml dir) */
  renderedSpecsDir: string;
  /** repo-relative, default "locks" */
  lockDir: string;
  defaultAuthorEmail: string;
}

export interface Project {
  /** repo-relative dir holding azldev.toml ("" for the root) */
  root: string;
  /** every config file loaded, in merge order */
  files: string[];
  settings: ProjectSettings;
  distros: Record<string, Distro>;
  groups: Record<string, ComponentGroup>;
  /** sorted by name */
  components: Map<string, ComponentConfig>;
  /** every validation error, each with file:line:column; loading continues past bad files */
  errors: ConfigError[];
}

/** Rendered dir of a component: `<renderedSpecsDir>/<lower-case first char>/<name>` */
export function renderedDirOf(project: Pick<Project, "settings">, name: string): string {
  const first = name.charAt(0).toLowerCase();
  const base = project.settings.renderedSpecsDir;
  return `${base ? base + "/" : ""}${first}/${name}`;
}
