/**
 * RPM version ordering, byte for byte what rpm's `rpmvercmp` and `rpmverCmp` do: separators do not
 * count, digits beat letters, `~` sorts before everything (pre-releases) and `^` sorts after the end
 * of the string but before any further segment (post-release snapshots).
 */

export type Ordering = -1 | 0 | 1;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const TILDE = 0x7e;
const CARET = 0x5e;

/** Compare two version (or release) strings as rpm does: 1 if `a` is newer, -1 if `b` is, 0 if equal. */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  // rpm works on bytes; UTF-8 keeps ASCII bytes where they are and every non-ASCII byte is a separator.
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  let i = 0;
  let j = 0;
  const at = (buf: Buffer, k: number): number => (k < buf.length ? (buf[k] as number) : -1);
  const isSeparator = (c: number): boolean => c !== -1 && !isDigit(c) && !isAlpha(c) && c !== TILDE && c !== CARET;

  while (i < x.length || j < y.length) {
    while (isSeparator(at(x, i))) i++;
    while (isSeparator(at(y, j))) j++;

    const cx = at(x, i);
    const cy = at(y, j);
    if (cx === TILDE || cy === TILDE) {
      if (cx !== TILDE) return 1;
      if (cy !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (cx === CARET || cy === CARET) {
      if (cx === -1) return -1;
      if (cy === -1) return 1;
      if (cx !== CARET) return 1;
      if (cy !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (cx === -1 || cy === -1) break;

    const numeric = isDigit(cx);
    const inSegment = numeric ? isDigit : isAlpha;
    let ei = i;
    while (ei < x.length && inSegment(x[ei] as number)) ei++;
    let ej = j;
    while (ej < y.length && inSegment(y[ej] as number)) ej++;
    // b's segment is empty when the two segment types differ: the numeric side is newer.
    if (ej === j) return numeric ? 1 : -1;

    let sx: Uint8Array = x.subarray(i, ei);
    let sy: Uint8Array = y.subarray(j, ej);
    if (numeric) {
      sx = stripLeadingZeros(sx);
      sy = stripLeadingZeros(sy);
      if (sx.length !== sy.length) return sx.length > sy.length ? 1 : -1;
    }
    const cmp = Buffer.compare(sx, sy);
    if (cmp !== 0) return cmp > 0 ? 1 : -1;
    i = ei;
    j = ej;
  }
  const xDone = i >= x.length;
  const yDone = j >= y.length;
  if (xDone && yDone) return 0;
  return xDone ? -1 : 1;
}

function stripLeadingZeros(segment: Uint8Array): Uint8Array {
  let k = 0;
  while (k < segment.length && segment[k] === 0x30) k++;
  return segment.subarray(k);
}

export interface EVR {
  /** missing epoch is undefined (compares as 0) */
  epoch?: string;
  version: string;
  /** missing release is undefined (sorts below any present release) */
  release?: string;
}

/** Split `[epoch:]version[-release]` the way rpm does: epoch is a leading digit run before `:`, release follows the last `-`. */
export function parseEVR(text: string): EVR {
  let rest = text;
  let epoch: string | undefined;
  const colon = /^(\d*):/.exec(rest);
  if (colon) {
    epoch = colon[1] === "" ? "0" : colon[1];
    rest = rest.slice(colon[0].length);
  }
  const dash = rest.lastIndexOf("-");
  const evr: EVR = { version: dash >= 0 ? rest.slice(0, dash) : rest };
  if (epoch !== undefined) evr.epoch = epoch;
  if (dash >= 0) evr.release = rest.slice(dash + 1);
  return evr;
}

/** Full EVR ordering (`rpmverCmp`): epochs, then versions, then releases; a missing release sorts lower. */
export function compareEVR(a: string | EVR, b: string | EVR): Ordering {
  const x = typeof a === "string" ? parseEVR(a) : a;
  const y = typeof b === "string" ? parseEVR(b) : b;
  const byEpoch = rpmvercmp(x.epoch ?? "0", y.epoch ?? "0");
  if (byEpoch !== 0) return byEpoch;
  const byVersion = rpmvercmp(x.version, y.version);
  if (byVersion !== 0) return byVersion;
  if (x.release === undefined && y.release === undefined) return 0;
  if (x.release === undefined) return -1;
  if (y.release === undefined) return 1;
  return rpmvercmp(x.release, y.release);
}

/**
 * An upstream tag name as an RPM-comparable version: a leading `v`/`V` (or `<project>-`, `release-`
 * prefix when given) is dropped and `-rcN`/`-betaN`/`-alphaN`/`-preN` (also with `.` or `_`) become
 * `~rcN`, so `v259-rc1` compares below `259`. Returns undefined when the tag holds no digit.
 */
export function tagToVersion(tag: string, options: { prefixes?: string[] } = {}): string | undefined {
  let name = tag.trim().replace(/^refs\/tags\//, "");
  for (const prefix of options.prefixes ?? []) {
    if (prefix && name.toLowerCase().startsWith(prefix.toLowerCase())) {
      name = name.slice(prefix.length);
      break;
    }
  }
  name = name.replace(/^(?:release|rel|version|ver)[-_]?(?=\d)/i, "").replace(/^v(?=\d)/i, "");
  name = name.replace(/[-._]?(rc|alpha|beta|pre|preview|dev)[-._]?(\d*)$/i, (_m, kind: string, n: string) => `~${kind.toLowerCase()}${n}`);
  // OpenSSL_1_1_1w, REL_16_2: underscores between the numbers are the dots of the version
  if (/^\d+(?:_\d+)+[a-z]?(?:~\w+)?$/i.test(name)) name = name.replace(/_/g, ".");
  if (!/\d/.test(name)) return undefined;
  return name;
}
