import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CatFileBatch,
  GitRepoView,
  openRepo,
  RepoEntryError,
  RepoOpenError,
  parseLsTree,
  RepoPathError,
  type RepoView,
  type TreeEntry,
} from "../../src/repo/index.js";
import { removeDir, runGitSync, tempDir, TestRepo } from "./git-fixture.js";

const spec = "Name: systemd\nVersion: 257\nRelease: %autorelease\n%if %{with tests}\nBuildRequires: python3\n%endif\n";
/** Content that looks like cat-file's own framing: a header line, NULs, LFs, every byte value. */
const tricky = new Uint8Array([
  ...new TextEncoder().encode("deadbeef blob 12\n\n"),
  0, 10, 0, 10,
  ...Array.from({ length: 256 }, (_, i) => i),
  10,
]);
const random = new Uint8Array(randomBytes(300_000));

describe("GitRepoView", () => {
  let base: string;
  let work: TestRepo;
  let bare: string;
  let first: string;
  let second: string;
  const views: RepoView[] = [];
  const open = async (path: string, ref: string, options = {}) => {
    const view = await openRepo(path, ref, options);
    views.push(view);
    return view;
  };

  beforeAll(() => {
    base = tempDir("git-view");
    work = TestRepo.init(join(base, "work"));
    first = work.commit("initial import", {
      "specs/s/systemd/systemd.spec": "Name: systemd\nVersion: 256\n",
      "README.md": "old readme\n",
    });
    work.write("specs/s/systemd/systemd.spec", spec);
    work.write("bin/tricky.bin", tricky);
    work.write("bin/random.bin", random);
    work.write("bin/empty", "");
    work.write("with space/ünïcödé file.patch", "--- a\n+++ b\n");
    work.write("big/huge.tar", new Uint8Array(5000));
    work.git(["add", "-A"]);
    work.git(["rm", "-q", "README.md"]);
    // symlinks: to a sibling, out of the repository, to a directory
    work.git(["update-index", "--add", "--cacheinfo", `120000,${blobOf(work, "systemd.spec")},specs/s/systemd/alias.spec`]);
    work.git(["update-index", "--add", "--cacheinfo", `120000,${blobOf(work, "../../../../etc/passwd")},specs/s/systemd/escape.patch`]);
    work.git(["update-index", "--add", "--cacheinfo", `120000,${blobOf(work, "specs")},linked-specs`]);
    // a submodule (gitlink) entry
    work.git(["update-index", "--add", "--cacheinfo", `160000,${"1".repeat(40)},vendor/libfoo`]);
    work.git(["commit", "-q", "-m", "second"]);
    second = work.head();
    bare = join(base, "bare.git");
    runGitSync(base, ["clone", "-q", "--bare", work.dir, bare]);
    // the work tree moves on after the commit: git views must not see it
    work.write("specs/s/systemd/systemd.spec", "uncommitted edit\n");
  });

  afterAll(async () => {
    for (const view of views) await view.close?.();
    removeDir(base);
  });

  it("resolves the ref once to a commit and describes itself", async () => {
    const view = (await open(work.dir, "main")) as GitRepoView;
    expect(view).toBeInstanceOf(GitRepoView);
    expect(view.commit).toBe(second);
    expect(view.description).toBe(`git:${work.dir}@${second.slice(0, 7)}`);
    expect(((await open(work.dir, "HEAD~1")) as GitRepoView).commit).toBe(first);
    expect(((await open(work.dir, first.slice(0, 9))) as GitRepoView).commit).toBe(first);
  });

  it("answers directory by directory exactly as from the whole tree listed at once", async () => {
    const whole = await open(bare, "main", { maxFileBytes: 4096 });
    const all = await whole.list("", { recursive: true });
    const paths = ["", ...all.map((e) => e.path), "nothing/here", "specs/s/missing.spec", "linked-specs/s", "vendor/libfoo/x"];
    const settle = (p: Promise<unknown>) => p.then((value) => ({ value }), (error: Error) => ({ error: error.message }));
    for (const path of paths) {
      // a fresh view per path: each one walks from its root tree
      const lazy = await open(bare, "main", { maxFileBytes: 4096 });
      expect(await settle(lazy.stat(path)), path).toEqual(await settle(whole.stat(path)));
      expect(await settle(lazy.list(path)), path).toEqual(await settle(whole.list(path)));
      if (path !== "") expect(await settle(lazy.list(path, { recursive: true })), path).toEqual(await settle(whole.list(path, { recursive: true })));
    }
  });

  for (const kind of ["work tree", "bare"] as const) {
    describe(`of a ${kind} repository`, () => {
      let view: RepoView;
      beforeAll(async () => {
        view = await open(kind === "bare" ? bare : work.dir, "main", { maxFileBytes: 4096 });
      });

      it("reads committed content byte for byte, not the work tree", async () => {
        expect(await view.readText("specs/s/systemd/systemd.spec")).toBe(spec);
        expect(await view.readFile("bin/tricky.bin")).toEqual(tricky);
        expect(await view.readFile("bin/empty")).toEqual(new Uint8Array(0));
        expect(await view.readText("with space/ünïcödé file.patch")).toBe("--- a\n+++ b\n");
        expect(await view.readFile("README.md")).toBeUndefined();
        expect(await view.readFile("specs/s/systemd/systemd.spec/x")).toBeUndefined();
      });

      it("lists the tree with kinds, modes, sizes, blob ids and link targets", async () => {
        expect((await view.list()).map((e) => `${e.kind}:${e.path}`)).toEqual([
          "dir:big",
          "dir:bin",
          "symlink:linked-specs",
          "dir:specs",
          "dir:vendor",
          "dir:with space",
        ]);
        const all = await view.list("", { recursive: true });
        const specEntry = all.find((e) => e.path === "specs/s/systemd/systemd.spec");
        expect(specEntry).toEqual({
          path: "specs/s/systemd/systemd.spec",
          kind: "file",
          mode: "100644",
          size: spec.length,
          id: work.git(["rev-parse", "main:specs/s/systemd/systemd.spec"]).trim(),
        });
        expect(all.find((e) => e.path === "specs/s/systemd/alias.spec")).toMatchObject({ kind: "symlink", mode: "120000", target: "systemd.spec" });
        expect(all.find((e) => e.path === "vendor/libfoo")).toMatchObject({ kind: "submodule", mode: "160000", id: "1".repeat(40) });
        expect((await view.list("specs/s", { recursive: true })).map((e) => e.path)).toEqual([
          "specs/s/systemd",
          "specs/s/systemd/alias.spec",
          "specs/s/systemd/escape.patch",
          "specs/s/systemd/systemd.spec",
        ]);
        expect(await view.list("linked-specs")).toEqual([]);
        expect(await view.stat("")).toMatchObject({ kind: "dir" });
      });

      it("lists symlinks and submodules but never follows them", async () => {
        await expect(view.readFile("specs/s/systemd/alias.spec")).rejects.toMatchObject({ name: "RepoEntryError", kind: "symlink" });
        await expect(view.readFile("specs/s/systemd/escape.patch")).rejects.toMatchObject({ kind: "symlink" });
        await expect(view.readFile("linked-specs/s/systemd/systemd.spec")).rejects.toThrow("lies below the symbolic link linked-specs");
        await expect(view.readFile("vendor/libfoo")).rejects.toMatchObject({ kind: "submodule" });
        await expect(view.readFile("vendor/libfoo/README")).rejects.toMatchObject({ kind: "submodule" });
        await expect(view.readFile("specs")).rejects.toMatchObject({ kind: "dir" });
      });

      it("refuses oversized files from the listed size, without reading them", async () => {
        await expect(view.readFile("big/huge.tar")).rejects.toMatchObject({ kind: "oversized", message: "big/huge.tar: is 5000 bytes, above the 4096-byte limit" });
        await expect(view.readFile("bin/random.bin")).rejects.toBeInstanceOf(RepoEntryError);
      });

      it("refuses unsafe paths", async () => {
        for (const path of ["../work/x", "/etc/passwd", "a/../../b", "a\tb", "x\0y"]) {
          await expect(view.readFile(path)).rejects.toBeInstanceOf(RepoPathError);
          await expect(view.stat(path)).rejects.toBeInstanceOf(RepoPathError);
        }
      });
    });
  }

  it("lists directories and sub-trees as git ls-tree --long lists them, through the object reader alone", async () => {
    let spawned = 0;
    const view = await open(work.dir, "main", { onCatFileSpawn: () => spawned++ });
    const withoutTargets = (entries: TreeEntry[]) => entries.map(({ target: _, ...entry }) => entry);
    for (const dir of ["specs", "specs/s/systemd", "bin", "with space", "vendor"]) {
      const listed = parseLsTree(execFileSync("git", ["-C", work.dir, "ls-tree", "-r", "-t", "-z", "--long", `main:${dir}`]));
      const expected = listed.map((e) => ({ ...e, path: `${dir}/${e.path}` })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      expect(withoutTargets(await view.list(dir, { recursive: true }))).toEqual(expected);
      const direct = expected.filter((e) => !e.path.slice(dir.length + 1).includes("/"));
      expect(withoutTargets(await view.list(dir))).toEqual(direct);
    }
    expect(await view.stat("big/huge.tar")).toMatchObject({ kind: "file", size: 5000 });
    expect(await view.stat("vendor/libfoo")).toMatchObject({ kind: "submodule", mode: "160000" });
    expect(spawned).toBe(1);
  });

  it("serves many concurrent reads through a single cat-file process", async () => {
    let spawned = 0;
    const view = await open(work.dir, "main", { onCatFileSpawn: () => spawned++ });
    const paths = ["specs/s/systemd/systemd.spec", "bin/tricky.bin", "bin/random.bin", "bin/empty", "with space/ünïcödé file.patch"];
    const expected = [new TextEncoder().encode(spec), tricky, random, new Uint8Array(0), new TextEncoder().encode("--- a\n+++ b\n")];
    const reads = Array.from({ length: 400 }, (_, i) => view.readFile(paths[i % paths.length] as string));
    const results = await Promise.all(reads);
    // Buffer comparison: element-wise deep equality of 80 × 300 kB arrays would dominate the test
    const mismatches = results.filter((content, i) => !content || !Buffer.from(content).equals(expected[i % paths.length] as Uint8Array));
    expect(mismatches).toHaveLength(0);
    expect(spawned).toBe(1);
  });

  it("reads thousands of distinct blobs in one batch process", async () => {
    const many = TestRepo.init(join(base, "many"));
    for (let i = 0; i < 1500; i++) many.write(`files/f${String(i).padStart(4, "0")}.txt`, `file ${i}\n${"x".repeat(i % 97)}\n`);
    many.commit("many files");
    let spawned = 0;
    const view = await open(many.dir, "HEAD", { onCatFileSpawn: () => spawned++ });
    const entries = await view.list("files");
    expect(entries).toHaveLength(1500);
    const texts = await Promise.all(entries.map((e) => view.readText(e.path)));
    texts.forEach((text, i) => expect(text).toBe(`file ${i}\n${"x".repeat(i % 97)}\n`));
    expect(spawned).toBe(1);
  });

  it("close stops the process, is idempotent, and later reads fail clearly", async () => {
    const view = await openRepo(work.dir, "main");
    await view.readText("with space/ünïcödé file.patch");
    await view.close?.();
    await view.close?.();
    await expect(view.readFile("bin/tricky.bin")).rejects.toThrow("closed");
  });

  it("refuses a bad ref, a path that is not a repository, and option-like refs", async () => {
    await expect(openRepo(work.dir, "no-such-branch")).rejects.toThrow('revision "no-such-branch" is not a commit');
    await expect(openRepo(work.dir, "--output=/tmp/x")).rejects.toBeInstanceOf(RepoOpenError);
    await expect(openRepo(work.dir, "main\nHEAD")).rejects.toBeInstanceOf(RepoOpenError);
    const plain = join(base, "plain");
    mkdirSync(plain);
    await expect(openRepo(plain, "HEAD")).rejects.toThrow("is not a git repository");
    // a sub-directory of a repository is not that repository
    await expect(openRepo(join(work.dir, "specs"), "HEAD")).rejects.toThrow("is not a git repository");
    await expect(openRepo(join(base, "absent"), "HEAD")).rejects.toThrow("is not a directory");
  });

  it("opens a linked work tree (a .git file) at its own HEAD", async () => {
    const linked = join(base, "linked");
    work.git(["worktree", "add", "-q", "--detach", linked, first]);
    const view = (await open(linked, "HEAD")) as GitRepoView;
    expect(view.commit).toBe(first);
    expect(await view.readText("README.md")).toBe("old readme\n");
  });

  it.skipIf(process.getuid?.() !== 0)("opens a repository owned by another user (a mounted checkout) without git's ownership refusal", async () => {
    const foreign = join(base, "foreign");
    runGitSync(base, ["clone", "-q", work.dir, foreign]);
    execFileSync("chown", ["-R", "nobody", foreign]);
    const view = await open(foreign, "HEAD");
    expect(await view.readText("specs/s/systemd/systemd.spec")).toBe(spec);
  });

  it("ignores the caller's GIT_DIR and hooks in the repository", async () => {
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = join(base, "bare.git");
    writeFileSync(join(work.dir, ".git/hooks/post-checkout"), "#!/bin/sh\ntouch hooked\n", { mode: 0o755 });
    try {
      const view = (await open(work.dir, "HEAD~1")) as GitRepoView;
      expect(view.gitDir).toBe(join(work.dir, ".git"));
      expect(await view.readText("README.md")).toBe("old readme\n");
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
    }
  });
});

describe("CatFileBatch", () => {
  let repo: TestRepo;
  let reader: CatFileBatch;
  beforeAll(() => {
    repo = TestRepo.init(tempDir("cat-file"));
    repo.commit("c", { "a.txt": "alpha\n" });
    reader = new CatFileBatch({ gitDir: join(repo.dir, ".git") });
  });
  afterAll(async () => {
    await reader.close();
    removeDir(repo.dir);
  });

  it("answers missing objects with undefined and keeps serving", async () => {
    const blob = repo.git(["rev-parse", "HEAD:a.txt"]).trim();
    const [missing, found, tree] = await Promise.all([
      reader.read("0".repeat(40)),
      reader.read(blob),
      reader.read(repo.git(["rev-parse", "HEAD^{tree}"]).trim()),
    ]);
    expect(missing).toBeUndefined();
    expect(found).toEqual({ type: "blob", content: new TextEncoder().encode("alpha\n") });
    expect(tree?.type).toBe("tree");
  });

  it("fails pending reads (never hangs) when git dies or cannot start, and starts afresh next time", async () => {
    const dying = join(repo.dir, "dying-git");
    writeFileSync(dying, "#!/bin/sh\nread line\necho 'fatal: simulated crash' >&2\nexit 1\n", { mode: 0o755 });
    let spawned = 0;
    const fragile = new CatFileBatch({ gitDir: join(repo.dir, ".git"), gitBinary: dying, onSpawn: () => spawned++ });
    const blob = repo.git(["rev-parse", "HEAD:a.txt"]).trim();
    await expect(Promise.all([fragile.read(blob), fragile.read(blob)])).rejects.toThrow("simulated crash");
    await expect(fragile.read(blob)).rejects.toThrow("cat-file --batch-command exited");
    expect(spawned).toBe(2);
    await fragile.close();
    const absent = new CatFileBatch({ gitDir: join(repo.dir, ".git"), gitBinary: join(repo.dir, "no-such-git") });
    await expect(absent.read(blob)).rejects.toThrow("ENOENT");
    await absent.close();
  });

  it("skips an object above maxBytes without holding it, and keeps the stream aligned", async () => {
    repo.commit("big", { "big.bin": new Uint8Array(100_000).fill(65), "small.txt": "small\n" });
    const big = repo.git(["rev-parse", "HEAD:big.bin"]).trim();
    const small = repo.git(["rev-parse", "HEAD:small.txt"]).trim();
    const [tooLarge, after] = await Promise.allSettled([reader.read(big, { maxBytes: 1000 }), reader.read(small, { maxBytes: 1000 })]);
    expect(tooLarge).toMatchObject({ status: "rejected", reason: { name: "ObjectTooLargeError", size: 100_000, maxBytes: 1000 } });
    expect(after).toEqual({ status: "fulfilled", value: { type: "blob", content: new TextEncoder().encode("small\n") } });
  });

  it("stops an idle process and restarts it on demand", async () => {
    let spawned = 0;
    const idle = new CatFileBatch({ gitDir: join(repo.dir, ".git"), idleMs: 20, onSpawn: () => spawned++ });
    const blob = repo.git(["rev-parse", "HEAD:a.txt"]).trim();
    expect((await idle.read(blob))?.content).toEqual(new TextEncoder().encode("alpha\n"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await idle.read(blob))?.content).toEqual(new TextEncoder().encode("alpha\n"));
    expect(spawned).toBe(2);
    await idle.close();
  });

  it("answers an object's type and size without its content, in order with content reads", async () => {
    const blob = repo.git(["rev-parse", "HEAD:a.txt"]).trim();
    const [info, content, missing, tree] = await Promise.all([reader.info(blob), reader.read(blob), reader.info("0".repeat(40)), reader.info(repo.git(["rev-parse", "HEAD^{tree}"]).trim())]);
    expect(info).toEqual({ type: "blob", size: 6 });
    expect(content).toEqual({ type: "blob", content: new TextEncoder().encode("alpha\n") });
    expect(missing).toBeUndefined();
    expect(tree?.type).toBe("tree");
  });

  it("accepts only object ids, so nothing else can be injected into the batch", async () => {
    await expect(reader.read("HEAD")).rejects.toThrow("not an object id");
    await expect(reader.info("HEAD")).rejects.toThrow("not an object id");
    await expect(reader.read(`${"a".repeat(40)}\n${"b".repeat(40)}`)).rejects.toThrow("not an object id");
  });
});

function blobOf(repo: TestRepo, content: string): string {
  const path = join(repo.dir, ".git", "tmp-blob");
  writeFileSync(path, content);
  return repo.git(["hash-object", "-w", path]).trim();
}
