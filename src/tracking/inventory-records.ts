/**
 * Records of components inventoried before, for reuse. A component's inventory is a function of its
 * inputs (configuration, rendered directory, macros, architectures: see ComponentInputs) and of what
 * it read from the repository, so a record is reused only when both are the same: the inputs by a
 * digest of their JSON, the reads by asking the view again (the content id of every file read, every
 * listing and lookup; see repo/recorded-reads). A changed spec, patch or comp.toml, another macro or
 * another architecture is a miss, never a stale answer.
 *
 * Each component keeps its few most recently used variants (two branches inventoried in turn both
 * hit), and the components least recently used beyond a bound are dropped. The records come from
 * and go to a stored value (the caller keeps it on disk); a stored value of any other shape, or a
 * record in it that is not well formed, is ignored.
 */
import { createHash } from "node:crypto";
import { sameReads, type RecordedRead } from "../repo/recorded-reads.js";
import type { RepoView } from "../repo/types.js";
import type { ComponentInputs } from "./inventory.js";
import type { ComponentPatches, InventoryPatch } from "./types.js";

/** One component's part of the inventory. */
export interface ComponentInventory {
  component: ComponentPatches;
  patches: InventoryPatch[];
}

interface ComponentRecord {
  /** digest of the component's inputs */
  inputs: string;
  reads: RecordedRead[];
  value: ComponentInventory;
}

/** The records as stored: components least recently used first, each one's variants most recently used first. */
export interface StoredInventoryRecords {
  format: typeof FORMAT;
  components: [name: string, records: ComponentRecord[]][];
}

const FORMAT = "inventory-records-v1";
const READ_KINDS: ReadonlySet<string> = new Set(["stat", "list", "tree", "read"]);

export interface InventoryRecordLimits {
  /** variants kept per component */
  variantsPerComponent?: number;
  /** components kept in all (Azure Linux has about 7,600) */
  components?: number;
}

export function inputsDigest(inputs: ComponentInputs): string {
  // the configuration as the inventory sees it: a fingerprint the loader left on it is not an input
  const { fingerprint: _, ...config } = inputs.config as ComponentInputs["config"] & { fingerprint?: string };
  return createHash("sha256").update(JSON.stringify({ ...inputs, config })).digest("base64");
}

function isRead(read: unknown): read is RecordedRead {
  return Array.isArray(read) && read.length === 3 && READ_KINDS.has(read[0] as string) && typeof read[1] === "string" && typeof read[2] === "string";
}

function isRecord(record: unknown): record is ComponentRecord {
  if (typeof record !== "object" || record === null) return false;
  const { inputs, reads, value } = record as Partial<ComponentRecord>;
  return (
    typeof inputs === "string" &&
    Array.isArray(reads) &&
    reads.every(isRead) &&
    typeof value === "object" &&
    value !== null &&
    typeof value.component === "object" &&
    value.component !== null &&
    typeof value.component.name === "string" &&
    Array.isArray(value.component.problems) &&
    Array.isArray(value.patches)
  );
}

export class InventoryRecords {
  /** by component name, least recently used first */
  readonly #components = new Map<string, ComponentRecord[]>();
  readonly #variants: number;
  readonly #maxComponents: number;
  #changed = false;

  /** `stored`: what `stored()` gave before (from disk: anything else is ignored). */
  constructor(stored?: unknown, limits: InventoryRecordLimits = {}) {
    this.#variants = limits.variantsPerComponent ?? 2;
    this.#maxComponents = limits.components ?? 40_000;
    const value = stored as Partial<StoredInventoryRecords> | undefined;
    if (value?.format !== FORMAT || !Array.isArray(value.components)) return;
    for (const item of value.components) {
      if (!Array.isArray(item) || typeof item[0] !== "string" || !Array.isArray(item[1])) continue;
      const records = (item[1] as unknown[]).filter(isRecord).filter((r) => r.value.component.name === item[0]);
      if (records.length) this.#components.set(item[0], records.slice(0, this.#variants));
    }
  }

  /** Whether records were added since construction (then they are worth storing). */
  get changed(): boolean {
    return this.#changed;
  }

  /** The inventory kept for a component with these inputs whose reads `view` answers the same, if any. */
  async find(inputs: ComponentInputs, view: RepoView): Promise<ComponentInventory | undefined> {
    const name = inputs.config.name;
    const records = this.#components.get(name);
    if (!records) return undefined;
    const digest = inputsDigest(inputs);
    for (const record of records) {
      if (record.inputs !== digest || !(await sameReads(view, record.reads))) continue;
      this.#use(name, [record, ...records.filter((r) => r !== record)]);
      return record.value;
    }
    return undefined;
  }

  /** Keeps a component's inventory, computed from `inputs` and `reads`. */
  keep(inputs: ComponentInputs, reads: readonly RecordedRead[], value: ComponentInventory): void {
    const name = inputs.config.name;
    const record: ComponentRecord = { inputs: inputsDigest(inputs), reads: [...reads], value };
    const others = (this.#components.get(name) ?? []).filter((r) => r.inputs !== record.inputs || JSON.stringify(r.reads) !== JSON.stringify(record.reads));
    this.#use(name, [record, ...others].slice(0, this.#variants));
    this.#changed = true;
  }

  /** The records to store (plain data), within the bounds. */
  stored(): StoredInventoryRecords {
    const components = [...this.#components];
    return { format: FORMAT, components: components.slice(Math.max(0, components.length - this.#maxComponents)) };
  }

  #use(name: string, records: ComponentRecord[]): void {
    this.#components.delete(name);
    this.#components.set(name, records);
  }
}
