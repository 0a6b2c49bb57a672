/**
 * Which file of a component a Source/Patch value names: the one rule the listing, review and
 * tracking share, so that they always agree on what a tag refers to.
 */
export interface SourceFileNameOptions {
  /**
   * The value as written in the spec (or partly expanded), which may still hold macros we cannot
   * expand: `%{forgeurl}/archive/v%{version}.tar.gz#/%{name}-%{version}.tar.gz`. A leading macro
   * hides the URL's scheme, so here a trailing `#/name` fragment is honoured on any value.
   * spectool's output never needs this: there the rule stays azldev's exactly, which keeps `%{` in
   * such names — the signal on which azldev skips its file filter (§4.10).
   */
  asWritten?: boolean;
}

const URL_VALUE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]+)([^?#]*)(\?[^#]*)?(#.*)?$/;

/**
 * The file name a Source/Patch value refers to, by azldev's reading of spectool's output (AZLDEV.md
 * §4.9): a URL with scheme and host names the basename of its path (percent-decoded, query string
 * dropped), or the basename of a `#/name` / `#./name` fragment — rpm's rename convention; any other
 * fragment is ignored. Any other value is a path relative to the sources dir, cleaned like Go's
 * path.Clean, so `patches/fix.patch` keeps its sub-directory. Absolute paths, `..` escapes, `/` and
 * `.` name no file of the component: undefined. Surrounding blanks do not count.
 *
 *   https://github.com/o/r/pull/33.patch#/fix-crash.patch  → fix-crash.patch
 *   https://github.com/o/r/blob/main/x.patch?raw=true       → x.patch
 *   %{name}-%{version}.tar.gz  (unknown macros kept)        → %{name}-%{version}.tar.gz
 */
export function sourceFileName(value: string, options: SourceFileNameOptions = {}): string | undefined {
  const v = value.trim();
  const url = URL_VALUE.exec(v);
  if (url) {
    const fragment = url[5]?.slice(1);
    if (fragment !== undefined && isRenameFragment(fragment)) return nonEmptyBase(fragment);
    return nonEmptyBase(decodeSafe(url[3] ?? ""));
  }
  if (options.asWritten) {
    const hash = v.lastIndexOf("#");
    const fragment = hash < 0 ? undefined : v.slice(hash + 1);
    if (fragment !== undefined && isRenameFragment(fragment)) return nonEmptyBase(fragment);
  }
  if (v.startsWith("/")) return undefined;
  const cleaned = cleanPath(v);
  if (cleaned === "." || cleaned === ".." || cleaned.startsWith("../")) return undefined;
  return cleaned;
}

function isRenameFragment(fragment: string): boolean {
  return fragment.startsWith("/") || fragment.startsWith("./");
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function nonEmptyBase(path: string): string | undefined {
  const trimmed = path.replace(/\/+$/, "");
  const base = trimmed.slice(trimmed.lastIndexOf("/") + 1);
  if (base === "" || base === "." || base === "..") return undefined;
  return base;
}

/** Go's path.Clean for a relative path. */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else out.push("..");
      continue;
    }
    out.push(seg);
  }
  return out.length === 0 ? "." : out.join("/");
}
