/**
 * The app as deployed — Probot's HTTP middleware verifying signed webhooks, the default (real) review
 * engine — against an in-memory GitHub holding the review engine's demo repository
 * (`fixtures/demo/`). Every API call and every body the app sends is asserted.
 */
import { structuredPatch } from "diff";
import { afterEach, describe, expect, it } from "vitest";
import { applyFix } from "../../src/github/apply-fix.js";
import { FakeGitHub, type RecordedCall } from "../../src/github/fake-github.js";
import { parseRightHunks } from "../../src/github/diff-hunks.js";
import { STICKY_MARKER } from "../../src/github/markdown.js";
import { DEMO_COMP, DEMO_PATCH, DEMO_SPEC, demoBase, demoHead, lineNumberOf } from "./demo-fixture.js";
import { signedDelivery, startHttpApp, type HttpApp } from "./harness.js";
import { markdownProblems } from "./markdown-check.js";

const RENDERED_PATCH = `specs/s/systemd/${DEMO_PATCH}`;
let app: HttpApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** "GET /git/trees/{sha}": the call without the repository prefix, SHAs and ids. */
function shape(call: RecordedCall): string {
  const path = call.path
    .replace(/^\/repos\/azl\/distro/, "")
    .replace(/[0-9a-f]{40}\.\.\.[0-9a-f]{40}/, "{base}...{head}")
    .replace(/[0-9a-f]{40}/g, "{sha}")
    .replace(/\/(check-runs|comments)\/\d+$/, "/$1/{id}");
  return `${call.method} ${path}${call.query.recursive ? "?recursive=1" : ""}`;
}

async function demoPull() {
  const github = new FakeGitHub();
  const base = github.commit(demoBase(), { branch: "main" });
  const head = github.commit(demoHead(), { parents: [base] });
  github.openPull({ number: 7, base, head, headRef: "systemd-nss-bypass" });
  app = await startHttpApp(github);
  return { github, base, head, app };
}

const headSpec = () => demoHead()[DEMO_SPEC] as string;
const patchLine = () => lineNumberOf(headSpec(), `Patch:          ${DEMO_PATCH}`);
const watchdogLine = () => lineNumberOf(headSpec(), "-Dservice-watchdog=5min", { contains: true });

describe("the demo PR as a signed webhook to the running app, reviewed by the real engine", () => {
  it("fails the check with annotations on the spec lines, posts one sticky comment and a review whose suggestions anchor in the diff hunks", async () => {
    const { github, base, head, app } = await demoPull();
    const response = await app.post(signedDelivery("pull_request", github.pullRequestPayload(7, "opened"), "8f0c6a2e-0001"));
    expect(response.status).toBe(200);
    expect(app.outcomes.map((o) => o.status)).toEqual(["published"]);

    // the exact conversation with GitHub: reads of the two trees and the blobs in the middle
    const shapes = github.calls.map(shape);
    const reads = shapes.slice(6, shapes.indexOf("GET /pulls/7"));
    expect([...shapes.slice(0, 6), ...shapes.slice(6 + reads.length)]).toEqual([
      "GET /app",
      "POST /app/installations/77/access_tokens",
      "GET /commits/{sha}/check-runs",
      "POST /check-runs",
      "GET /contents/.github/specwarden.yml",
      "GET /compare/{base}...{head}",
      "GET /pulls/7",
      "GET /pulls/7/reviews",
      "GET /pulls/7/comments",
      "POST /pulls/7/reviews",
      "GET /issues/7/comments",
      "POST /issues/7/comments",
      "PATCH /check-runs/{id}",
    ]);
    expect(github.calls[5]!.path).toBe(`/repos/azl/distro/compare/${base}...${head}`);
    // one recursive tree per side (neither is truncated), then blobs by SHA, each read once, and only
    // of the configuration and the affected component: nothing of acl or libfido2
    expect(reads.filter((r) => r.startsWith("GET /git/trees/"))).toEqual(["GET /git/trees/{sha}?recursive=1", "GET /git/trees/{sha}?recursive=1"]);
    const blobCalls = github.calls.filter((c) => c.path.includes("/git/blobs/"));
    expect(reads.length).toBe(2 + blobCalls.length);
    const blobShas = blobCalls.map((c) => c.path.split("/").pop() as string);
    expect(new Set(blobShas).size).toBe(blobShas.length);
    const pathsBySha = new Map<string, string[]>();
    for (const commit of [base, head]) {
      for (const [path, e] of github.flatten(github.commits.get(commit)!.tree)) pathsBySha.set(e.sha, [...(pathsBySha.get(e.sha) ?? []), path]);
    }
    const blobPaths = new Set(blobShas.flatMap((sha) => pathsBySha.get(sha) ?? [`unknown blob ${sha}`]));
    expect(blobPaths).toContain(DEMO_SPEC);
    expect(blobPaths).toContain(RENDERED_PATCH);
    // the project's configuration is read whole (every comp.toml); rendered files only of systemd
    expect([...blobPaths].filter((p) => !p.startsWith("specs/s/systemd/") && !/^(base|distro)\/.*\.toml$|^azldev\.toml$/.test(p))).toEqual([]);
    expect(github.calls.filter((c) => c.accept?.includes("diff"))).toEqual([]);

    // the check run: created in progress at once, keyed by PR number and head
    expect(github.callsTo("POST", "/repos/azl/distro/check-runs").map((c) => c.body)).toEqual([
      {
        name: "specwarden",
        head_sha: head,
        external_id: `pr:7:${head}`,
        status: "in_progress",
        started_at: expect.any(String),
        output: { title: "Checking rendered specs", summary: "specwarden is reviewing this pull request." },
      },
    ]);
    const start = patchLine() - 3;
    const completion = github.callsTo("PATCH", /\/check-runs\/\d+$/)[0]!.body;
    expect(completion).toEqual({
      status: "completed",
      conclusion: "failure",
      completed_at: expect.any(String),
      output: {
        title: "3 failures",
        summary: expect.any(String),
        text: expect.any(String),
        annotations: [
          {
            path: RENDERED_PATCH,
            start_line: 1,
            end_line: 1,
            annotation_level: "failure",
            title: `vendored-patch-in-rendered-tree: ${RENDERED_PATCH}`,
            message: expect.stringContaining(`${DEMO_PATCH} was added to the rendered tree by hand`),
          },
          {
            path: DEMO_SPEC,
            start_line: start,
            end_line: patchLine(),
            annotation_level: "failure",
            title: `rendered-file-edited: ${DEMO_SPEC}:${start}-${patchLine()}`,
            message: expect.stringContaining("hand-written `Patch:` line in the rendered spec"),
          },
          {
            path: DEMO_SPEC,
            start_line: watchdogLine(),
            end_line: watchdogLine(),
            annotation_level: "failure",
            title: `rendered-file-edited: ${DEMO_SPEC}:${watchdogLine()}`,
            message: expect.stringContaining("`-Dservice-watchdog=3min`"),
          },
        ],
      },
      actions: [{ label: "Apply fix", description: "Commit the verified fix to this branch", identifier: "apply-fix" }],
    });
    const fix = app.outcomes[0]!.result!.fix!;
    expect(fix.verified).toBe(true);

    // the summary: verdict, table and findings as separate Markdown blocks; engine code spans intact
    const summary: string = completion.output.summary;
    expect(markdownProblems(summary)).toEqual([]);
    expect(summary).toMatch(
      /^## ❌ This pull request edits generated output or leaves it stale\n\n1 suggestion\(s\) were posted as a review on the changed lines\.\n\n3 failures\n\n\| component \| status \| render \| note \|\n\|---\|---\|---\|---\|\n\| systemd \| drift \| /,
    );
    expect(summary).toContain(
      `\n\n### Findings\n\n- ❌ \`vendored-patch-in-rendered-tree\` **specs/s/systemd/0001-core-set-SYSTEMD\\_NSS\\_DYNAMIC\\_BYPASS-1-for-generators.patch** — `,
    );
    expect(summary).toContain(`\n- ❌ \`rendered-file-edited\` **${DEMO_SPEC}:${start}-${patchLine()}** — hand-written \`Patch:\` line in the rendered spec`);
    expect(summary).toContain("(the comps produce `-Dservice-watchdog=3min`)");
    expect(summary).not.toContain("```diff");
    // the check run's text is the fix, whole
    const text: string = completion.output.text;
    expect(markdownProblems(text)).toEqual([]);
    expect(text.startsWith("### Fix (verified by re-rendering)\n\nApply from the repository root with `git apply`")).toBe(true);
    expect(text).toContain(`\n\n\`\`\`diff\n${fix.patch}\`\`\``);

    // one review on the head, its only suggestion deleting the hand-written Patch line and its comment
    expect(github.callsTo("POST", "/repos/azl/distro/pulls/7/reviews").map((c) => c.body)).toEqual([
      {
        commit_id: head,
        event: "COMMENT",
        body: "specwarden has 1 suggestion(s) for the changed lines. The check run and the summary comment have the full report and the complete fix.",
        comments: [
          {
            path: DEMO_SPEC,
            start_line: start,
            start_side: "RIGHT",
            line: patchLine(),
            side: "RIGHT",
            body: expect.stringMatching(/^\*\*rendered-file-edited\*\* — hand-written `Patch:` line in the rendered spec[^\n]*\n\n```suggestion\n```$/),
          },
        ],
      },
    ]);
    // every suggestion lies inside one hunk of the PR's diff, computed here independently
    const hunks = parseRightHunks(
      structuredPatch(DEMO_SPEC, DEMO_SPEC, demoBase()[DEMO_SPEC] as string, headSpec(), "", "", { context: 3 })
        .hunks.map((h) => `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`)
        .join("\n"),
    );
    for (const c of github.reviews[0]!.comments) expect(hunks.some((h) => c.start_line >= h.start && c.line <= h.end)).toBe(true);

    // one sticky comment: marker first, the same report with the whole fix, the head it describes
    const posted = github.callsTo("POST", "/repos/azl/distro/issues/7/comments").map((c) => c.body.body as string);
    expect(posted).toHaveLength(1);
    const sticky = posted[0]!;
    expect(sticky.startsWith(`${STICKY_MARKER}\n## ❌ This pull request edits generated output or leaves it stale\n\n`)).toBe(true);
    expect(markdownProblems(sticky)).toEqual([]);
    expect(sticky).toContain(summary.slice(summary.indexOf("### Findings")));
    expect(sticky).toContain(`### Fix (verified by re-rendering)\n\nApply from the repository root`);
    expect(sticky).toContain(`\n\n\`\`\`diff\n${fix.patch}\`\`\``);
    expect(
      sticky.endsWith(
        `\n\n<sub>specwarden · head ${head.slice(0, 7)} · 1 suggestion(s) posted as a review on the changed lines · comment \`/specwarden fix\` to have the fix committed to this branch · comment \`/specwarden recheck\` to run again</sub>`,
      ),
    ).toBe(true);
    expect(github.comments).toEqual([expect.objectContaining({ issue: 7, body: sticky, user: { login: "specwarden[bot]", type: "Bot" } })]);
  });

  it("changes nothing when the webhook is redelivered, or the PR reopened", async () => {
    const { github, app } = await demoPull();
    const delivery = signedDelivery("pull_request", github.pullRequestPayload(7, "opened"), "8f0c6a2e-0002");
    await app.post(delivery);
    const before = github.calls.length;
    const writes = github.writes.length;
    expect((await app.post(delivery)).status).toBe(200);
    expect((await app.post(signedDelivery("pull_request", github.pullRequestPayload(7, "reopened"), "8f0c6a2e-0003"))).status).toBe(200);
    // both deliveries join the job of this head, finished a moment ago: not one call to GitHub
    expect(github.calls.slice(before).map(shape)).toEqual([]);
    expect(github.writes).toHaveLength(writes);
    expect(app.outcomes.map((o) => o.status)).toEqual(["published"]);
    expect([github.checkRuns.length, github.comments.length, github.reviews.length]).toEqual([1, 1, 1]);
  });

  it("flips the check to success and the sticky comment to resolved when the offered fix is pushed", async () => {
    const { github, head, app } = await demoPull();
    await app.post(signedDelivery("pull_request", github.pullRequestPayload(7, "opened"), "8f0c6a2e-0004"));
    const sticky = github.comments[0]!;
    const fix = app.outcomes[0]!.result!.fix!;

    // the contributor applies the patch from the summary with `git apply` and pushes
    const fixedTree: Record<string, string> = demoHead();
    for (const [path, content] of await applyFix(fix.patch, async (path) => fixedTree[path])) {
      if (content === null) delete fixedTree[path];
      else fixedTree[path] = typeof content === "string" ? content : new TextDecoder().decode(content);
    }
    // the patch moves to base/comps with a patch-add overlay, whose render keeps its copy in specs/
    expect(fixedTree[`base/comps/systemd/${DEMO_PATCH}`]).toBe(demoHead()[RENDERED_PATCH]);
    expect(fixedTree[DEMO_COMP]).toContain(`type = "patch-add"\nsource = "${DEMO_PATCH}"`);
    const fixed = github.commit(fixedTree, { parents: [head] });
    github.movePullHead(7, fixed);
    const before = github.calls.length;
    await app.post(signedDelivery("pull_request", github.pullRequestPayload(7, "synchronize", { before: head, after: fixed }), "8f0c6a2e-0005"));

    const writes = github.calls.slice(before).filter((c) => c.method !== "GET");
    expect(writes.map(shape)).toEqual(["POST /check-runs", "PATCH /issues/comments/{id}", "PATCH /check-runs/{id}"]);
    expect(writes[0]!.body).toMatchObject({ head_sha: fixed, external_id: `pr:7:${fixed}`, status: "in_progress" });
    // the same comment, now resolved; the downstream patch's metadata is still worth a look
    const metadataLine = lineNumberOf(fixedTree[DEMO_COMP] as string, "# metadata = ", { contains: true });
    expect(writes[1]!.path).toBe(`/repos/azl/distro/issues/comments/${sticky.id}`);
    const resolved: string = writes[1]!.body.body;
    expect(resolved).toMatch(
      new RegExp(
        `^${STICKY_MARKER}\\n## ✅ Resolved\\n\\nEvery specwarden failure on this pull request is fixed as of ${fixed.slice(0, 7)}\\.\\n\\n1 finding\\(s\\) remain that do not fail the check:\\n\\n- ⚠️ \`patch-metadata-missing\` \\*\\*base/comps/systemd/systemd\\.comp\\.toml:\\d+\\*\\* — `,
      ),
    );
    expect(markdownProblems(resolved)).toEqual([]);
    expect(writes[2]!.body).toEqual({
      status: "completed",
      conclusion: "success",
      completed_at: expect.any(String),
      output: {
        title: "1 warning",
        summary: expect.stringMatching(/^## ✅ Rendered specs are consistent with their components\n\n1 warning\n\n\| component \|/),
        annotations: [expect.objectContaining({ path: DEMO_COMP, annotation_level: "warning", title: expect.stringMatching(/^patch-metadata-missing: base\/comps\/systemd\/systemd\.comp\.toml:\d+$/) })],
      },
      actions: [],
    });
    expect(writes[2]!.body.output.annotations[0].start_line).toBeLessThanOrEqual(metadataLine);
    expect(github.checkRuns.map((r) => [r.head_sha, r.conclusion])).toEqual([
      [head, "failure"],
      [fixed, "success"],
    ]);
    expect(github.comments).toHaveLength(1);
    expect(github.reviews).toHaveLength(1);

    // the maintainer fills in the metadata: nothing at all is left, and the note says just that
    fixedTree[DEMO_COMP] = (fixedTree[DEMO_COMP] as string).replace(
      /# metadata = \{[^\n]*\}/,
      'metadata = { category = "azl-temp-workaround", upstream-status = "upstreamable", bugs = ["https://github.com/systemd/systemd/issues/39911"] }',
    );
    const documented = github.commit(fixedTree, { parents: [fixed] });
    github.movePullHead(7, documented);
    await app.post(signedDelivery("pull_request", github.pullRequestPayload(7, "synchronize", { before: fixed, after: documented }), "8f0c6a2e-0006"));
    expect(github.checkRuns.find((r) => r.head_sha === documented)).toMatchObject({ conclusion: "success", output: expect.objectContaining({ title: "No problems found" }), annotations: [] });
    expect(github.comments).toEqual([
      expect.objectContaining({ id: sticky.id, body: `${STICKY_MARKER}\n## ✅ Resolved\n\nEvery specwarden failure on this pull request is fixed as of ${documented.slice(0, 7)}.` }),
    ]);
  });

  it("does not repeat its suggestions on a push that leaves the suggested lines alone", async () => {
    const { github, head, app } = await demoPull();
    await app.post(signedDelivery("pull_request", github.pullRequestPayload(7, "opened"), "8f0c6a2e-0007"));
    const pushed = github.commit({ ...demoHead(), "docs/systemd-nss.md": "Why generators bypass nss-systemd.\n" }, { parents: [head] });
    github.movePullHead(7, pushed);
    const before = github.calls.length;
    await app.post(signedDelivery("pull_request", github.pullRequestPayload(7, "synchronize", { before: head, after: pushed }), "8f0c6a2e-0008"));

    const calls = github.calls.slice(before);
    // GitHub still shows the suggestion of the first review on the new head: no second review
    expect(calls.map(shape).filter((c) => c.includes("/pulls/7/"))).toEqual(["GET /pulls/7/reviews", "GET /pulls/7/comments"]);
    expect(calls.filter((c) => c.method !== "GET").map(shape)).toEqual(["POST /check-runs", "PATCH /issues/comments/{id}", "PATCH /check-runs/{id}"]);
    expect(github.reviews).toHaveLength(1);
    expect(app.outcomes[1]).toMatchObject({ status: "published", conclusion: "failure", review: "unchanged" });
    // the summary still points at it, and names the new head
    expect(github.comments[0]!.body).toContain("· 1 suggestion(s) posted as a review on the changed lines ·");
    expect(github.comments[0]!.body).toContain(`head ${pushed.slice(0, 7)}`);
  });
});
