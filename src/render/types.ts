import type { LineOrigin } from "../overlays/types.js";

/** One component's render, azldev `-O json` shape plus the produced files. */
export interface ComponentRender {
  component: string;
  /** repo-relative rendered dir, `<specs>/<letter>/<name>` */
  outputDir: string;
  status: "ok" | "error" | "cancelled";
  error?: string;
  /** on error: the pipeline stage that failed, so callers tell an unreachable upstream (cannot
   * verify) from an overlay or configuration problem (a real failure) without parsing `error` */
  failure?: RenderFailure;
  /** files of the rendered dir (relative to it); on error exactly { RENDER_FAILED } */
  files: Map<string, Uint8Array>;
  /** provenance of the rendered spec's lines (absent on error) */
  provenance?: LineOrigin[];
  /** upstream commit used, when upstream */
  upstreamCommit?: string;
  /** non-fatal notes: file filter skipped, upstream provenance skipped */
  warnings?: string[];
}

export type FileComparison =
  | { path: string; status: "identical" }
  | { path: string; status: "missing" | "unexpected" }
  /** the committed file could not be read (e.g. a blob absent from a partial clone): not compared */
  | { path: string; status: "unreadable"; reason: string }
  | { path: string; status: "differs"; diff: string; hunks: ClassifiedHunk[] };

export interface ClassifiedHunk {
  /** 1-based line range in the committed file */
  oldStart: number;
  oldLines: number;
  /** 1-based line range in the expected (rendered) file */
  newStart: number;
  newLines: number;
  kind: "content" | "bookkeeping";
  /** why it is bookkeeping, e.g. "rpmautospec block", "release number", "changelog date" */
  reason?: string;
  lines: string[];
}

export interface RenderComparison {
  component: string;
  renderedDir: string;
  files: FileComparison[];
  /** true when every difference is bookkeeping */
  clean: boolean;
}


export type RenderFailureStage = "config" | "upstream" | "spec" | "overlay" | "release" | "sources" | "rpmautospec" | "budget";

export interface RenderFailure {
  stage: RenderFailureStage;
  /** stage "overlay": 0-based index into the component's configured overlays, when a user overlay failed */
  overlayIndex?: number;
}
