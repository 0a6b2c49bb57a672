import { redisCoordination } from "../dist/queue/index.js";
const c = redisCoordination({ url: "redis://127.0.0.1:6379", prefix: "swdbg" + Date.now() % 1000 });
c.queue.work("verify", async (d) => d, { concurrency: 1 });
c.queue.work("aggregate", async (_d, ctx) => (await ctx.children()).results.length, { concurrency: 1 });
const f = await c.queue.enqueueFlow({ parent: { kind: "aggregate", id: "aggregate:x", data: {} }, children: [{ kind: "verify", id: "verify:x/0", data: 1 }] });
console.log(await f.finished());
await c.close();
setTimeout(() => { console.log(process._getActiveHandles().map((h) => h.constructor.name + (h.remoteAddress ? " " + h.remotePort : ""))); }, 1000).unref();
