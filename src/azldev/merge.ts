/**
 * azldev merges component-config layers with Go's mergo (override + append-slice). The observable
 * rules, emulated here (AZLDEV.md §1.6):
 *   - strings: a later layer wins only with a non-empty value;
 *   - booleans: a later `true` wins, a later `false` never switches an inherited `true` off;
 *   - nested tables: field by field;
 *   - arrays: concatenated, inherited items first;
 *   - maps (build.defines): key by key, a later non-empty value wins, new keys are added;
 *   - `overlay-files`: replaced whenever the later layer sets the key at all (even to []).
 */
import type { BuildLayer, ComponentLayer, SpecLayer } from "./decode.js";
import { emptyLayer } from "./decode.js";

export function mergeLayers(layers: readonly ComponentLayer[]): ComponentLayer {
  const merged = emptyLayer();
  for (const layer of layers) mergeInto(merged, layer);
  return merged;
}

/** Mutates `into` with the overrides of `from`. */
export function mergeInto(into: ComponentLayer, from: ComponentLayer): void {
  mergeSpec(into.spec, from.spec);
  into.release.calculation = str(into.release.calculation, from.release.calculation);
  into.render.skipFileFilter = bool(into.render.skipFileFilter, from.render.skipFileFilter);
  mergeBuild(into.build, from.build);
  into.overlays = [...into.overlays, ...from.overlays];
  if (from.overlayFiles) into.overlayFiles = { patterns: [...from.overlayFiles.patterns], at: from.overlayFiles.at };
  into.sourceFiles = [...into.sourceFiles, ...from.sourceFiles];
}

function mergeSpec(into: SpecLayer, from: SpecLayer): void {
  into.type = str(into.type, from.type);
  into.path = str(into.path, from.path);
  into.upstreamName = str(into.upstreamName, from.upstreamName);
  into.upstreamCommit = str(into.upstreamCommit, from.upstreamCommit);
  if (from.upstreamDistro) {
    const target = (into.upstreamDistro ??= {});
    target.name = str(target.name, from.upstreamDistro.name);
    target.version = str(target.version, from.upstreamDistro.version);
    target.snapshot = str(target.snapshot, from.upstreamDistro.snapshot);
  }
  stripUndefined(into);
  if (into.upstreamDistro) stripUndefined(into.upstreamDistro);
}

function mergeBuild(into: BuildLayer, from: BuildLayer): void {
  into.with = [...into.with, ...from.with];
  into.without = [...into.without, ...from.without];
  into.undefines = [...into.undefines, ...from.undefines];
  for (const [key, value] of Object.entries(from.defines)) {
    if (!(key in into.defines) || value !== "") into.defines[key] = value;
  }
  into.emitUpstreamProvenance = bool(into.emitUpstreamProvenance, from.emitUpstreamProvenance);
  into.check.skip = bool(into.check.skip, from.check.skip);
  into.check.skipReason = str(into.check.skipReason, from.check.skipReason);
  into.failure.expected = bool(into.failure.expected, from.failure.expected);
  into.failure.expectedReason = str(into.failure.expectedReason, from.failure.expectedReason);
  into.hints.expensive = bool(into.hints.expensive, from.hints.expensive);
  stripUndefined(into);
  stripUndefined(into.check);
  stripUndefined(into.failure);
  stripUndefined(into.hints);
}

function str(current: string | undefined, next: string | undefined): string | undefined {
  return next !== undefined && next !== "" ? next : current;
}

function bool(current: boolean | undefined, next: boolean | undefined): boolean | undefined {
  if (next === true) return true;
  return current ?? next;
}

function stripUndefined(object: object): void {
  const record = object as Record<string, unknown>;
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
}
