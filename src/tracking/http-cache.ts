/**
 * Conditional HTTP reads for the upstream APIs: a response with an `ETag` (or `Last-Modified`) is kept,
 * and the next read of the same URL sends `If-None-Match` (`If-Modified-Since`). GitHub answers an
 * unchanged resource with 304, which does not count against the rate limit — a sweep that finds
 * nothing new upstream costs no quota. By default every forge of the process shares one cache, bounded
 * by entries and bytes, so each sweep profits from the last; the command line keeps its answers on
 * disk (persistent-http-cache.ts), so each run profits from the last.
 */
export interface HttpCacheEntry {
  etag?: string;
  lastModified?: string;
  body: string;
  link: string | null;
}

/**
 * Where conditional responses are kept; keys are opaque (the accept header and the URL). In memory the
 * operations are synchronous; on disk they return promises, which the reader awaits.
 */
export interface HttpCache {
  get(key: string): HttpCacheEntry | undefined | Promise<HttpCacheEntry | undefined>;
  set(key: string, entry: HttpCacheEntry): void | Promise<void>;
  /** called when a 304 reused the entry of `key` */
  noteHit?(key: string): void | Promise<void>;
}

/** What an HTTP forge asked: every request, and those answered "not modified" from the cache. */
export interface RequestCounter {
  requests: number;
  notModified: number;
}

/**
 * Answers kept with their validator in memory, least recently used first out past `maxEntries` (5,000)
 * or `maxBytes` (64 MiB). `hits` counts the answers a 304 let it reuse.
 */
export class ConditionalCache implements HttpCache {
  readonly #entries = new Map<string, { entry: HttpCacheEntry; bytes: number }>();
  #bytes = 0;
  hits = 0;
  readonly maxEntries: number;
  readonly maxBytes: number;

  constructor(limits: number | { maxEntries?: number; maxBytes?: number } = {}) {
    const options = typeof limits === "number" ? { maxEntries: limits } : limits;
    this.maxEntries = options.maxEntries ?? 5_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): HttpCacheEntry | undefined {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    // most recently used last: a Map iterates in insertion order
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    return hit.entry;
  }

  set(key: string, entry: HttpCacheEntry): void {
    const bytes = (entry.body.length + key.length) * 2 + 64;
    const old = this.#entries.get(key);
    if (old) {
      this.#bytes -= old.bytes;
      this.#entries.delete(key);
    }
    if (bytes > this.maxBytes) return;
    this.#entries.set(key, { entry, bytes });
    this.#bytes += bytes;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.maxBytes && this.#entries.size <= this.maxEntries) break;
      this.#entries.delete(k);
      this.#bytes -= v.bytes;
    }
  }

  /** a 304 reused an entry */
  noteHit(): void {
    this.hits++;
  }
}

/** The process's cache: every forge that is not given one shares it, so every sweep profits. */
export const sharedConditionalCache = new ConditionalCache();

export type FetchLike = (
  input: string,
  init?: { method?: string; headers?: Record<string, string>; signal?: AbortSignal },
) => Promise<{
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}>;

export class ForgeError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ForgeError";
  }
}

export interface GetOptions {
  timeoutMs: number;
  cache?: HttpCache;
  counter?: RequestCounter;
}

/**
 * GET with a timeout; with a cache, conditional. A 304 is answered from the cache as a 200. Only 200
 * responses that carry a validator are kept. Entries are keyed by URL and accept header, not by
 * credential: installation tokens change every hour, and a cached body is only ever used after the
 * server has answered 304 to this request's own credentials, so one installation never sees what
 * another may read. (On disk, answers are also kept apart by credential: persistent-http-cache.ts.)
 */
export async function httpGet(
  fetchImpl: FetchLike,
  url: string,
  headers: Record<string, string>,
  options: GetOptions,
): Promise<{ status: number; body: string; link: string | null; notModified: boolean }> {
  const key = options.cache ? `${headers["accept"] ?? ""}\0${url}` : "";
  // a cache that fails to answer is a miss: it can make a request cheaper, never make it fail
  const cached = options.cache ? await quietly(() => options.cache?.get(key)) : undefined;
  const sent = { ...headers };
  if (cached?.etag) sent["if-none-match"] = cached.etag;
  else if (cached?.lastModified) sent["if-modified-since"] = cached.lastModified;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  if (options.counter) options.counter.requests++;
  try {
    const response = await fetchImpl(url, { headers: sent, signal: controller.signal });
    if (response.status === 304 && cached) {
      if (options.counter) options.counter.notModified++;
      await quietly(() => options.cache?.noteHit?.(key));
      return { status: 200, body: cached.body, link: cached.link, notModified: true };
    }
    const body = await response.text();
    const link = response.headers.get("link");
    if (options.cache && response.status === 200) {
      const etag = response.headers.get("etag") ?? undefined;
      const lastModified = response.headers.get("last-modified") ?? undefined;
      if (etag || lastModified) await quietly(() => options.cache?.set(key, { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}), body, link }));
    }
    return { status: response.status, body, link, notModified: false };
  } catch (error) {
    throw new ForgeError(`${url}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** a cache operation whose failure (a throw or a rejection) is a miss */
async function quietly<T>(operation: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await operation();
  } catch {
    return undefined;
  }
}

export function failure(url: string, status: number, body: string): never {
  const message = (() => {
    try {
      return String((JSON.parse(body) as { message?: unknown }).message ?? body.slice(0, 200));
    } catch {
      return body.slice(0, 200);
    }
  })();
  throw new ForgeError(`${url}: HTTP ${status} ${message}`, status);
}
