// RepoView read throughput: 2,000 distinct spec-sized blobs read concurrently through the git view
// (one `git cat-file --batch` process) versus the directory view of the same work tree, plus the
// cost of listing the tree. The repository is packed, as clones are.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRepo } from "../dist/repo/index.js";

const FILES = 2000;

function specText(i) {
  const name = `pkg${String(i).padStart(4, "0")}`;
  let text = `Name:           ${name}\nVersion:        ${1 + (i % 17)}.${i % 7}\nRelease:        %autorelease\nSummary:        Package ${i}\n`;
  text += `License:        MIT\nURL:            https://example.org/${name}\nSource0:        %{url}/archive/v%{version}/${name}-%{version}.tar.gz\n`;
  for (let p = 0; p < i % 5; p++) text += `Patch${p}:         ${name}-fix-${p}.patch\n`;
  text += `\n%if 0%{?fedora}\nBuildRequires:  gcc\n%endif\n\n%description\n${"Long description line. ".repeat(40)}\n\n%prep\n%autosetup -p1\n\n%build\n%make_build\n\n%install\n%make_install\n\n%files\n%{_bindir}/${name}\n\n%changelog\n%autochangelog\n`;
  return text;
}

function git(cwd, args) {
  execFileSync("git", ["-c", "user.name=Bench", "-c", "user.email=bench@example.org", ...args], {
    cwd,
    stdio: "ignore",
    env: { PATH: process.env.PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
  });
}

async function measure(view, paths) {
  const started = performance.now();
  const contents = await Promise.all(paths.map((p) => view.readFile(p)));
  const seconds = (performance.now() - started) / 1000;
  const bytes = contents.reduce((sum, c) => sum + (c?.byteLength ?? 0), 0);
  if (contents.some((c) => !c)) throw new Error("a read came back empty");
  return { seconds, bytes };
}

export async function run() {
  const root = mkdtempSync(join(tmpdir(), "specwarden-bench-repo-"));
  try {
    const paths = [];
    for (let i = 0; i < FILES; i++) {
      const name = `pkg${String(i).padStart(4, "0")}`;
      const path = `specs/${name[0]}/${name}/${name}.spec`;
      mkdirSync(join(root, "specs", name[0], name), { recursive: true });
      writeFileSync(join(root, path), specText(i));
      paths.push(path);
    }
    git(root, ["init", "-q"]);
    git(root, ["add", "-A"]);
    git(root, ["commit", "-q", "-m", "bench"]);
    git(root, ["repack", "-adq"]);

    const lines = [];
    let spawned = 0;
    let started = performance.now();
    const gitView = await openRepo(root, "HEAD", { onCatFileSpawn: () => spawned++ });
    const listed = await gitView.list("", { recursive: true });
    const listSeconds = (performance.now() - started) / 1000;
    const cold = await measure(gitView, paths);
    await gitView.close();

    const dirView = await openRepo(root);
    started = performance.now();
    await dirView.list("", { recursive: true });
    const dirListSeconds = (performance.now() - started) / 1000;
    const dir = await measure(dirView, paths);

    // a second git view of the same content is served from the shared, content-addressed blob cache
    const warmView = await openRepo(root, "HEAD");
    await warmView.list();
    const warm = await measure(warmView, paths);
    await warmView.close();

    const rate = (m) => `${Math.round(FILES / m.seconds).toLocaleString("en-US")} files/s, ${(m.bytes / 1024 / 1024 / m.seconds).toFixed(1)} MB/s`;
    lines.push(`git view: open + list ${listed.length} entries ${(listSeconds * 1000).toFixed(0)} ms`);
    lines.push(`git view: ${FILES} blob reads through ${spawned} cat-file process(es): ${rate(cold)} (${(cold.seconds * 1000).toFixed(0)} ms)`);
    lines.push(`git view, warm blob cache: ${rate(warm)}`);
    lines.push(`directory view: list with content ids ${(dirListSeconds * 1000).toFixed(0)} ms; ${FILES} reads: ${rate(dir)} (${(dir.seconds * 1000).toFixed(0)} ms)`);
    lines.push(`git / directory read time: ${(cold.seconds / dir.seconds).toFixed(2)}×`);
    return lines;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
