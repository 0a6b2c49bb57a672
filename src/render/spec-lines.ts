/**
 * The few spec facts the render pipeline reads itself (the Release tag of the main package, the
 * `%changelog` position), classified exactly as azldev's parser does (AZLDEV.md §2.2–2.4).
 */

const SCRIPT_KEYWORDS = new Set(
  (
    "%prep %conf %build %install %check %clean %generate_buildrequires %pre %post %preun %postun %pretrans " +
    "%posttrans %preuntrans %postuntrans %verify %triggerin %triggerun %triggerprein %triggerpostun " +
    "%filetriggerin %filetriggerun %filetriggerpostun %transfiletriggerin %transfiletriggerun " +
    "%transfiletriggerpostun"
  ).split(" "),
);
const UNQUALIFIED_KEYWORDS = new Set(["%changelog", "%patchlist", "%sourcelist"]);
const FLAGS_WITH_ARGUMENT = new Set(["-f", "-p", "-l", "-P"]);

export interface SectionHeader {
  keyword: string;
  package: string;
}

/** The section header a line opens, or undefined for any other line. */
export function sectionHeaderOf(line: string): SectionHeader | undefined {
  if (line.startsWith("#")) return undefined;
  const tokens = line.trim().split(/\s+/).filter((t) => t !== "");
  const first = tokens[0];
  if (!first || !first.startsWith("%")) return undefined;
  const keyword = first.toLowerCase();
  const isPackage = keyword === "%package";
  const qualified = isPackage || keyword === "%description" || keyword === "%files" || SCRIPT_KEYWORDS.has(keyword);
  if (!qualified && !UNQUALIFIED_KEYWORDS.has(keyword)) return undefined;
  if (!qualified) return { keyword, package: "" };
  let absolute: string | undefined;
  let suffix: string | undefined;
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === "--") break;
    if (token === "-n") {
      absolute = tokens[i + 1];
      i++;
    } else if (FLAGS_WITH_ARGUMENT.has(token)) i++;
    else if (token.startsWith("-")) continue;
    else if (suffix === undefined) suffix = token;
  }
  return { keyword, package: absolute ?? suffix ?? "" };
}

const TAG_LINE = /^\s*([^\s:]+):\s*(.*?)\s*$/;

export interface TagLine {
  /** 0-based line index */
  index: number;
  name: string;
  value: string;
  package: string;
}

/** Every tag line of package-type sections, in file order. */
export function tagLines(lines: string[]): TagLine[] {
  const tags: TagLine[] = [];
  let inPackageSection = true;
  let currentPackage = "";
  lines.forEach((line, index) => {
    const header = sectionHeaderOf(line);
    if (header) {
      inPackageSection = header.keyword === "%package";
      currentPackage = header.package;
      return;
    }
    if (!inPackageSection || line.startsWith("#")) return;
    const match = TAG_LINE.exec(line.trim());
    if (match) tags.push({ index, name: match[1] as string, value: match[2] as string, package: currentPackage });
  });
  return tags;
}

/** The value of the last `Release` tag of the main package, or undefined when there is none. */
export function lastMainReleaseValue(lines: string[]): string | undefined {
  const releases = tagLines(lines).filter((t) => t.package === "" && t.name.toLowerCase() === "release");
  return releases[releases.length - 1]?.value;
}

/** Splits spec text into azldev's lines: `\n`-separated, one trailing `\r` stripped. */
export function specLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
}
