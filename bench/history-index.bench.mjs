// The history index of a local upstream clone (what `track --upstream-git` reads once per clone and
// refs state): `git log -p` over every branch and tag, streamed through the patch-id code, with
// subjects, mailing-list ids and cherry-pick trailers. A generated repository of 20,000 commits
// (each a small change to one of 200 files, a stable branch with -x backports) is built with
// `git fast-import`; the bench times a cold index and a warm lookup, and the index as the command line
// keeps it on disk: its size, and what a later run pays to load it. Target: ≥ 2,000 commits/s.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheFilesIn, historyIndex, HistoryIndexStore } from "../dist/tracking/index.js";

const COMMITS = 20_000;
const FILES = 200;
const TARGET_PER_SECOND = 2_000;

function fastImport(gitDir) {
  const out = [];
  const contents = Array.from({ length: FILES }, (_, f) => Array.from({ length: 40 }, (_, l) => `file ${f} line ${l}`));
  let mark = 0;
  const blob = (text) => {
    mark++;
    out.push(`blob\nmark :${mark}\ndata ${Buffer.byteLength(text)}\n${text}\n`);
    return mark;
  };
  let previous;
  for (let c = 0; c < COMMITS; c++) {
    const f = c % FILES;
    const lines = contents[f];
    lines[(c * 7) % lines.length] = `file ${f} changed by commit ${c}`;
    const b = blob(`${lines.join("\n")}\n`);
    mark++;
    const message = `area${f}: change ${c}\n\nSigned-off-by: Dev <dev@example.org>\n`;
    out.push(
      `commit refs/heads/main\nmark :${mark}\ncommitter Dev <dev@example.org> ${1_600_000_000 + c} +0000\ndata ${Buffer.byteLength(message)}\n${message}${previous ? `from :${previous}\n` : ""}M 100644 :${b} src/file${f}.c\n\n`,
    );
    previous = mark;
    if (c % 1000 === 999) out.push(`reset refs/tags/v${(c + 1) / 1000}\nfrom :${mark}\n\n`);
  }
  execFileSync("git", ["--git-dir", gitDir, "fast-import", "--quiet"], { input: out.join(""), maxBuffer: 1 << 30 });
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), "specwarden-history-bench-"));
  try {
    const gitDir = join(dir, "repo.git");
    execFileSync("git", ["init", "-q", "--bare", gitDir]);
    const built = performance.now();
    fastImport(gitDir);
    const buildMs = performance.now() - built;
    const started = performance.now();
    const index = await historyIndex(gitDir, undefined, { maxCommits: COMMITS });
    const coldMs = performance.now() - started;
    const again = performance.now();
    await historyIndex(gitDir, undefined, { maxCommits: COMMITS });
    const warmMs = performance.now() - again;
    const rate = Math.round(index.commits / (coldMs / 1000));
    // kept on disk, as `track --upstream-git` keeps it under the cache directory
    const storeDir = join(dir, "cache");
    const store = new HistoryIndexStore(cacheFilesIn(storeDir, ["history"]));
    const stored = await historyIndex(gitDir, "v1", { maxCommits: COMMITS, indexStore: store });
    const [file] = readdirSync(join(storeDir, "history"));
    const bytes = statSync(join(storeDir, "history", file)).size;
    const { key } = JSON.parse(readFileSync(join(storeDir, "history", file), "utf8"));
    const loading = performance.now();
    const loaded = await new HistoryIndexStore(cacheFilesIn(storeDir, ["history"])).load(key);
    const loadMs = performance.now() - loading;
    return [
      `generated ${COMMITS} commits over ${FILES} files in ${Math.round(buildMs)} ms`,
      `history index, cold: ${index.commits} commits, ${index.byPatchId.size} patch-ids, ${index.bySubject.size} subjects in ${Math.round(coldMs)} ms (${rate} commits/s; target ≥ ${TARGET_PER_SECOND}) ${rate >= TARGET_PER_SECOND ? "ok" : "SLOW"}`,
      `history index, warm (same refs): ${warmMs.toFixed(1)} ms`,
      `history index on disk (${stored.commits} commits after v1): ${(bytes / 1024 / 1024).toFixed(1)} MiB; loaded by a later run in ${Math.round(loadMs)} ms (${loaded?.commits === stored.commits ? "same index" : "DIFFERENT"})`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
