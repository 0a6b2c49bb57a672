import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/azldev/index.js";
import { CONFIG_FILE_MAX_CHARS, MAX_COMPONENTS, MAX_OVERLAYS_PER_COMPONENT } from "../../src/azldev/loader.js";
import { memoryRepo } from "../../src/repo/index.js";

describe("configuration size budget", () => {
  it("a comp.toml over the per-file budget is a config error at its include, and the rest loads", async () => {
    const huge = `[components.big]\n${"# padding padding padding padding padding padding\n".repeat(Math.ceil(CONFIG_FILE_MAX_CHARS / 50) + 10)}`;
    const repo = memoryRepo({
      "azldev.toml": 'includes = ["base/comps/*.comp.toml"]\n[project]\ndefault-distro = { name = "azurelinux" }\n[distros.azurelinux]\ndefault-version = "4.0"\n[distros.azurelinux.versions.\'4.0\']\nrelease-ver = "4.0"\n',
      "base/comps/a.comp.toml": "[components.small]\n",
      "base/comps/b.comp.toml": huge,
    });
    const project = await loadProject(repo);
    expect([...project.components.keys()]).toEqual(["small"]);
    const error = project.errors.find((e) => e.message.includes("base/comps/b.comp.toml"));
    expect(error).toMatchObject({ severity: "error", file: "azldev.toml", line: 1 });
    expect(error?.message).toContain("more than the 4,194,304 a configuration file may have");
  });
});

const AZLDEV = 'includes = ["base/comps/*.comp.toml"]\n[project]\ndefault-distro = { name = "azurelinux" }\n[distros.azurelinux]\ndefault-version = "4.0"\n[distros.azurelinux.versions.\'4.0\']\nrelease-ver = "4.0"\n';

describe("limits on what one configuration declares", () => {
  it("components past the limit: one error where it is passed, marked as an incomplete configuration", async () => {
    const many = Array.from({ length: MAX_COMPONENTS + 5 }, (_, i) => `[components.c${i}]`).join("\n");
    const project = await loadProject(memoryRepo({ "azldev.toml": AZLDEV, "base/comps/many.comp.toml": many }));
    expect(project.components.size).toBe(MAX_COMPONENTS);
    const errors = project.errors.filter((e) => e.message.includes("components are declared"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: "base/comps/many.comp.toml", line: MAX_COMPONENTS + 1, incomplete: true });
    expect(errors[0]?.message).toContain(`\`c${MAX_COMPONENTS}\` and every component after it are ignored`);
  });

  it("a component with more overlays than the limit is invalid and keeps only the first ones", async () => {
    const overlays = Array.from({ length: MAX_OVERLAYS_PER_COMPONENT + 1 }, (_, i) => `[[components.x.overlays]]\ntype = "spec-add-tag"\ntag = "Provides"\nvalue = "p${i}"`).join("\n");
    const project = await loadProject(memoryRepo({ "azldev.toml": AZLDEV, "base/comps/x.comp.toml": `[components.x]\n${overlays}\n` }));
    expect(project.components.get("x")?.overlays).toHaveLength(MAX_OVERLAYS_PER_COMPONENT);
    const error = project.errors.find((e) => e.component === "x");
    expect(error).toMatchObject({ severity: "error", file: "base/comps/x.comp.toml", line: 1 });
    expect(error?.message).toContain(`has ${(MAX_OVERLAYS_PER_COMPONENT + 1).toLocaleString("en-US")} overlays`);
  });

  it("a file over the budget leaves the configuration incomplete", async () => {
    const huge = `[components.big]\n${"# padding\n".repeat(Math.ceil(CONFIG_FILE_MAX_CHARS / 10) + 10)}`;
    const project = await loadProject(memoryRepo({ "azldev.toml": AZLDEV, "base/comps/b.comp.toml": huge }));
    expect(project.errors.find((e) => e.message.includes("b.comp.toml"))?.incomplete).toBe(true);
  });
});
