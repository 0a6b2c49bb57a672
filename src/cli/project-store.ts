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
import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadProject, type Project } from "../azldev/index.js";
import { cacheFilesIn } from "../cache/files.js";
import { isPinnedView, RecordingView } from "../repo/recorded-reads.js";
import type { RepoView } from "../repo/types.js";
import type { CliIO } from "./io.js";
import { ReadKeyedStore } from "./read-keyed-store.js";
import { cacheDirectory } from "./upstream-choice.js";

const FORMAT = "specwarden-project-v2";
/** The modules whose code decides what a loaded project holds. */
const LOADER_MODULES = ["azldev", "glob", "overlays", "spec"];

let codeKey: Promise<string> | undefined;

/** Size and modification time of every module the loader runs: a rebuilt loader never reads an old entry. */
function loaderCodeKey(): Promise<string> {
  codeKey ??= (async () => {
    const root = dirname(dirname(fileURLToPath(import.meta.url)));
    const hash = createHash("sha256").update(FORMAT);
    for (const module of LOADER_MODULES) {
      const names = (await readdir(join(root, module)).catch(() => [] as string[])).filter((n) => n.endsWith(".js")).sort();
      for (const name of names) {
        const info = await stat(join(root, module, name));
        hash.update(`${module}/${name}:${info.size}:${info.mtimeMs}\n`);
      }
    }
    return hash.digest("hex").slice(0, 16);
  })();
  return codeKey;
}

function enabled(io: CliIO): boolean {
  return io.env["SPECWARDEN_PROJECT_CACHE"] !== "0";
}

/** `loadProject`, served from the cache when the view holds configuration that was loaded before. */
export async function loadProjectCached(repo: RepoView, io: CliIO): Promise<Project> {
  if (!isPinnedView(repo) || !enabled(io)) return loadProject(repo);
  const store = new ReadKeyedStore<Project>(cacheFilesIn(cacheDirectory(io), ["projects"]), { version: `${FORMAT}:${await loaderCodeKey()}` });
  const cached = await store.find(repo);
  if (cached?.components instanceof Map) return cached;
  const recorder = new RecordingView(repo);
  const project = await loadProject(recorder);
  if (recorder.reusable) await store.save(recorder.reads, project);
  return project;
}
