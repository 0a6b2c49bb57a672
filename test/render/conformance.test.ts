import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/azldev/index.js";
import type { Project } from "../../src/azldev/types.js";
import { compareRender, renderComponent } from "../../src/render/index.js";
import { openRepo } from "../../src/repo/index.js";
import type { RepoView } from "../../src/repo/types.js";

const corpusRoot = process.env.SPECWARDEN_CORPUS ?? resolve(import.meta.dirname, "../../../shared/corpus");
const sample = join(corpusRoot, "azl4-sample");
const LOCAL_COMPONENTS = ["azurelinux-release", "azurelinux-repos", "azurelinux-stage1-compat"];

describe.skipIf(!existsSync(join(sample, "azldev.toml")))("re-rendering the corpus's local-spec components", () => {
  let repo: RepoView;
  let project: Project;

  beforeAll(async () => {
    repo = await openRepo(sample);
    project = await loadProject(repo);
  });
  afterAll(async () => {
    await repo.close?.();
  });

  for (const name of LOCAL_COMPONENTS) {
    it(`${name}: identical to the committed dir except bookkeeping hunks and stale leftovers`, async () => {
      const render = await renderComponent({ project, repo, name, now: new Date("2026-05-01T00:00:00Z") });
      expect(render.error).toBeUndefined();
      expect(render.status).toBe("ok");
      const comparison = await compareRender(render, repo);
      const content = comparison.files.flatMap((file) =>
        file.status === "differs" ? file.hunks.filter((h) => h.kind === "content").map((h) => ({ path: file.path, lines: h.lines })) : [],
      );
      expect(content).toEqual([]);
      expect(comparison.files.filter((f) => f.status === "missing")).toEqual([]);
      const unexpected = comparison.files.filter((f) => f.status === "unexpected").map((f) => f.path);
      // Older azldev builds copied over existing dirs: files the spec no longer references stayed.
      if (name === "azurelinux-release") expect(unexpected).toEqual(["proc-version-override.service", "proc-version-override.sh"]);
      else expect(unexpected).toEqual([]);
      const differing = comparison.files.filter((f) => f.status === "differs");
      expect(differing.map((f) => f.path)).toEqual([`${name}.spec`]);
      for (const file of differing) {
        if (file.status !== "differs") continue;
        expect(file.hunks.map((h) => h.reason)).toEqual(["release number"]);
      }
    });
  }
});

describe.skipIf(!existsSync(join(sample, "azldev.toml")))("corpus local components with one recorded lock change", () => {
  it("reproduce the committed spec byte for byte (the older build's single synthetic commit)", async () => {
    const { memoryProjectHistory } = await import("../../src/render/index.js");
    const repo = await openRepo(sample);
    const project = await loadProject(repo);
    for (const name of LOCAL_COMPONENTS) {
      const history = memoryProjectHistory({
        [`locks/${name}.lock`]: [
          {
            commit: "0123456789abcdef0123456789abcdef01234567",
            authorName: "Dev",
            authorEmail: "dev@example.com",
            authorTime: 1_777_000_000,
            subject: "Lock components",
            lock: { version: 1, inputFingerprint: "sha256:one" },
          },
        ],
      });
      const render = await renderComponent({ project, repo, name, history });
      expect(render.status).toBe("ok");
      const comparison = await compareRender(render, repo);
      const spec = comparison.files.find((f) => f.path === `${name}.spec`);
      expect(spec?.status).toBe("identical");
    }
  });
});

describe.skipIf(!existsSync(join(sample, "azldev.toml")))("specwarden render --check on the corpus", () => {
  it("passes where only bookkeeping differs and names the component with stale leftovers", async () => {
    const { runRender } = await import("../../src/cli/commands/render.js");
    const io = {
      out: "",
      err: "",
      cwd: sample,
      isTTY: false,
      env: {},
      stdout(t: string) {
        io.out += t;
      },
      stderr(t: string) {
        io.err += t;
      },
    };
    expect(await runRender(["--repo", sample, "--check", "--json", "azurelinux-repos", "azurelinux-stage1-compat"], io)).toBe(0);
    expect(JSON.parse(io.out)).toEqual([
      {
        component: "azurelinux-repos",
        outputDir: join(sample, "specs/a/azurelinux-repos"),
        status: "ok",
        changed: false,
        files: [{ path: "azurelinux-repos.spec", status: "differs", contentHunks: 0, bookkeepingHunks: 1, kind: "bookkeeping" }],
      },
      {
        component: "azurelinux-stage1-compat",
        outputDir: join(sample, "specs/a/azurelinux-stage1-compat"),
        status: "ok",
        changed: false,
        files: [{ path: "azurelinux-stage1-compat.spec", status: "differs", contentHunks: 0, bookkeepingHunks: 1, kind: "bookkeeping" }],
      },
    ]);
    io.out = "";
    io.err = "";
    // the reasons of drift are in the JSON too, not only on stderr
    expect(await runRender(["--repo", sample, "--check", "--json", "azurelinux-release"], io)).toBe(1);
    const [release] = JSON.parse(io.out) as { changed: boolean; reason: string; files: { path: string; status: string }[] }[];
    expect(release?.changed).toBe(true);
    expect(release?.reason).toContain("proc-version-override.service unexpected");
    expect(release?.files).toContainEqual({ path: "proc-version-override.service", status: "unexpected" });
    io.out = "";
    io.err = "";
    expect(await runRender(["--repo", sample, "--check", "azurelinux-release"], io)).toBe(1);
    expect(io.err).toContain("proc-version-override.service unexpected");
    expect(io.err).toContain("rendered output is stale: 1 component(s) differ: azurelinux-release");
  });
});
