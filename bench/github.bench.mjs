// GitHub API calls per check, with the app's default (real) review engine, against the in-memory
// GitHub holding the demo repository (fixtures/demo). The first PR — the engine's demo PR — warms the
// process (installation token, app identity, base tree and blobs); the checks measured after it are a
// one-component PR on the same base and a push to the demo PR. Target: ≤ 15 calls per check with a
// warm cache.
import { generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Probot, ProbotOctokit } from "probot";
import { createCaches, specwardenApp } from "../dist/github/index.js";
import { FakeGitHub } from "../dist/github/fake-github.js";

const TARGET = 15;
const FIXTURE = fileURLToPath(new URL("../fixtures/demo", import.meta.url));

function readTree(root) {
  const out = {};
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out[relative(root, full).split(sep).join("/")] = readFileSync(full, "utf8");
    }
  };
  walk(root);
  return out;
}

function endpoint(call) {
  return `${call.method} ${call.path
    .replace(/^\/repos\/[^/]+\/[^/]+/, "")
    .replace(/[0-9a-f]{40}(\.\.\.[0-9a-f]{40})?/g, "{sha}")
    .replace(/\/\d+(\/|$)/g, "/{n}$1")}${call.query.recursive ? "?recursive=1" : ""}`;
}

export async function run() {
  const github = new FakeGitHub();
  const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
  const probot = new Probot({
    appId: github.appId,
    privateKey,
    secret: "bench",
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((o) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })),
    request: { fetch: github.fetch },
  });
  const outcomes = [];
  await probot.load(specwardenApp({ tracking: false, caches: createCaches(), onCheck: (o) => outcomes.push(o) }));

  const baseFiles = readTree(join(FIXTURE, "base"));
  const demoFiles = { ...baseFiles, ...readTree(join(FIXTURE, "head")) };
  const base = github.commit(baseFiles, { branch: "main" });
  let delivery = 0;
  const measure = async (label, number, action, extra = {}) => {
    const before = github.calls.length;
    const started = performance.now();
    const cpu = process.cpuUsage();
    await probot.receive({ id: `bench-${++delivery}`, name: "pull_request", payload: github.pullRequestPayload(number, action, extra) });
    const cpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
    // the installation token is minted once an hour, not per check
    const calls = github.calls.slice(before).filter((c) => !c.path.endsWith("/access_tokens"));
    const outcome = outcomes[outcomes.length - 1];
    return { label, calls, ms: performance.now() - started, cpuMs, verdict: `${outcome?.status} ${outcome?.conclusion ?? ""}`.trim() };
  };

  const demoHead = github.commit(demoFiles, { parents: [base] });
  github.openPull({ number: 1, base, head: demoHead, headRef: "systemd-nss-bypass" });
  const cold = await measure("cold: the demo PR (systemd), empty caches", 1, "opened");

  const acl = "specs/a/acl/acl.spec";
  const aclHead = github.commit({ ...baseFiles, [acl]: baseFiles[acl].replace("%configure --disable-static", "%configure --disable-static --enable-nls") }, { parents: [base] });
  github.openPull({ number: 2, base, head: aclHead, headRef: "acl-nls" });
  const oneComponent = await measure("warm: one-component PR (hand edit of acl's rendered spec)", 2, "opened");

  const pushed = github.commit({ ...demoFiles, "specs/s/systemd/inittab": `${demoFiles["specs/s/systemd/inittab"]}# local note\n` }, { parents: [demoHead] });
  github.movePullHead(1, pushed);
  const push = await measure("warm: a push to the demo PR (synchronize)", 1, "synchronize", { before: demoHead, after: pushed });

  const lines = [];
  for (const m of [cold, oneComponent, push]) {
    const target = m === cold ? "" : ` (target ≤ ${TARGET}: ${m.calls.length <= TARGET ? "met" : "MISSED"})`;
    lines.push(`${m.label}: ${m.calls.length} API calls${target}, ${m.ms.toFixed(0)} ms wall, ${m.cpuMs.toFixed(0)} ms CPU → ${m.verdict}`);
    if (m === cold) continue;
    const byEndpoint = new Map();
    for (const c of m.calls) byEndpoint.set(endpoint(c), (byEndpoint.get(endpoint(c)) ?? 0) + 1);
    for (const [name, count] of [...byEndpoint].sort()) lines.push(`  ${String(count).padStart(2)} × ${name}`);
  }
  return lines;
}
