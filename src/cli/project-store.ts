/**
 * A persistent cache of loaded projects for the command line. Loading the full Azure Linux
 * configuration (7,583 components) costs most of a `components` or `patches` run, and a second
 * load for the head and a third for the head with the fix most of a `check`; CI jobs and hooks ask
 * for the same content again and again.
 *
 * A project is stored under what its load read (every file, listing and lookup, by content id), so
 * it is found again for any commit — or fix on top of one — that holds the same configuration, and
 * never for one that does not. A working tree is never cached (its files change under us).
 */
import { loadProject, type Project } from "../azldev/index.js";
import { cacheFilesIn } from "../cache/files.js";
import { shareEqualParts } from "../cache/shared-parts.js";
import { isPinnedView, RecordingView } from "../repo/recorded-reads.js";
import type { RepoView } from "../repo/types.js";
import { codeVersion } from "./code-version.js";
import type { CliIO } from "./io.js";
import { ReadKeyedStore } from "./read-keyed-store.js";
import { cacheDirectory } from "./upstream-choice.js";

const FORMAT = "specwarden-project-v3";
/** The modules whose code decides what a loaded project holds. */
const LOADER_MODULES = ["azldev", "glob", "overlays", "spec"];

function enabled(io: CliIO): boolean {
  return io.env["SPECWARDEN_PROJECT_CACHE"] !== "0";
}

/** `loadProject`, served from the cache when the view holds configuration that was loaded before. */
export async function loadProjectCached(repo: RepoView, io: CliIO): Promise<Project> {
  if (!isPinnedView(repo) || !enabled(io)) return loadProject(repo);
  const store = new ReadKeyedStore<Project>(cacheFilesIn(cacheDirectory(io), ["projects"]), { version: await codeVersion(FORMAT, LOADER_MODULES) });
  const cached = await store.find(repo);
  if (cached?.components instanceof Map) return cached;
  const recorder = new RecordingView(repo);
  const project = await loadProject(recorder);
  // stored with its equal parts shared: read back in a third of the time (see cache/shared-parts)
  if (recorder.reusable) await store.save(recorder.reads, shareEqualParts(project));
  return project;
}
