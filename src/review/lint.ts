/**
 * Lints on overlays a pull request adds or changes (`overlay-lint`, `patch-metadata-missing`), and
 * the check that a registered patch is actually applied by %prep.
 */
import type { ConfiguredOverlay } from "../azldev/types.js";
import type { Finding } from "./types.js";
import { appliesTo, evaluateSpec, parseSpec, patchApplication, sourceFileName } from "../spec/index.js";
import { joinLines } from "./spec-scan.js";

/** Tags that legitimately occur many times in a package: spec-update-tag would rewrite all of them. */
const MULTI_VALUED = /^(buildrequires|requires|requires\(.+\)|provides|conflicts|obsoletes|recommends|suggests|supplements|enhances|orderwithrequires|buildconflicts|source\d*|patch\d*|exclusivearch|excludearch)$/i;

function at(overlay: ConfiguredOverlay): Pick<Finding, "path" | "line"> {
  return { path: overlay.origin.file, line: overlay.origin.line };
}

function label(overlay: ConfiguredOverlay): string {
  return overlay.description ? `"${overlay.description}"` : `${overlay.type} overlay`;
}

export function lintOverlays(
  component: string,
  overlays: readonly ConfiguredOverlay[],
  options: { inlineArrayIsConvention?: boolean } = {},
): Finding[] {
  const findings: Finding[] = [];
  const push = (overlay: ConfiguredOverlay, level: Finding["level"], message: string) =>
    findings.push({ rule: "overlay-lint", level, ...at(overlay), component, message });
  for (const o of overlays) {
    if (!o.description || o.description.trim() === "") {
      push(o, "warning", `this ${o.type} overlay has no description; say why the change is needed so that it can be dropped when it no longer is.`);
    }
    // a component that already lists its overlays inline keeps doing so: one more is no news
    if (o.via === "inline-array" && !options.inlineArrayIsConvention) {
      push(o, "notice", `${label(o)} is part of an inline \`overlays = [...]\` array; one \`[[components.${component}.overlays]]\` table per overlay keeps diffs and reviews readable.`);
    }
    if (o.type === "spec-search-replace" && o.regex !== undefined) {
      const anchored = o.regex.startsWith("^") && o.regex.endsWith("$");
      if (!o.section && !anchored) {
        push(o, "warning", `${label(o)} searches the whole spec (no \`section\`) with a pattern that is not anchored to a whole line; scope it with \`section\` (and \`package\`) so it cannot also hit %changelog, scriptlets or sub-packages.`);
      }
      if (o.replacement !== undefined && /\$(\d|\{\w+\}|[A-Za-z_])/.test(o.replacement)) {
        push(o, "warning", `${label(o)} uses \`${/\$(\d|\{\w+\}|[A-Za-z_]\w*)/.exec(o.replacement)?.[0]}\` in its replacement, but azldev inserts replacements literally: the characters are written into the spec as they are.`);
      }
      const tag = /^\^?(?:\\s\*)?([A-Za-z][A-Za-z0-9_]*):/.exec(o.regex);
      if (tag && !MULTI_VALUED.test(tag[1] as string) && o.replacement !== undefined) {
        const name = tag[1] as string;
        if (o.replacement.trim().toLowerCase().startsWith(`${name.toLowerCase()}:`)) {
          push(o, "notice", `${label(o)} rewrites the \`${name}:\` tag with a regular expression; \`type = "spec-update-tag"\` with \`tag = "${name}"\` says the same and fails loudly when the tag disappears.`);
        } else if (o.replacement === "") {
          push(o, "notice", `${label(o)} blanks a \`${name}:\` line with a regular expression; \`type = "spec-remove-tag"\` removes the line instead of leaving it empty.`);
        }
      }
    }
  }
  return findings;
}

const URL = /https?:\/\/\S+/;

export function isPatchOverlay(o: ConfiguredOverlay): boolean {
  if (o.type === "patch-add") return true;
  const name = o.file ?? o.source ?? "";
  return o.type === "file-add" && /\.(patch|diff)$/i.test(name);
}

/** New downstream patches without an upstream status or a link. */
export function lintPatchMetadata(component: string, overlays: readonly ConfiguredOverlay[]): Finding[] {
  const findings: Finding[] = [];
  for (const o of overlays) {
    if (!isPatchOverlay(o)) continue;
    const m = o.metadata ?? {};
    const hasStatus = typeof m["upstream-status"] === "string" && m["upstream-status"] !== "";
    const hasLink = URL.test(o.description ?? "") || (m.commits?.length ?? 0) > 0 || (m.bugs?.length ?? 0) > 0;
    if (hasStatus || hasLink) continue;
    const file = (o.file ?? o.source ?? "").split("/").pop();
    findings.push({
      rule: "patch-metadata-missing",
      level: "warning",
      path: o.origin.file,
      line: o.origin.line,
      component,
      message: `downstream patch ${file} has no upstream status or link: record where it stands upstream (metadata \`upstream-status\`, and the upstream PR, commit or bug) so that it can be tracked and dropped once upstream has it.`,
    });
  }
  return findings;
}

/**
 * Patch tags added by `newPatchFiles` that %prep never applies: the spec uses explicit `%patch N`
 * lines instead of %autosetup/%autopatch, so registering the patch alone changes nothing.
 */
export function unappliedPatches(specLinesOf: readonly string[], newPatchFiles: ReadonlySet<string>): { file: string; number: number; line: number }[] {
  if (newPatchFiles.size === 0) return [];
  const spec = parseSpec(joinLines(specLinesOf));
  const evaluation = evaluateSpec(spec);
  const entries = evaluation.entries;
  // Review does not know the distro's macros, so any applying line counts, whatever its conditionals.
  const { applications } = patchApplication(spec, { evaluation });
  const out: { file: string; number: number; line: number }[] = [];
  for (const entry of entries) {
    if (entry.kind !== "Patch" || entry.fromList || entry.number === undefined) continue;
    const number = entry.number;
    // the expanded name, or the name as written when a macro in the value is unknown here
    const file = [entry.fileName, sourceFileName(entry.value, { asWritten: true })].find((f) => f !== undefined && newPatchFiles.has(f));
    if (!file) continue;
    if (!applications.some((app) => appliesTo(app, "Patch", number))) out.push({ file, number, line: entry.line });
  }
  return out;
}
