/**
 * What tracking keeps on disk across runs: the cache directory's files (confined, atomic, private),
 * upstream API answers by credential namespace, and history indexes — each bounded, versioned, and a
 * miss whenever an entry does not read back exactly. The same code path as the command line
 * (`upstreamForge({ cacheDir })`) answers systemd's seven patches from a warm cache with 304s only.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/azldev/index.js";
import { openRepo } from "../../src/repo/index.js";
import { cacheFilesIn } from "../../src/cache/files.js";
import { decodeHistoryIndex, encodeHistoryIndex, HistoryIndexStore } from "../../src/tracking/history-index-store.js";
import { credentialNamespace, historyIndex, inventory, PersistentConditionalCache, TRACKING_CACHE_DIRS, trackPatches, upstreamForge, type HistoryIndex } from "../../src/tracking/index.js";
import { HistoryBuilder } from "../nix/upstream-git.js";
import { fakeGitHub, type FakeGitHub } from "./fake-github-api.js";
import { buildSystemdUpstream, writeSystemdDistro, type SystemdUpstream } from "./systemd-fixture.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "specwarden-persistent-cache-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const freshDir = () => join(root, `cache-${++n}`);
const entry = (body: string, etag = `"${body.length}"`) => ({ etag, body, link: null });

describe("cache files", () => {
  it("are written whole, private, and only under names that stay in the directory", async () => {
    const dir = freshDir();
    const files = cacheFilesIn(dir, ["tracking", "answers-v1"]);
    expect(await files.write("a.json", "one")).toBe(true);
    expect((await files.read("a.json", 100))?.toString()).toBe("one");
    expect(await files.read("a.json", 2)).toBeUndefined();
    for (const name of ["../a.json", ".hidden", "a/b", "..", ""]) {
      expect(await files.write(name, "x"), name).toBe(false);
      expect(await files.read(name, 100), name).toBeUndefined();
    }
    expect(statSync(join(dir, "tracking")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "tracking", "answers-v1", "a.json")).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, "tracking", "answers-v1"))).toEqual(["a.json"]);
    expect(() => cacheFilesIn(dir, ["../elsewhere"])).toThrow();
  });

  it("follow no link: a linked entry is not read and is replaced on write, a linked directory switches the store off", async () => {
    const dir = freshDir();
    const outside = join(root, `outside-${n}`);
    mkdirSync(outside);
    writeFileSync(join(outside, "secret"), "not yours");
    const files = cacheFilesIn(dir, ["tracking", "answers-v1"]);
    await files.write("seed.json", "seed");
    symlinkSync(join(outside, "secret"), join(dir, "tracking", "answers-v1", "b.json"));
    expect(await files.read("b.json", 100)).toBeUndefined();
    expect((await files.list()).map((e) => e.name)).toEqual(["seed.json"]);
    await files.touch("b.json");
    expect(await files.write("b.json", "mine")).toBe(true);
    expect(readFileSync(join(outside, "secret"), "utf8")).toBe("not yours");
    expect(readFileSync(join(dir, "tracking", "answers-v1", "b.json"), "utf8")).toBe("mine");

    const linked = freshDir();
    mkdirSync(linked);
    symlinkSync(outside, join(linked, "tracking"));
    const off = cacheFilesIn(linked, ["tracking", "answers-v1"]);
    expect(await off.write("c.json", "x")).toBe(false);
    expect(await off.read("secret", 100)).toBeUndefined();
    expect(await off.list()).toEqual([]);
    expect(readdirSync(outside)).toEqual(["secret"]);
  });

  it("clear a temporary file a dead process left behind, once it is an hour old", async () => {
    const dir = freshDir();
    const files = cacheFilesIn(dir, ["t"]);
    await files.write("a.json", "x");
    const temp = join(dir, "t", ".tmp-1-deadbeef");
    writeFileSync(temp, "half");
    await files.list();
    expect(readdirSync(join(dir, "t")).sort()).toEqual([".tmp-1-deadbeef", "a.json"]);
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(temp, old, old);
    expect((await files.list()).map((e) => e.name)).toEqual(["a.json"]);
    expect(readdirSync(join(dir, "t"))).toEqual(["a.json"]);
  });
});

describe("upstream answers on disk", () => {
  it("serve a later run of the same credential only; a damaged entry, or one of another key, is a miss", async () => {
    const dir = freshDir();
    const files = () => cacheFilesIn(dir, [...TRACKING_CACHE_DIRS.answers]);
    const token = "ghp_aVeryPrivateToken000000000000000000";
    const first = new PersistentConditionalCache(files(), credentialNamespace(undefined));
    await first.set("k1", entry("public answer"));
    await first.set("k2", entry("another answer"));
    // a later run: another instance over the same directory
    const later = new PersistentConditionalCache(files(), credentialNamespace(undefined));
    expect(await later.get("k1")).toEqual(entry("public answer"));
    const tokened = new PersistentConditionalCache(files(), credentialNamespace(token));
    expect(await tokened.get("k1")).toBeUndefined();
    await tokened.set("k1", entry("private answer"));
    expect(await new PersistentConditionalCache(files(), credentialNamespace(token)).get("k1")).toEqual(entry("private answer"));
    expect(await later.get("k1")).toEqual(entry("public answer"));
    expect(credentialNamespace(token)).toMatch(/^token-[0-9a-f]{32}$/);
    const answers = join(dir, ...TRACKING_CACHE_DIRS.answers);
    for (const name of readdirSync(answers)) expect(readFileSync(join(answers, name), "utf8")).not.toContain(token);

    // damaged: ignored, then replaced
    const names = readdirSync(answers);
    const byBody = (body: string) => names.find((name) => readFileSync(join(answers, name), "utf8").includes(body)) as string;
    writeFileSync(join(answers, byBody("public answer")), '{"format":"specwarden-http-answer-v1","key":');
    expect(await later.get("k1")).toBeUndefined();
    await later.set("k1", entry("public answer, again"));
    expect(await later.get("k1")).toEqual(entry("public answer, again"));
    // an entry of another key under this key's name (a copied file): a miss
    writeFileSync(join(answers, byBody("public answer")), readFileSync(join(answers, byBody("another answer"))));
    expect(await later.get("k1")).toBeUndefined();
    // another format version: a miss
    writeFileSync(join(answers, byBody("another answer")), JSON.stringify({ format: "specwarden-http-answer-v0", namespace: "public", key: "k2", etag: '"1"', link: null, body: "old" }));
    expect(await later.get("k2")).toBeUndefined();
  });

  it("are bounded: the least recently used go first, and an answer larger than an entry may be is not kept", async () => {
    const dir = freshDir();
    const cache = new PersistentConditionalCache(cacheFilesIn(dir, ["a"]), "public", { maxEntries: 3, maxEntryBytes: 1_000 });
    const age = (key: string, secondsAgo: number) => {
      const name = readdirSync(join(dir, "a")).find((f) => readFileSync(join(dir, "a", f), "utf8").includes(`"key":"${key}"`)) as string;
      const at = new Date(Date.now() - secondsAgo * 1000);
      utimesSync(join(dir, "a", name), at, at);
    };
    await cache.set("k1", entry("1"));
    await cache.set("k2", entry("2"));
    await cache.set("k3", entry("3"));
    age("k1", 30);
    age("k2", 20);
    age("k3", 10);
    // a 304 reused k1: it is now the most recently used
    await cache.noteHit("k1");
    // a new run lists the directory when it first writes
    const next = new PersistentConditionalCache(cacheFilesIn(dir, ["a"]), "public", { maxEntries: 3, maxEntryBytes: 1_000 });
    await next.set("k4", entry("4"));
    expect(await next.get("k2")).toBeUndefined();
    for (const key of ["k1", "k3", "k4"]) expect(await next.get(key), key).toBeDefined();
    await next.set("k5", entry("x".repeat(2_000)));
    expect(await next.get("k5")).toBeUndefined();
    expect(readdirSync(join(dir, "a"))).toHaveLength(3);
  });
});

describe("history indexes on disk", () => {
  const sample = (): HistoryIndex => ({
    byPatchId: new Map([["a".repeat(40), ["1".repeat(40), "2".repeat(40)]]]),
    bySubject: new Map([["fix: something \"quoted\"", ["2".repeat(40)]]]),
    byMessageId: new Map([["20250101.1@example.org", ["1".repeat(40)]]]),
    cherryPicks: new Map([["3".repeat(40), ["2".repeat(40)]]]),
    commits: 2,
    truncated: false,
  });

  it("read back exactly, and only for their own key and format", () => {
    const text = encodeHistoryIndex("key", sample());
    expect(decodeHistoryIndex("key", text)).toEqual(sample());
    expect(decodeHistoryIndex("other key", text)).toBeUndefined();
    expect(decodeHistoryIndex("key", text.slice(0, -10))).toBeUndefined();
    const stored = JSON.parse(text) as { table: string[]; byPatchId: [string, number[]][] };
    expect(decodeHistoryIndex("key", JSON.stringify({ ...stored, byPatchId: [["x", [7]]] }))).toBeUndefined();
    expect(decodeHistoryIndex("key", JSON.stringify({ ...stored, table: ["not a commit id"] }))).toBeUndefined();
    expect(decodeHistoryIndex("key", JSON.stringify({ ...stored, format: "specwarden-history-index-v0" }))).toBeUndefined();
  });

  it("are kept for a clone's history read in full, equal to what was read, and never for one git could not read in full", async () => {
    const clone = join(root, "clone");
    const h = new HistoryBuilder(clone);
    h.commit("first", { "a.c": "one\n" });
    h.tag("v1");
    h.commit("second: a change worth finding", { "a.c": "one\ntwo\n" });
    h.commit("third", { "b.c": "three\n" });
    const dir = freshDir();
    const store = new HistoryIndexStore(cacheFilesIn(dir, [...TRACKING_CACHE_DIRS.history]));
    const index = await historyIndex(join(clone, ".git"), "v1", { indexStore: store });
    expect(index.commits).toBe(2);
    const kept = readdirSync(join(dir, ...TRACKING_CACHE_DIRS.history));
    expect(kept).toHaveLength(1);
    const text = readFileSync(join(dir, ...TRACKING_CACHE_DIRS.history, kept[0] as string), "utf8");
    const { key } = JSON.parse(text) as { key: string };
    expect(key).toContain(JSON.stringify(join(clone, ".git")).slice(1, -1));
    expect(await store.load(key)).toEqual(index);

    // a git that fails (here: a range from a tag the clone lacks) gives an index for this run, never kept
    execFileSync("git", ["-C", clone, "branch", "next"]);
    const failed = freshDir();
    const partial = await historyIndex(join(clone, ".git"), "v0-not-here", { indexStore: new HistoryIndexStore(cacheFilesIn(failed, ["h"])) });
    expect(partial.commits).toBe(0);
    expect(readdirSync(join(failed, "h"))).toEqual([]);
  });
});

describe("systemd's seven patches through upstreamForge({ cacheDir }), as the command line asks", () => {
  let upstream: SystemdUpstream;
  let api: FakeGitHub;
  let distro: string;
  beforeAll(async () => {
    upstream = buildSystemdUpstream(join(root, "systemd-upstream"));
    distro = join(root, "systemd-distro");
    writeSystemdDistro(distro, upstream.patches);
    api = await fakeGitHub({ owner: "systemd", repo: "systemd", gitDir: upstream.gitDir, pulls: upstream.pulls });
  }, 60_000);
  afterAll(async () => api?.close());

  it("at most 20 requests on a cold cache, then no content at all", async () => {
    const cacheDir = freshDir();
    const run = async () => {
      const repo = await openRepo(distro);
      const inv = await inventory(await loadProject(repo), repo);
      const forge = upstreamForge({ cacheDir, githubApiUrl: api.url });
      const from = api.requests.length;
      const verdicts = await trackPatches(inv, { ...(forge ? { forge } : {}), readText: (p) => repo.readText(p) });
      return { verdicts: verdicts.map((v) => [v.file, v.verdict, v.dropFrom ?? null]), asked: api.requests.slice(from), stats: forge?.stats?.() };
    };
    const cold = await run();
    expect(cold.asked.length).toBeLessThanOrEqual(20);
    const warm = await run();
    expect(warm.asked.filter((r) => r.status !== 304 && r.status !== 404)).toEqual([]);
    expect(warm.stats).toEqual({ requests: cold.asked.length, notModified: cold.asked.filter((r) => r.status === 200).length });
    expect(warm.verdicts).toEqual(cold.verdicts);
  });
});
