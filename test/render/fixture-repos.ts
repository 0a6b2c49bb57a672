/**
 * Turns fixtures/distro-repo into real git repositories in a temp dir: one dist-git repository per
 * package with the dated commits of its history.toml, and the project repository with one dated
 * commit per lock-file revision. `{{dist-git:<pkg>:<id>}}` placeholders become commit hashes and `{{dist-git-dir}}` the directory of
 * the dist-git repositories (the fixture distro's `file://` dist-git-base-uri).
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";

export const FIXTURE_ROOT = resolve(import.meta.dirname, "../../fixtures/distro-repo");

export interface FixtureRepos {
  root: string;
  /** the project repository (work tree with .git) */
  projectDir: string;
  /** DIR for --upstream: DIR/<package>/ are git repositories */
  distGitDir: string;
  /** package → commit id → full hash */
  hashes: Record<string, Record<string, string>>;
  /** project commits in order (hashes), the first being the configuration import */
  projectCommits: string[];
  cleanup(): void;
}

interface HistoryCommit {
  id: string;
  author: string;
  date: string;
  message: string;
  delete?: string[];
  branch?: string;
}

function gitEnv(home: string, author: string, date: string): NodeJS.ProcessEnv {
  const match = /^(.*?)\s*<(.*)>$/.exec(author);
  const name = match?.[1] ?? author;
  const email = match?.[2] ?? "";
  return {
    PATH: process.env.PATH,
    HOME: home,
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
    GIT_COMMITTER_DATE: date,
  };
}

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync("git", ["-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", ...args], {
    cwd,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

function substitute(text: string, hashes: Record<string, Record<string, string>>, distGitDir = ""): string {
  return text.replace(/\{\{dist-git-dir\}\}/g, distGitDir).replace(/\{\{dist-git:([^:}]+):([^}]+)\}\}/g, (whole, pkg: string, id: string) => hashes[pkg]?.[id] ?? whole);
}

function substituteTree(dir: string, hashes: Record<string, Record<string, string>>, distGitDir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== ".git") substituteTree(path, hashes, distGitDir);
    } else if (/\.(toml|lock)$/.test(entry.name)) {
      writeFileSync(path, substitute(readFileSync(path, "utf8"), hashes, distGitDir));
    }
  }
}

export function buildDistGit(distGitDir: string, home: string, packages?: string[]): Record<string, Record<string, string>> {
  const hashes: Record<string, Record<string, string>> = {};
  const source = join(FIXTURE_ROOT, "dist-git");
  for (const pkg of packages ?? readdirSync(source).sort()) {
    const history = parseToml(readFileSync(join(source, pkg, "history.toml"), "utf8")) as unknown as { commit: HistoryCommit[] };
    const work = join(distGitDir, pkg);
    mkdirSync(work, { recursive: true });
    const first = history.commit[0] as HistoryCommit;
    git(work, ["init", "-q", "-b", first.branch ?? "f43"], gitEnv(home, first.author, first.date));
    hashes[pkg] = {};
    for (const commit of history.commit) {
      const env = gitEnv(home, commit.author, commit.date);
      const files = join(source, pkg, commit.id);
      if (existsSync(files) && statSync(files).isDirectory()) cpSync(files, work, { recursive: true });
      for (const path of commit.delete ?? []) rmSync(join(work, path), { recursive: true, force: true });
      git(work, ["add", "-A"], env);
      git(work, ["commit", "-q", "--allow-empty", "-m", commit.message], env);
      (hashes[pkg] as Record<string, string>)[commit.id] = git(work, ["rev-parse", "HEAD"], env);
    }
  }
  return hashes;
}

export function buildFixtureRepos(): FixtureRepos {
  const root = mkdtempSync(join(tmpdir(), "specwarden-render-"));
  const home = join(root, "home");
  mkdirSync(home);
  const distGitDir = join(root, "dist-git");
  const hashes = buildDistGit(distGitDir, home);

  const projectDir = join(root, "project");
  cpSync(join(FIXTURE_ROOT, "repo"), projectDir, { recursive: true });
  substituteTree(projectDir, hashes, distGitDir);
  const importEnv = gitEnv(home, "Distro Maintainers <maintainers@example.org>", "2026-02-01T08:00:00Z");
  git(projectDir, ["init", "-q", "-b", "main"], importEnv);
  git(projectDir, ["add", "-A"], importEnv);
  git(projectDir, ["commit", "-q", "-m", "Import the distro configuration"], importEnv);
  const projectCommits = [git(projectDir, ["rev-parse", "HEAD"], importEnv)];
  const locks = parseToml(readFileSync(join(FIXTURE_ROOT, "lock-history.toml"), "utf8")) as unknown as {
    commit: { subject: string; author: string; date: string; locks: Record<string, string> }[];
  };
  mkdirSync(join(projectDir, "locks"), { recursive: true });
  for (const commit of locks.commit) {
    const env = gitEnv(home, commit.author, commit.date);
    for (const [component, file] of Object.entries(commit.locks)) {
      const text = substitute(readFileSync(join(FIXTURE_ROOT, "lock-history", file), "utf8"), hashes);
      writeFileSync(join(projectDir, "locks", `${component}.lock`), text);
    }
    git(projectDir, ["add", "-A"], env);
    git(projectDir, ["commit", "-q", "-m", commit.subject], env);
    projectCommits.push(git(projectDir, ["rev-parse", "HEAD"], env));
  }
  return { root, projectDir, distGitDir, hashes, projectCommits, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
