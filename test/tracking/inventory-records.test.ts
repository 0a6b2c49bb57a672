import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { deserialize, serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import { loadProject, type Project } from "../../src/azldev/index.js";
import { memoryRepo, type RepoView, type TreeEntry } from "../../src/repo/index.js";
import { componentInputs, inventory, InventoryRecords, type InventoryOptions } from "../../src/tracking/index.js";
import { FIXTURE_DISTRO } from "./helpers.js";

/** The fixture distro's files, to build views of edited copies from. */
function fixtureFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(FIXTURE_DISTRO, path)] = readFileSync(path, "utf8");
    }
  };
  walk(FIXTURE_DISTRO);
  return files;
}

const pinned = (files: Record<string, string>, commit = "abcdef0") => memoryRepo(files, { description: `git:/srv/distro@${commit}` });

/** A view that counts file reads, and fails them for the paths in `failing`. */
class CountingView implements RepoView {
  readonly description: string;
  reads = 0;
  constructor(
    readonly under: RepoView,
    readonly failing: ReadonlySet<string> = new Set(),
  ) {
    this.description = under.description;
  }
  async readFile(path: string): Promise<Uint8Array | undefined> {
    this.reads++;
    if (this.failing.has(path)) throw new Error(`${path}: the object reader died`);
    return this.under.readFile(path);
  }
  async readText(path: string): Promise<string | undefined> {
    const bytes = await this.readFile(path);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }
  stat(path: string): Promise<TreeEntry | undefined> {
    return this.under.stat(path);
  }
  list(dir?: string, options?: { recursive?: boolean }): Promise<TreeEntry[]> {
    return this.under.list(dir, options);
  }
}

async function run(files: Record<string, string>, records?: InventoryRecords, options: InventoryOptions = {}, failing?: Set<string>) {
  const view = new CountingView(pinned(files), failing);
  const project = await loadProject(view);
  view.reads = 0;
  const inv = await inventory(project, view, { ...options, ...(records ? { records } : {}) });
  return { inv, project, reads: view.reads };
}

/** A round trip through the stored form, as the command line's store makes between runs. */
const reloaded = (records: InventoryRecords, limits = {}) => new InventoryRecords(deserialize(serialize(records.stored())), limits);

describe("inventory records", () => {
  const files = fixtureFiles();
  const spec = Object.keys(files).find((p) => p.endsWith("/libfoo.spec")) as string;
  const patch = Object.keys(files).find((p) => p.endsWith("libfoo-default-ciphers.patch") && p.startsWith("specs/")) as string;

  it("reuse every component's record on an unchanged tree, and give what a fresh inventory gives", async () => {
    const fresh = await run(files);
    const records = new InventoryRecords();
    const first = await run(files, records);
    expect(first.inv).toEqual(fresh.inv);
    expect(records.changed).toBe(true);
    const again = reloaded(records);
    const second = await run(files, again);
    expect(second.inv).toEqual(fresh.inv);
    // nothing read but what the project load read: every record was reused
    expect(second.reads).toBe(0);
    expect(again.changed).toBe(false);
  });

  it("recompute a component whose spec or patch changed, and only that one", async () => {
    const records = new InventoryRecords();
    await run(files, records);
    for (const [path, edit] of [
      [spec, (text: string) => text.replace(/^Version:.*$/m, "Version: 9.9")],
      [patch, (text: string) => `${text}\n`],
    ] as const) {
      const edited = { ...files, [path]: edit(files[path] as string) };
      const again = reloaded(records);
      const cached = await run(edited, again);
      const fresh = await run(edited);
      expect(cached.inv).toEqual(fresh.inv);
      expect(again.changed).toBe(true);
      // the libfoo component's files are read again, no other component's
      expect(cached.reads).toBeGreaterThan(0);
      expect(cached.reads).toBeLessThan(fresh.reads);
    }
    const libfoo = (await run({ ...files, [spec]: (files[spec] as string).replace(/^Version:.*$/m, "Version: 9.9") }, reloaded(records))).inv.components.find((c) => c.name === "libfoo");
    expect(libfoo?.version).toBe("9.9");
  });

  it("are keyed by the inputs besides the reads: other macros or architectures are a miss", async () => {
    const records = new InventoryRecords();
    await run(files, records);
    for (const options of [{ macros: { fedora: "39" } }, { arches: ["x86_64"] }, { readPatches: "distro" as const }]) {
      const cached = await run(files, reloaded(records), options);
      const fresh = await run(files, undefined, options);
      expect(cached.inv).toEqual(fresh.inv);
      expect(cached.reads).toBe(fresh.reads);
    }
  });

  it("never keep a component whose reads failed: another try may read it", async () => {
    const records = new InventoryRecords();
    const failed = await run(files, records, {}, new Set([spec]));
    expect(failed.inv.components.find((c) => c.name === "libfoo")?.problems.join()).toMatch(/object reader died/);
    const again = await run(files, reloaded(records));
    expect(again.inv.components.find((c) => c.name === "libfoo")?.problems).toEqual([]);
    expect(again.inv).toEqual((await run(files)).inv);
  });

  it("ignore a stored value of another shape and records that are not well formed", async () => {
    for (const stored of [undefined, null, "records", 42, { format: "inventory-records-v0", components: [] }, { format: "inventory-records-v1", components: "none" }]) {
      expect(new InventoryRecords(stored).stored().components).toEqual([]);
    }
    const records = new InventoryRecords();
    await run(files, records);
    const stored = records.stored();
    const [name, kept] = stored.components[0] as [string, unknown[]];
    const damaged = {
      ...stored,
      components: [
        [name, [{ ...(kept[0] as object), reads: [["read", 7, "x"]] }]],
        ["other", [{ inputs: "x", reads: [], value: { component: { name: "not-other", problems: [] }, patches: [] } }]],
        "not a pair",
        ...stored.components.slice(1),
      ],
    };
    const survived = new InventoryRecords(damaged);
    expect(survived.stored().components.map(([n]) => n)).toEqual(stored.components.slice(1).map(([n]) => n));
    expect((await run(files, survived)).inv).toEqual((await run(files)).inv);
  });

  it("keep a few variants per component and a bounded number of components, least recently used out first", async () => {
    const edited = { ...files, [spec]: (files[spec] as string).replace(/^Version:.*$/m, "Version: 9.9") };
    const records = new InventoryRecords(undefined, { variantsPerComponent: 2 });
    await run(files, records);
    await run(edited, records);
    // both trees hit now
    for (const tree of [files, edited]) expect((await run(tree, records)).reads).toBe(0);
    const third = { ...files, [spec]: (files[spec] as string).replace(/^Version:.*$/m, "Version: 7.7") };
    await run(third, records);
    const libfoo = records.stored().components.find(([n]) => n === "libfoo")?.[1];
    expect(libfoo).toHaveLength(2);
    // the least recently used (the first tree's) went
    expect((await run(files, records)).reads).toBeGreaterThan(0);

    const bounded = reloaded(records, { components: 2 });
    expect(bounded.stored().components.length).toBe(2);
  });

  it("digest every input the inventory of a component uses", async () => {
    const project: Project = await loadProject(pinned(files));
    const config = project.components.get("libfoo");
    if (!config) throw new Error("fixture without libfoo");
    const base = componentInputs(project, config, { arches: ["x86_64"], macros: {}, readPatches: true });
    const records = new InventoryRecords();
    const view = pinned(files);
    records.keep(base, [], { component: { name: "libfoo", problems: [] }, patches: [] });
    expect(await records.find(base, view)).toBeDefined();
    const moved = { ...config, overlays: config.overlays.map((o) => ({ ...o, origin: { ...o.origin, line: o.origin.line + 1 } })) };
    for (const other of [
      { ...base, renderedDir: "specs/l/libfoo-other" },
      { ...base, macros: { fedora: "42" } },
      { ...base, config: moved },
      { ...base, upstreamSpec: { distro: "fedora", version: "44", name: "libfoo" } },
    ]) {
      expect(await records.find(other, view)).toBeUndefined();
    }
  });
});
