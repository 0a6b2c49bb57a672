import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/azldev/index.js";
import { CONFIG_FILE_MAX_CHARS } from "../../src/azldev/loader.js";
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
