import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DirectoryRepoView, openRepo, RepoEntryError, RepoOpenError, RepoPathError, type RepoView } from "../../src/repo/index.js";
import { removeDir, tempDir, TestRepo } from "./git-fixture.js";

const spec = "Name: dejavu-fonts\nVersion: 2.37\n%if 0%{?fedora}\nBuildRequires: fontforge\n%endif\n";
const binary = new Uint8Array(Array.from({ length: 512 }, (_, i) => (i * 7) % 256));

describe("DirectoryRepoView", () => {
  let root: string;
  let outside: string;
  let repo: RepoView;

  beforeAll(async () => {
    outside = tempDir("outside");
    writeFileSync(join(outside, "secret.txt"), "not part of the repository\n");
    root = tempDir("dir-view");
    const files: Record<string, string | Uint8Array> = {
      "specs/d/dejavu-fonts/dejavu-fonts.spec": spec,
      "specs/d/dejavu-fonts/sources": "SHA512 (dejavu-fonts-2.37.tar.bz2) = 00\n",
      "base/comps/with space/ünïcödé.comp.toml": "[components.\"ünïcödé\"]\n",
      "bin/data.bin": binary,
      "big/huge.tar": new Uint8Array(4096),
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    // a committed .git must not show up in the view
    TestRepo.init(root);
    symlinkSync("dejavu-fonts.spec", join(root, "specs/d/dejavu-fonts/alias.spec"));
    symlinkSync(outside, join(root, "escape-dir"));
    symlinkSync(join(outside, "secret.txt"), join(root, "specs/d/dejavu-fonts/secret.patch"));
    // a submodule checkout: a directory with a .git file
    mkdirSync(join(root, "vendor/sub"), { recursive: true });
    writeFileSync(join(root, "vendor/sub/.git"), "gitdir: ../../.git/modules/sub\n");
    writeFileSync(join(root, "vendor/sub/README"), "inside a submodule\n");
    repo = await openRepo(root, undefined, { maxFileBytes: 1024 });
  });

  afterAll(() => {
    removeDir(root);
    removeDir(outside);
  });

  it("is what openRepo returns without a ref", () => {
    expect(repo).toBeInstanceOf(DirectoryRepoView);
    expect(repo.description).toBe(`dir:${root}`);
  });

  it("reads text, binary and names with spaces and non-ASCII characters", async () => {
    expect(await repo.readText("specs/d/dejavu-fonts/dejavu-fonts.spec")).toBe(spec);
    expect(await repo.readFile("bin/data.bin")).toEqual(binary);
    expect(await repo.readText("base/comps/with space/ünïcödé.comp.toml")).toBe('[components."ünïcödé"]\n');
    expect(await repo.readFile("specs/d/nothing.spec")).toBeUndefined();
    expect(await repo.readFile("bin/data.bin/below-a-file")).toBeUndefined();
  });

  it("lists entries sorted with kinds, modes and sizes, hiding .git; stat gives git blob ids", async () => {
    const top = await repo.list();
    expect(top.map((e) => `${e.kind}:${e.path}`)).toEqual(["dir:base", "dir:big", "dir:bin", "symlink:escape-dir", "dir:specs", "dir:vendor"]);
    const all = await repo.list("", { recursive: true });
    expect(all.some((e) => e.path.includes(".git"))).toBe(false);
    expect(all.some((e) => e.path.startsWith("escape-dir/"))).toBe(false);
    expect(all.some((e) => e.path.startsWith("vendor/sub/"))).toBe(false);
    const specEntry = all.find((e) => e.path === "specs/d/dejavu-fonts/dejavu-fonts.spec");
    const hashed = execFileSync("git", ["hash-object", "--no-filters", join(root, "specs/d/dejavu-fonts/dejavu-fonts.spec")], { encoding: "utf8" }).trim();
    // listing does not read the files: the id comes from stat, and later listings reuse it
    expect(specEntry).toMatchObject({ path: "specs/d/dejavu-fonts/dejavu-fonts.spec", kind: "file", mode: "100644", size: spec.length });
    expect(specEntry?.id === undefined || specEntry.id === hashed).toBe(true);
    expect(await repo.stat("specs/d/dejavu-fonts/dejavu-fonts.spec")).toEqual({ ...specEntry, id: hashed });
    expect((await repo.list("specs/d/dejavu-fonts")).find((e) => e.path === specEntry?.path)?.id).toBe(hashed);
    expect(all.find((e) => e.path === "vendor/sub")).toMatchObject({ kind: "submodule", mode: "160000" });
    expect(all.find((e) => e.path === "specs/d/dejavu-fonts/alias.spec")).toMatchObject({ kind: "symlink", target: "dejavu-fonts.spec" });
    expect(await repo.list("specs/d/dejavu-fonts/dejavu-fonts.spec")).toEqual([]);
    expect(await repo.list("escape-dir")).toEqual([]);
    expect(await repo.stat(".git/config")).toBeUndefined();
    expect(await repo.readFile(".git/HEAD")).toBeUndefined();
  });

  it("never follows a symlink, whether it is the file or a directory on the way", async () => {
    await expect(repo.readFile("specs/d/dejavu-fonts/alias.spec")).rejects.toMatchObject({ name: "RepoEntryError", kind: "symlink" });
    await expect(repo.readFile("specs/d/dejavu-fonts/secret.patch")).rejects.toMatchObject({ kind: "symlink" });
    await expect(repo.readFile("escape-dir/secret.txt")).rejects.toThrow("lies below the symbolic link escape-dir");
    await expect(repo.stat("escape-dir/secret.txt")).rejects.toBeInstanceOf(RepoEntryError);
  });

  it("reports a submodule checkout and does not enter it", async () => {
    await expect(repo.readFile("vendor/sub")).rejects.toMatchObject({ kind: "submodule" });
    await expect(repo.readFile("vendor/sub/README")).rejects.toMatchObject({ kind: "submodule" });
    expect(await repo.list("vendor/sub")).toEqual([]);
  });

  it("refuses files above the size limit but still gives their id", async () => {
    await expect(repo.readFile("big/huge.tar")).rejects.toMatchObject({ kind: "oversized", message: "big/huge.tar: is 4096 bytes, above the 1024-byte limit" });
    const hashed = execFileSync("git", ["hash-object", "--no-filters", join(root, "big/huge.tar")], { encoding: "utf8" }).trim();
    expect((await repo.stat("big/huge.tar"))?.id).toBe(hashed);
  });

  it("refuses unsafe paths before touching the disk", async () => {
    // The root does not exist: any disk access would answer "absent", not throw RepoPathError.
    const ghost = new DirectoryRepoView(join(root, "does-not-exist"));
    for (const path of ["../secret.txt", "/etc/passwd", "specs/../../x", "a\tb", "a\0b"]) {
      await expect(ghost.readFile(path)).rejects.toBeInstanceOf(RepoPathError);
      await expect(repo.stat(path)).rejects.toBeInstanceOf(RepoPathError);
      await expect(repo.list(path)).rejects.toBeInstanceOf(RepoPathError);
    }
  });

  it("does not read a FIFO (it would block forever)", async () => {
    const fifo = join(root, "bin/pipe");
    try {
      execFileSync("mkfifo", [fifo]);
    } catch {
      return; // no mkfifo on this system
    }
    await expect(repo.readFile("bin/pipe")).rejects.toThrow("not a regular file");
    expect((await repo.list("bin")).map((e) => e.path)).toEqual(["bin/data.bin"]);
  });

  it("works through a symlinked root (the root is the caller's choice; links inside are not)", async () => {
    const alias = join(outside, "repo-alias");
    symlinkSync(root, alias);
    const view = await openRepo(alias);
    expect(await view.readText("specs/d/dejavu-fonts/dejavu-fonts.spec")).toBe(spec);
    await expect(view.readFile("escape-dir/secret.txt")).rejects.toMatchObject({ kind: "symlink" });
  });

  it("openRepo refuses a path that is not a directory", async () => {
    await expect(openRepo(join(root, "bin/data.bin"))).rejects.toBeInstanceOf(RepoOpenError);
    await expect(openRepo(join(root, "missing"))).rejects.toThrow("is not a directory");
  });
});
