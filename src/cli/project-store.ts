/**
 * A persistent cache of loaded projects for the command line, keyed by the git commit the view is
 * pinned to and by the code that loads it. Loading the full Azure Linux configuration (7,583
 * components) costs most of a `components` or `patches` run; CI jobs and hooks ask for the same
 * commit again and again. A working tree is never cached (its files change under us).
 *
 * Entries are written whole (temp file + rename), read back with a format check, and any entry that
 * does not read back is ignored and replaced: the cache can only make a run faster, never wrong.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deserialize, serialize } from "node:v8";
import { loadProject, type Project } from "../azldev/index.js";
import { GitRepoView, type RepoView } from "../repo/index.js";
import type { CliIO } from "./io.js";
import { cacheDirectory } from "./upstream-choice.js";

const FORMAT = "specwarden-project-v1";
/** Entries kept; the oldest beyond this are removed when one is written. */
const MAX_ENTRIES = 32;
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

/** `loadProject`, served from the cache when the view is a git commit that was loaded before. */
export async function loadProjectCached(repo: RepoView, io: CliIO): Promise<Project> {
  if (!(repo instanceof GitRepoView) || !enabled(io)) return loadProject(repo);
  const dir = join(cacheDirectory(io), "projects");
  const file = join(dir, `${repo.commit}-${await loaderCodeKey()}.v8`);
  const cached = await readFile(file)
    .then((bytes) => deserialize(bytes) as { format?: string; commit?: string; project?: Project })
    .catch(() => undefined);
  if (cached?.format === FORMAT && cached.commit === repo.commit && cached.project?.components instanceof Map) return cached.project;
  const project = await loadProject(repo);
  await store(dir, file, serialize({ format: FORMAT, commit: repo.commit, project })).catch(() => undefined);
  return project;
}

async function store(dir: string, file: string, bytes: Buffer): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, bytes);
  await rename(temp, file);
  const entries = await readdir(dir);
  if (entries.length <= MAX_ENTRIES) return;
  const aged = await Promise.all(entries.map(async (name) => ({ name, mtime: (await stat(join(dir, name)).catch(() => undefined))?.mtimeMs ?? 0 })));
  aged.sort((a, b) => a.mtime - b.mtime);
  for (const { name } of aged.slice(0, aged.length - MAX_ENTRIES)) await rm(join(dir, name), { force: true });
}
