/** The tracker's data model: the patch inventory, upstream evidence and verdicts. */
import type { OverlayMetadata, SourceLocation } from "../azldev/types.js";
import type { PatchFileInfo } from "./patch-headers.js";
import type { RemovalCriterion } from "./removal-criteria.js";
import type { UrlReference } from "./urls.js";

/** `distro` = vendored through the repo's own overlays; `inherited` = comes with the upstream spec. */
export type PatchOrigin = "distro" | "inherited";

/**
 * How a patch reaches the spec:
 * - `patch-add`: a patch-add overlay (file + Patch tag)
 * - `file-add+patch-tag` / `file-add+source-tag`: a file-add plus an overlay adding the tag
 * - `file-add+upstream-tag`: a file-add that replaces a file an upstream tag already names
 * - `file-add+unreferenced`: a file-add of a patch no tag names (the render filter drops it)
 * - `upstream-tag`: a Patch tag of the upstream spec
 * - `nix-patch`: an entry of a Nix package's `patches` (vendored path, fetchpatch, …)
 * - `nix-workaround`: a Nix workaround that is not a patch (fix-up unit, gate, override, pinned input)
 */
export type Wiring = "patch-add" | "file-add+patch-tag" | "file-add+source-tag" | "file-add+upstream-tag" | "file-add+unreferenced" | "upstream-tag" | "nix-patch" | "nix-workaround";

export interface OverlayRef {
  /** 0-based index in the component's overlay list */
  index: number;
  type: string;
  description?: string;
  location: SourceLocation;
}

export interface Application {
  /** %prep applies the patch on at least one target architecture */
  applied: boolean;
  /** autosetup | autopatch | %patch | patch-command */
  method?: string;
  /** 1-based spec line of the applying line */
  line?: number;
  text?: string;
}

export interface DropAction {
  /** one sentence a maintainer can act on */
  summary: string;
  /** overlays to delete (or edit, when they do more than wire this patch) */
  overlays: { location: SourceLocation; type: string; action: "remove" | "edit"; note?: string }[];
  /** files to delete from the repo */
  files: string[];
  /** an overlay to add to comp.toml instead (inherited patches), as TOML */
  addOverlay?: { file: string; toml: string };
  /** spec lines that reference the patch by number and must go too */
  specLines?: { path: string; line: number; text: string }[];
}

export interface InventoryPatch {
  /** stable identity: component + origin + file name or canonical URL */
  key: string;
  component: string;
  /** the patch file name as the spec names it */
  file: string;
  origin: PatchOrigin;
  /** the Patch/Source tag value when it is a URL */
  url?: string;
  reference?: UrlReference;
  wiring: Wiring;
  tag?: { kind: "Patch" | "Source"; number: number; value: string; line: number; fromList: boolean };
  /** the rendered spec the facts come from */
  specPath?: string;
  /** the patch file in the rendered tree, when present */
  renderedPath?: string;
  /** the overlay source file (distro patches) */
  sourcePath?: string;
  overlays: OverlayRef[];
  metadata?: OverlayMetadata;
  /** false when an enclosing conditional is false for the distro's macros on every target arch */
  active: boolean;
  /** when active on only some architectures */
  activeArches?: string[];
  condition?: string;
  applied: boolean;
  application?: Application;
  /** removal criteria from comp.toml comments, overlay descriptions, spec comments and patch headers */
  removalCriteria: RemovalCriterion[];
  /** upstream references (PR/MR/commit/bug URLs) found in metadata, comments and headers */
  references: UrlReference[];
  /** the comment above the Patch tag in the rendered spec */
  specComment?: string[];
  headers?: Omit<PatchFileInfo, "messages"> & { subjects: string[]; commits: string[]; cherryPickedFrom: string[]; messageIds?: string[] };
  /** `git patch-id --stable` of the patch file, per commit in a series */
  patchIds?: string[];
  /** content identity of the patch file (git blob id when the repo view knows it) */
  blobId?: string;
  /** problems found while reading this patch */
  problems: string[];
  drop: DropAction;
}

/** Where an inherited patch comes from: the upstream distro's spec the render starts from. */
export interface UpstreamSpecRef {
  /** the upstream distro (`fedora`) and its version (`43`) */
  distro: string;
  version?: string;
  /** its dist-git branch (`f43`) */
  branch?: string;
  /** the pinned snapshot (RFC 3339), when the repository pins one */
  snapshot?: string;
  /** the pinned dist-git commit (`upstream-commit`), when pinned that way */
  commit?: string;
  /** the package's name there */
  name: string;
}

export interface ComponentPatches {
  name: string;
  specPath?: string;
  /** the packaged Version (expanded), when the spec could be read */
  version?: string;
  /** the Source0 value, expanded: names the upstream tag for a version, and the upstream project */
  source0?: string;
  /** the spec's URL tag, expanded: the upstream project when Source0 does not name one */
  url?: string;
  /** for a component rendered from an upstream distro's spec: which spec, at which snapshot */
  upstreamSpec?: UpstreamSpecRef;
  problems: string[];
  /** not asked for: read only because a removal criterion names it */
  referencedOnly?: boolean;
  /** the component could not be inventoried at all; `problems` says why */
  failed?: boolean;
}

export interface PatchInventory {
  patches: InventoryPatch[];
  components: ComponentPatches[];
  /** the macros conditionals were evaluated with */
  macros: Record<string, string>;
  arches: string[];
}
