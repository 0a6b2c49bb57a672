/**
 * The Nix inventory of a repository snapshot: every `.nix` file parsed (nothing evaluated), its
 * packages with their patch entries and workarounds, the configuration workarounds of NixOS hosts,
 * the flake's locked inputs, and the Markdown notes that give workarounds their removal criteria.
 * A file that cannot be read or parsed is a problem at file:line; the rest of the repo is still read.
 */
import { posix } from "node:path";
import type { RepoView, TreeEntry } from "../repo/types.js";
import { canonicalUrl } from "../tracking/urls.js";
import { configFactsOf, readFlakeLock } from "./config-inventory.js";
import { noteNames, readNote, type NixNote } from "./notes.js";
import { referencesIn, packagesOf } from "./package-inventory.js";
import { NixParseRefused, parseNix } from "./parser.js";
import type { NixInventory, NixRepoKind, NixWorkaround } from "./types.js";

/** More Nix files than nixpkgs has (~40k) is not a repository we read in one go. */
const MAX_NIX_FILES = 60_000;
const MAX_NOTES = 2_000;
const MAX_NOTE_BYTES = 256 * 1024;
const SKIP_DIRS = /(?:^|\/)(?:\.git|node_modules|result|\.direnv)(?:\/|$)/;

/** Nix repository or not, and which kind: `flake.nix` with hosts/NixOS configurations is a config repo. */
export async function detectNixKind(repo: RepoView): Promise<NixRepoKind | undefined> {
  const top = await repo.list("");
  const names = new Set(top.map((e) => e.path));
  const flake = names.has("flake.nix") ? await repo.readText("flake.nix").catch(() => undefined) : undefined;
  const configDirs = ["hosts", "machines", "systems", "nixos"].some((d) => names.has(d));
  if (flake && (/nixosConfigurations|darwinConfigurations|homeConfigurations/.test(flake) || configDirs)) return "config";
  if (names.has("pkgs") || names.has("default.nix") || names.has("package.nix") || flake) return "packages";
  if (configDirs && top.some((e) => e.path.endsWith(".nix"))) return "config";
  return top.some((e) => e.kind === "file" && e.path.endsWith(".nix")) ? "packages" : undefined;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      while (next < items.length) {
        const k = next++;
        out[k] = await fn(items[k] as T);
      }
    }),
  );
  return out;
}

export interface NixInventoryOptions {
  kind?: NixRepoKind;
  /** only these files (repo-relative), e.g. the files a pull request touches */
  files?: string[];
}

export async function nixInventory(repo: RepoView, options: NixInventoryOptions = {}): Promise<NixInventory> {
  const kind = options.kind ?? (await detectNixKind(repo)) ?? "packages";
  const inv: NixInventory = { kind, packages: [], workarounds: [], hosts: [], inputs: [], problems: [], files: 0 };
  const entries: TreeEntry[] = options.files
    ? (await Promise.all(options.files.map((f) => repo.stat(f).catch(() => undefined)))).filter((e): e is TreeEntry => !!e)
    : await repo.list("", { recursive: true });
  const nixFiles = entries.filter((e) => e.kind === "file" && e.path.endsWith(".nix") && !SKIP_DIRS.test(e.path));
  for (const e of entries) if (e.kind === "symlink" && e.path.endsWith(".nix")) inv.problems.push({ file: e.path, message: "a symlink: not followed" });
  if (nixFiles.length > MAX_NIX_FILES) {
    inv.problems.push({ file: "", message: `${nixFiles.length} Nix files: only the first ${MAX_NIX_FILES} are read` });
    nixFiles.length = MAX_NIX_FILES;
  }
  inv.files = nixFiles.length;

  const perFile = await mapLimit(nixFiles, 16, async (entry) => {
    let text: string | undefined;
    try {
      text = await repo.readText(entry.path);
    } catch (error) {
      inv.problems.push({ file: entry.path, message: `could not be read: ${error instanceof Error ? error.message : String(error)}` });
      return undefined;
    }
    if (text === undefined) {
      inv.problems.push({ file: entry.path, message: "could not be read (missing from this snapshot)" });
      return undefined;
    }
    let parsed;
    try {
      parsed = await parseNix(text);
    } catch (error) {
      if (!(error instanceof NixParseRefused)) throw error;
      inv.problems.push({ file: entry.path, line: 1, message: error.message });
      return undefined;
    }
    try {
      for (const e of parsed.errors) inv.problems.push({ file: entry.path, line: e.line, message: `does not parse: ${e.message} (column ${e.column})` });
      return { packages: packagesOf(parsed.root, entry.path, text), facts: configFactsOf(parsed.root, entry.path, text) };
    } catch (error) {
      // a shape the readers did not expect is this file's problem, never the run's
      inv.problems.push({ file: entry.path, line: 1, message: `could not be read as Nix: ${error instanceof Error ? error.message : String(error)}` });
      return undefined;
    } finally {
      parsed.tree.delete();
    }
  });
  for (const r of perFile) {
    if (!r) continue;
    inv.packages.push(...r.packages);
    inv.workarounds.push(...r.facts.workarounds);
    inv.hosts.push(...r.facts.hosts);
    inv.inputs.push(...r.facts.inputs);
    inv.problems.push(...r.facts.problems);
  }

  const lock = !options.files || options.files.includes("flake.lock") ? await repo.readText("flake.lock").catch(() => undefined) : undefined;
  if (lock !== undefined) readFlakeLock(lock, inv.inputs, inv.problems);

  if (!options.files) await attachNotes(repo, entries, inv);
  inv.problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
  return inv;
}

/** Notes that name a workaround's file lend it their removal criteria and references. */
async function attachNotes(repo: RepoView, entries: TreeEntry[], inv: NixInventory): Promise<void> {
  const markdown = entries.filter((e) => e.kind === "file" && /\.(?:md|markdown)$/i.test(e.path) && !SKIP_DIRS.test(e.path) && (e.size ?? 0) <= MAX_NOTE_BYTES).slice(0, MAX_NOTES);
  const notes = (
    await mapLimit(markdown, 16, async (e) => {
      const text = await repo.readText(e.path).catch(() => undefined);
      return text !== undefined && text.length <= MAX_NOTE_BYTES ? readNote(e.path, text) : undefined;
    })
  ).filter((n): n is NixNote => !!n);
  if (!notes.length) return;
  const all: NixWorkaround[] = [...inv.workarounds, ...inv.packages.flatMap((p) => p.workarounds)];
  for (const w of all) {
    for (const note of notes) {
      if (!noteNames(note, w.file)) continue;
      (w.notes ??= []).push({ path: note.path, line: 1, ...(note.title ? { title: note.title } : {}) });
      w.removalCriteria.push(...note.criteria);
      for (const ref of referencesIn(note.urls.join("\n"))) if (!w.references.some((r) => canonicalUrl(r) === canonicalUrl(ref))) w.references.push(ref);
    }
  }
}

/** The directory a package expression lives in, for messages. */
export const packageDir = (file: string): string => posix.dirname(file);
