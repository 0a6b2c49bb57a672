import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cacheFilesIn } from "../../src/cache/files.js";
import { ReadKeyedStore } from "../../src/cli/read-keyed-store.js";
import { memoryRepo } from "../../src/repo/index.js";
import { RecordingView } from "../../src/repo/recorded-reads.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "specwarden-read-keyed-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const view = (files: Record<string, string>, commit = "abcdef0") => memoryRepo(files, { description: `git:/srv/repo@${commit}` });

/** A computation that depends on what it reads: the text of two files. */
async function compute(repo: ReturnType<typeof memoryRepo>): Promise<{ value: string; reads: RecordingView["reads"] }> {
  const recorder = new RecordingView(repo);
  const value = `${await recorder.readText("a")}|${await recorder.readText("b")}`;
  return { value, reads: recorder.reads };
}

describe("a store of results keyed by what they were computed from", () => {
  it("finds a result for any view with the same inputs, and none for other inputs", async () => {
    const store = new ReadKeyedStore<string>(cacheFilesIn(dir, []), { version: "t1" });
    const first = view({ a: "1", b: "2", c: "x" });
    const { value, reads } = await compute(first);
    await store.save(reads, value);
    expect(await store.find(view({ a: "1", b: "2", c: "y" }, "1111111"))).toBe("1|2");
    expect(await store.find(view({ a: "1", b: "3" }))).toBeUndefined();
    expect(await store.find(view({ a: "1" }))).toBeUndefined();
  });

  it("never serves an entry of another version", async () => {
    const files = { a: "1", b: "2" };
    const { value, reads } = await compute(view(files));
    await new ReadKeyedStore<string>(cacheFilesIn(dir, []), { version: "t1" }).save(reads, value);
    expect(await new ReadKeyedStore<string>(cacheFilesIn(dir, []), { version: "t2" }).find(view(files))).toBeUndefined();
  });

  it("ignores damaged entries and shapes, and writes again over them", async () => {
    const store = new ReadKeyedStore<string>(cacheFilesIn(dir, []), { version: "t1" });
    const files = { a: "1", b: "2" };
    const { value, reads } = await compute(view(files));
    await store.save(reads, value);
    const entry = readdirSync(dir).find((name) => name.endsWith(".v8") && name !== "shapes.v8") as string;
    writeFileSync(join(dir, entry), "garbage");
    expect(await store.find(view(files))).toBeUndefined();
    writeFileSync(join(dir, "shapes.v8"), "garbage");
    expect(await store.find(view(files))).toBeUndefined();
    await store.save(reads, value);
    expect(await store.find(view(files))).toBe("1|2");
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("keeps at most its bound of entries, only under hexadecimal names", async () => {
    const store = new ReadKeyedStore<string>(cacheFilesIn(dir, []), { version: "t1", maxEntries: 3 });
    for (let i = 0; i < 6; i++) {
      const { value, reads } = await compute(view({ a: String(i), b: "x" }));
      await store.save(reads, value);
    }
    const names = readdirSync(dir);
    expect(names.filter((name) => name !== "shapes.v8")).toHaveLength(3);
    for (const name of names) expect(name).toMatch(/^([0-9a-f]{64}|shapes)\.v8$/);
    expect(await store.find(view({ a: "5", b: "x" }))).toBe("5|x");
  });
});
