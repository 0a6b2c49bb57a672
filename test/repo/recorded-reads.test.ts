import { describe, expect, it } from "vitest";
import { canonicalReads, isPinnedView, RecordingView, sameReads } from "../../src/repo/recorded-reads.js";
import { memoryRepo } from "../../src/repo/index.js";
import { LayeredRepoView } from "../../src/review/layered-view.js";

const pinned = (files: Record<string, string>, commit = "abcdef0") => memoryRepo(files, { description: `git:/srv/repo@${commit}` });

async function record(view: ReturnType<typeof memoryRepo> | LayeredRepoView) {
  const recorder = new RecordingView(view);
  await recorder.readText("azldev.toml");
  await recorder.list("base", { recursive: true });
  await recorder.stat("base/missing.toml");
  return recorder;
}

describe("recorded reads", () => {
  it("are answered the same by a view with the same content, another commit included", async () => {
    const files = { "azldev.toml": "includes = []\n", "base/a.comp.toml": "[components.a]\n", "specs/a/a/a.spec": "Name: a\n" };
    const recorder = await record(pinned(files));
    expect(recorder.reusable).toBe(true);
    expect(await sameReads(pinned(files, "1234567"), recorder.reads)).toBe(true);
    // a file outside what was read does not matter
    expect(await sameReads(pinned({ ...files, "specs/a/a/a.spec": "Name: b\n" }), recorder.reads)).toBe(true);
  });

  it("are not answered the same once a file read, a listed entry or a looked-up path changes", async () => {
    const files = { "azldev.toml": "includes = []\n", "base/a.comp.toml": "[components.a]\n" };
    const { reads } = await record(pinned(files));
    expect(await sameReads(pinned({ ...files, "azldev.toml": "includes = [\"base/*.toml\"]\n" }), reads)).toBe(false);
    expect(await sameReads(pinned({ ...files, "base/a.comp.toml": "[components.b]\n" }), reads)).toBe(false);
    expect(await sameReads(pinned({ ...files, "base/b.comp.toml": "" }), reads)).toBe(false);
    expect(await sameReads(pinned({ ...files, "base/missing.toml": "" }), reads)).toBe(false);
  });

  it("see edits layered on a view, and tell them apart from the view below", async () => {
    const files = { "azldev.toml": "includes = []\n", "base/a.comp.toml": "[components.a]\n" };
    const head = pinned(files);
    const layered = new LayeredRepoView(head, new Map([["base/a.comp.toml", new TextEncoder().encode("[components.a]\nx = 1\n")]]));
    expect(isPinnedView(layered)).toBe(true);
    const recorder = await record(layered);
    expect(recorder.reusable).toBe(true);
    expect(await sameReads(head, recorder.reads)).toBe(false);
    const again = new LayeredRepoView(pinned(files, "7654321"), new Map([["base/a.comp.toml", new TextEncoder().encode("[components.a]\nx = 1\n")]]));
    expect(await sameReads(again, recorder.reads)).toBe(true);
  });

  it("are never reusable from a view whose content is not pinned", async () => {
    const recorder = await record(memoryRepo({ "azldev.toml": "" }));
    expect(recorder.reusable).toBe(false);
  });

  it("are kept in one order whatever order they were made in, whole listings first", () => {
    const reads = canonicalReads([
      ["read", "b", "1"],
      ["stat", "a", "2"],
      ["tree", "z", "3"],
      ["read", "b", "1"],
    ]);
    expect(reads).toEqual([
      ["tree", "z", "3"],
      ["stat", "a", "2"],
      ["read", "b", "1"],
    ]);
  });
});
