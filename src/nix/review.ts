/**
 * Pull request review for Nix repositories, published through the same check run and sticky comment
 * as for azldev repositories. For each package whose `version` (or `src`) the change moves, every
 * patch entry and guarded workaround is decided again at the new version: an entry whose commit the
 * new release already contains, whose comment says to remove it at that version, or whose version
 * guard is now always false gets a finding on its line with the suggestion that deletes it. Hygiene
 * is checked on added lines only (ratchet style): a patch without a comment or URL, an unstable
 * `pull/N.patch` URL, a new deprecated `--replace`, a guard on the wrong scale. A file the change
 * leaves unparseable fails.
 */
import type { RepoView } from "../repo/types.js";
import { changedNewLines, diffLineArrays } from "../review/line-diff.js";
import { changedBetween } from "../review/tree.js";
import type { ComponentVerdict, Finding, ReviewResult } from "../review/types.js";
import type { UpstreamForge } from "../tracking/forge.js";
import type { PatchVerdict } from "../tracking/verdicts.js";
import { packagesOf } from "./package-inventory.js";
import { NixParseRefused, parseNix } from "./parser.js";
import type { NixPackage, NixPatchEntry, NixWorkaround } from "./types.js";
import { assessNixPatch, assessNixWorkaround, NixForgeSession } from "./verdicts.js";
import { scaleMismatch, isReleaseVersion } from "./version.js";

export interface NixReviewInput {
  base: RepoView;
  head: RepoView;
  /** the paths the change touches (from git); computed from the trees when absent */
  changedPaths?: string[];
  /** upstream evidence; undefined = offline (guards and comments only) */
  forge?: UpstreamForge;
}

interface Side {
  text?: string;
  packages: NixPackage[];
  errors: { line: number; message: string }[];
}

async function readSide(repo: RepoView, path: string): Promise<Side> {
  const text = await repo.readText(path).catch(() => undefined);
  if (text === undefined) return { packages: [], errors: [] };
  try {
    const parsed = await parseNix(text);
    try {
      return { text, packages: packagesOf(parsed.root, path, text), errors: parsed.errors.map((e) => ({ line: e.line, message: `${e.message} (column ${e.column})` })) };
    } finally {
      parsed.tree.delete();
    }
  } catch (error) {
    if (error instanceof NixParseRefused) return { text, packages: [], errors: [{ line: 1, message: error.message }] };
    throw error;
  }
}

/**
 * The suggestion that deletes an entry: its lines and the comment block directly above it; when the
 * entry shares a line with other code (`patches = [ ./a.patch ];`), that line without the entry.
 */
function deletion(entry: NixPatchEntry | NixWorkaround, headLines: string[]): Finding["suggestion"] {
  const first = headLines[entry.line - 1] ?? "";
  const last = headLines[entry.endLine - 1] ?? "";
  const column = entry.column ?? 0;
  const endColumn = entry.endColumn ?? last.length;
  const before = first.slice(0, column);
  const after = last.slice(endColumn);
  const alone = before.trim() === "" && (after.trim() === "" || /^\s*#/.test(after));
  if (!alone) {
    if (entry.line !== entry.endLine) return undefined;
    return { startLine: entry.line, endLine: entry.line, replacement: [`${before.replace(/\s+$/, "")} ${after.replace(/^\s+/, "")}`.replace(/\[\s+\]/, "[ ]")] };
  }
  let start = entry.line;
  // only comment lines directly above belong to the entry (a comment above `patches = [` stays)
  while (start > 1 && /^\s*#/.test(headLines[start - 2] ?? "")) start--;
  return { startLine: start, endLine: entry.endLine, replacement: [] };
}

function suggestionOf(entry: NixPatchEntry | NixWorkaround, headLines: string[]): Pick<Finding, "suggestion"> {
  const suggestion = deletion(entry, headLines);
  return suggestion ? { suggestion } : {};
}

function droppableMessage(v: PatchVerdict, pkg: NixPackage, from: string | undefined, to: string): string {
  const moved = from && from !== to ? ` (this change moves ${pkg.name} from ${from} to ${to})` : "";
  if (v.verdict === "inactive") return `this version guard is now always false at ${to}: remove the guarded entry — ${v.reason}${moved}`;
  return `drop this patch: already in ${to} — ${v.reason}${moved}`;
}

export async function reviewNixChange(input: NixReviewInput): Promise<ReviewResult> {
  const changed = (input.changedPaths ?? (await changedBetween(input.base, input.head))).filter((p) => p.endsWith(".nix"));
  const findings: Finding[] = [];
  const components: ComponentVerdict[] = [];
  const session = input.forge ? new NixForgeSession(input.forge) : undefined;
  const options = input.forge ? { forge: input.forge } : {};

  for (const path of changed) {
    const [base, head] = await Promise.all([readSide(input.base, path), readSide(input.head, path)]);
    if (head.text === undefined) continue;
    const headLines = head.text.split("\n");
    const added = base.text === undefined ? new Set(headLines.map((_, i) => i)) : changedNewLines(diffLineArrays(base.text.split("\n"), headLines));
    const isAdded = (line: number, endLine = line) => {
      for (let l = line; l <= endLine; l++) if (added.has(l - 1)) return true;
      return false;
    };
    const baseErrors = new Set(base.errors.map((e) => e.message));
    for (const e of head.errors) {
      const fresh = !baseErrors.has(e.message);
      findings.push({ rule: "nix-parse-error", level: fresh ? "failure" : "notice", path, line: e.line, message: `does not parse: ${e.message}${fresh ? "" : " (already on the base)"}` });
    }

    for (const pkg of head.packages) {
      const before = base.packages.find((p) => p.name === pkg.name);
      const from = before?.version;
      const to = pkg.version;
      const bumped = before !== undefined && to !== undefined && from !== to;
      if (bumped) components.push({ name: pkg.name, status: "clean", method: "none", reason: `${from ?? "?"} → ${to}` });

      if (bumped && to) {
        const beforeKeys = new Map(before.patches.map((e) => [e.key, e]));
        for (const entry of pkg.patches) {
          const now = await assessNixPatch(entry, pkg, { ...options, version: to }, session);
          if (!now.droppable) continue;
          const old = beforeKeys.get(entry.key);
          const was = old && from ? await assessNixPatch(old, before, { ...options, version: from }, session) : undefined;
          if (was?.droppable) continue; // already obsolete before this change: not this change's doing
          findings.push({
            rule: now.verdict === "inactive" ? "nix-guard-dead" : "nix-patch-droppable",
            level: "warning",
            path,
            line: entry.line,
            endLine: entry.endLine,
            component: pkg.name,
            message: droppableMessage(now, pkg, from, to),
            ...suggestionOf(entry, headLines),
          });
        }
        for (const w of pkg.workarounds) {
          if (!w.guard?.version && w.removalCriteria.length === 0) continue;
          const now = await assessNixWorkaround(w, { kind: "packages", packages: [pkg], workarounds: [], hosts: [], inputs: [], problems: [], files: 1 }, pkg, { ...options, version: to }, session);
          if (!now.droppable) continue;
          const old = before.workarounds.find((b) => b.key === w.key);
          const was = old && from ? await assessNixWorkaround(old, { kind: "packages", packages: [before], workarounds: [], hosts: [], inputs: [], problems: [], files: 1 }, before, { ...options, version: from }, session) : undefined;
          if (was?.droppable) continue;
          findings.push({
            rule: w.guard?.version ? "nix-guard-dead" : "nix-patch-droppable",
            level: "warning",
            path,
            line: w.line,
            endLine: w.endLine,
            component: pkg.name,
            message: w.guard?.version ? `this version guard is now always false at ${to}: remove it — ${now.reason}` : `the comment says this can go at ${to}: ${now.reason}`,
            // a guarded block sits inside list algebra (`… ++ lib.optionals c [ … ]`): deleting its lines alone would break the expression
            ...(w.kind === "version-guard" ? {} : suggestionOf(w, headLines)),
          });
        }
      }

      // hygiene, on what this change adds
      const baseKeys = new Set((before?.patches ?? []).map((e) => e.key));
      for (const entry of pkg.patches) {
        if (baseKeys.has(entry.key) || !isAdded(entry.line, entry.endLine)) continue;
        const at = { path, line: entry.line, endLine: entry.endLine, component: pkg.name };
        if (entry.url && /\/pull\/\d+(?:\/commits\/[0-9a-f]+)?\.(?:patch|diff)\b|patch-diff\.githubusercontent\.com\/raw\//.test(entry.url) && !/\/commits\/[0-9a-f]{7,}/.test(entry.url)) {
          findings.push({ rule: "nix-patch-hygiene", level: "warning", ...at, message: "a pull request's `.patch` URL changes with every push to the PR, and the hash breaks: fetch the commit (`/commit/<sha>.patch`) instead" });
        }
        if (entry.kind === "fetchpatch2" && entry.url && /^https:\/\/github\.com\//.test(entry.url) && !/full_index=1/.test(entry.url)) {
          findings.push({ rule: "nix-patch-hygiene", level: "notice", ...at, message: "GitHub patch URLs for `fetchpatch2` need `?full_index=1` so that the hash stays stable" });
        }
        if (entry.comments.length === 0 && entry.references.length === 0) {
          findings.push({ rule: "nix-patch-hygiene", level: "notice", ...at, message: "a new patch without a comment: say why it is needed and where it stands upstream (a link, or why it is not upstreamable), so that someone can tell when it can go" });
        }
        for (const g of entry.guards) {
          if (g.version && pkg.version && isReleaseVersion(pkg.version) && /(?:^|\.)version$/.test(g.version.subject) && scaleMismatch(pkg.version, g.version.bound)) {
            findings.push({ rule: "nix-guard-scale", level: "warning", path, line: g.line, component: pkg.name, message: `the guard \`${g.text}\` compares version ${pkg.version} with ${g.version.bound}, a bound on a different scale: it will never change — probably a typo` });
          }
        }
      }
      for (const w of pkg.workarounds) {
        if (!isAdded(w.line, w.endLine)) continue;
        if (w.kind === "substitute" && w.flag === "--replace") {
          findings.push({ rule: "nix-patch-hygiene", level: "notice", path, line: w.line, component: pkg.name, message: "`--replace` is deprecated: use `--replace-fail` so the build fails once the text is gone (or `--replace-warn`/`--replace-quiet` deliberately)" });
        }
        if (w.guard?.version && pkg.version && isReleaseVersion(pkg.version) && /(?:^|\.)version$/.test(w.guard.version.subject) && scaleMismatch(pkg.version, w.guard.version.bound)) {
          findings.push({ rule: "nix-guard-scale", level: "warning", path, line: w.guard.line, component: pkg.name, message: `the guard \`${w.guard.text}\` compares version ${pkg.version} with ${w.guard.version.bound}, a bound on a different scale: it will never change — probably a typo` });
        }
      }
    }
  }
  const failed = findings.some((f) => f.level === "failure");
  for (const c of components) if (findings.some((f) => f.component === c.name && f.level === "failure")) c.status = "failed";
  return { verdict: failed ? "failure" : "success", kind: "nix", components, findings };
}
