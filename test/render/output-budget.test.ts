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
