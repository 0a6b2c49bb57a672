/** Reading rendered component directories and working out what a change touched. */
import { RepoEntryError, RepoPathError, type RepoView, type TreeEntry } from "../repo/types.js";

export interface RenderedTree {
  /** files relative to the rendered dir */
  files: Map<string, Uint8Array>;
  /** entries that are refused: symlinks, submodules, names no repository path may have (`badName`) */
  refused: { path: string; reason: string; badName?: true }[];
  /**
   * regular files whose content could not be read (a blob missing from a partial mirror, a file over
   * the size limit): not compared, never taken for absent
   */
  unreadable: { path: string; reason: string }[];
}

export async function readRenderedDir(repo: RepoView, dir: string): Promise<RenderedTree> {
  const files = new Map<string, Uint8Array>();
  const refused: RenderedTree["refused"] = [];
  const unreadable: RenderedTree["unreadable"] = [];
  let entries: TreeEntry[];
  try {
    entries = await repo.list(dir, { recursive: true });
  } catch {
    return { files, refused, unreadable };
  }
  await Promise.all(
    entries.map(async (entry) => {
      const rel = entry.path.slice(dir.length + 1);
      if (entry.kind === "dir") return;
      if (entry.kind !== "file") {
        refused.push({ path: entry.path, reason: `${entry.kind === "symlink" ? "a symbolic link" : "a submodule"} is not followed` });
        return;
      }
      try {
        const bytes = await repo.readFile(entry.path);
        if (bytes) files.set(rel, bytes);
      } catch (error) {
        if (error instanceof RepoPathError) {
          // a name no repository path may have (a newline, a control character): never read, never
          // taken into a fix, reported as what it is
          refused.push({ path: entry.path, reason: `the file name ${JSON.stringify(rel)} ${error.message.replace(/^unsafe path "(?:[^"\\]|\\.)*": /, "")}, which no rendered file may have`, badName: true });
          return;
        }
        if (!(error instanceof RepoEntryError)) throw error;
        // the listing says it is a regular file: what failed is reading it, not its kind
        if (error.kind === "file" || error.kind === "oversized") unreadable.push({ path: entry.path, reason: error.message });
        else refused.push({ path: entry.path, reason: error.message });
      }
    }),
  );
  refused.sort((a, b) => (a.path < b.path ? -1 : 1));
  unreadable.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { files, refused, unreadable };
}

/** Paths whose content differs between two views (by blob identity when both sides know it). */
export async function changedBetween(base: RepoView, head: RepoView): Promise<string[]> {
  const [a, b] = await Promise.all([base.list("", { recursive: true }), head.list("", { recursive: true })]);
  const before = new Map(a.filter((e) => e.kind !== "dir").map((e) => [e.path, e]));
  const changed: string[] = [];
  for (const entry of b) {
    if (entry.kind === "dir") continue;
    const old = before.get(entry.path);
    before.delete(entry.path);
    if (!old || old.kind !== entry.kind) {
      changed.push(entry.path);
      continue;
    }
    if (old.id !== undefined && entry.id !== undefined && old.id === entry.id) continue;
    if (entry.kind !== "file") {
      if (old.target !== entry.target || old.id !== entry.id) changed.push(entry.path);
      continue;
    }
    if (old.size !== undefined && entry.size !== undefined && old.size !== entry.size) {
      changed.push(entry.path);
      continue;
    }
    const [x, y] = await Promise.all([base.readFile(entry.path).catch(() => undefined), head.readFile(entry.path).catch(() => undefined)]);
    if (!x || !y || !sameBytes(x, y)) changed.push(entry.path);
  }
  for (const path of before.keys()) changed.push(path);
  return changed.sort();
}

export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `specs/s/systemd/x.patch` → { component: "systemd", file: "x.patch" } when under `renderedSpecsDir`. */
export function renderedPathOf(renderedSpecsDir: string, path: string): { component: string; file: string } | undefined {
  const prefix = renderedSpecsDir ? `${renderedSpecsDir}/` : "";
  if (!path.startsWith(prefix)) return undefined;
  const parts = path.slice(prefix.length).split("/");
  if (parts.length < 3) return undefined;
  const [letter, component] = parts as [string, string];
  if (letter.length !== 1 || component.charAt(0).toLowerCase() !== letter) return undefined;
  return { component, file: parts.slice(2).join("/") };
}
