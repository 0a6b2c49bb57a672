/**
 * Conformance on the Azure Linux 4.0 sample: the loader must read the real configuration with zero
 * errors, and what it says must agree with the rendered tree azldev produced from it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadProject, renderedDirOf, type Project } from "../../src/azldev/index.js";
import { openRepo } from "../../src/repo/index.js";
import { SAMPLE } from "./helpers.js";

/** Overlay entries counted straight from the text: `[[components.X.overlays]]` headers and `{ type = … }` inline entries. */
function overlayEntriesInText(text: string, name: string): number {
  const headers = text.split("\n").filter((line) => line.trim() === `[[components.${name}.overlays]]`).length;
  const inline = text.split("\n").filter((line) => /^\s*\{\s*type\s*=/.test(line)).length;
  return headers + inline;
}

describe.skipIf(!existsSync(SAMPLE))("azl4-sample configuration", () => {
  let project: Project;
  beforeAll(async () => {
    project = await loadProject(await openRepo(SAMPLE));
  });

  it("loads with zero errors and zero warnings", () => {
    expect(project.errors).toEqual([]);
  });

  it("follows includes in azldev's order", () => {
    expect(project.files.slice(0, 6)).toEqual([
      "azldev.toml",
      "distro/distro.toml",
      "distro/azurelinux.distro.toml",
      "distro/fedora.distro.toml",
      "base/project.toml",
      "base/comps/components.toml",
    ]);
    // distro/stage2.toml is not matched by *.distro.toml
    expect(project.files).not.toContain("distro/stage2.toml");
    expect(project.files).toContain("base/comps/component-check-disablement.toml");
    expect(project.settings.renderedSpecsDir).toBe("specs");
    expect(project.settings.defaultDistro.name).toBe("azurelinux");
    expect(project.distros["azurelinux"]?.defaultVersion).toBe("4.0-stage2");
    expect(project.distros["fedora"]?.versions["rawhide"]?.distGitBranch).toBe("rawhide");
  });

  it("declares every component of the bare list and of every comp file, named by table key", () => {
    const compDir = join(SAMPLE, "base/comps");
    const expected = new Set<string>();
    for (const line of readFileSync(join(compDir, "components.toml"), "utf8").split("\n")) {
      const match = /^\[components\.([^\]]+)\]$/.exec(line.trim());
      if (match) expected.add(match[1] as string);
    }
    for (const dir of readdirSync(compDir, { withFileTypes: true })) {
      if (!dir.isDirectory()) continue;
      for (const file of readdirSync(join(compDir, dir.name))) {
        if (!file.endsWith(".comp.toml")) continue;
        const match = /^\[components\.([^\].]+)\]$/m.exec(readFileSync(join(compDir, dir.name, file), "utf8"));
        if (match) expected.add(match[1] as string);
      }
    }
    expect([...project.components.keys()].sort()).toEqual([...expected].sort());
  });

  it("gives every component the rendered directory azldev wrote", () => {
    for (const name of project.components.keys()) {
      expect(existsSync(join(SAMPLE, renderedDirOf(project, name))), name).toBe(true);
    }
  });

  it("knows the three local-spec components and that everything else is upstream", () => {
    const local = [...project.components.values()].filter((c) => c.spec.type === "local").map((c) => c.name);
    expect(local.sort()).toEqual(["azurelinux-release", "azurelinux-repos", "azurelinux-stage1-compat"]);
    for (const name of local) {
      expect(project.components.get(name)?.spec.path).toBe(`base/comps/${name}/${name}.spec`);
    }
    for (const config of project.components.values()) {
      if (config.spec.type !== "local") expect(config.spec.type, config.name).toBe("upstream");
    }
  });

  it("inherits fedora 43 and the snapshot from the 4.0-stage2 distro default", () => {
    const acl = project.components.get("acl");
    expect(acl?.spec).toEqual({
      type: "upstream",
      upstreamDistro: { name: "fedora", version: "43", snapshot: "2026-02-24T00:00:00-08:00" },
    });
  });

  it("pins bash and libseccomp to rawhide while keeping the inherited snapshot", () => {
    for (const name of ["bash", "libseccomp"]) {
      expect(project.components.get(name)?.spec.upstreamDistro).toEqual({ name: "fedora", version: "rawhide", snapshot: "2026-02-24T00:00:00-08:00" });
    }
  });

  it("renames azurelinux-rpm-config from redhat-rpm-config and keeps its inline overlay array in order", () => {
    const config = project.components.get("azurelinux-rpm-config");
    expect(config?.spec.upstreamName).toBe("redhat-rpm-config");
    expect(config?.spec.upstreamDistro?.version).toBe("43");
    expect(config?.overlays.every((o) => o.via === "inline-array")).toBe(true);
    expect(config?.overlays[0]).toMatchObject({ type: "spec-set-tag", tag: "Name", value: "azurelinux-rpm-config" });
    const add = config?.overlays.find((o) => o.type === "file-add");
    expect(add).toMatchObject({ file: "dist.sh", source: "base/comps/azurelinux-rpm-config/dist.sh" });
    expect(add?.origin.file).toBe("base/comps/azurelinux-rpm-config/azurelinux-rpm-config.comp.toml");
  });

  it("counts the overlays of every comp file as written", () => {
    const compDir = join(SAMPLE, "base/comps");
    let checked = 0;
    for (const config of project.components.values()) {
      const file = join(compDir, config.name, `${config.name}.comp.toml`);
      if (!existsSync(file)) {
        expect(config.overlays, config.name).toEqual([]);
        continue;
      }
      expect(config.overlays.length, config.name).toBe(overlayEntriesInText(readFileSync(file, "utf8"), config.name));
      checked++;
    }
    expect(checked).toBeGreaterThan(25);
  });

  it("points each overlay at its comp.toml line", () => {
    const chrony = project.components.get("chrony");
    const text = readFileSync(join(SAMPLE, "base/comps/chrony/chrony.comp.toml"), "utf8").split("\n");
    for (const overlay of chrony?.overlays ?? []) {
      expect(text[overlay.origin.line - 1]).toBe("[[components.chrony.overlays]]");
    }
    expect(chrony?.overlays.map((o) => o.origin.line)).toEqual([3, 9, 15]);
  });

  it("points every component and overlay of the sample at the line that declares it", () => {
    const lines = new Map<string, string[]>();
    const lineOf = (file: string, line: number) => {
      if (!lines.has(file)) lines.set(file, readFileSync(join(SAMPLE, file), "utf8").split("\n"));
      return (lines.get(file) as string[])[line - 1] ?? "";
    };
    for (const config of project.components.values()) {
      const at = config.declaredAt;
      expect(at, config.name).toBeDefined();
      expect(lineOf(at!.file, at!.line).slice(at!.column - 1), config.name).toMatch(new RegExp(`^\\[components\\.${config.name.replace(/[.+]/g, "\\$&")}\\]`));
      for (const overlay of config.overlays) {
        const text = lineOf(overlay.origin.file, overlay.origin.line).slice(overlay.origin.column - 1);
        if (overlay.via === "inline") expect(text, config.name).toBe(`[[components.${config.name}.overlays]]`);
        else expect(text, config.name).toMatch(/^\{ type = "/);
      }
    }
  });

  it("reads release.calculation = manual for kernel-headers and defaults the others to auto", () => {
    expect(project.components.get("kernel-headers")?.release.calculation).toBe("manual");
    expect(project.components.get("acl")?.release.calculation).toBe("auto");
  });

  it("reads source-files", () => {
    const entries = project.components.get("kernel-headers")?.sourceFiles ?? [];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ filename: "kernel-6.18.5.1.tar.gz", hashType: "SHA512", origin: { type: "download" }, replaceUpstream: false });
  });

  it("reads build with / without / defines and check skip the way azldev rendered them", () => {
    expect(project.components.get("kernel-headers")?.build.defines).toEqual({ azurelinux_version: "3", kextraversion: "1" });
    expect(project.components.get("azurelinux-repos")?.build.with).toEqual(["split_repos"]);
    expect(project.components.get("dnf5")?.build.without).toEqual(["plugin_rhsm"]);
    expect(project.components.get("opencv")?.build.without).toEqual(["openni"]);

    // Cross-check against the rendered tree: the generated macros file and the %check prepend.
    for (const config of project.components.values()) {
      const macros: Record<string, string> = {};
      for (const w of config.build.with) macros[`_with_${w}`] = "1";
      for (const w of config.build.without) macros[`_without_${w}`] = "1";
      Object.assign(macros, config.build.defines);
      for (const u of config.build.undefines) delete macros[u];
      const dir = join(SAMPLE, renderedDirOf(project, config.name));
      const macrosFile = join(dir, `${config.name}.azl.macros`);
      if (Object.keys(macros).length === 0) {
        expect(existsSync(macrosFile), config.name).toBe(false);
      } else {
        const lines = readFileSync(macrosFile, "utf8").split("\n").filter((l) => l.startsWith("%"));
        const expected = Object.keys(macros)
          .sort()
          .map((k) => `%${k} ${macros[k]}`);
        expect(lines, config.name).toEqual(expected);
      }
      if (config.build.check.skip) {
        const spec = readFileSync(join(dir, `${config.name}.spec`), "utf8");
        expect(spec, config.name).toContain(`# Check section disabled: ${config.build.check.skipReason}\nexit 0\n`);
      }
    }
  });

  it("applies the check-skip group to its members only", () => {
    for (const name of ["bats", "glib2"]) {
      const config = project.components.get(name);
      expect(config?.groups).toEqual(["check-skip-initial-failures"]);
      expect(config?.build.check).toEqual({ skip: true, skipReason: "Disabling checks for initial set of failures." });
    }
    expect(project.components.get("curl")?.build.check.skip).toBe(false);
    expect(project.groups["check-skip-initial-failures"]?.components).toEqual(["bats", "glib2"]);
  });

  it("gives every component a fingerprint, distinct across components", () => {
    const prints = new Set([...project.components.values()].map((c) => c.fingerprint));
    expect(prints.size).toBe(project.components.size);
  });
});
