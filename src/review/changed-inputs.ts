import type { ComponentConfig } from "../azldev/index.js";
import type { AffectedComponent } from "./affected.js";
import { overlayIdentity } from "./affected.js";

/**
 * What of a component's render inputs a change touched, said the way a packager finds it again:
 * the field of the spec source, an overlay at file:line, a build option, an input file. Overlay
 * descriptions and metadata are not render inputs (they never reach the output) and are not listed.
 */
export interface ChangedInputs {
  inputs: string[];
  /** where a packager changes them: the first changed overlay, else the component's declaration */
  at?: { file: string; line: number };
  /**
   * false when the only change is which upstream commit is meant, said another way: the snapshot
   * date alone (a later snapshot often resolves to the same dist-git commit), or a snapshot turned
   * into an upstream-commit pin or back (the pin may name the very commit the snapshot resolved to).
   * An untouched render proves nothing until the commit is resolved.
   */
  decisive: boolean;
}

export function changedInputs(base: ComponentConfig | undefined, head: ComponentConfig, affected: AffectedComponent): ChangedInputs {
  const declared = head.declaredAt ? { file: head.declaredAt.file, line: head.declaredAt.line } : undefined;
  if (!base) return { inputs: [`${head.name} is newly declared${declared ? ` at ${declared.file}:${declared.line}` : ""}`], ...(declared ? { at: declared } : {}), decisive: true };
  const out: string[] = [];
  let at: { file: string; line: number } | undefined;
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (base.spec.type !== head.spec.type) out.push(`spec type (${base.spec.type || "none"} → ${head.spec.type || "none"})`);
  if (!same(base.spec.upstreamName, head.spec.upstreamName)) out.push(`upstream-name (${base.spec.upstreamName ?? head.name} → ${head.spec.upstreamName ?? head.name})`);
  const pinChanged = !same(base.spec.upstreamCommit, head.spec.upstreamCommit);
  if (pinChanged) out.push(`the upstream pin upstream-commit (${base.spec.upstreamCommit ?? "none"} → ${head.spec.upstreamCommit ?? "none"})`);
  const distroChanged = !same(base.spec.upstreamDistro, head.spec.upstreamDistro);
  const withoutSnapshot = (c: ComponentConfig, pin?: string) => ({ ...c.spec, upstreamCommit: pin, upstreamDistro: { ...c.spec.upstreamDistro, snapshot: undefined } });
  // Two names for one upstream commit: a snapshot date, or a pin that replaces (or is replaced by) a
  // snapshot. Two different pins are two different commits, and decide.
  const pinForSnapshot = pinChanged && (base.spec.upstreamCommit === undefined || head.spec.upstreamCommit === undefined) && distroChanged;
  const snapshotOnly =
    (distroChanged || pinForSnapshot) &&
    (!pinChanged || pinForSnapshot) &&
    same(withoutSnapshot(base), withoutSnapshot(head, base.spec.upstreamCommit));
  if (!same(base.spec.upstreamDistro, head.spec.upstreamDistro)) out.push(`the upstream distro or its snapshot (${describeDistro(base)} → ${describeDistro(head)})`);
  if (!same(base.spec.path, head.spec.path)) out.push(`the local spec path (${base.spec.path ?? "none"} → ${head.spec.path ?? "none"})`);
  if (!same(base.release, head.release)) out.push(`release calculation (${base.release.calculation} → ${head.release.calculation})`);
  if (!same(base.render, head.render)) out.push("render options");
  if (!same(base.build, head.build)) out.push(`build options (${buildKeys(base, head).join(", ")})`);
  if (!same(base.sourceFiles, head.sourceFiles)) out.push("source-files");
  const baseOverlays = base.overlays.map(overlayIdentity);
  const headOverlays = head.overlays.map(overlayIdentity);
  head.overlays.forEach((overlay, index) => {
    if (baseOverlays[index] === headOverlays[index]) return;
    at ??= { file: overlay.origin.file, line: overlay.origin.line };
    out.push(`${baseOverlays.includes(headOverlays[index] as string) ? "a moved" : index < baseOverlays.length ? "a changed" : "a new"} ${overlay.type} overlay at ${overlay.origin.file}:${overlay.origin.line}`);
  });
  if (baseOverlays.length > headOverlays.length && baseOverlays.slice(headOverlays.length).some((o) => !headOverlays.includes(o))) out.push(`${baseOverlays.length - headOverlays.length} overlay(s) removed`);
  for (const path of affected.inputPaths) out.push(`${path} (an input file)`);
  if (out.length === 0 && base.groups.join() !== head.groups.join()) out.push(`component groups (${base.groups.join(", ") || "none"} → ${head.groups.join(", ") || "none"})`);
  if (out.length === 0) out.push("a project, distro or group default");
  at ??= declared;
  const commitNames = (pinChanged ? 1 : 0) + (distroChanged ? 1 : 0);
  return { inputs: out, ...(at ? { at } : {}), decisive: !(snapshotOnly && out.length === commitNames) };
}

function describeDistro(c: ComponentConfig): string {
  const d = c.spec.upstreamDistro;
  if (!d) return "none";
  return [d.name, d.version, d.snapshot].filter(Boolean).join(" ");
}

function buildKeys(base: ComponentConfig, head: ComponentConfig): string[] {
  const a = base.build as unknown as Record<string, unknown>;
  const b = head.build as unknown as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null)).sort();
}
