// The Nix inventory on a generated nixpkgs-like tree of 10,000 package files (patch lists with
// vendored entries, fetchpatch backports under version and platform guards, comments with removal
// criteria, substitutions), read from disk: files/s and entries/s, as a whole-process figure next to
// the floor `node -e 0`, and in-process (parser loaded once).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { nixInventory } from "../dist/nix/index.js";
import { openRepo } from "../dist/repo/index.js";

const FILES = 10_000;

function packageFile(i) {
  const name = `pkg${i}`;
  return `{
  lib,
  stdenv,
  fetchFromGitHub,
  fetchpatch,
}:

stdenv.mkDerivation (finalAttrs: {
  pname = "${name}";
  version = "${1 + (i % 7)}.${i % 13}.${i % 5}";

  src = fetchFromGitHub {
    owner = "upstream${i % 97}";
    repo = "${name}";
    rev = "v\${finalAttrs.version}";
    hash = "sha256-${"A".repeat(43)}=";
  };

  patches = [
    # NixOS-specific: look for plugins in the profile
    ./0001-plugin-path.patch
    # Fix the build with gcc 15; remove when updating to ${2 + (i % 7)}.0
    (fetchpatch {
      url = "https://github.com/upstream${i % 97}/${name}/commit/${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, "0")}${"0".repeat(32)}.patch";
      hash = "sha256-${"B".repeat(43)}=";
    })
  ]
  ++ lib.optionals (lib.versionOlder finalAttrs.version "${1 + (i % 5)}.5") [ ./0002-old-api.patch ]
  ++ lib.optionals stdenv.hostPlatform.isMusl [ ./0003-musl.patch ];

  postPatch = ''
    substituteInPlace Makefile --replace-fail /usr $out
  '';

  meta.license = lib.licenses.mit;
})
`;
}

export async function run() {
  const root = mkdtempSync(join(tmpdir(), "specwarden-nix-bench-"));
  try {
    for (let i = 0; i < FILES; i++) {
      const dir = join(root, "pkgs", "by-name", `p${i % 100}`, `pkg${i}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "package.nix"), packageFile(i));
    }
    const lines = [];
    const started = performance.now();
    const inv = await nixInventory(await openRepo(root), { kind: "packages" });
    const ms = performance.now() - started;
    const entries = inv.packages.reduce((n, p) => n + p.patches.length, 0);
    lines.push(`in-process inventory of ${inv.files} files: ${(ms / 1000).toFixed(2)} s, ${Math.round(inv.files / (ms / 1000))} files/s, ${Math.round(entries / (ms / 1000))} patch entries/s (${entries} entries, ${inv.problems.length} problems)`);
    const time = (args) => {
      const t = performance.now();
      execFileSync(process.execPath, args, { stdio: "ignore" });
      return (performance.now() - t) / 1000;
    };
    const floor = time(["-e", "0"]);
    const cli = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..", "dist", "cli", "main.js");
    const whole = time([cli, "patches", "--repo", root, "--kind", "nix", "--json"]);
    lines.push(`whole process \`patches --kind nix --json\` on ${FILES} files: ${whole.toFixed(2)} s (floor node -e 0: ${floor.toFixed(2)} s), ${Math.round(FILES / whole)} files/s`);
    lines.push(`peak RSS of this process: ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
    return lines;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
