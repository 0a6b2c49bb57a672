import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/azldev/index.js";
import { renderComponent } from "../../src/render/index.js";
import { MAX_RENDERED_FILES } from "../../src/render/render-component.js";
import { memoryRepo } from "../../src/repo/index.js";

describe("rendered output per component is bounded", () => {
  it("a component whose render would keep more files than the limit fails with the reason, not a huge write", async () => {
    const count = MAX_RENDERED_FILES + 1;
    const files: Record<string, string> = {
      "azldev.toml": 'includes = ["base/comps/**/*.comp.toml"]\n[project]\nrendered-specs-dir = "specs"\n',
      "base/comps/many/many.comp.toml": '[components.many]\nspec = { type = "local", path = "many.spec" }\n',
    };
    const sources = Array.from({ length: count }, (_, i) => `Source${i}: f${i}.txt`).join("\n");
    files["base/comps/many/many.spec"] = `Name: many\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n${sources}\n%description\nd\n`;
    for (let i = 0; i < count; i++) files[`base/comps/many/f${i}.txt`] = "x\n";
    const repo = memoryRepo(files);
    const project = await loadProject(repo);
    const render = await renderComponent({ project, repo, name: "many" });
    expect(render.status).toBe("error");
    expect(render.error).toMatch(/over the limit of 20000 files/);
    expect(render.failure?.stage).toBe("budget");
  }, 60_000);
});

describe("a render run's total output is bounded", () => {
  it("components that would pass the run's limit are not written and say so", async () => {
    const { mkdtempSync, existsSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { writeRenders } = await import("../../src/render/index.js");
    const out = mkdtempSync(join(tmpdir(), "specwarden-total-"));
    try {
      const render = (component: string) => ({ component, outputDir: `specs/${component[0]}/${component}`, status: "ok" as const, files: new Map([[`${component}.spec`, new Uint8Array(600)]]) });
      const rows = await writeRenders([render("aaa"), render("bbb")], { outDir: out, displayOutDir: out, maxTotalBytes: 1000 });
      expect(rows.map((r) => r.status)).toEqual(["ok", "error"]);
      expect(rows[1]?.error).toMatch(/limit of 1000 bytes/);
      expect(existsSync(join(out, "a/aaa/aaa.spec"))).toBe(true);
      expect(existsSync(join(out, "b/bbb"))).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
