/**
 * azldev merges component-config layers with Go's mergo (override + append-slice). The observable
 * rules, emulated here (AZLDEV.md §1.6):
 *   - strings: a later layer wins only with a non-empty value;
 *   - booleans: a later `true` wins, a later `false` never switches an inherited `true` off;
 *   - nested tables: field by field;
 *   - arrays: concatenated, inherited items first;
 *   - maps (build.defines): key by key, a later non-empty value wins, new keys are added;
 *   - `overlay-files`: replaced whenever the later layer sets the key at all (even to []).
 * Merging never mutates its inputs.
 */
import type { BuildLayer, ComponentLayer, SpecLayer } from "./decode.js";
import { emptyLayer } from "./decode.js";

export function mergeLayers(layers: readonly ComponentLayer[]): ComponentLayer {
  let merged = emptyLayer();
  for (const layer of layers) merged = mergeTwo(merged, layer);
  return merged;
}

/** `base` overridden by `over`, as a new layer. */
export function mergeTwo(base: ComponentLayer, over: ComponentLayer): ComponentLayer {
  if (over.empty) return base;
  const merged: ComponentLayer = {
    spec: mergeSpec(base.spec, over.spec),
    release: pick({ calculation: str(base.release.calculation, over.release.calculation) }),
    render: pick({ skipFileFilter: bool(base.render.skipFileFilter, over.render.skipFileFilter) }),
    build: mergeBuild(base.build, over.build),
    overlays: over.overlays.length === 0 ? base.overlays : [...base.overlays, ...over.overlays],
    sourceFiles: over.sourceFiles.length === 0 ? base.sourceFiles : [...base.sourceFiles, ...over.sourceFiles],
  };
  const overlayFiles = over.overlayFiles ?? base.overlayFiles;
  if (overlayFiles) merged.overlayFiles = overlayFiles;
  return merged;
}

function mergeSpec(base: SpecLayer, over: SpecLayer): SpecLayer {
  const spec: SpecLayer = pick({
    type: str(base.type, over.type),
    path: str(base.path, over.path),
    upstreamName: str(base.upstreamName, over.upstreamName),
    upstreamCommit: str(base.upstreamCommit, over.upstreamCommit),
  });
  const a = base.upstreamDistro;
  const b = over.upstreamDistro;
  if (a || b) {
    spec.upstreamDistro = pick({
      name: str(a?.name, b?.name),
      version: str(a?.version, b?.version),
      snapshot: str(a?.snapshot, b?.snapshot),
    });
  }
  return spec;
}

function mergeBuild(base: BuildLayer, over: BuildLayer): BuildLayer {
  let defines = base.defines;
  const overDefines = Object.entries(over.defines);
  if (overDefines.length > 0) {
    defines = { ...base.defines };
    for (const [key, value] of overDefines) {
      if (!(key in defines) || value !== "") defines[key] = value;
    }
  }
  return pick({
    with: concat(base.with, over.with),
    without: concat(base.without, over.without),
    defines,
    undefines: concat(base.undefines, over.undefines),
    emitUpstreamProvenance: bool(base.emitUpstreamProvenance, over.emitUpstreamProvenance),
    check: pick({ skip: bool(base.check.skip, over.check.skip), skipReason: str(base.check.skipReason, over.check.skipReason) }),
    failure: pick({
      expected: bool(base.failure.expected, over.failure.expected),
      expectedReason: str(base.failure.expectedReason, over.failure.expectedReason),
    }),
    hints: pick({ expensive: bool(base.hints.expensive, over.hints.expensive) }),
  }) as BuildLayer;
}

function concat<T>(a: T[], b: T[]): T[] {
  return b.length === 0 ? a : a.length === 0 ? b : [...a, ...b];
}

function str(current: string | undefined, next: string | undefined): string | undefined {
  return next !== undefined && next !== "" ? next : current;
}

function bool(current: boolean | undefined, next: boolean | undefined): boolean | undefined {
  if (next === true) return true;
  return current ?? next;
}

/** The same object without its undefined members (built fresh, never with `delete`). */
function pick<T extends object>(object: T): T {
  const out = {} as Record<string, unknown>;
  for (const key in object) {
    const value = (object as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}
