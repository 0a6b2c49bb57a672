import { createHash } from "node:crypto";
import { RepoPathError } from "./types.js";

/**
 * The canonical form of a repo-relative path: POSIX separators, no empty or "." segments, no
 * trailing slash ("" is the root). Anything that could address storage outside the repository is
 * refused here, before any implementation touches a disk, a git object or a map.
 */
export function normalizeRepoPath(path: string): string {
  if (typeof path !== "string") throw new RepoPathError(String(path), "is not a string");
  if (path.includes("\0")) throw new RepoPathError(path, "contains a NUL byte");
  // Control characters make names that lie in listings and break diff headers. A backslash is an
  // ordinary character on POSIX file systems and in git: systemd escapes unit names with it
  // (`run-vmblock\x2dfuse.mount`), so it is allowed.
  if (/[\x01-\x1f\x7f]/.test(path)) throw new RepoPathError(path, "contains a control character");
  if (path.startsWith("/")) throw new RepoPathError(path, "is absolute");
  if (/^[A-Za-z]:/.test(path)) throw new RepoPathError(path, "is absolute (drive letter)");
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw new RepoPathError(path, "escapes the repository with '..'");
  return parts.join("/");
}

/** The parent directory of a normalised path ("" for top-level entries and the root). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** Every proper ancestor of a normalised path, outermost first ("a/b/c" → ["a", "a/b"]). */
export function ancestorsOf(path: string): string[] {
  const parts = path.split("/");
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

/** Byte-wise (code unit) order, the same for every view, so listings compare equal across them. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Git's blob id of some content: directory and memory views use it so ids agree with git views. */
export function gitBlobId(content: Uint8Array): string {
  return createHash("sha1").update(`blob ${content.byteLength}\0`).update(content).digest("hex");
}

/** UTF-8 decoding that keeps a byte-order mark (lossless consumers need it) and replaces bad bytes. */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
}
