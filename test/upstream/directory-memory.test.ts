import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { directoryUpstream, memoryUpstream, UpstreamError, type DirectoryUpstream, type UpstreamCommit } from "../../src/upstream/index.js";
import { removeDir, runGitSync, tempDir, TestRepo } from "../repo/git-fixture.js";
import { buildFooOrigin, FEDORA_SPEC, fedora, request, text, type Origin } from "./dist-git-fixture.js";

describe("directoryUpstream", () => {
  let base: string;
  let upstreamDir: string;
  let origin: Origin;
  let source: DirectoryUpstream;

  beforeAll(() => {
    base = tempDir("dir-upstream");
    upstreamDir = join(base, "upstream");
    // a plain directory
    const plain = join(upstreamDir, "bar");
    mkdirSync(join(plain, "patches"), { recursive: true });
    writeFileSync(join(plain, "bar.spec"), "Name: bar\nVersion: 3\nRelease: 1%{?dist}\n");
    writeFileSync(join(plain, "patches", "0001-fix.patch"), "--- a\n+++ b\n");
    writeFileSync(join(plain, "big.bin"), new Uint8Array(2048));
    symlinkSync("/etc/passwd", join(plain, "passwd.patch"));
    // a work-tree git repository and a bare one, with history
    origin = buildFooOrigin(join(base, "origins"));
    runGitSync(base, ["clone", "-q", "--branch", "f43", origin.bare, join(upstreamDir, "foo")]);
    runGitSync(base, ["clone", "-q", "--bare", origin.bare, join(upstreamDir, "foo-bare")]);
    // uncommitted work in the clone is not upstream content
    writeFileSync(join(upstreamDir, "foo", "foo.spec"), "edited, not committed\n");
    writeFileSync(join(upstreamDir, "not-a-dir"), "x");
    // a git directory with a file above the size limit and a symlink
    const blobby = TestRepo.init(join(upstreamDir, "blobby"));
    blobby.write("blobby.spec", "Name: blobby\n");
    blobby.write("vendor.tar", new Uint8Array(4096));
    symlinkSync("blobby.spec", join(blobby.dir, "link.spec"));
    blobby.commit("import");
    // a hostile tree (made with plumbing; git would refuse to check it out)
    const hostile = TestRepo.init(join(upstreamDir, "hostile"));
    const blob = hostile.git(["hash-object", "-w", "--stdin"], { input: "evil\n" }).trim();
    const sub = hostile.git(["mktree"], { input: `100644 blob ${blob}\tpasswd\n` }).trim();
    const tree = hostile.git(["mktree"], { input: `100644 blob ${blob}\t..\n100644 blob ${blob}\t.GIT\n040000 tree ${sub}\t..\n100644 blob ${blob}\thostile.spec\n` }).trim();
    const commit = hostile.git(["commit-tree", "-m", "hostile", tree]).trim();
    hostile.git(["update-ref", "refs/heads/main", commit]);
    source = directoryUpstream(upstreamDir, { maxFileBytes: 1024 });
  });

  afterAll(async () => {
    await source.close();
    removeDir(base);
  });

  it("serves a plain directory as it is, without history, skipping symlinks and oversized files", async () => {
    const checkout = await source.fetch(request(fedora(base), { component: "bar", upstreamName: "bar" }));
    expect(checkout.commit).toBeUndefined();
    expect(checkout.history).toBeUndefined();
    expect([...checkout.files.keys()].sort()).toEqual(["bar.spec", "patches/0001-fix.patch"]);
    expect(text(checkout.files.get("bar.spec"))).toBe("Name: bar\nVersion: 3\nRelease: 1%{?dist}\n");
    expect(checkout.skipped).toEqual([
      { path: "big.bin", kind: "oversized", reason: "big.bin: is 2048 bytes, above the 1024-byte limit" },
      { path: "passwd.patch", kind: "symlink", reason: "is a symbolic link; it is not followed" },
    ]);
  });

  it("serves a git work tree from its commits, with history, on the version's branch", async () => {
    const checkout = await source.fetch(request(fedora(base)));
    expect(checkout.commit).toBe(origin.f43[3]);
    expect(text(checkout.files.get("foo.spec"))).toBe(FEDORA_SPEC("1.1", "%autorelease -b 2"));
    expect(checkout.files.has(".git/HEAD")).toBe(false);
    expect(checkout.history?.commits.map((c) => c.hash)).toEqual(origin.f43);
    expect(await checkout.history?.changedPaths(origin.f43[1]!)).toEqual(["foo-fix-build.patch", "foo.spec", "sources"]);
  });

  it("honours pins and snapshots in git directories, bare or not", async () => {
    const pinned = await source.fetch(request(fedora(base), { commit: origin.f43[0]!.slice(0, 8) }));
    expect(pinned.commit).toBe(origin.f43[0]);
    expect(text(pinned.files.get("foo.spec"))).toBe(FEDORA_SPEC("1.0", "%autorelease"));
    const snap = await source.fetch(request(fedora(base), { upstreamName: "foo-bare", snapshot: "2025-03-01T00:00:00Z" }));
    expect(snap.commit).toBe(origin.f43[1]);
    expect(snap.history?.commits).toHaveLength(2);
    expect(text(await snap.history?.readFile(origin.f43[0]!, "foo.spec"))).toBe(FEDORA_SPEC("1.0", "%autorelease"));
    const rawhide = await source.fetch(request(fedora(base), { upstreamName: "foo-bare", versionName: "rawhide" }));
    expect(rawhide.commit).toBe(origin.rawhideHead);
  });

  it("leaves oversized blobs and symlinks of a git directory out, and says so", async () => {
    const checkout = await source.fetch(request(fedora(base), { component: "blobby", upstreamName: "blobby" }));
    expect([...checkout.files.keys()]).toEqual(["blobby.spec"]);
    expect(checkout.skipped).toEqual([
      { path: "link.spec", kind: "symlink", reason: "is a symbolic link; it is not followed" },
      { path: "vendor.tar", kind: "oversized", reason: "is 4096 bytes, above the 1024-byte limit" },
    ]);
  });

  it("leaves out tree entries whose names are unsafe on disk", async () => {
    const checkout = await source.fetch(request(fedora(base), { component: "hostile", upstreamName: "hostile" }));
    expect([...checkout.files.keys()]).toEqual(["hostile.spec"]);
    expect(checkout.skipped?.map((s) => `${s.kind}:${s.path}`).sort()).toEqual(["unsafe-path:..", "unsafe-path:..", "unsafe-path:.GIT"]);
  });

  it("falls back to HEAD when the repository lacks the version's branch", async () => {
    const checkout = await source.fetch(request(fedora(base), { versionName: "44" }));
    expect(checkout.commit).toBe(origin.f43[3]);
  });

  it("reports missing trees, unsafe names, bad pins and early snapshots clearly", async () => {
    const distro = fedora(base);
    await expect(source.fetch(request(distro, { upstreamName: "nothing" }))).rejects.toMatchObject({ reason: "unreachable", message: expect.stringContaining("does not exist") });
    for (const name of ["../origins", "a/b", "/etc", ".", ""]) {
      await expect(source.fetch(request(distro, { upstreamName: name }))).rejects.toMatchObject({ name: "UpstreamError", reason: "invalid" });
    }
    await expect(source.fetch(request(distro, { upstreamName: "not-a-dir" }))).rejects.toMatchObject({ reason: "invalid" });
    await expect(source.fetch(request(distro, { commit: "zzzzzzz" }))).rejects.toMatchObject({ reason: "invalid" });
    await expect(source.fetch(request(distro, { commit: "abcdef0" }))).rejects.toMatchObject({ reason: "commit-missing" });
    await expect(source.fetch(request(distro, { snapshot: "2020-01-01T00:00:00Z" }))).rejects.toMatchObject({ reason: "snapshot-too-early" });
  });
});

describe("memoryUpstream", () => {
  const commit = (hash: string, date: string, subject: string): UpstreamCommit => ({
    hash,
    authorName: "Packager",
    authorEmail: "p@example.org",
    authorTime: Date.parse(date) / 1000,
    authorTz: "+0000",
    subject,
    message: `${subject}\n`,
  });
  const c1 = commit("1".repeat(40), "2025-01-01T00:00:00Z", "Initial import");
  const c2 = commit("2".repeat(40), "2025-02-01T00:00:00Z", "Update to 2");
  const source = memoryUpstream(
    { plain: { "plain.spec": "Name: plain\n", "data.bin": new Uint8Array([0, 1, 2]) } },
    {
      histories: {
        hist: {
          commits: [c1, c2],
          trees: {
            [c1.hash]: { "hist.spec": "Version: 1\n", sources: "a\n" },
            [c2.hash]: { "hist.spec": "Version: 2\n", "new.patch": "p\n" },
          },
        },
      },
    },
  );
  const distro = fedora("/nowhere");

  it("serves plain trees and records requests", async () => {
    const checkout = await source.fetch(request(distro, { component: "plain", upstreamName: "plain" }));
    expect(text(checkout.files.get("plain.spec"))).toBe("Name: plain\n");
    expect(checkout.files.get("data.bin")).toEqual(new Uint8Array([0, 1, 2]));
    expect(checkout.history).toBeUndefined();
    expect(source.requests.at(-1)?.upstreamName).toBe("plain");
  });

  it("selects commits from a history by pin, snapshot or head", async () => {
    const head = await source.fetch(request(distro, { upstreamName: "hist" }));
    expect(head.commit).toBe(c2.hash);
    expect(text(head.files.get("hist.spec"))).toBe("Version: 2\n");
    expect(await head.history?.changedPaths(c2.hash)).toEqual(["hist.spec", "new.patch", "sources"]);
    expect(text(await head.history?.readFile(c1.hash, "hist.spec"))).toBe("Version: 1\n");
    const pinned = await source.fetch(request(distro, { upstreamName: "hist", commit: "1111111" }));
    expect(pinned.history?.commits).toEqual([c1]);
    const snap = await source.fetch(request(distro, { upstreamName: "hist", snapshot: "2025-01-15T00:00:00Z" }));
    expect(snap.commit).toBe(c1.hash);
    await expect(source.fetch(request(distro, { upstreamName: "hist", snapshot: "2024-01-01T00:00:00Z" }))).rejects.toMatchObject({ reason: "snapshot-too-early" });
    await expect(source.fetch(request(distro, { upstreamName: "hist", commit: "3333333" }))).rejects.toMatchObject({ reason: "commit-missing" });
    await expect(source.fetch(request(distro, { upstreamName: "absent" }))).rejects.toBeInstanceOf(UpstreamError);
    await expect(source.fetch(request(distro, { upstreamName: "constructor" }))).rejects.toMatchObject({ reason: "unreachable" });
  });
});
