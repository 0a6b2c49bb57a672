/**
 * A small UpstreamSource over local git repositories (DIR/<name>/), for the render tests: branch,
 * pin, snapshot and head selection with the same failure reasons as the real sources. Used until
 * (and alongside) the upstream module's own sources, so that render tests control every path.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UpstreamError, type UpstreamCheckout, type UpstreamCommit, type UpstreamRequest, type UpstreamSource } from "../../src/upstream/types.js";

function run(cwd: string, args: string[], binary = false): string | Buffer {
  const out = execFileSync("git", args, {
    cwd,
    env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", LC_ALL: "C" },
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  return binary ? out : out.toString("utf8");
}

export function gitDirectoryUpstream(dir: string): UpstreamSource & { fetches: UpstreamRequest[] } {
  const fetches: UpstreamRequest[] = [];
  return {
    description: `test-git:${dir}`,
    fetches,
    async fetch(request: UpstreamRequest): Promise<UpstreamCheckout> {
      fetches.push(request);
      const repo = join(dir, request.upstreamName);
      if (!existsSync(join(repo, ".git"))) {
        throw new UpstreamError(request.component, "unreachable", `failed to clone ${request.upstreamName}: repository not found`);
      }
      const branch = request.version.distGitBranch ?? "";
      try {
        run(repo, ["rev-parse", "--verify", "-q", `refs/heads/${branch}`]);
      } catch {
        throw new UpstreamError(request.component, "branch-missing", `branch ${branch} not found in ${request.upstreamName}`);
      }
      let commit: string;
      if (request.commit) {
        try {
          commit = (run(repo, ["rev-parse", "--verify", "-q", `${request.commit}^{commit}`]) as string).trim();
        } catch {
          throw new UpstreamError(request.component, "commit-missing", `commit ${request.commit} not found in ${request.upstreamName}`);
        }
      } else if (request.snapshot) {
        commit = (run(repo, ["rev-list", "-1", "--first-parent", `--before=${request.snapshot}`, branch]) as string).trim();
        if (!commit) {
          throw new UpstreamError(request.component, "snapshot-too-early", `no commit on ${branch} at or before ${request.snapshot}`);
        }
      } else commit = (run(repo, ["rev-parse", branch]) as string).trim();
      const files = new Map<string, Uint8Array>();
      for (const line of (run(repo, ["ls-tree", "-r", "-z", commit]) as string).split("\0")) {
        const match = /^\d+ blob ([0-9a-f]+)\t(.*)$/.exec(line);
        if (match) files.set(match[2] as string, new Uint8Array(run(repo, ["cat-file", "blob", match[1] as string], true) as Buffer));
      }
      const log = run(repo, ["log", "--first-parent", "--reverse", "--format=%H%x00%an%x00%ae%x00%at%x00%ct%x00%ad%x00%B%x01", "--date=format:%z", commit]) as string;
      const commits: (UpstreamCommit & { committerTime: number })[] = [];
      for (const record of log.split("\x01")) {
        const trimmed = record.replace(/^\n/, "");
        if (!trimmed) continue;
        const [hash, authorName, authorEmail, at, ct, tz, message] = trimmed.split("\0") as string[];
        commits.push({
          hash: hash as string,
          authorName: authorName as string,
          authorEmail: authorEmail as string,
          authorTime: Number(at),
          committerTime: Number(ct),
          authorTz: tz as string,
          subject: (message ?? "").split("\n")[0] as string,
          message: (message ?? "").replace(/\n+$/, "\n"),
        });
      }
      return {
        commit,
        files,
        history: {
          commits,
          async readFile(at, path) {
            try {
              return new Uint8Array(run(repo, ["cat-file", "blob", `${at}:${path}`], true) as Buffer);
            } catch {
              return undefined;
            }
          },
          async changedPaths(at) {
            const out = run(repo, ["diff-tree", "--root", "--no-commit-id", "-r", "--name-only", "-z", at]) as string;
            return out.split("\0").filter((p) => p !== "");
          },
        },
      };
    },
  };
}
