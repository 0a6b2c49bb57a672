import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureRealDirs } from "./confined-output.js";
import { queryEscape } from "./go-format.js";
import { RENDER_FAILED_FILE, RENDER_FAILED_TEXT } from "./render-component.js";
import type { ComponentRender } from "./types.js";

/**
 * Writing renders to an output tree. Each component dir is built next to its final place and swapped
 * in with renames, so a reader (or an interrupted run) never sees a half-written component.
 */

export interface WriteOptions {
  /** absolute directory playing the role of the rendered-specs dir */
  outDir: string;
  /** how the output dir is reported (`-o` as typed, or the absolute rendered-specs dir) */
  displayOutDir: string;
  /** compare only; write nothing (`--check`) */
  checkOnly?: boolean;
  /** bytes one run may write in all (default 16 GiB) */
  maxTotalBytes?: number;
}

/** The whole Azure Linux tree renders to well under 2 GiB; sixteen is room, not a target. */
export const MAX_TOTAL_RENDER_BYTES = 16 * 1024 * 1024 * 1024;

/** One entry of azldev's `-O json` array (keys in azldev's order). */
export interface WriteResult {
  component: string;
  outputDir: string;
  status: "ok" | "error" | "cancelled";
  error?: string;
  changed: boolean;
  /** alias link problems and the like; not part of azldev's JSON */
  warnings?: string[];
}

function letterDir(name: string): string {
  return name.charAt(0).toLowerCase();
}

async function readTree(dir: string, prefix = ""): Promise<Map<string, { kind: string; bytes?: Buffer; target?: string }> | undefined> {
  let entries;
  try {
    entries = await readdir(join(dir, prefix), { withFileTypes: true });
  } catch {
    return prefix === "" ? undefined : new Map();
  }
  const tree = new Map<string, { kind: string; bytes?: Buffer; target?: string }>();
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    const full = join(dir, relative);
    if (entry.isSymbolicLink()) tree.set(relative, { kind: "symlink", target: await readlink(full) });
    else if (entry.isDirectory()) {
      tree.set(relative, { kind: "dir" });
      for (const [path, value] of (await readTree(dir, relative)) ?? []) tree.set(path, value);
    } else tree.set(relative, { kind: "file", bytes: await readFile(full) });
  }
  return tree;
}

/** azldev's `changed`: the render differs from the dir on disk by path set, kind or content. */
export async function renderChanged(render: ComponentRender, dir: string): Promise<boolean> {
  // a committed link in place of the dir is replaced, never read through
  if ((await lstat(dir).catch(() => undefined))?.isSymbolicLink()) return true;
  const existing = await readTree(dir);
  if (!existing) return true;
  const expected = new Map<string, { kind: string; bytes?: Uint8Array }>();
  for (const [path, bytes] of render.files) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) expected.set(parts.slice(0, i).join("/"), { kind: "dir" });
    expected.set(path, { kind: "file", bytes });
  }
  if (existing.size !== expected.size) return true;
  for (const [path, want] of expected) {
    const have = existing.get(path);
    if (!have || have.kind !== want.kind) return true;
    if (want.bytes && !(have.bytes && Buffer.from(want.bytes).equals(have.bytes))) return true;
  }
  return false;
}

function isFailureMarkerOnly(render: ComponentRender): boolean {
  return render.files.size === 1 && render.files.has(RENDER_FAILED_FILE);
}

async function replaceDir(parent: string, name: string, files: Map<string, Uint8Array>): Promise<void> {
  const suffix = randomBytes(6).toString("hex");
  const staging = join(parent, `.${name}.specwarden-new-${suffix}`);
  const retired = join(parent, `.${name}.specwarden-old-${suffix}`);
  // A fresh dir (never an existing one) that only this run writes into; files are created, never
  // opened through whatever might already stand at their name.
  await mkdir(staging);
  try {
    for (const [path, bytes] of files) {
      const slash = path.lastIndexOf("/");
      const target = await ensureRealDirs(staging, slash < 0 ? "" : path.slice(0, slash));
      await writeFile(join(target, path.slice(slash + 1)), bytes, { flag: "wx" });
    }
    const final = join(parent, name);
    const had = await lstat(final).then(() => true, () => false);
    if (had) await rename(final, retired);
    await rename(staging, final);
    if (had) await rm(retired, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function ensureAlias(parent: string, name: string): Promise<string | undefined> {
  const alias = queryEscape(name);
  if (alias === name) return undefined;
  const path = join(parent, alias);
  const info = await lstat(path).catch(() => undefined);
  if (info && !info.isSymbolicLink()) return `alias ${alias} exists and is not a symlink; left alone`;
  if (info && (await readlink(path)) === name) return undefined;
  if (info) await rm(path);
  await symlink(name, path);
  return undefined;
}

/** Writes (or, with checkOnly, only compares) renders; returns azldev's JSON rows sorted by component. */
export async function writeRenders(renders: ComponentRender[], options: WriteOptions): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  const limit = options.maxTotalBytes ?? MAX_TOTAL_RENDER_BYTES;
  let written = 0;
  for (const render of renders) {
    const invalid = render.outputDir === "(invalid)";
    const relative = `${letterDir(render.component)}/${render.component}`;
    const dir = join(options.outDir, relative);
    const row: WriteResult = {
      component: render.component,
      outputDir: invalid ? "(invalid)" : join(options.displayOutDir, relative),
      status: render.status,
      changed: true,
    };
    if (render.error) row.error = render.error;
    let size = 0;
    for (const bytes of render.files.values()) size += bytes.byteLength;
    if (!invalid && !options.checkOnly && written + size > limit) {
      // one run must not fill the disk: what would pass the total is not written, and says so
      row.status = "error";
      row.error = `not written: the run's output would pass its limit of ${limit} bytes`;
      results.push(row);
      continue;
    }
    written += size;
    if (!invalid) {
      try {
        await writeOne(render, dir, row, options);
      } catch (error) {
        // refused or failed for this component alone (a committed link, a full disk): say so on its row
        row.status = "error";
        row.error = `writing ${row.outputDir}: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    results.push(row);
  }
  return results.sort((a, b) => (a.component < b.component ? -1 : a.component > b.component ? 1 : 0));
}

async function writeOne(render: ComponentRender, dir: string, row: WriteResult, options: WriteOptions): Promise<void> {
  row.changed = await renderChanged(render, dir);
  if (render.status !== "ok" && !row.changed && !isFailureMarkerOnly(render)) row.changed = true;
  if (options.checkOnly || render.status === "cancelled") return;
  const parent = await ensureRealDirs(options.outDir, letterDir(render.component));
  if (row.changed) await replaceDir(parent, render.component, render.files);
  if (render.status === "ok") {
    const warning = await ensureAlias(parent, render.component);
    if (warning) row.warnings = [warning];
  }
}

export { RENDER_FAILED_TEXT };
