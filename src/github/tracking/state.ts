/**
 * Machine state kept in the issue body itself, so the app stays stateless: a hidden HTML comment
 * holding base64url JSON (base64url has no `--`, which would end the comment early). Identity
 * markers are separate comments so a lookup never needs to decode the state.
 */

export const DASHBOARD_MARKER = "<!-- specwarden:patch-dashboard -->";
const PATCH_MARKER_PREFIX = "<!-- specwarden:patch ";
const STATE_PREFIX = "<!-- specwarden:state ";

export interface PatchIssueState {
  v: 1;
  key: string;
  verdict: string;
  rung: string;
  droppable: boolean;
  dropFrom?: string;
  packagedVersion?: string;
  /** fingerprints, to follow a renamed patch */
  patchIds?: string[];
  blobId?: string;
  /** the drop PR opened for this patch */
  dropPull?: number;
  /** the issue was closed by specwarden because the patch left the tree */
  closedByTracker?: boolean;
}

export interface DashboardState {
  v: 1;
  counts: Record<string, number>;
}

const encodeKey = (key: string): string => Buffer.from(key, "utf8").toString("base64url");

export function patchMarker(key: string): string {
  return `${PATCH_MARKER_PREFIX}${encodeKey(key)} -->`;
}

/** The patch key an issue body is marked with, if any. */
export function readPatchMarker(body: string | null | undefined): string | undefined {
  if (!body) return undefined;
  const start = body.indexOf(PATCH_MARKER_PREFIX);
  if (start < 0) return undefined;
  const end = body.indexOf(" -->", start);
  const encoded = body.slice(start + PATCH_MARKER_PREFIX.length, end);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  return Buffer.from(encoded, "base64url").toString("utf8");
}

export function encodeState(state: object): string {
  return `${STATE_PREFIX}${Buffer.from(JSON.stringify(state), "utf8").toString("base64url")} -->`;
}

export function readState<T>(body: string | null | undefined): T | undefined {
  if (!body) return undefined;
  const start = body.indexOf(STATE_PREFIX);
  if (start < 0) return undefined;
  const end = body.indexOf(" -->", start);
  const encoded = body.slice(start + STATE_PREFIX.length, end);
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) return undefined;
  try {
    return JSON.parse(Buffer.from(encoded, "base64url").toString("utf8")) as T;
  } catch {
    return undefined;
  }
}
