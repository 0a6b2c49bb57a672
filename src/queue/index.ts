/** Queues, locks and the newest-head registry: in process by default, on Redis with `REDIS_URL`. */
import { inProcessCoordination } from "./in-process.js";
import { redisCoordination, type QueueLog } from "./redis.js";
import type { Coordination } from "./types.js";

export * from "./types.js";
export { inProcessCoordination, InProcessQueue, InProcessLocks, InProcessHeads, InProcessCounters, InProcessRates } from "./in-process.js";
export { redisCoordination, redisAnswers, bullJobId, type QueueLog, type RedisCoordinationOptions } from "./redis.js";

/** `REDIS_URL` set: BullMQ on Redis (`SPECWARDEN_QUEUE_PREFIX`, default "specwarden"); else in process. */
export function coordinationFromEnv(env: NodeJS.ProcessEnv, log?: QueueLog): Coordination {
  const url = env["REDIS_URL"]?.trim();
  if (!url) return inProcessCoordination();
  const prefix = env["SPECWARDEN_QUEUE_PREFIX"]?.trim() || "specwarden";
  return redisCoordination({ url, prefix, ...(log ? { log } : {}) });
}
