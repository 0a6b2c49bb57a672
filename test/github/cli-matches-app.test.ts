/**
 * `specwarden check --markdown` prints exactly the report the app posts as its sticky comment: the
 * demo pull request (`fixtures/demo/`) as a git repository for the CLI and as a signed webhook to
 * the running app, both reviewed by the real engine.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { FakeGitHub } from "../../src/github/fake-github.js";
import { STICKY_MARKER } from "../../src/github/markdown.js";
import { demoBase, demoHead } from "./demo-fixture.js";
import { signedDelivery, startHttpApp, type HttpApp } from "./harness.js";
import { markdownProblems } from "./markdown-check.js";

let app: HttpApp | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function gitRepo(base: Record<string, string>, head: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "specwarden-cli-app-"));
  dirs.push(dir);
  const g = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: dir });
  const write = (files: Record<string, string>) => {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
  };
  g("init", "-q", "-b", "main");
  write(base);
  g("add", "-A");
  g("commit", "-q", "-m", "base");
  g("checkout", "-q", "-b", "systemd-nss-bypass");
  write(head);
  g("add", "-A");
  g("commit", "-q", "-m", "vendor the NSS bypass patch");
  return dir;
}

async function cliMarkdown(dir: string): Promise<{ code: number; out: string }> {
  let out = "";
  let err = "";
  const io = {
    stdout: (t: string) => void (out += t),
    stderr: (t: string) => void (err += t),
    cwd: dir,
    isTTY: false,
    env: {},
  };
  const code = await main(["check", "--repo", dir, "--base", "main", "--head", "systemd-nss-bypass", "--offline", "--markdown"], io);
  expect(err).toBe("");
  return { code, out };
}

describe("specwarden check --markdown and the app's sticky comment", () => {
  it("are the same report for the demo pull request, apart from the app's marker and footer and the CLI's context line", async () => {
    const github = new FakeGitHub();
    const base = github.commit(demoBase(), { branch: "main" });
    const head = github.commit(demoHead(), { parents: [base] });
    github.openPull({ number: 7, base, head, headRef: "systemd-nss-bypass" });
    app = await startHttpApp(github);
    expect((await app.post(signedDelivery("pull_request", github.pullRequestPayload(7, "opened"), "5d1e0c3a-0001"))).status).toBe(200);
    const sticky = github.comments[0]!.body;
    const footer = /\n\n<sub>specwarden · head [0-9a-f]{7} · [^\n]*<\/sub>$/;
    expect(sticky.startsWith(`${STICKY_MARKER}\n`)).toBe(true);
    expect(sticky).toMatch(footer);
    const posted = sticky.slice(STICKY_MARKER.length + 1).replace(footer, "");

    const { code, out } = await cliMarkdown(gitRepo(demoBase(), demoHead()));
    expect(code).toBe(1);
    const context = /\n\n<sub>main \([0-9a-f]{7}\) → systemd-nss-bypass \([0-9a-f]{7}\)<\/sub>\n$/;
    expect(out).toMatch(context);
    const printed = out.replace(context, "");

    expect(printed).toBe(posted);
    // and it is the whole report: verdict, table, findings, the fix with its notes and the patch
    expect(markdownProblems(printed)).toEqual([]);
    expect(printed).toMatch(/^## ❌ This pull request edits generated output or leaves it stale\n\n3 failures\n\n\| component \| status \| render \| note \|\n/);
    expect(printed).toContain("\n\n### Findings\n\n- ❌ `vendored-patch-in-rendered-tree`");
    expect(printed).toContain("hand-written `Patch:` line in the rendered spec");
    expect(printed).toContain("### Fix (verified by re-rendering)\n\nApply from the repository root with `git apply`.\n\n**Notes:** Fill in where ");
    expect(printed).toContain(`\n\n\`\`\`diff\n${app.outcomes[0]!.result!.fix!.patch}\`\`\``);
  });
});
