import { posix } from "node:path";
import type { ComponentConfig, Project } from "../azldev/types.js";
import type { RepoView } from "../repo/types.js";
import { UpstreamError, type UpstreamCheckout, type UpstreamSource } from "../upstream/types.js";
import { goQuote } from "./go-format.js";
import type { ComponentLock } from "./lock-file.js";

/** What fetching a component yields: the component dir's files and, for upstream ones, the checkout. */
export interface FetchedComponent {
  kind: "local" | "upstream";
  /** every file of the component dir (no `.git`), spec already renamed to `<name>.spec` */
  files: Map<string, Uint8Array>;
  /** the upstream checkout as fetched (before the rename), for git history and dirty detection */
  checkout?: UpstreamCheckout;
  upstreamName?: string;
  releaseVer?: string;
  distroName?: string;
}

export class FetchError extends Error {
  constructor(message: string, readonly reason?: string) {
    super(message);
    this.name = "FetchError";
  }
}

function isGitInternal(path: string): boolean {
  return path === ".git" || path.startsWith(".git/");
}

/** AZLDEV.md §4.4: the whole directory holding the local spec; the spec must be `<name>.spec`. */
export async function fetchLocal(config: ComponentConfig, repo: RepoView): Promise<FetchedComponent> {
  const specPath = config.spec.path;
  if (!specPath) throw new FetchError(`component ${goQuote(config.name)} has no local spec path`);
  const dir = posix.dirname(specPath) === "." ? "" : posix.dirname(specPath);
  const files = new Map<string, Uint8Array>();
  for (const entry of await repo.list(dir, { recursive: true })) {
    const relative = dir ? entry.path.slice(dir.length + 1) : entry.path;
    if (isGitInternal(relative) || entry.kind === "dir") continue;
    if (entry.kind !== "file") {
      throw new FetchError(`${entry.path}: refusing to copy a ${entry.kind} into the rendered tree`);
    }
    const bytes = await repo.readFile(entry.path);
    if (bytes !== undefined) files.set(relative, bytes);
  }
  const specName = `${config.name}.spec`;
  if (!files.has(specName)) {
    throw new FetchError(
      `spec file ${goQuote(specName)} not found in ${goQuote(dir || ".")}; a local spec must be named after its component`,
    );
  }
  return { kind: "local", files };
}

/** AZLDEV.md §1.8 / §4.3: distro resolution, commit choice (lock, pin, snapshot, head), rename. */
export async function fetchUpstream(
  config: ComponentConfig,
  project: Project,
  upstream: UpstreamSource | undefined,
  lock: ComponentLock | undefined,
): Promise<FetchedComponent> {
  const reference = config.spec.upstreamDistro;
  const effective = reference?.name ? reference : project.settings.defaultDistro;
  const distroName = effective.name;
  const distro = project.distros[distroName];
  if (!distro) throw new FetchError(`distro ${goQuote(distroName)} is not defined`, "invalid");
  const versionName = effective.version || distro.defaultVersion || "";
  if (!versionName) throw new FetchError(`distro ${goQuote(distroName)} has no default version and none was given`, "invalid");
  const version = distro.versions[versionName];
  if (!version) throw new FetchError(`distro ${goQuote(distroName)} has no version ${goQuote(versionName)}`, "invalid");
  const upstreamName = config.spec.upstreamName || config.name;
  if (upstreamName.includes("$pkg")) throw new FetchError(`upstream name ${goQuote(upstreamName)} must not contain $pkg`, "invalid");
  if (!upstream) {
    throw new UpstreamError(config.name, "no-provider", `no upstream source is configured to fetch ${goQuote(upstreamName)}`);
  }
  const commit = lock?.upstreamCommit || config.spec.upstreamCommit || undefined;
  const snapshot = commit ? undefined : reference?.snapshot || effective.snapshot;
  const checkout = await upstream.fetch({
    component: config.name,
    upstreamName,
    distro,
    version,
    ...(commit ? { commit } : {}),
    ...(snapshot ? { snapshot } : {}),
  });
  const files = new Map<string, Uint8Array>();
  for (const [path, bytes] of checkout.files) if (!isGitInternal(path)) files.set(path, bytes);
  const specName = `${config.name}.spec`;
  if (upstreamName !== config.name) {
    const upstreamSpec = files.get(`${upstreamName}.spec`);
    if (upstreamSpec !== undefined) {
      files.delete(`${upstreamName}.spec`);
      files.set(specName, upstreamSpec);
    }
  }
  if (!files.has(specName)) {
    throw new FetchError(`upstream ${goQuote(upstreamName)} has no spec file ${goQuote(`${upstreamName}.spec`)}`);
  }
  return {
    kind: "upstream",
    files,
    checkout,
    upstreamName,
    distroName: distroName,
    ...(version.releaseVer !== undefined ? { releaseVer: version.releaseVer } : {}),
  };
}
