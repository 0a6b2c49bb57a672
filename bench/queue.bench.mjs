// Fan-out of a distro-wide change on the Redis queue: 7,500 generated components (two thirds from
// local dist-git trees) verified in batches of 50 — re-rendered and compared with their committed
// files — by 1, 2 and 4 worker processes; a parent job gathers the batches. Reports components/s,
// the speed-up over one worker, and the aggregation overhead per component (target < 5 ms).
// Needs Redis (REDIS_URL, default redis://127.0.0.1:6379); skipped without it.
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { loadProject } from "../dist/azldev/index.js";
import { redisAnswers, redisCoordination } from "../dist/queue/index.js";
import { openRepo } from "../dist/repo/index.js";
import { renderComponents, writeRenders } from "../dist/render/index.js";
import { directoryUpstream } from "../dist/upstream/index.js";
import { generate } from "./render.bench.mjs";

const COMPONENTS = 7500;
const BATCH = 50;
const here = dirname(fileURLToPath(import.meta.url));

async function round(url, repoDir, upstreamDir, names, workers) {
  const prefix = `swbench${workers}${Date.now() % 100000}`;
  const procs = [];
  for (let i = 0; i < workers; i++) {
    const child = fork(join(here, "queue-worker.mjs"), [url, prefix, repoDir, upstreamDir], { stdio: "ignore" });
    await new Promise((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
    });
    procs.push(child);
  }
  const coordination = redisCoordination({ url, prefix });
  let aggregateMs = 0;
  let gathered = 0;
  const statuses = {};
  coordination.queue.work("aggregate", async (_data, context) => {
    const started = performance.now();
    const { results, failed } = await context.children();
    for (const r of results) {
      gathered += r.components.length;
      for (const c of r.components) statuses[c.status] = (statuses[c.status] ?? 0) + 1;
    }
    aggregateMs = performance.now() - started;
    return { gathered, ...statuses, failedBatches: failed.length };
  }, { concurrency: 1 });
  const children = [];
  for (let i = 0; i < names.length; i += BATCH) children.push({ kind: "verify", id: `verify:bench/${i / BATCH}`, data: { components: names.slice(i, i + BATCH) } });
  const started = performance.now();
  const flow = await coordination.queue.enqueueFlow({ parent: { kind: "aggregate", id: "aggregate:bench", data: {} }, children });
  const result = await flow.finished();
  const ms = performance.now() - started;
  for (const p of procs) p.kill("SIGTERM");
  await coordination.close();
  const client = new Redis(url);
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await client.del(...keys);
  } while (cursor !== "0");
  client.disconnect();
  return { ms, rate: names.length / (ms / 1000), aggregatePerComponentMs: aggregateMs / Math.max(1, gathered), result };
}

export async function run() {
  const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  if (!(await redisAnswers(url))) return [`skipped: Redis at ${url} does not answer`];
  const root = mkdtempSync(join(tmpdir(), "specwarden-queue-bench-"));
  try {
    const { repo: repoDir, upstream: upstreamDir, names } = generate(root, COMPONENTS);
    // commit the renders, so that every component verifies clean (the common case of a snapshot bump)
    const repo = await openRepo(repoDir);
    const project = await loadProject(repo);
    const renders = await renderComponents({ project, repo, names, upstream: directoryUpstream(upstreamDir), concurrency: 8 });
    const specs = join(repoDir, project.settings.renderedSpecsDir);
    await writeRenders(renders, { outDir: specs, displayOutDir: specs });
    const lines = [`${names.length} components in batches of ${BATCH}, ${cpus().length} CPUs`];
    let one;
    for (const workers of [1, 2, 4]) {
      const r = await round(url, repoDir, upstreamDir, names, workers);
      one ??= r.rate;
      lines.push(`${workers} worker process(es): ${(r.ms / 1000).toFixed(1)} s, ${r.rate.toFixed(0)} components/s (×${(r.rate / one).toFixed(2)}), aggregation ${r.aggregatePerComponentMs.toFixed(3)} ms per component (target < 5 ms), ${JSON.stringify(r.result)}`);
    }
    return lines;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
