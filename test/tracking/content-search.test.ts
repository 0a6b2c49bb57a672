/**
 * Finding merged content without the API: a pull request squashed into one commit upstream, and a
 * stable backport cherry-picked under a new id, found from a local clone by patch-id. The upstream
 * history is built with the git CLI; the downstream patch is the PR's own format-patch series.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localGitForge, messageIdsOf, parsePatchFile, patchIds, trackPatches } from "../../src/tracking/index.js";
import { HistoryBuilder } from "../nix/upstream-git.js";
import { fixtureInventory } from "./helpers.js";

let root: string;
let series: string;
let squash: string;
let backport: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "specwarden-content-"));
  const h = new HistoryBuilder(join(root, "example", "tool"));
  const base = h.commit("tool 1.0", { "src/net.c": "int connect(void) {\n\treturn 0;\n}\n\nint retries(void) {\n\treturn 1;\n}\n", "src/log.c": "void log_init(void) {\n}\n" });
  h.tag("v1.0");
  // the pull request: three commits on a branch (what the distro packaged as a format-patch series)
  h.git("checkout", "-q", "-b", "pr-42");
  h.commit("net: retry three times", { "src/net.c": "int connect(void) {\n\treturn 0;\n}\n\nint retries(void) {\n\treturn 3;\n}\n" });
  h.commit("log: trace connects", { "src/log.c": "void log_init(void) {\n\ttrace_enable(\"net\");\n}\n" });
  h.commit("net: connect with timeout", { "src/net.c": "int connect(void) {\n\treturn connect_timeout(30);\n}\n\nint retries(void) {\n\treturn 3;\n}\n" });
  series = h.git("format-patch", "--stdout", `${base}..pr-42`);
  // merged as one squash commit on main, released in 1.1 (after a 1.1-rc1)
  h.git("checkout", "-q", "main");
  h.commit("unrelated", { "README": "tool\n" });
  h.tag("v1.1-rc1");
  squash = h.commit("net: retries and timeouts (#42)", {
    "src/net.c": "int connect(void) {\n\treturn connect_timeout(30);\n}\n\nint retries(void) {\n\treturn 3;\n}\n",
    "src/log.c": "void log_init(void) {\n\ttrace_enable(\"net\");\n}\n",
  });
  h.tag("v1.1");
  h.commit("log: make the trace level configurable", { "src/log.c": "void log_init(int level) {\n\ttrace_enable(\"net\");\n}\n" });
  h.tag("v1.2");
  // a patch taken from the mailing list, applied with the maintainer's edits and a new subject; b4 added the Link
  h.commit("log: release the trace buffer on shutdown\n\nLink: https://lore.kernel.org/r/20250301-log-leak-v2-1-dev@example.org\nSigned-off-by: Upstream Dev <dev@upstream.invalid>", {
    "src/log.c": "void log_init(int level) {\n\ttrace_enable(\"net\");\n}\n\nvoid log_exit(void) {\n\ttrace_free();\n}\n",
  });
  h.tag("v1.3");
  // the first commit alone is backported to the 1.0 stable branch with a new id
  h.git("checkout", "-q", "-b", "stable-1.0", "v1.0");
  backport = h.commit("net: retry three times (backport)", { "src/net.c": "int connect(void) {\n\treturn 0;\n}\n\nint retries(void) {\n\treturn 3;\n}\n" });
  h.tag("v1.0.1");
  h.git("checkout", "-q", "main");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function toolPatch(text: string, version: string) {
  const { inv } = await fixtureInventory();
  const patch = inv.patches.find((p) => p.file === "80.patch")!;
  const component = inv.components.find((c) => c.name === patch.component)!;
  component.version = version;
  component.source0 = `https://github.com/example/tool/archive/v${version}/tool-${version}.tar.gz`;
  const commits = [...text.matchAll(/^From ([0-9a-f]{40}) /gm)].map((m) => m[1] as string);
  Object.assign(patch, {
    references: [],
    reference: undefined,
    removalCriteria: [],
    sourcePath: "tool-pr42.patch",
    patchIds: patchIds(text).map((e) => e.id),
    headers: { ...(patch.headers as NonNullable<typeof patch.headers>), commits, cherryPickedFrom: [], hints: [] },
  });
  return { inv: { ...inv, patches: [patch] }, readText: async (p: string) => (p === "tool-pr42.patch" ? text : undefined) };
}

describe("content search in a local clone (no API)", () => {
  it("finds a series squashed into one commit upstream: merged, first released in 1.1 (not the release candidate)", async () => {
    const { inv, readText } = await toolPatch(series, "1.0");
    const [v] = await trackPatches(inv, { forge: localGitForge(root), readText });
    expect(v).toMatchObject({ verdict: "merged-unreleased", rung: "c", dropFrom: "1.1" });
    expect(v!.evidence.some((e) => e.rung === "c" && e.summary.includes(squash.slice(0, 12)) && /whole series/.test(e.summary))).toBe(true);
    // packaged at 1.1 it is released
    const at11 = await toolPatch(series, "1.1");
    const [released] = await trackPatches(at11.inv, { forge: localGitForge(root), readText: at11.readText });
    expect(released).toMatchObject({ verdict: "released", droppable: true });
  });

  it("finds a stable backport under a new commit id by patch-id: first in 1.0.1", async () => {
    const first = series.split(/(?=^From [0-9a-f]{40} )/m)[0] as string;
    const { inv, readText } = await toolPatch(first, "1.0");
    const [v] = await trackPatches(inv, { forge: localGitForge(root), readText });
    expect(v).toMatchObject({ verdict: "merged-unreleased", rung: "c", dropFrom: "1.0.1" });
    expect(v!.evidence.some((e) => e.summary.includes(backport.slice(0, 12)))).toBe(true);
  });

  it("rung e: the commit that names the mailing-list message the patch came from (b4's Link: trailer)", async () => {
    const posted = [
      "From 5555555555555555555555555555555555555555 Mon Sep 17 00:00:00 2001",
      "From: Contributor <c@example.org>",
      "Subject: [PATCH v2] log: plug a leak in log_init",
      "Message-Id: <20250301-log-leak-v2-1-dev@example.org>",
      "",
      "---",
      "--- a/src/log.c",
      "+++ b/src/log.c",
      "@@ -1,3 +1,7 @@",
      " void log_init(int level) {",
      " \ttrace_enable(\"net\");",
      " }",
      "+",
      "+void log_exit(void) {",
      "+\ttrace_release();",
      "+}",
      "",
    ].join("\n");
    expect(parsePatchFile(posted).messages[0]?.messageId).toBe("20250301-log-leak-v2-1-dev@example.org");
    expect(messageIdsOf("Link: https://patch.msgid.link/20250301-log-leak-v2-1-dev%40example.org\n")).toEqual(["20250301-log-leak-v2-1-dev@example.org"]);
    const { inv, readText } = await toolPatch(posted, "1.2");
    inv.patches[0]!.headers = { ...inv.patches[0]!.headers!, subjects: ["log: plug a leak in log_init"], messageIds: ["20250301-log-leak-v2-1-dev@example.org"] };
    const [v] = await trackPatches(inv, { forge: localGitForge(root), readText });
    expect(v).toMatchObject({ verdict: "merged-unreleased", rung: "e", dropFrom: "1.3" });
    expect(v!.evidence.some((e) => e.rung === "e" && /names the mailing-list message the patch came from/.test(e.summary))).toBe(true);
  });

  it("rung e: a commit with the same subject whose content was edited on merge", async () => {
    const edited = [
      "From 4444444444444444444444444444444444444444 Mon Sep 17 00:00:00 2001",
      "From: Distro Maintainer <m@example.org>",
      "Subject: [PATCH] log: make the trace level configurable",
      "",
      "---",
      "--- a/src/log.c",
      "+++ b/src/log.c",
      "@@ -1,3 +1,3 @@",
      "-void log_init(void) {",
      "+void log_init(unsigned level) {",
      " \ttrace_enable(\"net\");",
      " }",
      "",
    ].join("\n");
    const { inv, readText } = await toolPatch(edited, "1.1");
    inv.patches[0]!.headers = { ...inv.patches[0]!.headers!, subjects: ["log: make the trace level configurable"] };
    const [v] = await trackPatches(inv, { forge: localGitForge(root), readText });
    expect(v).toMatchObject({ verdict: "merged-unreleased", rung: "e", dropFrom: "1.2" });
    expect(v!.evidence.some((e) => e.rung === "e" && /edited on merge/.test(e.summary))).toBe(true);
  });
});
