/**
 * overlay-files (AZLDEV.md §1.7): ordering, file-level metadata, validation, placement after inline
 * overlays, and pattern resolution against the concrete component's config directory.
 */
import { describe, expect, it } from "vitest";
import { errorLines, load } from "./fixture.js";

const META_BACKPORT = `[metadata]
category = "upstream-backport"
upstream-status = "upstreamed"
commits = [{ url = "https://src.fedoraproject.org/rpms/foo/c/62dfe8f" }]
`;
const META_PRUNING = `[metadata]
category = "azl-pruning"
upstream-status = "inapplicable"
`;

function overlayFile(meta: string, body: string): string {
  return `${meta}\n${body}`;
}

const FOO_FILES = {
  "base/comps/foo/foo.comp.toml": `[components.foo]
overlay-files = ["overlays/*.overlay.toml", "extra/**/*.overlay.toml"]

[[components.foo.overlays]]
description = "inline first"
type = "spec-add-tag"
tag = "Provides"
value = "inline"
`,
  "base/comps/foo/overlays/0002-vendor.overlay.toml": overlayFile(
    META_PRUNING,
    `[[overlays]]
description = "Drop the docs subpackage"
type = "spec-remove-subpackage"
package = "doc"

[[overlays]]
type = "file-add"
file = "vendor.conf"
source = "files/vendor.conf"
`,
  ),
  "base/comps/foo/overlays/0001-backport.overlay.toml": overlayFile(
    META_BACKPORT,
    `[[overlays]]
description = "Backport the CVE fix"
type = "patch-add"
source = "../patches/cve.patch"
`,
  ),
  "base/comps/foo/overlays/files/vendor.conf": "vendor=azl\n",
  "base/comps/foo/patches/cve.patch": "--- a/x\n+++ b/x\n",
  // same base name in two directories: tie broken by full path; 0001 sorts before 0003 everywhere
  "base/comps/foo/extra/b/0003-tests.overlay.toml": overlayFile(META_PRUNING, `[[overlays]]\ntype = "spec-remove-section"\nsection = "%check"\n`),
  "base/comps/foo/extra/a/0003-tests.overlay.toml": overlayFile(META_PRUNING, `[[overlays]]\ntype = "spec-remove-section"\nsection = "%check"\npackage = "a"\n`),
};

describe("overlay-files", () => {
  it("loads overlay files in pattern order, each pattern's matches by base name then full path, after inline overlays", async () => {
    const project = await load(FOO_FILES);
    expect(project.errors).toEqual([]);
    const foo = project.components.get("foo");
    expect(foo?.overlays.map((o) => [o.via, o.origin.file, o.origin.line])).toEqual([
      ["inline", "base/comps/foo/foo.comp.toml", 4],
      ["file", "base/comps/foo/overlays/0001-backport.overlay.toml", 6],
      ["file", "base/comps/foo/overlays/0002-vendor.overlay.toml", 5],
      ["file", "base/comps/foo/overlays/0002-vendor.overlay.toml", 10],
      ["file", "base/comps/foo/extra/a/0003-tests.overlay.toml", 5],
      ["file", "base/comps/foo/extra/b/0003-tests.overlay.toml", 5],
    ]);
    // sources resolve against the overlay file's directory
    expect(foo?.overlays[1]?.source).toBe("base/comps/foo/patches/cve.patch");
    expect(foo?.overlays[3]?.source).toBe("base/comps/foo/overlays/files/vendor.conf");
  });

  it("stamps the file's metadata on each of its overlays as independent copies", async () => {
    const project = await load(FOO_FILES);
    const foo = project.components.get("foo");
    expect(foo?.overlays[0]?.metadata).toBeUndefined();
    expect(foo?.overlays[1]?.metadata).toEqual({
      category: "upstream-backport",
      "upstream-status": "upstreamed",
      commits: ["https://src.fedoraproject.org/rpms/foo/c/62dfe8f"],
    });
    expect(foo?.overlays[2]?.metadata).toEqual({ category: "azl-pruning", "upstream-status": "inapplicable" });
    expect(foo?.overlays[2]?.metadata).not.toBe(foo?.overlays[3]?.metadata);
  });

  it("uses a file matched by two patterns once, at its first position", async () => {
    const project = await load({
      ...FOO_FILES,
      "base/comps/foo/foo.comp.toml": `[components.foo]\noverlay-files = ["overlays/0002-vendor.overlay.toml", "overlays/*.overlay.toml"]\n`,
    });
    expect(project.errors).toEqual([]);
    expect(project.components.get("foo")?.overlays.map((o) => o.origin.file)).toEqual([
      "base/comps/foo/overlays/0002-vendor.overlay.toml",
      "base/comps/foo/overlays/0002-vendor.overlay.toml",
      "base/comps/foo/overlays/0001-backport.overlay.toml",
    ]);
  });

  it("reports a literal path that matches nothing, ignores a glob that matches nothing, and keeps loading later patterns", async () => {
    const project = await load({
      ...FOO_FILES,
      "base/comps/foo/foo.comp.toml": `[components.foo]
overlay-files = ["overlays/0009-missing.overlay.toml", "nothing/*.toml", "overlays/0001-backport.overlay.toml"]
`,
    });
    expect(errorLines(project)).toEqual([
      "base/comps/foo/foo.comp.toml:2:1: overlay-files pattern 'overlays/0009-missing.overlay.toml' matched no files (resolved against base/comps/foo)",
    ]);
    expect(project.errors[0]?.component).toBe("foo");
    expect(project.components.get("foo")?.overlays).toHaveLength(1);
  });

  it("rejects per-overlay metadata, empty files, missing or invalid metadata, and invalid overlays", async () => {
    const project = await load({
      "base/comps/foo/foo.comp.toml": `[components.foo]\noverlay-files = ["overlays/*.toml"]\n`,
      "base/comps/foo/overlays/a-own-metadata.toml": overlayFile(
        META_PRUNING,
        `[[overlays]]\ntype = "spec-remove-section"\nsection = "%check"\nmetadata = { category = "azl-pruning", upstream-status = "unknown" }\n`,
      ),
      "base/comps/foo/overlays/b-empty.toml": META_PRUNING,
      "base/comps/foo/overlays/c-no-metadata.toml": `[[overlays]]\ntype = "spec-remove-section"\nsection = "%check"\n`,
      "base/comps/foo/overlays/d-bad-metadata.toml": overlayFile(
        `[metadata]\ncategory = "azl-whatever"\nupstream-status = "unknown"\n`,
        `[[overlays]]\ntype = "spec-remove-section"\nsection = "%check"\n`,
      ),
      "base/comps/foo/overlays/e-bad-overlay.toml": overlayFile(META_PRUNING, `[[overlays]]\ntype = "spec-set-tag"\ntag = "Release"\n`),
    });
    expect(errorLines(project)).toEqual([
      "base/comps/foo/overlays/a-own-metadata.toml:8:1: an overlay inside an overlay file may not carry its own `metadata`; the file's [metadata] applies to every overlay",
      "base/comps/foo/overlays/b-empty.toml:1:1: overlay file 'base/comps/foo/overlays/b-empty.toml' declares no overlays",
      "base/comps/foo/overlays/c-no-metadata.toml:1:1: overlay file 'base/comps/foo/overlays/c-no-metadata.toml' has no [metadata] table; exactly one is required",
      expect.stringMatching(/^base\/comps\/foo\/overlays\/d-bad-metadata\.toml:1:1: invalid overlay metadata: unknown overlay category `azl-whatever`/),
      "base/comps/foo/overlays/e-bad-overlay.toml:5:1: invalid overlay 1 in overlay file 'base/comps/foo/overlays/e-bad-overlay.toml': overlay type `spec-set-tag` requires `value` field: (no description)",
    ]);
  });

  it("resolves an inherited pattern against the concrete component's config directory; [] disables it", async () => {
    const project = await load({
      "base/comps/components.toml": `includes = ["**/*.comp.toml", "groups.toml"]
[components.curl]
[components.jq]
`,
      "base/comps/groups.toml": `[component-groups.with-overlay-dirs]
components = ["foo", "bar", "curl"]

[component-groups.with-overlay-dirs.default-component-config]
overlay-files = ["overlays/*.overlay.toml"]
`,
      "base/comps/foo/foo.comp.toml": `[components.foo]\n`,
      "base/comps/foo/overlays/0001.overlay.toml": overlayFile(META_PRUNING, `[[overlays]]\ntype = "spec-remove-section"\nsection = "%check"\n`),
      "base/comps/bar/bar.comp.toml": `[components.bar]\noverlay-files = []\n`,
      "base/comps/bar/overlays/0001.overlay.toml": overlayFile(META_PRUNING, `[[overlays]]\ntype = "spec-remove-section"\nsection = "%check"\n`),
    });
    expect(project.errors).toEqual([]);
    expect(project.components.get("foo")?.overlays.map((o) => o.origin.file)).toEqual(["base/comps/foo/overlays/0001.overlay.toml"]);
    expect(project.components.get("bar")?.overlays).toEqual([]);
    // curl is declared in components.toml: its config dir is base/comps, with no overlays/ there
    expect(project.components.get("curl")?.overlays).toEqual([]);
  });

  it("parses each overlay file once even when many components share it", async () => {
    const files: Record<string, string> = {
      "base/comps/components.toml": `includes = ["groups.toml"]\n${Array.from({ length: 20 }, (_, i) => `[components.c${i}]`).join("\n")}\n`,
      "base/comps/groups.toml": `[default-component-config]\noverlay-files = ["shared/*.overlay.toml"]\n`,
      "base/comps/shared/0001.overlay.toml": overlayFile(META_PRUNING, `[[overlays]]\ntype = "spec-remove-section"\nsection = "%check"\n`),
    };
    const { mapRepo } = await import("./helpers.js");
    const { BASE_FILES } = await import("./fixture.js");
    const { loadProject } = await import("../../src/azldev/index.js");
    const repo = mapRepo({ ...BASE_FILES, ...files });
    const project = await loadProject(repo);
    expect(project.errors).toEqual([]);
    expect(project.components.get("c7")?.overlays).toHaveLength(1);
    expect(repo.reads.filter((p) => p === "base/comps/shared/0001.overlay.toml")).toHaveLength(1);
  });
});
