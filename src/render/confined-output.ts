import { constants } from "node:fs";
import { lstat, mkdir, open, readdir, readFile, realpath, rm, unlink } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join, parse, sep } from "node:path";

/**
 * Where render may write. The repository decides names and layout (component names, the
 * rendered-specs dir, which directories are committed as symbolic links), so every directory between
 * the output root and a written file is checked to be a real directory — never a symbolic link to
 * somewhere else — and the output root itself must be a dedicated directory, never the file system
 * root, the working directory, the repository root, a home directory or anything inside `.git`.
 */

export class OutputConfinementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputConfinementError";
  }
}

/** Ensures `anchor/relative` exists as a chain of real directories (created when missing); returns it. */
export async function ensureRealDirs(anchor: string, relative: string): Promise<string> {
  let current = anchor;
  for (const segment of relative.split("/").filter((s) => s !== "")) {
    if (segment === "." || segment === "..") throw new OutputConfinementError(`${join(current, segment)}: '${segment}' is not a directory name render writes to`);
    current = join(current, segment);
    let info = await lstat(current).catch(() => undefined);
    if (!info) {
      await mkdir(current).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      });
      info = await lstat(current);
    }
    if (info.isSymbolicLink()) throw new OutputConfinementError(`${current} is a symbolic link; render never writes through one`);
    if (!info.isDirectory()) throw new OutputConfinementError(`${current} is not a directory`);
  }
  return current;
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest. */
async function realpathOfPossiblyMissing(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length ? join(real, ...missing.reverse()) : real;
    } catch {
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(basename(current));
      current = parent;
    }
  }
}

function isInsideGitDir(real: string): boolean {
  return real.split(sep).some((segment) => segment === ".git");
}

/**
 * Resolves an output root given on the command line and refuses the places a render must never
 * replace directories in. Returns the real path, created as a real directory.
 */
export async function confineOutputRoot(out: string, refuse: { cwd: string; repoRoot?: string }): Promise<string> {
  const real = await realpathOfPossiblyMissing(out);
  const forbidden = new Map<string, string>([
    [parse(real).root, "the file system root"],
    [await realpathOfPossiblyMissing(refuse.cwd), "the working directory"],
    [await realpathOfPossiblyMissing(homedir()), "the home directory"],
  ]);
  if (refuse.repoRoot) forbidden.set(await realpathOfPossiblyMissing(refuse.repoRoot), "the repository root");
  const what = forbidden.get(real);
  if (what) throw new OutputConfinementError(`--out ${out} is ${what}: choose a dedicated directory`);
  if (isInsideGitDir(real)) throw new OutputConfinementError(`--out ${out} is inside a .git directory: choose a dedicated directory`);
  const root = parse(real).root;
  return ensureRealDirs(root, real.slice(root.length).split(sep).join("/"));
}

/** The repository's rendered-specs dir as an output root: real directories from the repository root down. */
export async function confineRenderedSpecsDir(repoRoot: string, renderedSpecsDir: string): Promise<string> {
  if (renderedSpecsDir === "") throw new OutputConfinementError("the rendered-specs dir is the repository root: render never replaces directories there");
  if (renderedSpecsDir.split("/").includes(".git")) throw new OutputConfinementError(`the rendered-specs dir ${renderedSpecsDir} is inside .git`);
  return ensureRealDirs(await realpath(repoRoot), renderedSpecsDir);
}

/** Staging and retired dirs of the atomic swap: `.<name>.specwarden-new-<hex>` / `-old-<hex>`. */
export const SWAP_LEFTOVER = /^\..+\.specwarden-(new|old)-[0-9a-f]{12}$/;

/** Removes what interrupted renders left in the letter dirs of an output root; returns the paths removed. */
export async function cleanLeftovers(outRoot: string): Promise<string[]> {
  const removed: string[] = [];
  const letters = await readdir(outRoot, { withFileTypes: true }).catch(() => []);
  for (const letter of letters) {
    if (!letter.isDirectory()) continue;
    const entries = await readdir(join(outRoot, letter.name), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!SWAP_LEFTOVER.test(entry.name)) continue;
      const path = join(outRoot, letter.name, entry.name);
      await rm(path, { recursive: true, force: true });
      removed.push(path);
    }
  }
  return removed;
}

export const LOCK_FILE = ".specwarden-render.lock";

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One render at a time per output root: a lock file created exclusively (never through a link),
 * holding the owner's pid. A lock whose process is gone is stale and taken over; a live one is
 * waited for up to `waitMs`, then the render fails and names the owner.
 */
export async function lockOutputRoot(outRoot: string, options: { waitMs?: number; pollMs?: number } = {}): Promise<() => Promise<void>> {
  const path = join(outRoot, LOCK_FILE);
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  for (;;) {
    try {
      const handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o644);
      await handle.writeFile(`${process.pid}\n${new Date().toISOString()}\n`);
      await handle.close();
      return async () => {
        await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const info = await lstat(path).catch(() => undefined);
    if (info?.isSymbolicLink()) throw new OutputConfinementError(`${path} is a symbolic link; remove it`);
    const owner = Number.parseInt((await readFile(path, "utf8").catch(() => "")).split("\n")[0] ?? "", 10);
    if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) {
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new OutputConfinementError(`another render (pid ${Number.isInteger(owner) ? owner : "unknown"}) is writing to ${outRoot}; try again when it has finished, or remove ${path} if it is stale`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
  }
}
