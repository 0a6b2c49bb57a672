/**
 * A pull request that drops a droppable distro patch: removes the overlays that wire it from
 * comp.toml, deletes the vendored file, and removes the Patch tag, the %prep lines and the patch copy
 * from the rendered tree, so the result matches a re-render. Refuses (returns a reason) when an
 * overlay does more than wire this patch, because only a person can split it.
 */
import type { RepoView } from "../../repo/types.js";
import type { InventoryPatch, PatchVerdict } from "../../tracking/index.js";
import type { Octokit, RepoRef } from "../octokit.js";

export type FileEdit = { path: string; content: string | null };

/** Removes the TOML item (a `[[…overlays]]` table or a one-line inline `{ … }`) that starts at `line`, with its comment block. */
export function removeTomlOverlay(text: string, line: number): string | undefined {
  const lines = text.split("\n");
  let start = line - 1;
  while (start > 0 && !/^\s*(\[\[|\{)/.test(lines[start] as string)) start--;
  const first = lines[start] as string;
  let end: number;
  if (/^\s*\{/.test(first)) {
    // only single-line inline tables are safe to cut
    if (!/\}\s*,?\s*(#.*)?$/.test(first)) return undefined;
    end = start;
  } else {
    end = start + 1;
    while (end < lines.length && !/^\s*\[/.test(lines[end] as string)) end++;
    // keep the next item's comment block and blank lines
    while (end - 1 > start && /^\s*(#.*)?$/.test(lines[end - 1] as string)) end--;
    end--;
  }
  let from = start;
  while (from > 0 && /^\s*#/.test(lines[from - 1] as string)) from--;
  const out = [...lines.slice(0, from), ...lines.slice(end + 1)];
  // collapse a double blank line left behind
  const joined = out.join("\n").replace(/\n{3,}/g, "\n\n");
  return text.endsWith("\n") ? joined.replace(/\n+$/, "\n") : joined;
}

export async function planDropEdits(repo: RepoView, patch: InventoryPatch, verdict: PatchVerdict): Promise<{ edits: FileEdit[] } | { refused: string }> {
  if (patch.origin !== "distro") return { refused: "only patches vendored by this repository get drop pull requests" };
  if (verdict.drop.overlays.some((o) => o.action !== "remove")) return { refused: "an overlay that wires this patch also does other work; edit it by hand" };
  const edits = new Map<string, string | null>();
  const read = async (path: string): Promise<string> => {
    const pending = edits.get(path);
    if (typeof pending === "string") return pending;
    const text = await repo.readText(path);
    if (text === undefined) throw new Error(`${path} is missing`);
    return text;
  };
  // bottom-up so earlier line numbers stay valid
  const overlays = [...verdict.drop.overlays].sort((a, b) => a.location.file.localeCompare(b.location.file) || b.location.line - a.location.line);
  for (const o of overlays) {
    const next = removeTomlOverlay(await read(o.location.file), o.location.line);
    if (next === undefined) return { refused: `cannot cut the overlay at ${o.location.file}:${o.location.line} safely` };
    edits.set(o.location.file, next);
  }
  for (const file of verdict.drop.files) edits.set(file, null);
  if (patch.specPath) {
    const lines = (await read(patch.specPath)).split("\n");
    const drop = new Set<number>();
    if (patch.tag && !patch.tag.fromList) drop.add(patch.tag.line);
    if (patch.tag?.fromList) drop.add(patch.tag.line);
    for (const l of verdict.drop.specLines ?? []) drop.add(l.line);
    edits.set(
      patch.specPath,
      lines.filter((_, k) => !drop.has(k + 1)).join("\n"),
    );
  }
  if (patch.renderedPath) edits.set(patch.renderedPath, null);
  return { edits: [...edits].map(([path, content]) => ({ path, content })) };
}

export function dropBranchName(v: PatchVerdict): string {
  const slug = `${v.component}-${v.file}`.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/\.+/g, ".").slice(0, 80);
  return `specwarden/drop/${slug}`;
}

/** Commits the edits on a new branch from `baseSha` and opens the pull request. */
export async function pushDropPull(
  octokit: Octokit,
  repo: RepoRef,
  args: { baseSha: string; baseBranch: string; verdict: PatchVerdict; edits: FileEdit[]; paced: <T>(fn: () => Promise<T>) => Promise<T> },
): Promise<number | undefined> {
  const { data: baseCommit } = await octokit.request("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", { ...repo, commit_sha: args.baseSha });
  const tree: { path: string; mode: "100644"; type: "blob"; sha: string | null }[] = [];
  for (const edit of args.edits) {
    if (edit.content === null) {
      tree.push({ path: edit.path, mode: "100644", type: "blob", sha: null });
      continue;
    }
    const content = edit.content;
    const { data: blob } = await args.paced(() => octokit.request("POST /repos/{owner}/{repo}/git/blobs", { ...repo, content: Buffer.from(content, "utf8").toString("base64"), encoding: "base64" }));
    tree.push({ path: edit.path, mode: "100644", type: "blob", sha: blob.sha });
  }
  const { data: newTree } = await args.paced(() => octokit.request("POST /repos/{owner}/{repo}/git/trees", { ...repo, base_tree: baseCommit.tree.sha, tree: tree as never }));
  const v = args.verdict;
  const message = `Drop ${v.component} patch ${v.file}\n\n${v.reason}\n\nEvidence rung ${v.rung}. Proposed by specwarden.`;
  const { data: commit } = await args.paced(() => octokit.request("POST /repos/{owner}/{repo}/git/commits", { ...repo, message, tree: newTree.sha, parents: [args.baseSha] }));
  const branch = dropBranchName(v);
  try {
    await args.paced(() => octokit.request("POST /repos/{owner}/{repo}/git/refs", { ...repo, ref: `refs/heads/${branch}`, sha: commit.sha }));
  } catch (error) {
    // the branch exists: an earlier run opened this PR already
    if ((error as { status?: number }).status === 422) return undefined;
    throw error;
  }
  const body = [
    `Drops \`${v.file}\` from \`${v.component}\`: ${v.reason}.`,
    "",
    ...v.evidence.filter((e) => e.supports).map((e) => `- (${e.rung}) ${e.summary}${e.url ? ` — ${e.url}` : ""}`),
    "",
    "The rendered spec is edited to match; re-render the component with azldev to refresh its release and changelog before merging.",
  ].join("\n");
  const { data: pull } = await args.paced(() => octokit.request("POST /repos/{owner}/{repo}/pulls", { ...repo, title: `Drop ${v.component} patch ${v.file}`, head: branch, base: args.baseBranch, body }));
  return pull.number;
}
