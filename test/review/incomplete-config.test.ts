import { describe, expect, it } from "vitest";
import { CONFIG_FILE_MAX_CHARS } from "../../src/azldev/loader.js";
import { baseFiles, review, withEdits } from "./repo-fixture.js";

const COMP = "base/comps/systemd/systemd.comp.toml";

describe("a configuration that is not read in full", () => {
  it("a component whose comp.toml is over the budget is not taken as removed: no fix deletes its rendered dir", async () => {
    const base = baseFiles();
    const padding = "# padding padding padding padding padding padding padding\n".repeat(Math.ceil(CONFIG_FILE_MAX_CHARS / 58) + 10);
    const head = withEdits(base, { [COMP]: `${base[COMP]}${padding}` });
    const result = await review(base, head);
    expect(result.verdict).toBe("failure");
    expect(result.components.find((c) => c.name === "systemd")).toMatchObject({ status: "failed", reason: "its configuration does not load" });
    expect(result.findings.map((f) => f.rule)).toContain("config-invalid");
    expect(result.findings.map((f) => f.rule)).not.toContain("rendered-file-unexpected");
    expect(result.fix).toBeUndefined();
  });
});
