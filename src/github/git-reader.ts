/** GitObjectReader over Octokit: trees and blobs over REST, batches of blobs over GraphQL. */
import { createHash } from "node:crypto";
import type { GitObjectReader, RawTree } from "./repo-view.js";
import { abortable, type Octokit, type RepoRef } from "./octokit.js";

interface GraphqlBlob {
  byteSize?: number;
  isBinary?: boolean | null;
  isTruncated?: boolean;
  text?: string | null;
}

const OBJECT_ID = /^[0-9a-f]{40}$/;

function gitBlobId(bytes: Uint8Array): string {
  return createHash("sha1").update(`blob ${bytes.byteLength}\0`).update(bytes).digest("hex");
}

/** One GraphQL query reading blobs by object id (ids are checked, so they can be inlined). */
export function blobsQuery(shas: readonly string[]): string {
  const fields = shas.map((sha, i) => {
    if (!OBJECT_ID.test(sha)) throw new Error(`not a git object id: ${JSON.stringify(sha)}`);
    return `b${i}: object(oid: "${sha}") { ... on Blob { byteSize isBinary isTruncated text } }`;
  });
  return `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { ${fields.join(" ")} } }`;
}

/**
 * GraphQL gives a blob as UTF-8 text only. A blob is kept when its text, encoded again, hashes to
 * the blob's object id: binary, truncated and not-UTF-8 blobs fail that and are read over REST.
 */
export function faithfulBlobs(shas: readonly string[], repository: Record<string, GraphqlBlob | null> | null | undefined): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const encoder = new TextEncoder();
  shas.forEach((sha, i) => {
    const blob = repository?.[`b${i}`];
    if (!blob || blob.isBinary !== false || blob.isTruncated || typeof blob.text !== "string" || typeof blob.byteSize !== "number") return;
    const bytes = encoder.encode(blob.text);
    if (bytes.byteLength === blob.byteSize && gitBlobId(bytes) === sha) out.set(sha, bytes);
  });
  return out;
}

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
    async getBlobs(shas) {
      if (shas.length === 0) return new Map();
      const data = await octokit.graphql<{ repository: Record<string, GraphqlBlob | null> | null }>(blobsQuery(shas), {
        owner: repo.owner,
        name: repo.repo,
        ...abortable(signal),
      });
      return faithfulBlobs(shas, data.repository);
    },
  };
}
