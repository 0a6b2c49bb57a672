import { describe, expect, it } from "vitest";
import { memoryRepo, normalizeRepoPath, RepoEntryError, RepoPathError, gitBlobId } from "../../src/repo/index.js";

describe("normalizeRepoPath", () => {
  it("canonicalises harmless spellings", () => {
    expect(normalizeRepoPath("")).toBe("");
    expect(normalizeRepoPath(".")).toBe("");
    expect(normalizeRepoPath("base//comps/./x.comp.toml")).toBe("base/comps/x.comp.toml");
    expect(normalizeRepoPath("specs/a/acl/")).toBe("specs/a/acl");
    expect(normalizeRepoPath("name with spaces/ünïcödé.spec")).toBe("name with spaces/ünïcödé.spec");
    expect(normalizeRepoPath("a/..b/c..")).toBe("a/..b/c..");
    // systemd's escaping of unit names, and @ templates
    expect(normalizeRepoPath("specs/o/open-vm-tools/run-vmblock\\x2dfuse.mount")).toBe("specs/o/open-vm-tools/run-vmblock\\x2dfuse.mount");
    expect(normalizeRepoPath("specs/s/systemd/getty@.service")).toBe("specs/s/systemd/getty@.service");
  });

  it.each([
    ["/etc/passwd", "absolute"],
    ["../outside", "'..'"],
    ["specs/../../outside", "'..'"],
    ["specs/..", "'..'"],
    ["a\0b", "NUL"],
    ["a\tb", "control character"],
    ["specs/a/a\nb/x", "control character"],
    ["a\u007fb", "control character"],
    ["C:/windows", "drive letter"],
  ])("refuses %j", (path, reason) => {
    expect(() => normalizeRepoPath(path)).toThrow(RepoPathError);
    expect(() => normalizeRepoPath(path)).toThrow(reason);
  });
});

describe("memoryRepo", () => {
  const spec = "Name: acl\nVersion: 2.3.2\nRelease: 1%{?dist}\n";
  const repo = memoryRepo(
    {
      "specs/a/acl/acl.spec": spec,
      "specs/a/acl/sources": "SHA512 (acl-2.3.2.tar.gz) = abc\n",
      "base/comps/acl/acl.comp.toml": "[components.acl]\n",
      "bin/blob.bin": new Uint8Array([0, 255, 10, 13, 0]),
    },
    { symlinks: { "specs/a/acl/link.patch": "../../../../etc/passwd", "linked-dir": "specs" }, submodules: { "vendor/sub": "a".repeat(40) } },
  );

  it("reads files and text, and reports absent paths as undefined", async () => {
    expect(await repo.readText("specs/a/acl/acl.spec")).toBe(spec);
    expect(await repo.readText("./specs//a/acl/acl.spec")).toBe(spec);
    expect(Array.from((await repo.readFile("bin/blob.bin")) ?? [])).toEqual([0, 255, 10, 13, 0]);
    expect(await repo.readFile("specs/a/acl/missing.spec")).toBeUndefined();
    expect(await repo.readFile("specs/a/acl/acl.spec/below-a-file")).toBeUndefined();
  });

  it("keeps a byte-order mark when decoding text", async () => {
    const bom = memoryRepo({ "x.spec": "\uFEFFName: x\n" });
    expect(await bom.readText("x.spec")).toBe("\uFEFFName: x\n");
  });

  it("lists direct children and whole sub-trees, sorted, with derived directories", async () => {
    expect((await repo.list()).map((e) => `${e.kind}:${e.path}`)).toEqual([
      "dir:base",
      "dir:bin",
      "symlink:linked-dir",
      "dir:specs",
      "dir:vendor",
    ]);
    expect((await repo.list("specs", { recursive: true })).map((e) => e.path)).toEqual([
      "specs/a",
      "specs/a/acl",
      "specs/a/acl/acl.spec",
      "specs/a/acl/link.patch",
      "specs/a/acl/sources",
    ]);
    expect(await repo.list("specs/a/acl/acl.spec")).toEqual([]);
    expect(await repo.list("nowhere")).toEqual([]);
  });

  it("gives files git blob ids and sizes", async () => {
    const entry = await repo.stat("specs/a/acl/acl.spec");
    expect(entry).toMatchObject({ kind: "file", size: spec.length, mode: "100644" });
    // the id git itself gives this content (git hash-object)
    expect(gitBlobId(new TextEncoder().encode("hello\n"))).toBe("ce013625030ba8dba906f756967f9e9ca394464a");
    expect(entry?.id).toBe(gitBlobId(new TextEncoder().encode(spec)));
  });

  it("lists symlinks and submodules but never follows them", async () => {
    expect(await repo.stat("specs/a/acl/link.patch")).toMatchObject({ kind: "symlink", target: "../../../../etc/passwd", mode: "120000" });
    expect(await repo.stat("vendor/sub")).toMatchObject({ kind: "submodule", mode: "160000" });
    await expect(repo.readFile("specs/a/acl/link.patch")).rejects.toMatchObject({ name: "RepoEntryError", kind: "symlink" });
    await expect(repo.readFile("vendor/sub")).rejects.toMatchObject({ kind: "submodule" });
    await expect(repo.readFile("linked-dir/a/acl/acl.spec")).rejects.toThrow(/below the symbolic link linked-dir/);
    await expect(repo.readFile("vendor/sub/README")).rejects.toBeInstanceOf(RepoEntryError);
    await expect(repo.readFile("specs")).rejects.toMatchObject({ kind: "dir" });
  });

  it("refuses unsafe paths on every operation", async () => {
    for (const op of [
      () => repo.readFile("../etc/passwd"),
      () => repo.readText("/etc/passwd"),
      () => repo.stat("specs/../../x"),
      () => repo.list("..\u0001x"),
    ]) {
      await expect(op()).rejects.toBeInstanceOf(RepoPathError);
    }
    expect(() => memoryRepo({ "../escape": "x" })).toThrow(RepoPathError);
  });

  it("refuses oversized files with a clear error", async () => {
    const small = memoryRepo({ "big.tar": new Uint8Array(2048), "ok.txt": "fine" }, { maxFileBytes: 1024 });
    await expect(small.readFile("big.tar")).rejects.toMatchObject({ kind: "oversized", message: "big.tar: is 2048 bytes, above the 1024-byte limit" });
    expect(await small.readText("ok.txt")).toBe("fine");
  });

  it("rejects contradictory content", () => {
    expect(() => memoryRepo({ a: "file", "a/b": "below a file" })).toThrow(/below the file a/);
    expect(() => memoryRepo({ "a/b": "x" }, { symlinks: { a: "elsewhere" } })).toThrow(/twice|directory/);
  });

  it("returns copies, so a caller cannot change the snapshot", async () => {
    const first = await repo.readFile("bin/blob.bin");
    first?.fill(7);
    expect(Array.from((await repo.readFile("bin/blob.bin")) ?? [])).toEqual([0, 255, 10, 13, 0]);
  });
});
