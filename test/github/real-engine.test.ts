/**
 * The app with its default review engine (the real one) on the demo repository: repository policy
 * applied to the engine's findings, an invalid policy, a PR of more than 3,000 files and a
 * repository whose 100,000-entry tree GitHub truncates.
 */
import { describe, expect, it } from "vitest";
import { applyFix } from "../../src/github/apply-fix.js";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { FIX_COMMIT_MESSAGE } from "../../src/github/fix-commit.js";
import { UpstreamError, type UpstreamSource } from "../../src/upstream/types.js";
import { byteLength, CHECK_TEXT_MAX_BYTES, COMMENT_MAX_BYTES } from "../../src/github/markdown.js";
import { DEMO_COMP, DEMO_PATCH, DEMO_SPEC, demoBase, demoHead, lineNumberOf } from "./demo-fixture.js";
import { commentPayload, createHarness } from "./harness.js";
import { markdownProblems } from "./markdown-check.js";

const CONFIG = ".github/specwarden.yml";

async function demoPull(options: { defaultBranch?: Record<string, string>; pullHead?: Record<string, string>; github?: FakeGitHub } = {}) {
  const github = options.github ?? new FakeGitHub();
  const base = github.commit({ ...demoBase(), ...options.defaultBranch }, { branch: "main" });
  const head = github.commit({ ...demoHead(), ...options.defaultBranch, ...options.pullHead }, { parents: [base] });
  github.openPull({ number: 7, base, head, headRef: "systemd-nss-bypass" });
  const harness = await createHarness(undefined, github);
  await harness.deliver("pull_request", github.pullRequestPayload(7, "opened"));
  return { ...harness, base, head };
}

describe("repository policy from the default branch, applied to the engine's findings", () => {
  it("lowers a rule to a warning and waives another with its reason; the PR's own copy of the policy is ignored", async () => {
    const policy = [
      "rules:",
      "  rendered-file-edited: warning",
      "waivers:",
      "  - component: systemd",
      "    rule: vendored-patch-in-rendered-tree",
      '    reason: "moves to base/comps with the 257.11 rebase (#412)"',
      "",
    ].join("\n");
    const { github, outcomes } = await demoPull({
      defaultBranch: { [CONFIG]: policy },
      pullHead: { [CONFIG]: "rules:\n  rendered-file-edited: off\n  vendored-patch-in-rendered-tree: off\n" },
    });
    // read once, without a ref: the default branch
    expect(github.callsTo("GET", `/repos/azl/distro/contents/${CONFIG}`).map((c) => c.query)).toEqual([{}]);
    expect(outcomes[0]!.result!.findings.map((f) => `${f.rule}:${f.level}`).sort()).toEqual([
      "rendered-file-edited:warning",
      "rendered-file-edited:warning",
      "vendored-patch-in-rendered-tree:failure",
    ]);
    const run = github.checkRuns[0]!;
    expect(run).toMatchObject({ status: "completed", conclusion: "success", actions: [] });
    expect(run.output.title).toBe("2 warnings");
    expect(run.annotations.map((a) => [a.path, a.annotation_level])).toEqual([
      [DEMO_SPEC, "warning"],
      [DEMO_SPEC, "warning"],
    ]);
    expect(markdownProblems(run.output.summary!)).toEqual([]);
    expect(run.output.summary).toContain(
      "\n\n### Waived\n\n- waived `vendored-patch-in-rendered-tree` for systemd: moves to base/comps with the 257.11 rebase (#412)",
    );
    // nothing fails, so there is no fix and nothing to suggest; the warnings still get the summary
    expect(github.callsTo("POST", /\/pulls\/7\/reviews$/)).toEqual([]);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain("## ✅ Rendered specs are consistent with their components");
  });

  it("reviews the rendered tree where the policy's rendered-specs-dir puts it", async () => {
    const moved = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([p, c]) => [p.replace(/^specs\//, "rendered/"), c]));
    const github = new FakeGitHub();
    const base = github.commit({ ...moved(demoBase()), [CONFIG]: "rendered-specs-dir: rendered\n" }, { branch: "main" });
    const head = github.commit({ ...moved(demoHead()), [CONFIG]: "rendered-specs-dir: rendered\n" }, { parents: [base] });
    github.openPull({ number: 7, base, head });
    const { deliver } = await createHarness(undefined, github);
    await deliver("pull_request", github.pullRequestPayload(7, "opened"));
    expect(github.checkRuns[0]).toMatchObject({ conclusion: "failure" });
    expect(github.checkRuns[0]!.annotations.map((a) => a.path)).toEqual([
      `rendered/s/systemd/${DEMO_PATCH}`,
      "rendered/s/systemd/systemd.spec",
      "rendered/s/systemd/systemd.spec",
    ]);
    expect(github.reviews[0]!.comments.map((c) => c.path)).toEqual(["rendered/s/systemd/systemd.spec"]);
  });

  it("posts no review when suggestions are turned off, and says nothing about suggestions", async () => {
    const { github } = await demoPull({ defaultBranch: { [CONFIG]: "suggestions: false\n" } });
    expect(github.checkRuns[0]).toMatchObject({ conclusion: "failure" });
    expect(github.checkRuns[0]!.output.title).toBe("3 failures");
    expect(github.calls.filter((c) => c.path.includes("/reviews"))).toEqual([]);
    expect(github.comments[0]!.body).not.toContain("suggestion(s)");
    expect(github.comments[0]!.body).toContain("### Fix (verified by re-rendering)");
  });

  it("ends neutral with file, line and problem for an invalid policy, without reviewing anything", async () => {
    const { github, outcomes } = await demoPull({ defaultBranch: { [CONFIG]: "rules:\n  rendered-file-edited: fatal\n" } });
    expect(outcomes[0]!.status).toBe("invalid-config");
    const completion = github.callsTo("PATCH", /\/check-runs\/\d+$/).map((c) => c.body);
    expect(completion).toEqual([
      {
        status: "completed",
        conclusion: "neutral",
        completed_at: expect.any(String),
        output: {
          title: `Invalid ${CONFIG}`,
          summary:
            '## ⚪ The repository configuration is invalid\n\n`.github/specwarden.yml:2`: rule rendered-file-edited must be one of failure, warning, notice, off, got "fatal"\n\nThe configuration is read from the default branch; fix it there and comment `/specwarden recheck`.',
        },
        actions: [],
      },
    ]);
    expect(github.calls.filter((c) => c.path.includes("/git/") || c.path.includes("/compare/"))).toEqual([]);
    expect(github.comments).toEqual([]);
  });
});

describe("upstream failures", () => {
  it("end the check neutral with the reason when a component needs its upstream and it cannot be read", async () => {
    const requests: string[] = [];
    const unreachable: UpstreamSource = {
      description: "dist-git (unreachable)",
      async fetch(request) {
        requests.push(request.upstreamName);
        // what DistGitUpstream reports when the clone fails
        throw new UpstreamError(
          request.component,
          "unreachable",
          "cannot clone https://src.fedoraproject.org/rpms/systemd.git: fatal: unable to access 'https://src.fedoraproject.org/rpms/systemd.git/': Could not resolve host: src.fedoraproject.org",
        );
      },
    };
    const github = new FakeGitHub();
    const base = github.commit(demoBase(), { branch: "main" });
    // an existing overlay changes: only a full render from the upstream spec can verify the rendered tree
    const comp = (demoBase()[DEMO_COMP] as string).replace('value = "xen-devel"', 'value = "xen-devel-libs"');
    expect(comp).not.toBe(demoBase()[DEMO_COMP]);
    // and the author re-rendered (the rendered spec changed with it): only the upstream can verify that
    const spec = "specs/s/systemd/systemd.spec";
    const rerendered = (demoBase()[spec] as string).replace(/^Version:(\s+)(\S+)$/m, "Version:$1$2.1");
    expect(rerendered).not.toBe(demoBase()[spec]);
    const head = github.commit({ ...demoBase(), [DEMO_COMP]: comp, [spec]: rerendered }, { parents: [base] });
    github.openPull({ number: 7, base, head });
    const { deliver, outcomes } = await createHarness(undefined, github, { upstream: unreachable });
    await deliver("pull_request", github.pullRequestPayload(7, "opened"));

    expect(requests).toContain("systemd");
    expect(outcomes[0]!.result!.components).toEqual([expect.objectContaining({ name: "systemd", status: "unverified" })]);
    const run = github.checkRuns[0]!;
    expect(run).toMatchObject({ status: "completed", conclusion: "neutral" });
    expect(run.output.summary).toMatch(/^## ⚪ specwarden could not verify this pull request\n\n/);
    expect(run.output.summary).toContain("Could not resolve host");
    expect(run.annotations).toEqual([expect.objectContaining({ annotation_level: "notice", title: expect.stringMatching(/^upstream-unavailable: /) })]);
    // the contributor is told, in the one comment
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain("upstream-unavailable");

    // with the notice turned off by policy the check stays neutral, and the comment still says why
    const quiet = new FakeGitHub();
    const quietBase = quiet.commit({ ...demoBase(), [CONFIG]: "rules:\n  upstream-unavailable: off\n" }, { branch: "main" });
    const quietHead = quiet.commit({ ...demoBase(), [CONFIG]: "rules:\n  upstream-unavailable: off\n", [DEMO_COMP]: comp, [spec]: rerendered }, { parents: [quietBase] });
    quiet.openPull({ number: 7, base: quietBase, head: quietHead });
    await (await createHarness(undefined, quiet, { upstream: unreachable })).deliver("pull_request", quiet.pullRequestPayload(7, "opened"));
    expect(quiet.checkRuns[0]).toMatchObject({ conclusion: "neutral", annotations: [] });
    expect(quiet.checkRuns[0]!.output.title).toBe("Not verified");
    expect(quiet.comments).toHaveLength(1);
    expect(quiet.comments[0]!.body).toMatch(/\| systemd \| unverified \| none \| the upstream could not be read: /);
  });
});

describe("/specwarden fix with the real engine", () => {
  it("commits exactly the verified fix to the PR branch, and the pushed head passes", async () => {
    const github = new FakeGitHub();
    github.permissions.set("maintainer", "maintain");
    const { deliver, head, outcomes } = await demoPull({ github });
    const fix = outcomes[0]!.result!.fix!;
    await deliver("issue_comment", commentPayload(github, "/specwarden fix", "maintainer", 7));

    const committed = github.branches.get("systemd-nss-bypass")!;
    expect(github.commits.get(committed)).toMatchObject({ parents: [head], message: FIX_COMMIT_MESSAGE });
    // the commit holds what `git apply` of the offered patch gives, and nothing else
    const expected: Record<string, string> = demoHead();
    for (const [path, content] of await applyFix(fix.patch, async (path) => expected[path])) {
      if (content === null) delete expected[path];
      else expected[path] = typeof content === "string" ? content : new TextDecoder().decode(content);
    }
    expect(github.filesAt(committed)).toEqual(expected);
    expect(expected[DEMO_COMP]).toContain(`type = "patch-add"\nsource = "${DEMO_PATCH}"`);
    expect(github.comments.at(-1)!.body).toBe(`@maintainer the verified fix is committed to this branch as ${committed.slice(0, 7)}; specwarden checks it again now.`);

    // GitHub sends synchronize for the app's own push
    await deliver("pull_request", github.pullRequestPayload(7, "synchronize", { before: head, after: committed }));
    expect(github.checkRuns.find((r) => r.head_sha === committed)).toMatchObject({ conclusion: "success" });
    expect(github.comments.filter((c) => c.body.includes("## ✅ Resolved"))).toHaveLength(1);
  });
});

describe("scale, with the real engine", () => {
  it("handles a PR of more than 3,000 files: the complete change reaches the engine and the output stays within GitHub's limits", { timeout: 240_000 }, async () => {
    const imported: Record<string, string> = {};
    for (let i = 0; i < 3_050; i++) {
      const name = `pkg${String(i).padStart(5, "0")}`;
      imported[`specs/p/${name}/${name}.spec`] = `Name:           ${name}\nVersion:        1.${i}\nRelease:        1%{?dist}\nSummary:        ${name}\nLicense:        MIT\n\n%description\n${name}.\n`;
    }
    const { github, outcomes } = await demoPull({ pullHead: imported });
    const outcome = outcomes[0]!;
    expect(outcome.status).toBe("published");
    // compare lists 300 files, the PR files API 3,000 in 30 pages, the trees the rest
    expect(github.callsTo("GET", /\/compare\//)).toHaveLength(1);
    expect(github.callsTo("GET", "/repos/azl/distro/pulls/7/files")).toHaveLength(30);
    const unexpected = outcome.result!.findings.filter((f) => f.rule === "rendered-file-unexpected");
    expect(unexpected).toHaveLength(3_050);
    expect(unexpected.map((f) => f.path)).toContain("specs/p/pkg03049");
    expect(outcome.result!.findings.filter((f) => f.path.startsWith("specs/s/systemd/"))).toHaveLength(3);
    // the changed files' blobs are read in batches of 100 over GraphQL, not one request each
    const batches = github.callsTo("POST", "/graphql");
    const batchedBlobs = batches.map((c) => (String(c.body.query).match(/object\(oid:/g) ?? []).length);
    expect(batchedBlobs.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3_050);
    expect(Math.max(...batchedBlobs)).toBe(100);
    expect(batches.length).toBeLessThanOrEqual(35);
    expect(github.callsTo("GET", /\/git\/blobs\//).length).toBeLessThan(50);
    // everything the check needs, annotations and comment included
    expect(github.calls.length).toBeLessThan(150);

    const run = github.checkRuns[0]!;
    expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(run.output.title).toBe("3053 failures");
    // 500 annotations in ten requests of 50; the summary lists what it cannot hold
    expect(run.annotations).toHaveLength(500);
    const completions = github.callsTo("PATCH", /\/check-runs\/\d+$/);
    expect(completions.map((c) => c.body.output.annotations.length)).toEqual(Array(10).fill(50));
    expect(byteLength(run.output.summary!)).toBeLessThanOrEqual(CHECK_TEXT_MAX_BYTES);
    expect(run.output.summary).toMatch(/_\d+ more item\(s\) omitted to fit GitHub's size limit/);
    expect(markdownProblems(run.output.summary!)).toEqual([]);
    // the fix deletes 3,050 directories: too big for the comment, which says where to get it
    const sticky = github.comments[0]!.body;
    expect(byteLength(sticky)).toBeLessThanOrEqual(COMMENT_MAX_BYTES);
    expect(markdownProblems(sticky)).toEqual([]);
    expect(sticky).toMatch(/### Fix \((not )?verified[^\n]*\n\nApply from the repository root/);
    expect(sticky).toMatch(/_The patch is (too large for this summary|larger than GitHub allows here)/);
    // the systemd spec sorts after GitHub's 3,000 listed files, so it has no hunks to anchor on
    expect(github.calls.filter((c) => c.method === "POST" && c.path.endsWith("/reviews"))).toEqual([]);
  });

  it("walks only the sub-trees it needs when the 100,000-entry tree comes back truncated", { timeout: 120_000 }, async () => {
    const github = new FakeGitHub();
    const vendored: Record<string, string> = {};
    for (let d = 0; d < 1_000; d++) for (let f = 0; f < 100; f++) vendored[`vendor/d${d}/f${f}.txt`] = `${d}/${f}\n`;
    const { base, outcomes } = await demoPull({ github, defaultBranch: vendored });
    const rootTree = github.commits.get(base)!.tree;
    const vendorTree = github.trees.get(rootTree)!.find((i) => i.name === "vendor")!.sha;
    const vendorDirs = new Set(github.trees.get(vendorTree)!.map((i) => i.sha));

    const trees = github.callsTo("GET", /\/git\/trees\//);
    const recursive = trees.filter((c) => c.query.recursive === "1");
    expect(recursive.slice(0, 1).map((c) => c.path)).toEqual([`/repos/azl/distro/git/trees/${base}`]);
    // nothing below vendor/ is ever listed: a few dozen directories of the 1,000+ in the repository
    expect(trees.filter((c) => vendorDirs.has(c.path.split("/").pop() as string) || c.path.endsWith(vendorTree))).toEqual([]);
    expect(trees.length).toBeLessThan(50);

    expect(outcomes[0]!.status).toBe("published");
    const run = github.checkRuns[0]!;
    expect(run).toMatchObject({ conclusion: "failure" });
    expect(run.annotations.map((a) => [a.path, a.start_line])).toEqual([
      [`specs/s/systemd/${DEMO_PATCH}`, 1],
      [DEMO_SPEC, lineNumberOf(demoHead()[DEMO_SPEC] as string, `Patch:          ${DEMO_PATCH}`) - 3],
      [DEMO_SPEC, lineNumberOf(demoHead()[DEMO_SPEC] as string, "-Dservice-watchdog=5min", { contains: true })],
    ]);
    expect(github.reviews).toHaveLength(1);
  });
});
