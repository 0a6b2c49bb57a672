import { fillText } from "./textwrap.js";
import { evaluateVersionFlags, type VersionFlags } from "./spec-version.js";

/**
 * rpmautospec's `process-distgit`, natively: `%autorelease` is computed from the package's git history
 * and `%autochangelog` is replaced by entries generated from the commit log, following rpmautospec's
 * rules (release counting per epoch-version, `[skip changelog]`, ignored paths, the `changelog` file,
 * the uncommitted-worktree entry, Python's line wrapping).
 */

/** The rpmautospec version whose block the committed trees carry. */
export const DEFAULT_RPMAUTOSPEC_VERSION = "0.8.3";

/** One commit of the (first-parent, oldest first) history rpmautospec walks. */
export interface AutospecCommit {
  hash: string;
  authorName: string;
  authorEmail: string;
  /** committer time, seconds since the epoch (rpmautospec dates entries by it, in UTC) */
  commitTime: number;
  message: string;
  /** `<name>.spec` at this commit, undefined when the tree has none */
  spec(): Promise<string | undefined>;
  /** the top-level `changelog` file at this commit */
  changelogFile(): Promise<string | undefined>;
  /** paths changed relative to the previous commit (every path for the root commit) */
  changedPaths(): Promise<string[]>;
}

/** The working tree when it differs from the last commit (or there is no repository at all). */
export interface AutospecWorktree {
  spec: string;
  /** tracked paths that differ from the last commit; undefined without a repository */
  changedPaths?: string[];
  /** `<name> <email>` of the repository's default signature, or rpm's packager without one */
  authorBlurb: string;
  now: Date;
}

export interface SpecFeatures {
  hasAutorelease: boolean;
  hasAutochangelog: boolean;
  /** 1-based */
  changelogLine?: number;
  autochangelogLine?: number;
  isProcessed: boolean;
}

const AUTORELEASE_RE = /%(?:autorelease(?:\s|$)|\{\??autorelease(?:\s+[^}]*)?\})/;
const CHANGELOG_RE = /^%changelog(?:\s.*)?$/i;
const AUTOCHANGELOG_RE = /^\s*%(?:autochangelog|\{\??autochangelog\})\s*/;
const AUTORELEASE_DEFINITION_RE = /^\s*%define\s+autorelease\s*\(/;

function physicalLines(text: string): string[] {
  const parts = text.split(/(?<=\n)/);
  return parts.filter((p) => p !== "");
}

export function specFeatures(spec: string): SpecFeatures {
  const features: SpecFeatures = { hasAutorelease: false, hasAutochangelog: false, isProcessed: false };
  physicalLines(spec).forEach((raw, index) => {
    const line = raw.replace(/\n$/, "");
    const lineno = index + 1;
    if (features.changelogLine === undefined) {
      if (!features.hasAutorelease && AUTORELEASE_RE.test(line)) features.hasAutorelease = true;
      if (CHANGELOG_RE.test(line)) features.changelogLine = lineno;
    }
    if (features.autochangelogLine === undefined && AUTOCHANGELOG_RE.test(line)) features.autochangelogLine = lineno;
    if (AUTORELEASE_DEFINITION_RE.test(line)) features.isProcessed = true;
  });
  features.hasAutochangelog = features.autochangelogLine !== undefined;
  return features;
}

interface ChangelogEntry {
  authorBlurb: string;
  /** seconds since the epoch */
  time: number;
  message: string;
  epochVersion?: string;
  releaseComplete: string;
  /** verbatim text from a `changelog` file */
  data?: string;
}

interface CommitResult {
  epochVersion?: string;
  releaseNumber: number;
  releaseComplete: string;
  changelog: ChangelogEntry[];
}

const CHANGELOG_IGNORE_PATTERNS = [".gitignore", "gating.yaml", "sources", "tests/*"];

/** Python's fnmatchcase for the simple patterns rpmautospec uses (`*` also matches `/`). */
function fnmatch(path: string, pattern: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${source}$`).test(path);
}

function allIgnored(paths: string[]): boolean {
  return paths.every((path) => CHANGELOG_IGNORE_PATTERNS.some((pattern) => fnmatch(path, pattern)));
}

function releaseComplete(flags: VersionFlags, releaseNumber: number): string {
  const prerelease = flags.prerelease ? "0." : "";
  const tags = [flags.extraver, flags.snapinfo].filter((t) => t).map((t) => `.${t}`).join("");
  return `${prerelease}${releaseNumber + flags.base - 1}${tags}`;
}

function skipChangelog(message: string): boolean {
  return message.split("\n").some((line) => line.trim() === "[skip changelog]");
}

const DEFAULT_FLAGS: VersionFlags = { prerelease: false, base: 1 };

async function walkHistory(commits: AutospecCommit[], needChangelog: boolean): Promise<CommitResult | undefined> {
  let previous: CommitResult | undefined;
  let previousChangelog: string | undefined;
  for (const [position, commit] of commits.entries()) {
    const spec = await commit.spec();
    const flags = spec === undefined ? DEFAULT_FLAGS : evaluateVersionFlags(spec);
    const epochVersion = flags.epochVersion;
    let releaseNumber = 0;
    if (
      previous &&
      (epochVersion === undefined || previous.epochVersion === undefined || epochVersion === previous.epochVersion)
    ) {
      releaseNumber = previous.releaseNumber;
    }
    if (spec !== undefined) releaseNumber += 1;
    const result: CommitResult = {
      epochVersion,
      releaseNumber,
      releaseComplete: releaseComplete(flags, releaseNumber),
      changelog: [],
    };
    if (needChangelog) {
      const changelogFile = await commit.changelogFile();
      const changelogChanged = position === 0 ? changelogFile !== undefined : changelogFile !== previousChangelog;
      const entry: ChangelogEntry = {
        authorBlurb: `${commit.authorName} <${commit.authorEmail}>`,
        time: commit.commitTime,
        message: commit.message,
        epochVersion,
        releaseComplete: result.releaseComplete,
      };
      if (changelogChanged && changelogFile !== undefined) {
        result.changelog = [{ ...entry, data: changelogFile }];
      } else {
        const inherited = previous?.changelog ?? [];
        let skip = skipChangelog(commit.message) || spec === undefined;
        if (!skip) {
          const changed = await commit.changedPaths();
          skip = changed.length > 0 && allIgnored(changed);
        }
        result.changelog = skip ? inherited : [entry, ...inherited];
      }
      previousChangelog = changelogFile;
    }
    previous = result;
  }
  return previous;
}

function reflectWorktree(head: CommitResult | undefined, worktree: AutospecWorktree, needChangelog: boolean): CommitResult {
  const flags = evaluateVersionFlags(worktree.spec);
  const epochVersion = flags.epochVersion;
  const releaseNumber = head && epochVersion === head.epochVersion ? head.releaseNumber + 1 : 1;
  const result: CommitResult = {
    epochVersion,
    releaseNumber,
    releaseComplete: releaseComplete(flags, releaseNumber),
    changelog: head?.changelog ?? [],
  };
  if (needChangelog) {
    const skip = worktree.changedPaths !== undefined && allIgnored(worktree.changedPaths);
    if (!skip) {
      result.changelog = [
        {
          authorBlurb: worktree.authorBlurb,
          time: Math.floor(worktree.now.getTime() / 1000),
          message: "Uncommitted changes",
          epochVersion,
          releaseComplete: result.releaseComplete,
        },
        ...result.changelog,
      ];
    }
  }
  return result;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `EEE MMM dd y` in UTC, as babel formats rpmautospec's entry dates. */
export function changelogDate(seconds: number): string {
  const date = new Date(seconds * 1000);
  const day = String(date.getUTCDate()).padStart(2, "0");
  return `${WEEKDAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${day} ${date.getUTCFullYear()}`;
}

/** rpmautospec's commit-log → changelog items (subject, `...` continuation, `-` bullet body). */
export function commitLogToItems(commitLog: string): string[] {
  const items: string[][] = [[]];
  type State = "before-subject" | "subject" | "before-body" | "continuation" | "body";
  let state: State = "before-subject";
  for (const raw of commitLog.split("\n")) {
    let line = raw.replace(/%/g, "%%").trim();
    if (state === "before-subject") {
      if (!line) continue;
      state = "subject";
      if (line.startsWith("-")) line = line.slice(1).trimStart();
    }
    if (state === "subject") {
      if (line) {
        (items[0] as string[]).push(line);
        continue;
      }
      state = "before-body";
    }
    if (state === "before-body") {
      if (!line) continue;
      const ellipsis = /^(?:\.{3,}|…+)\s*(.*)$/u.exec(line);
      if (ellipsis) {
        state = "continuation";
        (items[0] as string[]).push(ellipsis[1] as string);
        continue;
      }
      if (!line.startsWith("-")) break;
      state = "body";
    }
    if (state === "continuation") {
      if (!line || line.startsWith("-")) state = "body";
      else {
        (items[0] as string[]).push(line);
        continue;
      }
    }
    if (!line) break;
    if (line.startsWith("-")) {
      line = line.slice(1).trimStart();
      items.push([]);
    }
    (items[items.length - 1] as string[]).push(line);
  }
  return items.map((lines) => lines.join(" "));
}

function formatEntry(entry: ChangelogEntry): string {
  if (entry.data !== undefined) return entry.data;
  let evr = "";
  if (entry.epochVersion) {
    evr = ` - ${entry.epochVersion}`;
    if (entry.releaseComplete) evr += `-${entry.releaseComplete}`;
  }
  const header = `* ${changelogDate(entry.time)} ${entry.authorBlurb}${evr}`;
  const body = commitLogToItems(entry.message)
    .map((item) => fillText(`- ${item}`))
    .join("\n");
  return `${header}\n${body}`;
}

export class RpmautospecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RpmautospecError";
  }
}

export interface AutospecInput {
  /** the spec as it stands in the working tree */
  spec: string;
  specFileName: string;
  /** first-parent history, oldest first; undefined when the component dir is not a git repository */
  commits?: AutospecCommit[];
  /** set when the working tree differs from the last commit, or when there is no repository */
  worktree?: AutospecWorktree;
  version?: string;
}

export interface AutospecResult {
  spec: string;
  processed: boolean;
  releaseNumber?: number;
  /** number of lines inserted above the original first line */
  headerLines: number;
  /** 1-based line of the input spec after which generated changelog lines replace the rest, if any */
  changelogCutAfter?: number;
  changelogLines: number;
}

/** `rpmautospec process-distgit <spec> <spec>`. */
export async function processDistgit(input: AutospecInput): Promise<AutospecResult> {
  const features = specFeatures(input.spec);
  const necessary =
    !features.isProcessed &&
    (features.hasAutorelease || features.hasAutochangelog || features.changelogLine === undefined);
  if (!necessary) return { spec: input.spec, processed: false, headerLines: 0, changelogLines: 0 };

  const needsAutochangelog =
    (features.changelogLine === undefined && features.autochangelogLine === undefined) || features.hasAutochangelog;

  let result: CommitResult | undefined = input.commits ? await walkHistory(input.commits, needsAutochangelog) : undefined;
  if (input.worktree) result = reflectWorktree(result, input.worktree, needsAutochangelog);
  if (!result || result.epochVersion === undefined) {
    throw new RpmautospecError(`Couldn’t parse spec file ${input.specFileName}`);
  }

  let out = "";
  let headerLines = 0;
  if (features.hasAutorelease || needsAutochangelog) {
    const used: string[] = [];
    let autoreleaseBlurb = "";
    if (features.hasAutorelease) {
      used.push("autorelease");
      autoreleaseBlurb =
        "\n%define autorelease(e:s:pb:n) %{?-p:0.}%{lua:\n" +
        `    release_number = ${result.releaseNumber};\n` +
        '    base_release_number = tonumber(rpm.expand("%{?-b*}%{!?-b:1}"));\n' +
        "    print(release_number + base_release_number - 1);\n" +
        "}%{?-e:.%{-e*}}%{?-s:.%{-s*}}%{!?-n:%{?dist}}";
    }
    if (needsAutochangelog) used.push("autochangelog");
    const block =
      "## START: Set by rpmautospec\n" +
      `## (rpmautospec version ${input.version ?? DEFAULT_RPMAUTOSPEC_VERSION})\n` +
      `## RPMAUTOSPEC: ${used.join(", ")}${autoreleaseBlurb}\n` +
      "## END: Set by rpmautospec\n\n";
    out += block;
    headerLines = block.split("\n").length - 1;
  }
  let changelogCutAfter: number | undefined;
  const lines = physicalLines(input.spec);
  for (const [index, line] of lines.entries()) {
    const lineno = index + 1;
    if (features.changelogLine !== undefined) {
      if (features.hasAutochangelog && lineno > features.changelogLine) {
        changelogCutAfter = features.changelogLine;
        break;
      }
    } else if (features.hasAutochangelog && lineno === features.autochangelogLine) {
      out += "%changelog\n";
      changelogCutAfter = lineno - 1;
      break;
    }
    out += line;
  }
  if (!features.hasAutochangelog && features.changelogLine === undefined) {
    out += "\n%changelog\n";
    changelogCutAfter = lines.length;
  }
  let changelogLines = 0;
  if (needsAutochangelog) {
    const generated =
      "## START: Generated by rpmautospec\n" +
      result.changelog.map(formatEntry).join("\n\n") +
      "\n## END: Generated by rpmautospec\n";
    out += generated;
    changelogLines = generated.split("\n").length - 1;
  }
  return {
    spec: out,
    processed: true,
    releaseNumber: result.releaseNumber,
    headerLines,
    changelogCutAfter,
    changelogLines,
  };
}
