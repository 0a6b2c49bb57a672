import { parse as parseToml } from "smol-toml";
import { goQuote, wrapError } from "./go-format.js";

/** `<lock-dir>/<name>.lock` (AZLDEV.md §4.8). */
export interface ComponentLock {
  version?: number;
  importCommit?: string;
  upstreamCommit?: string;
  manualBump?: number;
  inputFingerprint?: string;
  resolutionInputHash?: string;
}

export class LockFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LockFileError";
  }
}

export function lockFilePath(lockDir: string, component: string): string {
  return `${lockDir ? lockDir.replace(/\/+$/, "") + "/" : ""}${component}.lock`;
}

function optionalString(table: Record<string, unknown>, key: string, path: string): string | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new LockFileError(`${path}: ${key} must be a string`);
  return value;
}

export function parseLockFile(text: string, path: string): ComponentLock {
  let table: Record<string, unknown>;
  try {
    table = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    throw new LockFileError(wrapError(`failed to parse lock file ${goQuote(path)}`, (error as Error).message.split("\n")[0] ?? ""));
  }
  const lock: ComponentLock = {
    importCommit: optionalString(table, "import-commit", path),
    upstreamCommit: optionalString(table, "upstream-commit", path),
    inputFingerprint: optionalString(table, "input-fingerprint", path),
    resolutionInputHash: optionalString(table, "resolution-input-hash", path),
  };
  const version = table["version"];
  if (version !== undefined) {
    if (typeof version !== "number" && typeof version !== "bigint") throw new LockFileError(`${path}: version must be an integer`);
    lock.version = Number(version);
  }
  const manualBump = table["manual-bump"];
  if (manualBump !== undefined) {
    if (typeof manualBump !== "number" && typeof manualBump !== "bigint") {
      throw new LockFileError(`${path}: manual-bump must be an integer`);
    }
    lock.manualBump = Number(manualBump);
  }
  if (lock.upstreamCommit !== undefined && lock.upstreamCommit !== "" && !/^[0-9a-fA-F]{7,40}$/.test(lock.upstreamCommit)) {
    throw new LockFileError(`${path}: upstream-commit ${goQuote(lock.upstreamCommit)} is not a commit hash`);
  }
  return lock;
}
