/**
 * A component's fingerprint: canonical JSON of everything that decides its rendered output, so that
 * two loads (a PR's base and head) can be compared component by component. Equal strings mean the
 * render inputs from configuration are the same; a comment or description edit leaves it unchanged,
 * a distro default change changes every member.
 *
 * Left out on purpose: where things were declared (origins, `via`), overlay `description` and
 * `metadata`, `check.skip_reason`'s sibling documentation fields (`failure`, `hints`),
 * `replace-reason`, and the name of the build target's distro version — none of them reach the
 * rendered files.
 */
import type { ComponentConfig, Distro, ProjectSettings } from "./types.js";

export interface FingerprintInput {
  config: Omit<ComponentConfig, "fingerprint">;
  renderedDir: string;
  settings: ProjectSettings;
  distros: Record<string, Distro>;
  /** content identities of files the render reads: overlay sources and the local spec directory */
  contentIds: Record<string, string | null>;
}

export function componentFingerprint(input: FingerprintInput): string {
  return assembleFingerprint(input.config.name, input.renderedDir, input.contentIds, renderInputsJson(input.config, input.settings, input.distros));
}

/**
 * The name-independent part of the fingerprint, as canonical JSON. Components with the same
 * effective configuration share it, which lets the loader compute it once for all bare entries.
 */
export function renderInputsJson(config: Omit<ComponentConfig, "fingerprint">, settings: ProjectSettings, distros: Record<string, Distro>): string {
  const upstream = resolveDistroVersion(distros, config.spec.upstreamDistro?.name || settings.defaultDistro.name, config.spec.upstreamDistro?.version);
  // The build target's version *name* is only the key its settings are found under: two versions
  // with the same settings (Azure Linux's 4.0-stage1 and 4.0-stage2) render alike. Its default
  // component config is part of the effective config already.
  const resolvedTarget = resolveDistroVersion(distros, settings.defaultDistro.name, settings.defaultDistro.version);
  const target = resolvedTarget ? { ...resolvedTarget, version: undefined } : null;
  return canonicalJson({
    spec: config.spec,
    upstream,
    target,
    authorEmail: settings.defaultAuthorEmail,
    overlays: config.overlays.map((overlay) => {
      const { origin: _origin, via: _via, description: _description, metadata: _metadata, ...rest } = overlay;
      return rest;
    }),
    release: config.release,
    render: config.render,
    build: {
      with: config.build.with,
      without: config.build.without,
      defines: config.build.defines,
      undefines: config.build.undefines,
      check: config.build.check,
      emitUpstreamProvenance: config.build.emitUpstreamProvenance,
    },
    sourceFiles: config.sourceFiles.map(({ replaceReason: _reason, ...rest }) => rest),
  });
}

/** Canonical JSON (keys in sorted order) of the whole fingerprint. */
export function assembleFingerprint(name: string, renderedDir: string, contentIds: Record<string, string | null>, inputsJson: string): string {
  let contents = "{}";
  for (const _key in contentIds) {
    contents = canonicalJson(contentIds);
    break;
  }
  return `{"contents":${contents},"inputs":${inputsJson},"name":${JSON.stringify(name)},"renderedDir":${JSON.stringify(renderedDir)},"v":1}`;
}

/** The distro version a reference names, with the settings that shape a render. */
export function resolveDistroVersion(
  distros: Record<string, Distro>,
  name: string | undefined,
  version: string | undefined,
): { name: string; version: string; releaseVer?: string; distGitBranch?: string; distGitBaseUri?: string; lookasideBaseUri?: string } | null {
  if (!name) return null;
  const distro = distros[name];
  const effectiveVersion = version || distro?.defaultVersion || "";
  const definition = distro?.versions[effectiveVersion];
  return {
    name,
    version: effectiveVersion,
    releaseVer: definition?.releaseVer,
    distGitBranch: definition?.distGitBranch,
    distGitBaseUri: distro?.distGitBaseUri,
    lookasideBaseUri: distro?.lookasideBaseUri,
  };
}

/** JSON with object keys sorted at every level and undefined members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}
