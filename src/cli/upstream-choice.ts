/**
 * Where the command line gets upstream dist-git trees: `--upstream DIR` serves them from a local
 * directory, `--offline` from nowhere (components that need a full re-render are then reported as
 * unverifiable), otherwise from each distro's dist-git over the network, cached on disk.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { UpstreamSource } from "../upstream/types.js";
import type { CliIO } from "./io.js";

export interface UpstreamChoice {
  upstream?: string;
  offline?: boolean;
  allowLocalUpstream?: boolean;
}

/**
 * The schemes a repository's dist-git-base-uri may use from the command line: https, as in the app.
 * A repository under review must not make the tool clone a private local repository (file://) or
 * reach hosts over ssh with the user's keys; a local mirror is allowed only when asked for
 * (`--allow-local-upstream` or SPECWARDEN_ALLOW_LOCAL_UPSTREAM=1).
 */
export function allowedDistGitSchemes(choice: UpstreamChoice, io: CliIO): string[] {
  return choice.allowLocalUpstream || io.env["SPECWARDEN_ALLOW_LOCAL_UPSTREAM"] === "1" ? ["https", "file"] : ["https"];
}

/** The on-disk dist-git cache: `$SPECWARDEN_CACHE_DIR`, else `$XDG_CACHE_HOME/specwarden`, else ~/.cache/specwarden. */
export function cacheDirectory(io: CliIO): string {
  const explicit = io.env["SPECWARDEN_CACHE_DIR"];
  if (explicit) return resolve(io.cwd, explicit);
  const cacheRoot = io.env["XDG_CACHE_HOME"] || join(io.env["HOME"] || homedir(), ".cache");
  return join(cacheRoot, "specwarden");
}

export async function chooseUpstream(choice: UpstreamChoice, io: CliIO): Promise<UpstreamSource | undefined> {
  const mod = await import("../upstream/index.js");
  if (choice.upstream) return mod.directoryUpstream(resolve(io.cwd, choice.upstream));
  if (choice.offline) return undefined;
  return mod.distGitUpstream({ cacheDir: join(cacheDirectory(io), "dist-git"), allowedSchemes: allowedDistGitSchemes(choice, io) });
}
