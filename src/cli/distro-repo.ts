import type { RepoView } from "../repo/index.js";
import { UsageError } from "./io.js";

/**
 * Every command that reads a distro repository starts here: a directory without `azldev.toml` is not
 * one, and saying so (exit status 2) is the only honest answer — never an empty, clean result.
 */
export async function requireDistroRepository(repo: RepoView, label: string): Promise<void> {
  const info = await repo.stat("azldev.toml").catch(() => undefined);
  if (info?.kind !== "file") throw new UsageError(`${label} is not a distro repository: it has no azldev.toml at its root`);
}
