/**
 * The systemd tracking scenario the tracking tests share: the systemd-like upstream built with git,
 * a distro repository carrying its seven patches, and the fake GitHub API serving the upstream.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeGitHub, type FakeGitHub } from "./fake-github-api.js";
import { buildSystemdUpstream, writeSystemdDistro, type SystemdUpstream } from "./systemd-fixture.js";

export interface SystemdScenario {
  /** a private temporary directory holding everything below */
  root: string;
  upstream: SystemdUpstream;
  /** the distro repository's directory */
  distro: string;
  api: FakeGitHub;
  /** stops the API and removes root */
  close(): Promise<void>;
}

export async function systemdScenario(prefix: string): Promise<SystemdScenario> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const upstream = buildSystemdUpstream(join(root, "upstream"));
  const distro = join(root, "distro");
  writeSystemdDistro(distro, upstream.patches);
  const api = await fakeGitHub({ owner: "systemd", repo: "systemd", gitDir: upstream.gitDir, pulls: upstream.pulls });
  return {
    root,
    upstream,
    distro,
    api,
    async close() {
      await api.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
