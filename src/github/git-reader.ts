/** GitObjectReader over Octokit: the only two reads GitHubRepoView makes. */
import type { GitObjectReader, RawTree } from "./repo-view.js";
import { abortable, type Octokit, type RepoRef } from "./octokit.js";

export function octokitGitReader(octokit: Octokit, repo: RepoRef, signal?: AbortSignal): GitObjectReader {
  return {
    async getTree(treeish, recursive) {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", {
        ...repo,
        tree_sha: treeish,
        ...(recursive ? { recursive: "1" } : {}),
        ...abortable(signal),
      });
      return {
        sha: data.sha,
        truncated: Boolean(data.truncated),
        tree: data.tree.map((e) => ({
          path: e.path as string,
          mode: e.mode as string,
          type: e.type as string,
          sha: e.sha as string,
          ...(e.size !== undefined ? { size: e.size } : {}),
        })),
      } satisfies RawTree;
    },
    async getBlob(sha) {
      const { data } = await octokit.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
        ...repo,
        file_sha: sha,
        ...abortable(signal),
      });
      if (data.encoding !== "base64") return new TextEncoder().encode(data.content);
      return new Uint8Array(Buffer.from(data.content, "base64"));
    },
  };
}
