/**
 * `GET /healthz`: whether this process can do its job — the queue back end answers (Redis PING), how
 * deep each queue is and how long its oldest job has waited. 200 when healthy, 503 otherwise; load
 * balancers and orchestrators poll it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JobQueue } from "../queue/types.js";

export const HEALTH_ROUTE = "/healthz";

export async function healthReport(queue: JobQueue): Promise<{ healthy: boolean; body: Record<string, unknown> }> {
  const reachable = await queue.ping();
  const body: Record<string, unknown> = { status: reachable ? "ok" : "unavailable", backend: queue.backend, reachable };
  if (reachable) {
    try {
      body["queues"] = await queue.depths();
      body["oldestWaitingMs"] = await queue.oldestWaitingMs();
    } catch (error) {
      body["status"] = "unavailable";
      body["error"] = error instanceof Error ? error.message : String(error);
      return { healthy: false, body };
    }
  }
  return { healthy: reachable, body };
}

export function createHealthRoute(queue: JobQueue) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== HEALTH_ROUTE) return false;
    const { healthy, body } = await healthReport(queue);
    res.writeHead(healthy ? 200 : 503, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    res.end(`${JSON.stringify(body)}\n`);
    return true;
  };
}
