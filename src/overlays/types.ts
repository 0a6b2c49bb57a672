import type { Overlay, SourceLocation } from "../azldev/types.js";

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
    };

export interface ApplyResult extends ComponentTree {
  /** one entry per line of the output spec (same order) */
  provenance: LineOrigin[];
}

export interface ApplyOptions {
  /** what overlay `source` keys name (repo-relative path → bytes) */
  sourceFiles?: Record<string, FileContent>;
  /** the component name, for error messages */
  component?: string;
}
