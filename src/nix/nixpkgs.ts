/**
 * Reads a package's version out of nixpkgs at a pinned revision, without evaluating anything:
 * `pkgs/by-name/<xx>/<name>/package.nix`, else the `callPackage` path `pkgs/top-level/all-packages.nix`
 * gives for the attribute, then the literal `version` of that expression. Answers are cached per
 * (repository, revision, name).
 */
import { posix } from "node:path";
import type { UpstreamForge, UpstreamProject } from "../tracking/forge.js";
import { packagesOf } from "./package-inventory.js";
import { parseNix } from "./parser.js";

export class NixpkgsReader {
  readonly #cache = new Map<string, Promise<{ version: string; file: string } | undefined>>();
  readonly #topLevel = new Map<string, Promise<string | undefined>>();
  constructor(readonly forge: UpstreamForge) {}

  packageVersion(project: UpstreamProject, rev: string, name: string): Promise<{ version: string; file: string } | undefined> {
    const key = `${project.path}@${rev}:${name}`;
    let hit = this.#cache.get(key);
    if (!hit) {
      hit = this.#lookup(project, rev, name);
      this.#cache.set(key, hit);
    }
    return hit;
  }

  async #lookup(project: UpstreamProject, rev: string, name: string): Promise<{ version: string; file: string } | undefined> {
    if (!/^[A-Za-z0-9_+-][A-Za-z0-9_.+-]*$/.test(name)) return undefined;
    const candidates = [`pkgs/by-name/${name.slice(0, 2).toLowerCase()}/${name}/package.nix`];
    const topLevel = await this.#allPackages(project, rev);
    const m = topLevel ? new RegExp(`^\\s*${name.replace(/[.+]/g, "\\$&")}\\s*=\\s*callPackage\\s+(\\.\\.?/[^\\s{;]+)`, "m").exec(topLevel) : null;
    if (m) {
      const target = posix.normalize(posix.join("pkgs/top-level", m[1] as string));
      candidates.push(target.endsWith(".nix") ? target : `${target}/default.nix`);
    }
    for (const file of candidates) {
      const text = await this.forge.readFile(project, rev, file);
      if (text === undefined) continue;
      const parsed = await parseNix(text);
      try {
        const pkgs = packagesOf(parsed.root, file, text).filter((p) => p.version !== undefined);
        const pkg = pkgs.find((p) => p.name === name) ?? pkgs[0];
        if (pkg?.version) return { version: pkg.version, file };
      } finally {
        parsed.tree.delete();
      }
    }
    return undefined;
  }

  #allPackages(project: UpstreamProject, rev: string): Promise<string | undefined> {
    const key = `${project.path}@${rev}`;
    let hit = this.#topLevel.get(key);
    if (!hit) {
      hit = this.forge.readFile(project, rev, "pkgs/top-level/all-packages.nix");
      this.#topLevel.set(key, hit);
    }
    return hit;
  }
}
