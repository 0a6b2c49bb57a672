// A verification worker process for bench/queue.bench.mjs: takes `verify` batches from the Redis queue
// and re-renders and compares them (the fan-out children's work, without GitHub).
import { loadProject } from "../dist/azldev/index.js";
import { redisCoordination } from "../dist/queue/index.js";
import { openRepo } from "../dist/repo/index.js";
import { verifyComponents } from "../dist/review/verify-components.js";
import { directoryUpstream } from "../dist/upstream/index.js";

const [url, prefix, repoDir, upstreamDir] = process.argv.slice(2);
const coordination = redisCoordination({ url, prefix });
const repo = await openRepo(repoDir);
const project = await loadProject(repo);
const upstream = directoryUpstream(upstreamDir);
coordination.queue.work("verify", async (batch) => verifyComponents({ project, repo, names: batch.components, upstream, concurrency: 4 }), { concurrency: 2 });
process.send?.("ready");
process.on("SIGTERM", () => void coordination.close({ graceful: true }).then(() => process.exit(0)));
