/**
 * Which components a change touches, from effective configuration rather than text: a comment-only
 * edit of a TOML file touches nothing, a distro or group default touches every member (their
 * fingerprints change), a changed overlay source file or lock touches its component, and a change
 * under a rendered dir touches that component.
 */
import type { ComponentConfig, Overlay, Project } from "../azldev/types.js";
import { renderedPathOf } from "./tree.js";

export interface AffectedComponent {
  name: string;
  /** changed paths under the component's rendered dir */
  renderedPaths: string[];
  /** the effective config (fingerprint), an overlay source file, the lock or the local spec changed */
  configChanged: boolean;
  /** why the component is affected, for people */
  reasons: string[];
  /** changed content inputs: overlay source files, the lock file, local spec files */
  inputPaths: string[];
}

const RENDER_KEYS = ["type", "tag", "value", "section", "package", "regex", "replacement", "lines", "file", "source", "archive"] as const;

/** What of an overlay affects the rendered output (not its description or metadata). */
export function overlayIdentity(o: Overlay): string {
  const rec = o as unknown as Record<string, unknown>;
  return JSON.stringify(RENDER_KEYS.map((k) => rec[k] ?? null));
}

/** Everything of a component's config that affects the render, except its overlay list. */
export function sourceIdentity(c: ComponentConfig): string {
  return JSON.stringify([c.spec, c.release, c.render, c.build, c.sourceFiles]);
}

function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i < 0 ? "" : p.slice(0, i);
}

/** Files whose content feeds a component's render besides the TOML: overlay sources, local spec dir, lock. */
export function inputFilesOf(project: Project, c: ComponentConfig): { files: string[]; dirs: string[] } {
  const files = new Set<string>();
  for (const o of c.overlays) if (o.source) files.add(o.source);
  const lockDir = project.settings.lockDir;
  files.add(`${lockDir ? `${lockDir}/` : ""}${c.name}.lock`);
  const dirs: string[] = [];
  if (c.spec.type === "local" && c.spec.path) dirs.push(dirname(c.spec.path));
  return { files: [...files], dirs };
}

export function affectedComponents(base: Project, head: Project, changedPaths: readonly string[], renderedSpecsDir: string): Map<string, AffectedComponent> {
  const affected = new Map<string, AffectedComponent>();
  const entry = (name: string): AffectedComponent => {
    let a = affected.get(name);
    if (!a) {
      a = { name, renderedPaths: [], configChanged: false, reasons: [], inputPaths: [] };
      affected.set(name, a);
    }
    return a;
  };
  const changed = new Set(changedPaths);
  for (const path of changedPaths) {
    const r = renderedPathOf(renderedSpecsDir, path);
    if (r) entry(r.component).renderedPaths.push(path);
  }
  const names = new Set([...base.components.keys(), ...head.components.keys()]);
  for (const name of names) {
    const b = base.components.get(name);
    const h = head.components.get(name);
    if (!b || !h) {
      const a = entry(name);
      a.configChanged = true;
      a.reasons.push(b ? "the component was removed" : "the component is new");
      continue;
    }
    if (b.fingerprint !== h.fingerprint) {
      const a = entry(name);
      a.configChanged = true;
      if (sourceIdentity(b) !== sourceIdentity(h)) a.reasons.push("its spec source or build settings changed");
      else a.reasons.push("its overlays changed");
    }
  }
  // content inputs: only look them up when the change has paths outside the rendered tree
  const outside = changedPaths.filter((p) => !renderedPathOf(renderedSpecsDir, p));
  if (outside.length > 0) {
    for (const project of [base, head]) {
      const lockDir = project.settings.lockDir;
      const lockPrefix = lockDir ? `${lockDir}/` : "";
      // components whose lock file changed, by name: no per-component path to build
      const changedLocks = new Set(outside.filter((p) => p.startsWith(lockPrefix) && p.endsWith(".lock")).map((p) => p.slice(lockPrefix.length, -".lock".length)));
      for (const c of project.components.values()) {
        // quick rejection first: thousands of components, almost none touched
        const local = c.spec.type === "local" && c.spec.path ? `${dirname(c.spec.path)}/` : undefined;
        if (!changedLocks.has(c.name) && !c.overlays.some((o) => o.source !== undefined && changed.has(o.source)) && !(local && outside.some((p) => p.startsWith(local)))) {
          continue;
        }
        const { files, dirs } = inputFilesOf(project, c);
        const hits = [...files.filter((f) => changed.has(f)), ...outside.filter((p) => dirs.some((d) => p.startsWith(`${d}/`)))];
        if (hits.length === 0) continue;
        const a = entry(c.name);
        a.configChanged = true;
        for (const hit of hits) {
          if (a.inputPaths.includes(hit)) continue;
          a.inputPaths.push(hit);
          a.reasons.push(hit.endsWith(".lock") ? `its lock file ${hit} changed` : `its input file ${hit} changed`);
        }
      }
    }
  }
  return affected;
}
