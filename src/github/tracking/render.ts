/**
 * Deterministic Markdown for the dashboard and the per-patch issues: the same verdicts always give
 * the same text (no timestamps, no commit ids of the distro repo), so an unchanged state never edits
 * an issue. Everything taken from the repository or upstream is escaped; bodies stay under GitHub's
 * 65,536-character limit, cutting the longest sections last-first and saying what was left out.
 */
import { ATTRIBUTION_WORDS, RUNG_NAMES, type PatchVerdict, type VerdictKind } from "../../tracking/index.js";
import { codeSpan, escapeMarkdown, fenced } from "../markdown.js";
import { DASHBOARD_MARKER, encodeState, patchMarker, type DashboardState, type PatchIssueState } from "./state.js";

export const BODY_LIMIT = 65_536;
/** head-room for the state block and the truncation note */
const RESERVE = 4_096;

export const SECTION_TITLES: Record<VerdictKind, string> = {
  released: "Released upstream — droppable now",
  "merged-unreleased": "Merged upstream — waiting for a version bump",
  pending: "In review upstream",
  "fixed-elsewhere": "Fixed elsewhere — the drop condition is another package",
  declined: "Declined upstream",
  inactive: "Inactive for this distro — droppable now",
  unknown: "Unknown — needs triage",
};

const SECTION_ORDER: VerdictKind[] = ["released", "inactive", "fixed-elsewhere", "merged-unreleased", "pending", "declined", "unknown"];

export function verdictHeadline(v: PatchVerdict): string {
  switch (v.verdict) {
    case "released":
      return `released upstream — droppable at ${v.packagedVersion ?? "the packaged version"}`;
    case "merged-unreleased":
      return v.dropFrom ? `merged upstream — droppable from ${v.dropFrom}` : "merged upstream — not in a release yet";
    case "pending":
      return "in review upstream";
    case "fixed-elsewhere":
      return v.droppable ? "fixed elsewhere — the drop condition is met" : "fixed elsewhere — waiting for another package";
    case "declined":
      return "declined upstream";
    case "inactive":
      return "inactive for this distro — droppable";
    case "unknown":
      return "unknown";
  }
}

const code = (text: string): string => codeSpan(text);

function link(label: string, url: string): string {
  return /^https?:\/\/[^\s()<>]+$/.test(url) ? `[${escapeMarkdown(label)}](${url})` : escapeMarkdown(label);
}

function shortLink(url: string): string {
  const m = /\/(pull|merge_requests|issues|commit)\/([0-9a-f]{7,40}|\d+)/.exec(url);
  if (!m) return link(new URL(url).hostname, url);
  const label = m[1] === "pull" ? `PR #${m[2]}` : m[1] === "merge_requests" ? `MR !${m[2]}` : m[1] === "issues" ? `issue #${m[2]}` : `commit ${(m[2] as string).slice(0, 10)}`;
  return link(label, url);
}

export interface DashboardInput {
  verdicts: PatchVerdict[];
  /** patch key → issue number, for cross links */
  issues: Map<string, number>;
  /** repository-level problems (config errors, upstream failures), shown first */
  problems: string[];
}

function dashboardLine(v: PatchVerdict, issue: number | undefined): string {
  const links = v.links.slice(0, 3).map(shortLink);
  const parts = [`**${escapeMarkdown(v.component)}** ${code(v.file)}`, escapeMarkdown(v.reason)];
  if (v.rung !== "none") parts.push(`rung ${v.rung}`);
  if (links.length) parts.push(links.join(", "));
  if (issue) parts.push(`#${issue}`);
  return `- ${parts.join(" · ")}`;
}

export function renderDashboard(input: DashboardInput): { body: string; state: DashboardState } {
  const counts: Record<string, number> = {};
  for (const v of input.verdicts) counts[v.verdict] = (counts[v.verdict] ?? 0) + 1;
  const state: DashboardState = { v: 1, counts };
  const components = new Set(input.verdicts.map((v) => v.component)).size;
  const own = input.verdicts.filter((v) => v.origin === "distro");
  const inherited = input.verdicts.filter((v) => v.origin === "inherited");
  // only the repository's own patches can be dropped by a change here; inherited ones come with the
  // upstream spec and go when the upstream drops them (a newer snapshot of its dist-git brings that)
  const droppable = own.filter((v) => v.droppable).length;
  const inheritedObsolete = inherited.filter((v) => v.droppable).length;
  const sources = describeSpecSources(inherited);
  const head = [
    DASHBOARD_MARKER,
    `specwarden tracks **${input.verdicts.length}** downstream patches in **${components}** components: **${own.length}** vendored by this repository, **${inherited.length}** inherited from upstream specs${sources ? ` (${sources})` : ""}. **${droppable}** of this repository's patches can be dropped at the packaged version.`,
  ];
  if (inheritedObsolete) {
    const one = inheritedObsolete === 1;
    head.push(
      "",
      `${inheritedObsolete} inherited patch${one ? "" : "es"} could go too (already upstream at the packaged version, or never applied): nothing to do here. ${one ? "It comes" : "They come"} with the upstream spec at the pinned snapshot and ${one ? "goes" : "go"} away by ${one ? "itself" : "themselves"} when that spec drops ${one ? "it" : "them"} and the snapshot advances past the fix. Only if waiting is not acceptable: the overlay shown with each one drops it now.`,
    );
  }
  // counted apart: the repository's own patches, and those that come with upstream specs
  const row = (label: string, list: PatchVerdict[]) => `| ${label} | ${SECTION_ORDER.map((k) => list.filter((v) => v.verdict === k).length).join(" | ")} |`;
  head.push("", `| | ${SECTION_ORDER.map((k) => SECTION_TITLES[k].split(" — ")[0]).join(" | ")} |`, `|---|${SECTION_ORDER.map(() => "---:").join("|")}|`);
  if (own.length || !inherited.length) head.push(row("this repository", own));
  if (inherited.length) head.push(row("inherited", inherited));
  head.push("");
  if (input.problems.length) {
    head.push("### Problems", "", ...input.problems.slice(0, 50).map((p) => `- ${escapeMarkdown(p)}`), "");
  }
  const sections: string[][] = [];
  for (const kind of SECTION_ORDER) {
    const items = input.verdicts.filter((v) => v.verdict === kind);
    if (items.length === 0) continue;
    const lines = [`## ${SECTION_TITLES[kind]} (${items.length})`, ""];
    const mine = items.filter((v) => v.origin === "distro").sort(byComponent);
    const theirs = items.filter((v) => v.origin === "inherited").sort(byComponent);
    if (mine.length) lines.push("**Vendored by this repository**", "", ...mine.map((v) => dashboardLine(v, input.issues.get(v.key))), "");
    const inheritedNote = [
      `_No action here: these come with the upstream spec at the pinned snapshot and disappear when the upstream dist-git drops them and the snapshot advances past the fix.${theirs.some((v) => v.droppable && v.drop.addOverlay) ? " Only if waiting is not acceptable: the overlay under each one drops it now." : ""}_`,
      "",
    ];
    // one entry per patch (its overlay kept with it, so a cut at the size limit never splits a block)
    if (theirs.length) lines.push(`<details><summary>Inherited from upstream specs (${theirs.length})</summary>`, "", ...inheritedNote, ...theirs.map((v) => inheritedEntry(v, input.issues.get(v.key))), "", "</details>", "");
    sections.push(lines);
  }
  const stateBlock = encodeState(state);
  let body = `${head.join("\n")}\n`;
  let omitted = 0;
  for (const lines of sections) {
    for (const line of lines) {
      if (body.length + line.length + 1 > BODY_LIMIT - RESERVE) {
        if (line.startsWith("- ")) omitted++;
        continue;
      }
      body += `${line}\n`;
    }
  }
  if (omitted) body += `\n_${omitted} more patches are not listed: the dashboard is at GitHub's size limit. \`specwarden track --json\` lists them all._\n`;
  body += `\n${stateBlock}\n`;
  return { body, state };
}

/** "Fedora 43 (f43) at the snapshot 2026-02-24T00:00:00-08:00": where inherited patches come from. */
function describeSpecSource(ref: NonNullable<PatchVerdict["inheritedFrom"]>): string {
  const distro = ref.distro === "fedora" ? "Fedora" : ref.distro;
  const where = ref.commit ? `pinned at commit ${ref.commit.slice(0, 12)}` : ref.snapshot ? `at the snapshot ${ref.snapshot}` : "at the branch head";
  return `${distro}${ref.version ? ` ${ref.version}` : ""}${ref.branch ? ` (${ref.branch})` : ""} ${where}`;
}

function describeSpecSources(verdicts: PatchVerdict[]): string {
  const describe = (list: PatchVerdict[]) => [...new Set(list.flatMap((v) => (v.inheritedFrom ? [describeSpecSource(v.inheritedFrom)] : [])))];
  // a component pinned to its own commit is named with its patches; the common source goes here
  const common = describe(verdicts.filter((v) => !v.inheritedFrom?.commit));
  const list = common.length ? common : describe(verdicts);
  return list.length === 0 ? "" : escapeMarkdown(list.length <= 2 ? list.join("; ") : `${list.slice(0, 2).join("; ")} and ${list.length - 2} more`);
}

function inheritedEntry(v: PatchVerdict, issue: number | undefined): string {
  const line = dashboardLine(v, issue);
  const pinned = v.inheritedFrom?.commit ? ` · from ${escapeMarkdown(describeSpecSource(v.inheritedFrom))}` : "";
  if (!v.droppable || !v.drop.addOverlay) return `${line}${pinned}`;
  // the summary is HTML: nothing from the repository goes there; the overlay is a top-level block (a
  // fence inside a list item would end at the first line ending the item does not indent)
  return [`${line}${pinned}`, "", "<details><summary>drop it now</summary>", "", `Add to ${code(v.drop.addOverlay.file)}:`, "", fenced(v.drop.addOverlay.toml, "toml"), "", "</details>", ""].join("\n");
}

function byComponent(a: PatchVerdict, b: PatchVerdict): number {
  return a.component.localeCompare(b.component) || a.file.localeCompare(b.file);
}

export function patchIssueTitle(v: PatchVerdict): string {
  const title = `Downstream patch ${v.component}/${v.file}: ${verdictHeadline(v)}`;
  return title.length > 250 ? `${title.slice(0, 247)}…` : title;
}

export function patchIssueState(v: PatchVerdict, previous?: PatchIssueState): PatchIssueState {
  const state: PatchIssueState = { v: 1, key: v.key, verdict: v.verdict, rung: v.rung, droppable: v.droppable };
  if (v.dropFrom) state.dropFrom = v.dropFrom;
  if (v.packagedVersion) state.packagedVersion = v.packagedVersion;
  if (v.patchIds) state.patchIds = v.patchIds;
  if (v.blobId) state.blobId = v.blobId;
  if (previous?.dropPull) state.dropPull = previous.dropPull;
  return state;
}

export function renderPatchIssue(v: PatchVerdict, state: PatchIssueState): string {
  const lines: string[] = [patchMarker(v.key)];
  lines.push(`**${escapeMarkdown(verdictHeadline(v))}** — ${escapeMarkdown(v.reason)}`);
  lines.push(`<sub>Evidence rung ${v.rung}: ${RUNG_NAMES[v.rung]}.</sub>`, "");
  lines.push("| | |", "|---|---|");
  lines.push(`| Component | ${code(v.component)} |`);
  lines.push(`| Patch | ${code(v.file)} (${v.origin === "distro" ? "vendored" : "inherited"}, ${code(v.wiring)}) |`);
  if (v.packagedVersion) lines.push(`| Packaged version | ${escapeMarkdown(v.packagedVersion)} |`);
  if (v.upstream) lines.push(`| Upstream | ${link(v.upstream.project, v.upstream.url)}${v.upstream.tag ? ` at ${code(v.upstream.tag)}` : ""}${v.upstream.from ? ` (from ${escapeMarkdown(ATTRIBUTION_WORDS[v.upstream.from])})` : ""} |`);
  if (v.releases?.length) lines.push(`| Upstream releases with it | ${v.releases.map((r) => `${code(r.tag)} (${r.stream === "main" ? "mainline" : `${escapeMarkdown(r.stream.slice("stable:".length))}.x stable`})`).join(", ")} |`);
  if (v.url) lines.push(`| Patch URL | ${link(v.url, v.url)} |`);
  const status = v.metadata?.["upstream-status"];
  if (typeof status === "string") lines.push(`| upstream-status | ${code(status)} |`);
  lines.push("");
  if (v.evidence.length) {
    lines.push("### Evidence", "");
    for (const e of v.evidence.slice(0, 40)) lines.push(`- (${e.rung}) ${escapeMarkdown(e.summary)}${e.url ? ` — ${link("link", e.url)}` : ""}`);
    lines.push("");
  }
  if (v.criteria.length) {
    lines.push("### Removal criteria", "");
    for (const c of v.criteria.slice(0, 20)) lines.push(`- “${escapeMarkdown(c.text)}”${c.location ? ` (${code(c.location)})` : ""}`);
    lines.push("");
  }
  if (v.conflicts.length) {
    lines.push("### Conflicting claims", "", ...v.conflicts.map((c) => `- ${escapeMarkdown(c)}`), "");
  }
  if (v.links.length) lines.push("### Links", "", ...v.links.slice(0, 20).map((u) => `- ${link(u, u)}`), "");
  lines.push("### How to drop it", "", escapeMarkdown(v.drop.summary));
  for (const o of v.drop.overlays) lines.push(`- ${o.action} the ${code(o.type)} overlay at ${code(`${o.location.file}:${o.location.line}`)}${o.note ? ` (${escapeMarkdown(o.note)})` : ""}`);
  for (const f of v.drop.files) lines.push(`- delete ${code(f)}`);
  if (v.drop.addOverlay) lines.push("", `Add to ${code(v.drop.addOverlay.file)}:`, "", fenced(v.drop.addOverlay.toml, "toml"));
  if (state.dropPull) lines.push("", `A pull request that drops it: #${state.dropPull}`);
  lines.push("", encodeState(state), "");
  let body = lines.join("\n");
  if (body.length > BODY_LIMIT) body = `${body.slice(0, BODY_LIMIT - RESERVE)}\n\n_(truncated)_\n\n${encodeState(state)}\n`;
  return body;
}

/** The comment posted when a patch's verdict changes. */
export function transitionComment(previous: PatchIssueState | undefined, v: PatchVerdict): string {
  const from = previous ? previous.verdict : "new";
  return `specwarden: **${escapeMarkdown(from)} → ${escapeMarkdown(v.verdict)}** (rung ${v.rung}). ${escapeMarkdown(v.reason)}`;
}
