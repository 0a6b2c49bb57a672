/**
 * Which adapter reads a repository: azldev (an `azldev.toml` at the root) or Nix (`flake.nix`,
 * `pkgs/`, Nix expressions). `--kind` overrides the detection; a directory that is neither is a usage
 * error (exit status 2), never an empty, clean result.
 */
import type { RepoView } from "../repo/types.js";
import { UsageError } from "./io.js";

export type RepoKind = "azldev" | "nix";

export function parseKind(value: string): RepoKind {
  if (value === "azldev" || value === "rpm") return "azldev";
  if (value === "nix") return "nix";
  throw new UsageError(`--kind takes azldev or nix, got '${value}'`);
}

export async function repositoryKind(repo: RepoView, label: string, requested?: RepoKind): Promise<RepoKind> {
  const azldev = (await repo.stat("azldev.toml").catch(() => undefined))?.kind === "file";
  if (requested === "azldev" || (!requested && azldev)) {
    if (!azldev) throw new UsageError(`${label} is not a distro repository: it has no azldev.toml at its root`);
    return "azldev";
  }
  // the Nix adapter is loaded only for a repository that is not an azldev one
  const { detectNixKind } = await import("../nix/index.js");
  const nix = await detectNixKind(repo).catch(() => undefined);
  if (requested === "nix" || nix) {
    if (!nix) throw new UsageError(`${label} is not a Nix repository: no flake.nix, pkgs/ or Nix expression at its root`);
    return "nix";
  }
  throw new UsageError(`${label} is not a distro repository: it has no azldev.toml at its root (nor flake.nix, pkgs/ or Nix expressions)`);
}
