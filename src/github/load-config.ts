/** Reads `.github/specwarden.yml` from the default branch (no ref: a PR cannot change its own policy). */
import { CONFIG_PATH, DEFAULT_CONFIG, parseRepoConfig, type RepoConfig } from "./config.js";
import { abortable, httpStatus, type Octokit, type RepoRef } from "./octokit.js";

export async function loadRepoConfig(octokit: Octokit, repo: RepoRef, signal?: AbortSignal): Promise<RepoConfig> {
  let content: string;
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      ...repo,
      path: CONFIG_PATH,
      ...abortable(signal),
    });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) {
      return parseRepoConfig("[not a file]", CONFIG_PATH);
    }
    content = Buffer.from(data.content, "base64").toString("utf8");
  } catch (error) {
    if (httpStatus(error) === 404) return structuredClone(DEFAULT_CONFIG);
    throw error;
  }
  return parseRepoConfig(content, CONFIG_PATH);
}
