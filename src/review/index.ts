/**
 * The review engine: `reviewChange` checks a change (base → head) of an azldev distro repository,
 * reports findings with stable rule IDs and offers a fix that is verified by checking it again.
 */
import { defaultDeps, type ReviewDeps } from "./deps.js";
import { analyseChange, text, type Analysis, type ComponentReview } from "./engine.js";
import type { ReviewChangeInput } from "./input.js";
import { LayeredRepoView } from "./layered-view.js";
import { sharedProjectCache, type ProjectCache } from "./project-cache.js";
import { diffLineArrays } from "./line-diff.js";
import { combinedDiff, type FileEdit } from "./patch-text.js";
import { applyRuleLevels, compareFindings, waiverFor } from "./policy.js";
import { specLines } from "./spec-scan.js";
import { synthesiseFix, type ComponentFix } from "./synthesis.js";
import type { Finding, FixProposal, ReviewResult } from "./types.js";

export type { ReviewChangeInput, RuleSetting, Waiver } from "./input.js";
export type { ReviewDeps } from "./deps.js";
export { defaultDeps } from "./deps.js";
export * from "./types.js";
export { analyseChange, type Analysis, type ComponentReview } from "./engine.js";
export { synthesiseFix, type ComponentFix } from "./synthesis.js";
export { combinedDiff, fileDiff, type FileEdit } from "./patch-text.js";
export { LayeredRepoView } from "./layered-view.js";
export { ProjectCache, sharedProjectCache } from "./project-cache.js";
export { applyPolicy, applyRuleLevels, compareFindings, waiverFor, type Conclusion, type Policy, type PolicyOutcome } from "./policy.js";
export { renderMarkdown, toJson, toAnnotations } from "../report/index.js";

export interface ReviewOptions {
  /** the modules the engine runs on; the real ones by default */
  deps?: ReviewDeps;
  /** synthesise and verify a fix (default true) */
  fix?: boolean;
  /** loaded projects to reuse; the process-wide cache by default */
  projects?: ProjectCache;
}

function isWaived(f: Finding, input: ReviewChangeInput): boolean {
  return waiverFor(f, input.config?.waivers) !== undefined;
}

function findingsOf(analysis: Analysis, input: ReviewChangeInput): Finding[] {
  const all = [...analysis.findings, ...analysis.components.flatMap((c) => c.findings)];
  return applyRuleLevels(all, input.config?.ruleLevels).sort(compareFindings);
}

function failing(findings: readonly Finding[], input: ReviewChangeInput): Finding[] {
  return findings.filter((f) => f.level === "failure" && !isWaived(f, input));
}

/** Review one change. Never throws on bad repository content: problems become findings. */
export async function reviewChange(input: ReviewChangeInput, options: ReviewOptions = {}): Promise<ReviewResult> {
  const deps = options.deps ?? (await defaultDeps());
  const projects = options.projects ?? sharedProjectCache;
  const analysis = await analyseChange(input, deps, projects);
  let findings = findingsOf(analysis, input);
  const components = analysis.components.map((c) => c.verdict);
  const failures = failing(findings, input);
  let fix: ReviewResult["fix"];
  if (failures.length > 0 && options.fix !== false) {
    const built = await buildFix(analysis, input, deps, failures, projects);
    findings = built.findings;
    fix = built.fix;
  }
  const unverified = components.some((c) => c.status === "unverified") || analysis.deferred.length > 0;
  const verdict = failing(findings, input).length > 0 ? "failure" : unverified ? "neutral" : "success";
  return { verdict, components, findings, ...(fix ? { fix } : {}), ...(analysis.deferred.length > 0 ? { deferred: analysis.deferred } : {}) };
}

interface BuiltFix {
  findings: Finding[];
  fix?: ReviewResult["fix"];
}

async function buildFix(analysis: Analysis, input: ReviewChangeInput, deps: ReviewDeps, failures: Finding[], projects: ProjectCache): Promise<BuiltFix> {
  const names = new Set(failures.map((f) => f.component).filter((c): c is string => c !== undefined));
  const fixes: ComponentFix[] = [];
  const changed = new Set(analysis.changedPaths);
  for (const review of analysis.components) {
    if (!names.has(review.name)) continue;
    if (review.verdict.status === "failed" || review.verdict.status === "unverified") continue;
    const fix = await synthesiseFix(review, { head: input.head, project: analysis.head, deps, changed });
    if (fix) fixes.push(fix);
  }
  let findings = findingsOf(analysis, input);
  const usable = fixes.filter((f) => f.edits.length > 0).sort((a, b) => (a.component < b.component ? -1 : a.component > b.component ? 1 : 0));
  const none = (note: string) => () => ({ verified: false, note });
  if (usable.length === 0) {
    const why = fixes.flatMap((f) => f.unsynthesised);
    return { findings: attachProposals(findings, fixes, none(why.join("; ") || "no fix could be synthesised")) };
  }
  const edits = usable.flatMap((f) => f.edits);
  const patch = combinedDiff(edits);
  const verification = await verify(analysis, input, deps, edits, projects);
  // what the author will run: a fix that git does not take on the head is never "verified" — the
  // whole fix, and each component's part, which is offered on its own too
  const gitRefusal = new Map<string, string>();
  if (!verification.unverifiedReason && deps.checkPatch) {
    const check = deps.checkPatch;
    const run = (p: string, e: readonly FileEdit[]) => check(p, e, input.head).catch((error: unknown) => `git apply could not be run: ${error instanceof Error ? error.message : String(error)}`);
    const refused = await run(patch, edits);
    if (refused) verification.unverifiedReason = refused;
    else if (usable.length > 1) {
      for (const cf of usable) {
        const own = await run(combinedDiff(cf.edits), cf.edits);
        if (own) gitRefusal.set(cf.component, own);
      }
    }
  }
  const unsynthesised = fixes.flatMap((f) => f.unsynthesised);
  const notes = fixes.flatMap((f) => f.notes);
  // a problem the fix itself introduced (a comp.toml it broke) may name no component: it counts
  // against every component whose part of the fix edited that file
  const remainingIn = new Set(verification.remaining.map((f) => f.component));
  for (const f of verification.remaining) {
    for (const cf of fixes) if (cf.edits.some((e) => e.path === f.path)) remainingIn.add(cf.component);
  }
  const dropped = unsynthesised.length ? [`Not reproduced by any overlay, and dropped by the re-render: ${unsynthesised.join("; ")}`] : [];
  if (verification.remaining.length > 0) {
    const note = `no fix is offered: after applying the synthesised one, ${verification.remaining.length} problem(s) remain (${verification.remaining
      .slice(0, 3)
      .map((f) => `${f.rule} at ${f.path}${f.line ? `:${f.line}` : ""}`)
      .join(", ")})${unsynthesised.length ? `; not reproduced by any overlay: ${unsynthesised.join("; ")}` : ""}`;
    // a component whose own problems the fix clears still gets its part, checked with the rest
    findings = attachProposals(findings, fixes, (cf) =>
      remainingIn.has(cf.component) || cf.edits.length === 0
        ? { verified: false, note }
        : {
            verified: !verification.unverifiedReason && !gitRefusal.has(cf.component),
            patch: true,
            ...(cf.notes.length || cf.unsynthesised.length || gitRefusal.has(cf.component) ? { note: sentences([...(gitRefusal.has(cf.component) ? [`On its own: ${gitRefusal.get(cf.component) as string}`] : []), ...cf.notes, ...cf.unsynthesised]) } : {}),
          },
    );
    return { findings };
  }
  const noteParts = [...(verification.unverifiedReason ? [verification.unverifiedReason] : []), ...dropped, ...notes];
  const verified = !verification.unverifiedReason;
  const note = noteParts.length ? sentences(noteParts) : undefined;
  findings = attachSuggestions(findings, analysis.components, fixes);
  // each component's proposal carries its own notes; the combined fix keeps them all
  findings = attachProposals(findings, fixes, (cf) => {
    const refusal = gitRefusal.get(cf.component);
    const own = [
      ...(verification.unverifiedReason ? [verification.unverifiedReason] : []),
      ...(refusal ? [`On its own: ${refusal}`] : []),
      ...(cf.unsynthesised.length ? [`Not reproduced by any overlay, and dropped by the re-render: ${cf.unsynthesised.join("; ")}`] : []),
      ...cf.notes,
    ];
    return { verified: verified && !refusal, patch: true, ...(own.length ? { note: sentences(own) } : {}) };
  });
  return { findings, fix: { patch, verified, ...(note ? { note } : {}) } };
}

/** Notes are written as separate sentences; joined, each must still end as one. */
export function sentences(parts: readonly string[]): string {
  return parts
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => (/[.!?:]$/.test(part) ? part : `${part}.`))
    .join(" ");
}

/** Applies the fix to the head in memory and checks the change again. */
async function verify(
  analysis: Analysis,
  input: ReviewChangeInput,
  deps: ReviewDeps,
  edits: FileEdit[],
  projects: ProjectCache,
): Promise<{ remaining: Finding[]; unverifiedReason?: string }> {
  const layer = new Map<string, Uint8Array | null>();
  for (const e of edits) layer.set(e.path, e.after ?? null);
  const head = new LayeredRepoView(input.head, layer);
  const changedPaths = [...new Set([...analysis.changedPaths, ...edits.map((e) => e.path)])].sort();
  const again = await analyseChange({ ...input, head, changedPaths }, deps, projects);
  const findings = findingsOf(again, input);
  const remaining = failing(findings, input);
  const unverified = again.components.filter((c) => c.verdict.status === "unverified");
  return {
    remaining,
    ...(unverified.length
      ? { unverifiedReason: `Not verified: ${unverified.map((c) => `${c.name} (${c.verdict.reason ?? "cannot be re-rendered"})`).join(", ")}.` }
      : {}),
  };
}

interface ProposalStatus {
  verified: boolean;
  /** include the component's part of the patch */
  patch?: boolean;
  note?: string;
}

function attachProposals(findings: Finding[], fixes: ComponentFix[], statusOf: (fix: ComponentFix) => ProposalStatus): Finding[] {
  const byComponent = new Map(fixes.map((f) => [f.component, f]));
  return findings.map((f) => {
    if (f.level !== "failure" || !f.component) return f;
    const cf = byComponent.get(f.component);
    if (!cf) return f;
    const status = statusOf(cf);
    const componentPatch = status.patch ? combinedDiff(cf.edits) || undefined : undefined;
    const note = status.note ?? (cf.unsynthesised.length ? cf.unsynthesised.join("; ") : undefined);
    const proposal: FixProposal = { summary: cf.summary, verified: status.verified, ...(componentPatch ? { patch: componentPatch } : {}), ...(note ? { note } : {}) };
    return { ...f, fix: proposal };
  });
}

/** Review suggestions: replacements of head lines by what the fixed render has there. */
function attachSuggestions(findings: Finding[], reviews: ComponentReview[], fixes: ComponentFix[]): Finding[] {
  const out = [...findings];
  for (const fix of fixes) {
    const review = reviews.find((r) => r.name === fix.component);
    if (!review) continue;
    for (const [rel, before] of review.committed) {
      const after = fix.rendered.get(rel);
      if (after === undefined) continue;
      const path = `${review.dir}/${rel}`;
      const head = specLines(text(before));
      for (const h of diffLineArrays(head, specLines(text(after)))) {
        // an insertion is suggested as the line before it followed by the inserted lines
        if (h.removed.length === 0 && h.oldStart === 0) continue;
        const insertion = h.removed.length === 0;
        const startLine = insertion ? h.oldStart : h.oldStart + 1;
        const endLine = insertion ? h.oldStart : h.oldStart + h.removed.length;
        const replacement = insertion ? [head[h.oldStart - 1] as string, ...h.added] : h.added;
        const i = out.findIndex(
          (f) =>
            f.path === path &&
            !f.suggestion &&
            f.level === "failure" &&
            f.line !== undefined &&
            f.line <= endLine + (insertion ? 1 : 0) &&
            (f.endLine ?? f.line) >= startLine,
        );
        if (i < 0) continue;
        out[i] = { ...(out[i] as Finding), suggestion: { startLine, endLine, replacement } };
      }
    }
  }
  return out;
}
