/** Reads `.github/specwarden.yml` from the default branch (no ref: a PR cannot change its own policy). */
import { CONFIG_PATH, DEFAULT_CONFIG, parseRepoConfig, RepoConfigError, type RepoConfig } from "./config.js";
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
      const kind = Array.isArray(data) ? "directory" : data.type;
      throw new RepoConfigError(CONFIG_PATH, 1, `is a ${kind}, not a file`);
    }
    // Above 1 MB the contents API leaves the content out (encoding "none"): never read that as empty.
    if (data.encoding !== "base64") {
      throw new RepoConfigError(CONFIG_PATH, 1, `is too large to read (${data.size} bytes)`);
    }
    content = Buffer.from(data.content, "base64").toString("utf8");
  } catch (error) {
    if (httpStatus(error) === 404) return structuredClone(DEFAULT_CONFIG);
    throw error;
  }
  return parseRepoConfig(content, CONFIG_PATH);
}
