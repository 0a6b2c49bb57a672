/** The Nix adapter's inventory: patch entries and workarounds of package and NixOS configuration repos. */
import type { RemovalCriterion } from "../tracking/removal-criteria.js";
import type { UrlReference } from "../tracking/urls.js";

/** `packages`: nixpkgs and its forks, overlays, NUR-style repos, a project's own package.nix; `config`: NixOS flakes. */
export type NixRepoKind = "packages" | "config";

export type NixPatchKind = "vendored" | "fetchpatch" | "fetchpatch2" | "fetchurl" | "tree-path" | "templated" | "other";

/** A version bound a guard or assertion compares against: `lib.versionOlder version "2.6"`. */
export interface VersionGuard {
  /** what is compared: "version", "finalAttrs.version", "pkgs.systemd.version", "config.system.stateVersion" */
  subject: string;
  /**
   * the condition that makes the guarded code apply, as Nix would read it:
   * `older` = subject < bound, `at-least` = subject >= bound, `equal` = majorMinor/compare == 0
   */
  op: "older" | "at-least" | "newer" | "at-most" | "equal";
  bound: string;
}

export interface NixGuard {
  /** the condition's source text */
  text: string;
  kind: "platform" | "version" | "other";
  version?: VersionGuard;
  /** 1-based line of the condition */
  line: number;
}

export interface NixLocation {
  file: string;
  /** 1-based first and last line of the entry */
  line: number;
  endLine: number;
  /** 0-based columns where the entry starts on `line` and ends on `endLine` */
  column?: number;
  endColumn?: number;
}

export interface NixPatchEntry extends NixLocation {
  /** stable identity: file + package + patch name or canonical URL */
  key: string;
  kind: NixPatchKind;
  /** the patch as a person names it: file name, `name =`, or the URL's last segment */
  name: string;
  /** vendored: the repo path of the patch file, when it resolves to one */
  path?: string;
  url?: string;
  hash?: string;
  excludes?: string[];
  includes?: string[];
  /** `revert = true`: the patch undoes an upstream commit */
  revert?: boolean;
  guards: NixGuard[];
  comments: string[];
  /** 1-based line of the first comment attached to the entry */
  commentLine?: number;
  references: UrlReference[];
  removalCriteria: RemovalCriterion[];
  /** the entry's source text */
  text: string;
}

export interface NixSource {
  fetcher: string;
  owner?: string;
  repo?: string;
  /** `rev` or `tag` as written, `${…}` kept: "v${version}" */
  refTemplate?: string;
  refKind?: "rev" | "tag";
  url?: string;
  line: number;
}

export interface NixWorkaround extends NixLocation {
  key: string;
  kind:
    | "substitute"
    | "version-guard"
    | "oneshot-unit"
    | "activation-script"
    | "tmpfiles"
    | "assertion"
    | "state-version-gate"
    | "overlay-override"
    | "flake-input-pin";
  /** the unit, script, option or attribute it concerns */
  name: string;
  /** `description =` of a unit, the assertion message, the substitution */
  description?: string;
  comments: string[];
  references: UrlReference[];
  removalCriteria: RemovalCriterion[];
  guard?: NixGuard;
  /** substitute: `--replace` (deprecated), `--replace-fail`, `--replace-warn`, `--replace-quiet` */
  flag?: string;
  /** Markdown notes in the repo that name this file (incident write-ups with removal criteria) */
  notes?: { path: string; title?: string; line: number }[];
  text: string;
}

export interface NixPackage {
  /** the package as nixpkgs names it: pname, or the directory of the expression */
  name: string;
  file: string;
  version?: string;
  /** 1-based line of the version binding */
  versionLine?: number;
  src?: NixSource;
  patches: NixPatchEntry[];
  workarounds: NixWorkaround[];
}

export interface NixHost {
  name: string;
  file: string;
  stateVersion?: string;
  line?: number;
}

export interface FlakeInput {
  name: string;
  /** as written in flake.nix */
  url?: string;
  line?: number;
  /** from flake.lock */
  locked?: { type: string; owner?: string; repo?: string; rev?: string; ref?: string; lastModified?: number };
}

export interface NixProblem {
  file: string;
  line?: number;
  message: string;
}

export interface NixInventory {
  kind: NixRepoKind;
  packages: NixPackage[];
  /** workarounds outside package expressions (config repos) */
  workarounds: NixWorkaround[];
  hosts: NixHost[];
  inputs: FlakeInput[];
  problems: NixProblem[];
  /** Nix files read */
  files: number;
}
