import { createHash } from "node:crypto";
import { readdirSync, readFileSync, lstatSync, readlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import type { RepoView, TreeEntry } from "../../src/repo/types.js";
import { RepoEntryError } from "../../src/repo/types.js";

/** Test double: a RepoView over an in-memory map (symlinks given separately). */
export function mapRepo(files: Record<string, string | Uint8Array>, symlinks: Record<string, string> = {}): RepoView & { reads: string[]; lists: string[] } {
  const entries = new Map<string, TreeEntry & { data?: Uint8Array }>();
  const addDirs = (path: string) => {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!entries.has(dir)) entries.set(dir, { path: dir, kind: "dir" });
    }
  };
  for (const [path, content] of Object.entries(files)) {
    const data = typeof content === "string" ? new TextEncoder().encode(content) : content;
    entries.set(path, { path, kind: "file", size: data.length, id: createHash("sha1").update(data).digest("hex"), data });
    addDirs(path);
  }
  for (const [path, target] of Object.entries(symlinks)) {
    entries.set(path, { path, kind: "symlink", target });
    addDirs(path);
  }
  const reads: string[] = [];
  const lists: string[] = [];
  const strip = ({ data: _data, ...entry }: TreeEntry & { data?: Uint8Array }): TreeEntry => entry;
  const view = {
    description: "memory:test",
    reads,
    lists,
    async readFile(path: string) {
      reads.push(path);
      const entry = entries.get(path);
      if (!entry) return undefined;
      if (entry.kind !== "file") throw new RepoEntryError(path, entry.kind, `is a ${entry.kind}`);
      return entry.data;
    },
    async readText(path: string) {
      const data = await view.readFile(path);
      return data === undefined ? undefined : new TextDecoder().decode(data);
    },
    async stat(path: string) {
      const entry = entries.get(path);
      return entry ? strip(entry) : undefined;
    },
    async list(dir = "", options: { recursive?: boolean } = {}) {
      lists.push(dir);
      const prefix = dir ? dir + "/" : "";
      return [...entries.values()]
        .filter((e) => e.path.startsWith(prefix) && (options.recursive || !e.path.slice(prefix.length).includes("/")))
        .map(strip)
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
  };
  return view;
}

/** Test double: a directory tree read into a mapRepo (small trees only). */
export function directoryRepo(root: string): RepoView {
  const files: Record<string, Uint8Array> = {};
  const symlinks: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      if (name === ".git") continue;
      const full = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) symlinks[path] = readlinkSync(full);
      else if (stat.isDirectory()) walk(full, path);
      else files[path] = readFileSync(full);
    }
  };
  walk(resolve(root), "");
  return mapRepo(files, symlinks);
}

export const CORPUS = resolve(process.env["SPECWARDEN_CORPUS"] ?? join(import.meta.dirname, "../../../shared/corpus"));
export const SAMPLE = join(CORPUS, "azl4-sample");
