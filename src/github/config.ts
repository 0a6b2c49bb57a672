/**
 * `.github/specwarden.yml`: the repository's policy. Read from the default branch only, so a pull
 * request cannot weaken its own check. Validation is strict: an unknown key or a bad value is
 * reported at file:line, never ignored.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from "yaml";
import type { RuleSetting, Waiver } from "../review/input.js";
import { RULE_IDS, type RuleId } from "../review/types.js";

import { CONFIG_PATH } from "./config-path.js";

export { CONFIG_PATH };

// The review engine's own policy types: the config is handed to it as is.
export type { RuleSetting, Waiver };

export interface RepoConfig {
  ruleLevels: Partial<Record<RuleId, RuleSetting>>;
  renderedSpecsDir?: string;
  /** post review suggestions on lines of the diff */
  suggestions: boolean;
  waivers: Waiver[];
  /** passed through untouched to the tracking module, which validates it */
  tracking?: unknown;
}

export const DEFAULT_CONFIG: RepoConfig = { ruleLevels: {}, suggestions: true, waivers: [] };

export class RepoConfigError extends Error {
  constructor(
    readonly path: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${path}:${line}: ${problem}`);
    this.name = "RepoConfigError";
  }
}

const RULE_SETTINGS: readonly RuleSetting[] = ["failure", "warning", "notice", "off"];
const TOP_LEVEL_KEYS = ["rules", "rendered-specs-dir", "suggestions", "waivers", "tracking"] as const;
const WAIVER_KEYS = ["component", "rule", "reason"] as const;
const MAX_CONFIG_BYTES = 256 * 1024;

/** Parse and validate the config text; throws RepoConfigError naming file:line. */
export function parseRepoConfig(text: string, path = CONFIG_PATH): RepoConfig {
  if (text.length > MAX_CONFIG_BYTES) throw new RepoConfigError(path, 1, `file is larger than ${MAX_CONFIG_BYTES} bytes`);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined, fallback = 1): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : fallback;
  const firstError = doc.errors[0];
  if (firstError) {
    const line = firstError.linePos?.[0]?.line ?? lineCounter.linePos(firstError.pos[0]).line;
    throw new RepoConfigError(path, line, `invalid YAML: ${firstError.message.split("\n")[0]}`);
  }
  const fail = (node: Node | null | undefined, problem: string): never => {
    throw new RepoConfigError(path, lineOf(node), problem);
  };

  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) return structuredClone(DEFAULT_CONFIG);
  if (!isMap(root)) return fail(root, "the top level must be a mapping");

  const config: RepoConfig = structuredClone(DEFAULT_CONFIG);
  for (const pair of root.items as Pair<Node, Node | null>[]) {
    const key = scalarString(pair.key);
    if (key === undefined || !(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
      fail(pair.key, `unknown key ${JSON.stringify(key ?? String(pair.key))} (expected one of: ${TOP_LEVEL_KEYS.join(", ")})`);
    }
    const value = pair.value;
    switch (key) {
      case "rules":
        config.ruleLevels = parseRules(value, fail);
        break;
      case "rendered-specs-dir":
        config.renderedSpecsDir = parseRelativeDir(value, fail);
        break;
      case "suggestions":
        if (!isScalar(value) || typeof value.value !== "boolean") fail(value ?? pair.key, "'suggestions' must be true or false");
        config.suggestions = (value as { value: boolean }).value;
        break;
      case "waivers":
        config.waivers = parseWaivers(value, pair.key, fail);
        break;
      case "tracking":
        config.tracking = value === null ? undefined : (value.toJSON() as unknown);
        break;
    }
  }
  return config;
}

type Fail = (node: Node | null | undefined, problem: string) => never;

function scalarString(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === "string" ? node.value : undefined;
}

function parseRules(value: Node | null, fail: Fail): Partial<Record<RuleId, RuleSetting>> {
  if (!isMap(value)) return fail(value, "'rules' must map rule IDs to failure, warning, notice or off");
  const levels: Partial<Record<RuleId, RuleSetting>> = {};
  for (const pair of (value as YAMLMap<Node, Node | null>).items) {
    const rule = scalarString(pair.key);
    if (rule === undefined || !(RULE_IDS as readonly string[]).includes(rule)) {
      fail(pair.key, `unknown rule ${JSON.stringify(rule ?? String(pair.key))} (known rules: ${RULE_IDS.join(", ")})`);
    }
    const raw = isScalar(pair.value) ? pair.value.value : undefined;
    // YAML 1.1 readers turn `off` into false; accept both spellings.
    const setting = raw === false ? "off" : raw;
    if (typeof setting !== "string" || !(RULE_SETTINGS as readonly string[]).includes(setting)) {
      fail(pair.value ?? pair.key, `rule ${rule} must be one of ${RULE_SETTINGS.join(", ")}, got ${JSON.stringify(raw ?? null)}`);
    }
    levels[rule as RuleId] = setting as RuleSetting;
  }
  return levels;
}

function parseRelativeDir(value: Node | null, fail: Fail): string {
  const dir = scalarString(value);
  if (dir === undefined || dir.trim() === "") return fail(value, "'rendered-specs-dir' must be a non-empty string");
  const normalised = dir.replace(/\/+$/, "");
  if (
    normalised.startsWith("/") ||
    normalised.includes("\\") ||
    normalised.includes("\0") ||
    normalised.split("/").some((part) => part === ".." || part === "." || part === "")
  ) {
    fail(value, `'rendered-specs-dir' must be a relative path inside the repository, got ${JSON.stringify(dir)}`);
  }
  return normalised;
}

function parseWaivers(value: Node | null, keyNode: Node, fail: Fail): Waiver[] {
  if (value === null) return [];
  if (!isSeq(value)) return fail(value ?? keyNode, "'waivers' must be a list of {component, rule, reason}");
  const waivers: Waiver[] = [];
  for (const item of value.items as (Node | null)[]) {
    if (!isMap(item)) fail(item ?? value, "each waiver must be a mapping with component, rule and reason");
    const fields: Record<string, string> = {};
    for (const pair of (item as YAMLMap<Node, Node | null>).items) {
      const key = scalarString(pair.key);
      if (key === undefined || !(WAIVER_KEYS as readonly string[]).includes(key)) {
        fail(pair.key, `unknown waiver key ${JSON.stringify(key ?? String(pair.key))} (expected component, rule, reason)`);
      }
      const text = scalarString(pair.value);
      if (text === undefined || text.trim() === "") fail(pair.value ?? pair.key, `waiver '${key}' must be a non-empty string`);
      fields[key as string] = (text as string).trim();
    }
    for (const required of WAIVER_KEYS) {
      if (fields[required] === undefined) fail(item, `waiver is missing '${required}'${required === "reason" ? " (every waiver needs a reason)" : ""}`);
    }
    if (!(RULE_IDS as readonly string[]).includes(fields.rule as string)) {
      fail(item, `waiver names unknown rule ${JSON.stringify(fields.rule)}`);
    }
    waivers.push({ component: fields.component as string, rule: fields.rule as RuleId, reason: fields.reason as string });
  }
  return waivers;
}
