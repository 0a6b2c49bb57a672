import { existsSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distGitUpstream, distGitUrl, pathEscape, UpstreamError, type DistGitUpstream } from "../../src/upstream/index.js";
import { removeDir, runGitSync, tempDir } from "../repo/git-fixture.js";
import { InProcessLocks } from "../../src/queue/index.js";
import { buildFooOrigin, FEDORA_SPEC, fedora, request, text, type Origin } from "./dist-git-fixture.js";

describe("distGitUrl", () => {
  it("substitutes every $pkg with the path-escaped upstream name", () => {
    expect(distGitUrl("https://src.fedoraproject.org/rpms/$pkg.git", "libxml++")).toBe("https://src.fedoraproject.org/rpms/libxml++.git");
    expect(distGitUrl("https://example.org/$pkg/$pkg.git", "a b/c")).toBe("https://example.org/a%20b%2Fc/a%20b%2Fc.git");
    expect(pathEscape("gcc-c++ (x)~é")).toBe("gcc-c++%20%28x%29~%C3%A9");
    expect(distGitUrl("file:///srv/rpms/$pkg.git", "foo")).toBe("file:///srv/rpms/foo.git");
  });

  it("refuses names containing $pkg, relative URLs, missing hosts and unlisted schemes", () => {
    expect(() => distGitUrl("https://x/$pkg", "evil$pkg")).toThrow("invalid upstream name");
    expect(() => distGitUrl("rpms/$pkg.git", "foo")).toThrow("not an absolute URL");
    expect(() => distGitUrl("ext::sh -c touch% /tmp/pwned/$pkg", "foo")).toThrow();
    expect(() => distGitUrl("file:///srv/$pkg", "foo", ["https"])).toThrow("scheme file, which is not allowed");
  });
});

describe("distGitUpstream over file:// dist-git", () => {
  let base: string;
  let origin: Origin;
  const sources: DistGitUpstream[] = [];
  const make = (options: Partial<Parameters<typeof distGitUpstream>[0]> = {}) => {
    const source = distGitUpstream({ cacheDir: join(base, `cache-${sources.length}`), ...options });
    sources.push(source);
    return source;
  };

  beforeAll(() => {
    base = tempDir("dist-git");
    origin = buildFooOrigin(base);
  });

  afterAll(async () => {
    for (const source of sources) await source.close();
    removeDir(base);
  });

  it("without pin or snapshot serves the branch head with its first-parent history", async () => {
    const source = make();
    const checkout = await source.fetch(request(fedora(base)));
    expect(checkout.commit).toBe(origin.f43[3]);
    expect([...checkout.files.keys()].sort()).toEqual([".gitignore", "foo-fix-build.patch", "foo.spec", "foo.sysusers", "sources", "tests/smoke.fmf"]);
    expect(text(checkout.files.get("foo.spec"))).toBe(FEDORA_SPEC("1.1", "%autorelease -b 2"));
    const history = checkout.history;
    expect(history?.commits.map((c) => c.hash)).toEqual(origin.f43);
    expect(history?.commits.map((c) => c.hash)).not.toContain(origin.sideCommit);
    expect(history?.commits[0]).toEqual({
      hash: origin.f43[0],
      authorName: "Fedora Packager",
      authorEmail: "packager@fedoraproject.org",
      authorTime: Date.parse("2025-01-10T12:00:00+02:00") / 1000,
      authorTz: "+0200",
      committerTime: Date.parse("2025-01-10T12:00:00+02:00") / 1000,
      subject: "Initial import (fedora#1234)",
      message: "Initial import (fedora#1234)\n",
    });
    expect(history?.commits[1]).toMatchObject({
      authorName: "Ünïcode Maintainer",
      authorTz: "-0500",
      subject: "Update to 1.1",
      message: "Update to 1.1\n\nUpstream release notes: https://example.org/foo/1.1\n",
    });
  });

  it("history reads any file at any commit and lists the paths each commit changed", async () => {
    const checkout = await make().fetch(request(fedora(base)));
    const history = checkout.history!;
    expect(text(await history.readFile(origin.f43[0]!, "foo.spec"))).toBe(FEDORA_SPEC("1.0", "%autorelease"));
    expect(text(await history.readFile(origin.f43[1]!, "sources"))).toBe("SHA512 (foo-1.1.tar.gz) = 22\n");
    expect(await history.readFile(origin.f43[0]!, "foo-fix-build.patch")).toBeUndefined();
    expect(await history.readFile(origin.f43[0]!, "tests")).toBeUndefined();
    expect(text(await history.readFile(origin.f43[2]!, "tests/smoke.fmf"))).toBe("summary: smoke\n");
    expect(await history.changedPaths(origin.f43[0]!)).toEqual([".gitignore", "foo.spec", "foo.sysusers", "sources"]);
    expect(await history.changedPaths(origin.f43[1]!)).toEqual(["foo-fix-build.patch", "foo.spec", "sources"]);
    // a merge is compared with its first parent
    expect(await history.changedPaths(origin.f43[2]!)).toEqual(["tests/smoke.fmf"]);
    expect(await history.changedPaths(origin.f43[3]!)).toEqual(["foo.spec"]);
  });

  it("the version's dist-git branch selects the branch", async () => {
    const checkout = await make().fetch(request(fedora(base), { versionName: "rawhide" }));
    expect(checkout.commit).toBe(origin.rawhideHead);
    expect(text(checkout.files.get("foo.spec"))).toContain("Version:        2.0");
    expect(checkout.history?.commits).toHaveLength(5);
  });

  it("a pin (full or abbreviated) selects that commit and truncates the history there", async () => {
    const source = make();
    const full = await source.fetch(request(fedora(base), { commit: origin.f43[1] }));
    expect(full.commit).toBe(origin.f43[1]);
    expect(text(full.files.get("foo.spec"))).toBe(FEDORA_SPEC("1.1", "%autorelease"));
    expect(full.files.has("tests/smoke.fmf")).toBe(false);
    expect(full.history?.commits.map((c) => c.hash)).toEqual(origin.f43.slice(0, 2));
    const short = await source.fetch(request(fedora(base), { commit: origin.f43[0]!.slice(0, 7).toUpperCase() }));
    expect(short.commit).toBe(origin.f43[0]);
    // the pin outranks a snapshot
    const both = await source.fetch(request(fedora(base), { commit: origin.f43[0], snapshot: "2030-01-01T00:00:00Z" }));
    expect(both.commit).toBe(origin.f43[0]);
  });

  it("a snapshot selects the last first-parent commit at or before it", async () => {
    const source = make();
    const fetchAt = async (snapshot: string) => (await source.fetch(request(fedora(base), { snapshot }))).commit;
    expect(await fetchAt("2025-02-20T00:00:00Z")).toBe(origin.f43[1]);
    // the side commit (2025-03-01) is not on the first-parent chain
    expect(await fetchAt("2025-03-05T00:00:00Z")).toBe(origin.f43[1]);
    // inclusive, and offsets are honoured: 2025-02-10T08:30:00-05:00 = 13:30Z
    expect(await fetchAt("2025-02-10T13:30:00Z")).toBe(origin.f43[1]);
    expect(await fetchAt("2025-02-10T13:29:59Z")).toBe(origin.f43[0]);
    expect(await fetchAt("2025-02-10T08:30:00-05:00")).toBe(origin.f43[1]);
    expect(await fetchAt("2030-01-01T00:00:00-08:00")).toBe(origin.f43[3]);
    const checkout = await source.fetch(request(fedora(base), { snapshot: "2025-02-20T00:00:00Z" }));
    expect(checkout.history?.commits).toHaveLength(2);
  });

  it("fails with clear reasons: snapshot too early, missing branch, missing commit, unreachable, invalid, no provider", async () => {
    const source = make();
    const distro = fedora(base);
    const reasonOf = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        expect(error).toBeInstanceOf(UpstreamError);
        return { reason: (error as UpstreamError).reason, message: (error as UpstreamError).message, component: (error as UpstreamError).component };
      }
      throw new Error("expected a failure");
    };
    const early = await reasonOf(source.fetch(request(distro, { snapshot: "2024-12-31T23:59:59Z" })));
    expect(early.reason).toBe("snapshot-too-early");
    expect(early.message).toContain("before the first commit of branch f43 (2025-01-10T10:00:00.000Z)");
    const branch = await reasonOf(source.fetch(request(distro, { versionName: "44" })));
    expect(branch).toMatchObject({ reason: "branch-missing", component: "foo" });
    expect(branch.message).toContain("has no branch f44");
    expect((await reasonOf(source.fetch(request(distro, { commit: "0123456789abcdef0123456789abcdef01234567" })))).reason).toBe("commit-missing");
    const missing = await reasonOf(source.fetch(request(distro, { component: "bar", upstreamName: "bar" })));
    expect(missing).toMatchObject({ reason: "unreachable", component: "bar" });
    expect(missing.message).toContain(`file://${base}/rpms/bar.git`);
    expect((await reasonOf(source.fetch(request(distro, { commit: "not-a-commit" })))).reason).toBe("invalid");
    expect((await reasonOf(source.fetch(request(distro, { snapshot: "last tuesday" })))).reason).toBe("invalid");
    const noLookaside = { ...distro, lookasideBaseUri: undefined };
    const provider = await reasonOf(source.fetch(request(noLookaside)));
    expect(provider).toMatchObject({ reason: "no-provider" });
    expect(provider.message).toContain("lookaside-base-uri");
    expect(source.stats.cacheHits).toBe(0);
  });

  it("reuses cached entries: a repeated pin or snapshot does not clone, even with the origin gone", async () => {
    const localBase = tempDir("dist-git-reuse");
    const local = buildFooOrigin(localBase);
    const cacheDir = join(localBase, "cache");
    const source = make({ cacheDir });
    const distro = fedora(localBase);
    const first = await source.fetch(request(distro, { commit: local.f43[1] }));
    const snap = await source.fetch(request(distro, { snapshot: "2025-04-01T00:00:00Z" }));
    const head = await source.fetch(request(distro));
    expect(source.stats.clones).toBe(3);
    // this origin does not allow filters: the clone fell back to a full one, with every blob
    const entry = join(cacheDir, "entries", "foo", local.f43[1]!);
    expect(runGitSync(entry, ["rev-list", "--objects", "--missing=print", "--all"]).split("\n").filter((l) => l.startsWith("?"))).toEqual([]);
    renameSync(local.bare, `${local.bare}.gone`);
    const again = await source.fetch(request(distro, { commit: local.f43[1] }));
    const againShort = await source.fetch(request(distro, { commit: local.f43[1]!.slice(0, 10) }));
    const againSnap = await source.fetch(request(distro, { snapshot: "2025-04-01T00:00:00Z" }));
    const againHead = await source.fetch(request(distro));
    expect(source.stats.clones).toBe(3);
    expect(source.stats.cacheHits).toBe(4);
    expect(again.commit).toBe(first.commit);
    expect(againShort.commit).toBe(first.commit);
    expect(againSnap.commit).toBe(snap.commit);
    expect(againHead.commit).toBe(head.commit);
    expect(text(again.files.get("foo.spec"))).toBe(text(first.files.get("foo.spec")));
    // the history of the spec is in the entry too
    expect(text(await againHead.history?.readFile(local.f43[0]!, "foo.spec"))).toBe(FEDORA_SPEC("1.0", "%autorelease"));
    // a fresh source over the same cache directory (another process) reuses the entries as well
    const other = make({ cacheDir });
    const fromOther = await other.fetch(request(distro, { commit: local.f43[1] }));
    expect(fromOther.commit).toBe(local.f43[1]);
    expect(other.stats.clones).toBe(0);
    // an unknown snapshot needs the origin: it is unreachable now
    await expect(source.fetch(request(distro, { snapshot: "2025-02-01T00:00:00Z" }))).rejects.toMatchObject({ reason: "unreachable" });
    removeDir(localBase);
  });

  it("with a shared lock, processes that share the cache clone a repository once; the others wait and reuse it", async () => {
    const localBase = tempDir("dist-git-shared");
    const local = buildFooOrigin(localBase);
    const cacheDir = join(localBase, "cache");
    const locks = new InProcessLocks();
    const sharedLock = <T>(key: string, task: () => Promise<T>) => locks.withLock(key, task);
    const workers = [make({ cacheDir, sharedLock }), make({ cacheDir, sharedLock }), make({ cacheDir, sharedLock })];
    const distro = fedora(localBase);
    const checkouts = await Promise.all(workers.map((w) => w.fetch(request(distro, { commit: local.f43[1] }))));
    expect(new Set(checkouts.map((c) => c.commit))).toEqual(new Set([local.f43[1]]));
    expect(workers.reduce((n, w) => n + w.stats.clones, 0)).toBe(1);
    expect(workers.reduce((n, w) => n + w.stats.cacheHits, 0)).toBe(2);
    removeDir(localBase);
  });

  it("trusts a cached branch head only for headTtlMs", async () => {
    const localBase = tempDir("dist-git-ttl");
    const local = buildFooOrigin(localBase);
    const source = make({ headTtlMs: 0 });
    await source.fetch(request(fedora(localBase)));
    local.work.commit("Newer", { "foo.spec": FEDORA_SPEC("1.2", "%autorelease") }, { date: "2025-06-01T00:00:00Z" });
    runGitSync(local.work.dir, ["push", "-q", local.bare, "f43"]);
    await new Promise((r) => setTimeout(r, 5));
    const fresh = await source.fetch(request(fedora(localBase)));
    expect(text(fresh.files.get("foo.spec"))).toContain("Version:        1.2");
    expect(source.stats.clones).toBe(2);
    removeDir(localBase);
  });

  it("does not trust a remembered snapshot that was still in the future when resolved", async () => {
    const source = make();
    await source.fetch(request(fedora(base), { snapshot: "2999-01-01T00:00:00Z" }));
    await source.fetch(request(fedora(base), { snapshot: "2999-01-01T00:00:00Z" }));
    expect(source.stats.clones).toBe(2);
    await source.fetch(request(fedora(base), { snapshot: "2025-02-20T00:00:00Z" }));
    await source.fetch(request(fedora(base), { snapshot: "2025-02-20T00:00:00Z" }));
    expect(source.stats.clones).toBe(3);
  });

  it("concurrent fetches of the same key clone once", async () => {
    const source = make();
    const results = await Promise.all(Array.from({ length: 6 }, () => source.fetch(request(fedora(base), { commit: origin.f43[2] }))));
    expect(source.stats.clones).toBe(1);
    expect(new Set(results.map((r) => r.commit))).toEqual(new Set([origin.f43[2]]));
    for (const result of results) expect(text(result.files.get("tests/smoke.fmf"))).toBe("summary: smoke\n");
  });

  it("two sources sharing a cache directory (two processes) both succeed and leave one valid entry", async () => {
    const cacheDir = join(base, "shared-cache");
    const a = make({ cacheDir });
    const b = make({ cacheDir });
    const [x, y] = await Promise.all([a.fetch(request(fedora(base), { commit: origin.f43[3] })), b.fetch(request(fedora(base), { commit: origin.f43[3] }))]);
    expect(x.commit).toBe(origin.f43[3]);
    expect(y.commit).toBe(origin.f43[3]);
    expect(readdirSync(join(cacheDir, "entries", "foo")).filter((d) => /^[0-9a-f]{40}$/.test(d))).toEqual([origin.f43[3]]);
    expect(readdirSync(join(cacheDir, "tmp"))).toEqual([]);
    const third = make({ cacheDir });
    await third.fetch(request(fedora(base), { commit: origin.f43[3] }));
    expect(third.stats.clones).toBe(0);
  });

  it("evicts least recently used entries beyond the size cap", async () => {
    const cacheDir = join(base, "small-cache");
    const source = make({ cacheDir, maxCacheBytes: 1, evictionGraceMs: 0 });
    await source.fetch(request(fedora(base), { commit: origin.f43[0] }));
    expect(existsSync(join(cacheDir, "entries", "foo", origin.f43[0]!))).toBe(true);
    const second = await source.fetch(request(fedora(base), { commit: origin.f43[1] }));
    expect(existsSync(join(cacheDir, "entries", "foo", origin.f43[0]!))).toBe(false);
    expect(existsSync(join(cacheDir, "entries", "foo", origin.f43[1]!))).toBe(true);
    expect(source.stats.evictions).toBe(1);
    expect(text(second.files.get("foo.spec"))).toBe(FEDORA_SPEC("1.1", "%autorelease"));
    // within the grace period nothing is evicted, even above the cap
    const graceful = make({ cacheDir: join(base, "graceful-cache"), maxCacheBytes: 1 });
    await graceful.fetch(request(fedora(base), { commit: origin.f43[0] }));
    await graceful.fetch(request(fedora(base), { commit: origin.f43[1] }));
    expect(graceful.stats.evictions).toBe(0);
  });

  it("kills git and reports a timeout", async () => {
    const slowGit = join(base, "slow-git");
    writeFileSync(slowGit, "#!/bin/sh\nsleep 30\n", { mode: 0o755 });
    const source = make({ gitBinary: slowGit, timeoutMs: 300 });
    const started = Date.now();
    await expect(source.fetch(request(fedora(base)))).rejects.toMatchObject({ name: "UpstreamError", reason: "timeout" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("distGitUpstream against a server that supports partial clone", () => {
  let base: string;
  let origin: Origin;
  let source: DistGitUpstream;
  beforeAll(() => {
    base = tempDir("dist-git-partial");
    origin = buildFooOrigin(base, { allowFilter: true });
    source = distGitUpstream({ cacheDir: join(base, "cache") });
  });
  afterAll(async () => {
    await source.close();
    removeDir(base);
  });

  it("makes a blob-less clone that holds the checkout and the spec's history, so it works offline", async () => {
    const checkout = await source.fetch(request(fedora(base), { commit: origin.f43[3] }));
    const entry = join(base, "cache", "entries", "foo", origin.f43[3]!);
    expect(runGitSync(entry, ["config", "--get", "remote.origin.promisor"]).trim()).toBe("true");
    // blobs of files never asked for stay on the server
    const missing = runGitSync(entry, ["rev-list", "--objects", "--missing=print", "--all"]).split("\n").filter((l) => l.startsWith("?"));
    expect(missing.length).toBeGreaterThan(0);
    expect(text(checkout.files.get("foo-fix-build.patch"))).toContain("+CC=gcc");
    renameSync(origin.bare, `${origin.bare}.gone`);
    const offline = await source.fetch(request(fedora(base), { commit: origin.f43[3] }));
    expect(source.stats.clones).toBe(1);
    expect(text(offline.files.get("foo.spec"))).toBe(FEDORA_SPEC("1.1", "%autorelease -b 2"));
    const specs = await Promise.all(origin.f43.map((c) => offline.history!.readFile(c, "foo.spec")));
    expect(specs.map((s) => /Version:\s+(\S+)/.exec(text(s) ?? "")?.[1])).toEqual(["1.0", "1.1", "1.1", "1.1"]);
    renameSync(`${origin.bare}.gone`, origin.bare);
  });
});
