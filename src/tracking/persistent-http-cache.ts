/**
 * Upstream API answers kept on disk across runs, with their ETag (or Last-Modified): the command line
 * starts every run with what the last run was told, asks again with If-None-Match, and an unchanged
 * answer is a 304 — no content, no rate limit. A body is only ever used after the server answered 304
 * to the request this run made with its own credentials.
 *
 * Which runs share answers: each entry belongs to a **credential namespace**. Answers fetched without
 * a token are shared by every run without one; answers fetched with a token are reused only by runs
 * with the same token. The token is never written: the namespace is named by a SHA-256 of it (128 bits
 * kept), which cannot be turned back into the token. A private repository's answers therefore never
 * serve a run with another token or none, even as a validator.
 *
 * Entries are keyed by the namespace and the request (accept header and full URL, API root included),
 * one file each, named by a SHA-256 of that key; the file holds the key again and a format version, and
 * an entry that does not read back exactly (damaged, another version, another key) is a miss.
 */
import { createHash } from "node:crypto";
import { BoundedCacheFiles, type CacheFiles } from "../cache/files.js";
import type { HttpCache, HttpCacheEntry } from "./http-cache.js";

const FORMAT = "specwarden-http-answer-v1";

export interface PersistentCacheLimits {
  /** entries kept at most, least recently used out first; default 5,000 */
  maxEntries?: number;
  /** bytes of entries kept at most; default 64 MiB */
  maxBytes?: number;
  /** a larger answer is not kept; default 8 MiB */
  maxEntryBytes?: number;
}

/**
 * The namespace of a credential: `public` without a token, else `token-` and 32 hex digits of a
 * SHA-256 of the token (labelled, so the digest is of no use elsewhere).
 */
export function credentialNamespace(token: string | undefined): string {
  if (!token) return "public";
  return `token-${createHash("sha256").update("specwarden upstream answer cache\0").update(token).digest("hex").slice(0, 32)}`;
}

interface StoredAnswer {
  format: string;
  namespace: string;
  key: string;
  etag?: string;
  lastModified?: string;
  link: string | null;
  body: string;
}

function decode(bytes: Buffer, namespace: string, key: string): HttpCacheEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
  if (!value || typeof value !== "object") return undefined;
  const stored = value as Partial<StoredAnswer>;
  if (stored.format !== FORMAT || stored.namespace !== namespace || stored.key !== key) return undefined;
  if (typeof stored.body !== "string" || !(stored.link === null || typeof stored.link === "string")) return undefined;
  const etag = typeof stored.etag === "string" && stored.etag ? stored.etag : undefined;
  const lastModified = typeof stored.lastModified === "string" && stored.lastModified ? stored.lastModified : undefined;
  // an entry without a validator could never be asked about conditionally
  if (!etag && !lastModified) return undefined;
  return { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}), body: stored.body, link: stored.link };
}

/** A conditional-request cache on disk, for one credential namespace. */
export class PersistentConditionalCache implements HttpCache {
  readonly #files: BoundedCacheFiles;
  readonly #maxEntryBytes: number;
  /** answers a 304 let this cache reuse */
  hits = 0;

  constructor(
    files: CacheFiles,
    readonly namespace: string,
    limits: PersistentCacheLimits = {},
  ) {
    this.#files = new BoundedCacheFiles(files, { maxEntries: limits.maxEntries ?? 5_000, maxBytes: limits.maxBytes ?? 64 * 1024 * 1024 });
    this.#maxEntryBytes = limits.maxEntryBytes ?? 8 * 1024 * 1024;
  }

  #fileName(key: string): string {
    return `${createHash("sha256").update(this.namespace).update("\0").update(key).digest("hex")}.json`;
  }

  async get(key: string): Promise<HttpCacheEntry | undefined> {
    const bytes = await this.#files.read(this.#fileName(key));
    return bytes ? decode(bytes, this.namespace, key) : undefined;
  }

  async set(key: string, entry: HttpCacheEntry): Promise<void> {
    const stored: StoredAnswer = { format: FORMAT, namespace: this.namespace, key, ...entry };
    const text = JSON.stringify(stored);
    if (Buffer.byteLength(text) > this.#maxEntryBytes) return;
    await this.#files.write(this.#fileName(key), text);
  }

  async noteHit(key?: string): Promise<void> {
    this.hits++;
    if (key !== undefined) await this.#files.touch(this.#fileName(key));
  }
}
