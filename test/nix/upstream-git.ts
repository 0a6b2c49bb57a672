/**
 * Upstream histories the Nix tests ask about, built with the git CLI. Author, committer and dates are
 * fixed, so the commit ids are the same on every machine — the fixtures' fetchpatch URLs name them.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ENV = {
  GIT_AUTHOR_NAME: "Upstream Dev",
  GIT_AUTHOR_EMAIL: "dev@upstream.invalid",
  GIT_COMMITTER_NAME: "Upstream Dev",
  GIT_COMMITTER_EMAIL: "dev@upstream.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

export class HistoryBuilder {
  #tick = 0;
  constructor(
    readonly dir: string,
    options: { init?: boolean } = {},
  ) {
    mkdirSync(dir, { recursive: true });
    if (options.init !== false) this.git("init", "-q", "-b", "main");
  }
  git(...args: string[]): string {
    return execFileSync("git", args, { cwd: this.dir, env: { ...process.env, ...ENV, GIT_AUTHOR_DATE: this.#date(), GIT_COMMITTER_DATE: this.#date() }, encoding: "utf8" }).trim();
  }
  #date(): string {
    return `${1_700_000_000 + this.#tick * 86_400} +0000`;
  }
  commit(message: string, files: Record<string, string>): string {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(this.dir, path, ".."), { recursive: true });
      writeFileSync(join(this.dir, path), text);
    }
    this.#tick++;
    this.git("add", "-A");
    this.git("commit", "-q", "-m", message);
    return this.git("rev-parse", "HEAD");
  }
  tag(name: string): void {
    this.git("tag", name);
  }
}

/** abraunegg/onedrive: v2.5.3, then the ldc fix the package backports, then v2.5.4 and v2.5.5-rc1. */
export function onedriveHistory(root: string): { fix: string } {
  const h = new HistoryBuilder(join(root, "abraunegg", "onedrive"));
  h.commit("Release 2.5.3", { "src/main.d": "module main;\nversion = \"2.5.3\";\n" });
  h.tag("v2.5.3");
  const fix = h.commit("Fix the build with ldc 1.40", { "src/sync.d": "module sync;\n// ldc 1.40: explicit cast\n" });
  h.commit("Release 2.5.4", { "src/main.d": "module main;\nversion = \"2.5.4\";\n" });
  h.tag("v2.5.4");
  h.commit("Start 2.5.5", { "src/main.d": "module main;\nversion = \"2.5.5-rc1\";\n" });
  h.tag("v2.5.5-rc1");
  return { fix };
}

/** NixOS/nixpkgs at the revision the config fixture's flake.lock pins: systemd 258.3. */
export function nixpkgsHistory(root: string, systemdVersion = "258.3"): { rev: string } {
  const h = new HistoryBuilder(join(root, "NixOS", "nixpkgs"));
  const rev = h.commit(`systemd: ${systemdVersion}`, {
    "pkgs/top-level/all-packages.nix": "{ lib, callPackage, ... }:\n{\n  systemd = callPackage ../os-specific/linux/systemd { };\n}\n",
    "pkgs/os-specific/linux/systemd/default.nix": `{ lib, stdenv, fetchFromGitHub }:\nstdenv.mkDerivation (finalAttrs: {\n  pname = "systemd";\n  version = "${systemdVersion}";\n  src = fetchFromGitHub {\n    owner = "systemd";\n    repo = "systemd";\n    rev = "v\${finalAttrs.version}";\n    hash = "";\n  };\n})\n`,
  });
  return { rev };
}
