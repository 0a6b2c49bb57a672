import { describe, expect, it } from "vitest";
import * as specwarden from "../../src/index.js";

const SPEC = `Name:           zlib-demo
Version:        1.3.1
Release:        %autorelease
Summary:        Compression library
License:        Zlib
Source0:        https://zlib.net/zlib-%{version}.tar.xz
Patch0:         zlib-1.3.1-cve.patch

%description
Library.

%prep
%autosetup -p1

%changelog
%autochangelog
`;

describe("library entry", () => {
  it("exposes the documented contract", () => {
    for (const name of ["parseSpec", "applyOverlays", "loadProject", "openRepo", "rpmvercmp", "patchId", "inventory", "reviewChange", "renderComponent"]) {
      expect(typeof (specwarden as Record<string, unknown>)[name], name).toBe("function");
    }
  });

  it("round-trips a spec and applies overlays with azldev's semantics", () => {
    expect(specwarden.parseSpec(SPEC).toString()).toBe(SPEC);
    const result = specwarden.applyOverlays({ spec: SPEC }, [
      { type: "spec-add-tag", tag: "BuildRequires", value: "gcc" },
      { type: "spec-search-replace", regex: "zlib-1\\.3\\.1-(cve)\\.patch", replacement: "$1-fix.patch" },
    ]);
    expect(result.spec).toContain("BuildRequires: gcc\n");
    // Go RE2 literal replacement: `$1` is not a group reference
    expect(result.spec).toContain("Patch0:         $1-fix.patch\n");
    expect(result.provenance.length).toBe(result.spec.split("\n").length - 1);
  });

  it("reports the failing overlay by index", () => {
    let caught: unknown;
    try {
      specwarden.applyOverlays({ spec: SPEC }, [
        { type: "spec-add-tag", tag: "BuildRequires", value: "gcc" },
        { type: "spec-remove-section", section: "%check" },
      ]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(specwarden.OverlayError);
    expect((caught as InstanceType<typeof specwarden.OverlayError>).index).toBe(1);
  });

  it("compares versions as rpm does and loads a project from memory", async () => {
    expect(specwarden.rpmvercmp("1.0~rc1", "1.0")).toBe(-1);
    expect(specwarden.rpmvercmp("1.0^git1", "1.0")).toBe(1);
    const repo = specwarden.memoryRepo({
      "azldev.toml": 'includes = ["base/comps/*.comp.toml"]\n',
      "base/comps/zlib-demo.comp.toml": '[components.zlib-demo]\nspec = { type = "local", path = "zlib-demo.spec" }\n',
      "base/comps/zlib-demo.spec": SPEC,
    });
    const project = await specwarden.loadProject(repo);
    expect(project.errors).toEqual([]);
    expect(project.components.get("zlib-demo")?.spec.type).toBe("local");
  });

  it("exports the Nix inventory and verdicts like the RPM ones", async () => {
    const repo = specwarden.memoryRepo({
      "pkgs/by-name/on/onedrive/package.nix": '{ stdenv, fetchpatch }:\nstdenv.mkDerivation (finalAttrs: {\n  pname = "onedrive";\n  version = "2.5.4";\n  patches = [\n    # remove when updating to 2.5.4\n    ./fix.patch\n  ];\n})\n',
    });
    const inv = await specwarden.nixInventory(repo);
    expect(inv.packages[0]?.patches[0]?.name).toBe("fix.patch");
    const [verdict] = await specwarden.trackNix(inv);
    expect(verdict).toMatchObject({ verdict: "released", droppable: true, wiring: "nix-patch" });
    expect(specwarden.nixVersionOlder("2.3pre1", "2.3")).toBe(true);
  });
});
