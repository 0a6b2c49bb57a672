/**
 * Config files with the same text are decoded once and shared between loads (the base and the head
 * of a change). Sharing must never leak: a project is independent of every other load, and a file
 * whose text changed is decoded anew.
 */
import { describe, expect, it } from "vitest";
import { BASE_FILES, load } from "./fixture.js";

const GROUPED: Record<string, string> = {
  ...BASE_FILES,
  "base/comps/groups.toml": `[component-groups.check-skip]
components = ["curl", "jq"]

[component-groups.check-skip.default-component-config.build]
without = ["tests"]
check = { skip = true, skip_reason = "needs network" }
`,
  "base/comps/components.toml": `includes = ["**/*.comp.toml", "groups.toml"]

[components.curl]
[components.jq]
`,
};

function snapshot(project: Awaited<ReturnType<typeof load>>): string {
  return JSON.stringify({ components: [...project.components.values()], groups: project.groups, errors: project.errors });
}

describe("config files shared between loads", () => {
  it("gives independent projects: changing one load's arrays does not show in the next", async () => {
    const first = await load(GROUPED);
    const expected = snapshot(first);
    const group = first.groups["check-skip"];
    expect(group?.components).toEqual(["curl", "jq"]);
    group?.components.push("dnf5");
    for (const config of first.components.values()) {
      config.build.without.push("docs");
      for (const overlay of config.overlays) overlay.lines?.push("%{_bindir}/injected");
    }
    const second = await load(GROUPED);
    expect(snapshot(second)).toBe(expected);
    expect(second.groups["check-skip"]?.components).toEqual(["curl", "jq"]);
    expect(second.components.get("curl")?.build.without).toEqual(["tests"]);
  });

  it("decodes a file again when its text changed, with positions of the new text", async () => {
    const before = await load(GROUPED);
    expect(before.components.get("dnf5")?.overlays[0]?.origin.line).toBe(6);
    const dnf5 = GROUPED["base/comps/dnf5/dnf5.comp.toml"] as string;
    const after = await load({ ...GROUPED, "base/comps/dnf5/dnf5.comp.toml": `# moved down by a comment\n\n${dnf5}` });
    expect(after.components.get("dnf5")?.overlays[0]?.origin.line).toBe(8);
    expect(after.components.get("dnf5")?.fingerprint).toBe(before.components.get("dnf5")?.fingerprint);
    // the unchanged files still load as before
    expect(after.components.get("curl")).toEqual(before.components.get("curl"));
  });

  it("reports an invalid file in every load, at its own path", async () => {
    const broken = { ...GROUPED, "base/comps/jq/jq.comp.toml": "[components.jq\n" };
    for (let i = 0; i < 2; i++) {
      const project = await load(broken);
      expect(project.errors.map((e) => `${e.file}:${e.line}`)).toContain("base/comps/jq/jq.comp.toml:1");
    }
  });
});
