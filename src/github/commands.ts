/** `/specwarden <command>` in PR comments, and who may trigger what. */
import { httpStatus, type Octokit, type RepoRef } from "./octokit.js";

export type Command = "recheck" | "fix";

const COMMAND_LINE = /^\/specwarden[ \t]+([a-z-]+)\b/;

/** The first command at the start of a line, outside quotes and code fences. */
export function parseCommand(body: string): Command | { unknown: string } | undefined {
  let inFence = false;
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (/^(```|~~~)/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence || line.startsWith(">")) continue;
    const match = COMMAND_LINE.exec(line);
    if (!match) continue;
    const word = match[1] as string;
    return word === "recheck" || word === "fix" ? word : { unknown: word };
  }
  return undefined;
}

/** Write, maintain or admin on the repository (collaborator permission API). */
export async function hasWriteAccess(octokit: Octokit, repo: RepoRef, username: string): Promise<boolean> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", { ...repo, username });
    return data.permission === "admin" || data.permission === "write" || ["admin", "maintain", "write"].includes(data.role_name ?? "");
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    throw error;
  }
}
