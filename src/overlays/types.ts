import type { SourceLocation } from "../azldev/types.js";

export type FileContent = string | Uint8Array;

/** A component's working directory: the spec plus loose files keyed by path relative to the component dir. */
export interface ComponentTree {
  spec: string;
  files: Record<string, FileContent>;
}

/** Where one output spec line came from. */
export type LineOrigin =
  | { kind: "input"; /** 1-based line in the input spec */ line: number }
  | {
      kind: "overlay";
      /** 0-based index into the overlay list given to applyOverlays */
      index: number;
      type: string;
      description?: string;
      /** comp.toml location when the overlay came from config */
      origin?: SourceLocation;
      /** 1-based input line this overlay rewrote in place (update/set-tag, search-replace), if any */
      rewrites?: number;
    };

export interface ApplyResult extends ComponentTree {
  /** one entry per line of the output spec (same order) */
  provenance: LineOrigin[];
  /** overlays that were not applied, with why (archive-scoped overlays: render does not download archives) */
  skipped?: { index: number; reason: string }[];
}

export interface ApplyOptions {
  /** what overlay `source` keys name (repo-relative path → bytes) */
  sourceFiles?: Record<string, FileContent>;
  /** the component name, for error messages */
  component?: string;
  /** spec file name used in messages (default `<component>.spec`) */
  specPath?: string;
  /** apply only the spec half of every overlay (loose files untouched), as azldev's spec editor alone would */
  specOnly?: boolean;
  /** parse with azldev's newer rule that a line after a trailing backslash is plain text (default false) */
  continuation?: boolean;
}
