/** The real Redis the machine runs (127.0.0.1:6379, or REDIS_URL); every test run uses its own key prefix. */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { inProcessCoordination, redisAnswers as redisAnswersAt, redisCoordination, type Coordination, type RedisCoordinationOptions } from "../../src/queue/index.js";

export const REDIS_URL = process.env["SPECWARDEN_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";

export const redisAnswers = (): Promise<boolean> => redisAnswersAt(REDIS_URL);

export const testPrefix = (): string => `swtest-${randomUUID().slice(0, 8)}`;

/** Deletes every key of a test prefix. */
export async function dropPrefix(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await client.del(...keys);
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}

/** Closes every Redis connection of a prefix from the server side, as a Redis restart would. */
export async function killConnections(prefix: string): Promise<number> {
  const client = new Redis(REDIS_URL);
  try {
    const list = (await client.client("LIST")) as string;
    let killed = 0;
    for (const line of list.split("\n")) {
      const id = /\bid=(\d+)/.exec(line)?.[1];
      const name = /\bname=(\S*)/.exec(line)?.[1] ?? "";
      if (id && name.startsWith(prefix)) {
        await client.client("KILL", "ID", id).catch(() => undefined);
        killed++;
      }
    }
    return killed;
  } finally {
    client.disconnect();
  }
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type Backend = "in-process" | "redis";
export const BACKENDS: Backend[] = ["in-process", "redis"];

/**
 * Coordinations for one test: in process, one shared by every "process"; on Redis, `count` separate
 * ones (separate connections, as separate processes have) under a fresh key prefix. `cleanup` closes
 * them and deletes the prefix's keys.
 */
export function coordinationPool() {
  const open: Coordination[] = [];
  const prefixes: string[] = [];
  return {
    prefixes,
    make(backend: Backend, count: number, options: Omit<RedisCoordinationOptions, "url" | "prefix"> = {}): Coordination[] {
      if (backend === "in-process") {
        const one = inProcessCoordination();
        open.push(one);
        return Array.from({ length: count }, () => one);
      }
      const prefix = testPrefix();
      prefixes.push(prefix);
      const out = Array.from({ length: count }, () => redisCoordination({ url: REDIS_URL, prefix, backoffMs: 50, ...options }));
      open.push(...out);
      return out;
    },
    async cleanup(): Promise<void> {
      await Promise.allSettled(open.splice(0).map((c) => c.close()));
      await Promise.allSettled(prefixes.splice(0).map((p) => dropPrefix(p)));
    },
  };
}
