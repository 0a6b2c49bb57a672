import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/azldev/index.js";
import { memoryRepo } from "../../src/repo/index.js";
import { BASE_FILES } from "./fixture.js";

function nested(prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(BASE_FILES).map(([path, text]) => [`${prefix}/${path}`, text]));
}

describe("azldev.toml discovery", () => {
  it("walks up from the start directory to the nearest azldev.toml", async () => {
    const project = await loadProject(memoryRepo(BASE_FILES), { root: "base/comps/dnf5" });
    expect(project.errors).toEqual([]);
    expect(project.root).toBe("");
    expect(project.components.size).toBe(3);
  });

  it("resolves every path against a project that lives in a subdirectory", async () => {
    const project = await loadProject(memoryRepo({ ...nested("distro-repo"), "README.md": "not a project\n" }), { root: "distro-repo/base" });
    expect(project.errors).toEqual([]);
    expect(project.root).toBe("distro-repo");
    expect(project.files[0]).toBe("distro-repo/azldev.toml");
    expect(project.settings.renderedSpecsDir).toBe("distro-repo/specs");
    expect(project.settings.lockDir).toBe("distro-repo/locks");
    expect(project.components.get("dnf5")?.configDir).toBe("distro-repo/base/comps/dnf5");
    expect(project.components.get("dnf5")?.overlays[0]?.origin.file).toBe("distro-repo/base/comps/dnf5/dnf5.comp.toml");
  });

  it("does not look below the start directory", async () => {
    const project = await loadProject(memoryRepo(nested("distro-repo")));
    expect(project.errors.map((e) => e.message)).toEqual(["no azldev.toml found in the repository root or any parent directory"]);
  });

  it("treats a start directory that does not exist like any other", async () => {
    const project = await loadProject(memoryRepo(BASE_FILES), { root: "no/such/dir" });
    expect(project.errors).toEqual([]);
    expect(project.root).toBe("");
  });
});
