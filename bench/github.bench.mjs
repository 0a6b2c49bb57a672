// GitHub API calls per check for a one-component PR (the demo shape: a vendored patch and a
// hand-written Patch line in specs/s/systemd/), against the in-memory GitHub. The first PR warms
// the process (installation token, app identity, base tree and blobs); the second PR on the same
// base is the one measured. Target: ≤ 15 calls per check with a warm cache.
import { generateKeyPairSync } from "node:crypto";
import { Probot, ProbotOctokit } from "probot";
import { createCaches, specwardenApp } from "../dist/github/index.js";
import { FakeGitHub } from "../dist/github/fake-github.js";

const TARGET = 15;

const SPEC = `# Do not edit manually; changes may be overwritten.
Name:           systemd
Version:        257.10
Release:        %autorelease
Summary:        System and Service Manager
Source0:        https://github.com/systemd/systemd/archive/v%{version}/%{name}-%{version}.tar.gz
# https://github.com/systemd/systemd/pull/30846
Patch0001:      30846.patch

%description
System and Service Manager.

%prep
%autosetup -p1
`;

function baseFiles() {
  const files = {
    "azldev.toml": "[project]\nrendered-specs-dir = \"specs\"\n",
    "base/comps/systemd/systemd.comp.toml": "[components.systemd]\n",
    "specs/s/systemd/systemd.spec": SPEC,
    "specs/s/systemd/30846.patch": "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
  };
  for (let i = 0; i < 2_000; i++) files[`specs/p/pkg${i}/pkg${i}.spec`] = `Name: pkg${i}\n`;
  return files;
}

function headFiles(patchName) {
  return {
    ...baseFiles(),
    "specs/s/systemd/systemd.spec": SPEC.replace("Patch0001:      30846.patch\n", `Patch0001:      30846.patch\nPatch0100:      ${patchName}\n`),
    [`specs/s/systemd/${patchName}`]: "--- a/src/core/watchdog.c\n+++ b/src/core/watchdog.c\n@@ -1 +1 @@\n-a\n+b\n",
  };
}

// Reads what a one-component review reads: the comp.toml and the changed rendered files, both sides.
async function review({ base, head, changedPaths }) {
  const findings = [];
  await head.readText("base/comps/systemd/systemd.comp.toml");
  for (const path of changedPaths) {
    const [before, after] = await Promise.all([base.readText(path), head.readText(path)]);
    if (path.endsWith(".spec") && before !== after) {
      const line = after.split("\n").findIndex((l) => l.startsWith("Patch0100:")) + 1;
      findings.push({ rule: "rendered-file-edited", level: "failure", path, line, component: "systemd", message: "hand-written Patch line", suggestion: { startLine: line, endLine: line, replacement: [] } });
    } else if (before === undefined) {
      findings.push({ rule: "vendored-patch-in-rendered-tree", level: "failure", path, component: "systemd", message: "vendored patch in the rendered tree" });
    }
  }
  return { verdict: "failure", components: [{ name: "systemd", status: "drift", method: "incremental" }], findings, fix: { patch: "--- a/x\n+++ b/x\n", verified: true } };
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
  await probot.load(specwardenApp({ review, tracking: false, caches: createCaches() }));

  const base = github.commit(baseFiles(), { branch: "main" });
  const measure = async (number, patchName) => {
    const head = github.commit(headFiles(patchName), { parents: [base] });
    github.openPull({ number, base, head });
    const before = github.calls.length;
    const started = performance.now();
    await probot.receive({ id: `bench-${number}`, name: "pull_request", payload: github.pullRequestPayload(number, "opened") });
    const calls = github.calls.slice(before);
    return { calls, ms: performance.now() - started };
  };

  const cold = await measure(1, "0001-first.patch");
  const warm = await measure(2, "0002-second.patch");
  const byEndpoint = new Map();
  for (const c of warm.calls) {
    const key = `${c.method} ${c.path.replace(/^\/repos\/[^/]+\/[^/]+/, "").replace(/[0-9a-f]{40}(\.\.\.[0-9a-f]{40})?/g, "{sha}").replace(/\/\d+(\/|$)/g, "/{n}$1")}`;
    byEndpoint.set(key, (byEndpoint.get(key) ?? 0) + 1);
  }
  const lines = [
    `cold check (first PR, empty caches): ${cold.calls.length} API calls, ${cold.ms.toFixed(0)} ms`,
    `warm check (one-component PR): ${warm.calls.length} API calls, ${warm.ms.toFixed(0)} ms (target ≤ ${TARGET}: ${warm.calls.length <= TARGET ? "met" : "MISSED"})`,
  ];
  for (const [endpoint, count] of [...byEndpoint].sort()) lines.push(`  ${String(count).padStart(2)} × ${endpoint}`);
  return lines;
}
