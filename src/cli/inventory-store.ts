/**
 * The command line's records of inventoried components, kept on disk between runs: `patches` and
 * `track` over the full Azure Linux tree spend most of their time reading and scanning 7,600
 * rendered specs and hashing their patches, while a later run — the next commit, another branch —
 * finds almost every component unchanged. The records are reused component by component (see
 * tracking/inventory-records: by inputs and by the content ids of every read).
 *
 * One file holds all records, under $SPECWARDEN_CACHE_DIR/inventory, named by the code that
 * computed them (another build never reads it); it is written whole and atomically (cache/files),
 * only when a run added records, and a file that does not read back is ignored. A working tree is
 * never recorded (its files change under us). SPECWARDEN_PROJECT_CACHE=0 turns it off along with
 * the project cache.
 */
import { deserialize, serialize } from "node:v8";
import { BoundedCacheFiles, cacheFilesIn } from "../cache/files.js";
import { isPinnedView } from "../repo/recorded-reads.js";
import type { RepoView } from "../repo/types.js";
import { InventoryRecords } from "../tracking/inventory-records.js";
import { codeVersion } from "./code-version.js";
import type { CliIO } from "./io.js";
import { cacheDirectory } from "./upstream-choice.js";

const FORMAT = "specwarden-inventory-v1";
/** The modules whose code decides what an inventory record holds (repo: how reads are answered). */
const INVENTORY_MODULES = ["azldev", "repo", "spec", "tracking"];
/** files of other builds kept besides the current one */
const MAX_FILES = 3;
/** the records of the full Azure Linux tree take about 25 MB */
const MAX_BYTES = 512 * 1024 * 1024;

export interface PersistentInventoryRecords {
  records: InventoryRecords;
  /** writes the records back when the run added any; failures are ignored (the store only saves time) */
  save(): Promise<void>;
}

/** The stored records for inventories of `repo`, or undefined when they are not kept (a working tree, or turned off). */
export async function openInventoryRecords(repo: RepoView, io: CliIO): Promise<PersistentInventoryRecords | undefined> {
  if (!isPinnedView(repo) || io.env["SPECWARDEN_PROJECT_CACHE"] === "0") return undefined;
  const files = new BoundedCacheFiles(cacheFilesIn(cacheDirectory(io), ["inventory"]), { maxEntries: MAX_FILES, maxBytes: MAX_BYTES });
  const name = `${(await codeVersion(FORMAT, INVENTORY_MODULES)).replace(/[^A-Za-z0-9_-]/g, "-")}.v8`;
  const bytes = await files.read(name);
  let stored: unknown;
  try {
    stored = bytes ? deserialize(bytes) : undefined;
  } catch {
    stored = undefined;
  }
  const records = new InventoryRecords(stored);
  return {
    records,
    async save() {
      if (!records.changed) return;
      try {
        await files.write(name, serialize(records.stored()));
      } catch {
        // a value that cannot be serialised: the next run computes again
      }
    },
  };
}
