/**
 * Nix's own version ordering, ported from libexpr (`names.cc`: nextComponent / componentsLT /
 * compareVersions), the rule behind `builtins.compareVersions`, `lib.versionOlder` and
 * `lib.versionAtLeast`. Not semver and not rpmvercmp: "pre" sorts before everything, a missing
 * component before a number, any string before a number ("2.3a" < "2.3.1"), strings compare
 * bytewise.
 */

/** The next component at `s[i…]`: separators (`.`, `-`) skipped, then a digit run or a non-digit run. */
function nextComponent(s: string, start: number): [component: string, next: number] {
  let p = start;
  while (p < s.length && (s[p] === "." || s[p] === "-")) p++;
  if (p >= s.length) return ["", p];
  const from = p;
  if (isDigit(s.charCodeAt(p))) while (p < s.length && isDigit(s.charCodeAt(p))) p++;
  else while (p < s.length && !isDigit(s.charCodeAt(p)) && s[p] !== "." && s[p] !== "-") p++;
  return [s.slice(from, p), p];
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

const INT_MAX = 2_147_483_647;

/** `string2Int<int>`: a number only when the component is all digits and fits a C int. */
function asInt(c: string): number | undefined {
  if (c === "" || !/^[0-9]+$/.test(c)) return undefined;
  const n = Number(c);
  return n <= INT_MAX ? n : undefined;
}

function componentsLT(c1: string, c2: string): boolean {
  const n1 = asInt(c1);
  const n2 = asInt(c2);
  if (n1 !== undefined && n2 !== undefined) return n1 < n2;
  if (c1 === "" && n2 !== undefined) return true;
  if (c1 === "pre" && c2 !== "pre") return true;
  if (c2 === "pre") return false;
  if (n2 !== undefined) return true;
  if (n1 !== undefined) return false;
  return c1 < c2;
}

/** `builtins.compareVersions v1 v2`: -1, 0 or 1. */
export function compareVersions(v1: string, v2: string): -1 | 0 | 1 {
  let p1 = 0;
  let p2 = 0;
  while (p1 < v1.length || p2 < v2.length) {
    const [c1, n1] = nextComponent(v1, p1);
    const [c2, n2] = nextComponent(v2, p2);
    p1 = n1;
    p2 = n2;
    if (componentsLT(c1, c2)) return -1;
    if (componentsLT(c2, c1)) return 1;
  }
  return 0;
}

/** `lib.versionOlder v1 v2`: v1 is older than v2. */
export const versionOlder = (v1: string, v2: string): boolean => compareVersions(v2, v1) === 1;
/** `lib.versionAtLeast v1 v2`. */
export const versionAtLeast = (v1: string, v2: string): boolean => !versionOlder(v1, v2);

/** `builtins.splitVersion`: the components, separators dropped. */
export function splitVersion(v: string): string[] {
  const out: string[] = [];
  let p = 0;
  while (p < v.length) {
    const [c, next] = nextComponent(v, p);
    p = next;
    if (c !== "") out.push(c);
  }
  return out;
}

/**
 * A version numeric comparison means something for: not `unstable-2024-01-01`, `0-unstable-…`
 * or a bare git revision, which name snapshots and must not be compared as releases.
 */
export function isReleaseVersion(v: string): boolean {
  if (!/^\d/.test(v)) return false;
  if (/unstable|\bgit\b|-g[0-9a-f]{7,}/i.test(v)) return false;
  if (/^[0-9a-f]{40}$/i.test(v)) return false;
  return true;
}

/**
 * A bound that cannot be meant for this version's scale: `13.6` for `0.13.5` (a dropped leading
 * `0.`), `250` for `2.5.0`, a date for a dotted release. Such a guard never expires, or always has.
 */
export function scaleMismatch(version: string, bound: string): boolean {
  const v = splitVersion(version).map(asInt);
  const b = splitVersion(bound).map(asInt);
  const [v0, v1] = v;
  const [b0, b1] = b;
  if (v0 === undefined || b0 === undefined) return false;
  const isDate = (n: number) => n >= 1970 && n <= 2100;
  if (isDate(v0) !== isDate(b0) && Math.max(v0, b0) >= 1970) return true;
  // a leading "0." dropped or added: 0.13.5 vs 13.6, 13.5 vs 0.13
  if (v0 === 0 && b0 >= 2 && v1 !== undefined && Math.abs(b0 - v1) <= 2) return true;
  if (b0 === 0 && v0 >= 2 && b1 !== undefined && Math.abs(v0 - b1) <= 2) return true;
  // digits run together: 250 for 2.5.0
  const small = Math.min(v0, b0);
  const large = Math.max(v0, b0);
  return small > 0 && large >= 10 * small + 10 && v.length !== b.length;
}
