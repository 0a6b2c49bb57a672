/**
 * Bad input: each problem is reported at file:line:column with a clear message, the loader never
 * throws, and one bad file neither stops the others from loading nor hides their errors.
 */
import { describe, expect, it } from "vitest";
import { errorLines, load } from "./fixture.js";

describe("malformed TOML", () => {
  it("reports the decoder's position and keeps loading the other files", async () => {
    const project = await load({
      "base/comps/broken/broken.comp.toml": `[components.broken]

[[components.broken.overlays]]
type = "spec-add-tag"
tag = "Provides
value = "x"
`,
    });
    expect(errorLines(project)).toEqual([expect.stringMatching(/^base\/comps\/broken\/broken\.comp\.toml:5:\d+: invalid TOML: /)]);
    expect(project.components.has("broken")).toBe(false);
    expect([...project.components.keys()]).toEqual(["curl", "dnf5", "jq"]);
  });

  it("reports every bad file, not only the first", async () => {
    const project = await load({
      "base/comps/a/a.comp.toml": "[components.a\n",
      "base/comps/b/b.comp.toml": "[components.b]\nspec = = { type = \"upstream\" }\n",
      "base/comps/c/c.comp.toml": "[components.c]\nspecc = { type = \"upstream\" }\n",
    });
    const lines = errorLines(project);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^base\/comps\/a\/a\.comp\.toml:1:\d+: invalid TOML/);
    expect(lines[1]).toMatch(/^base\/comps\/b\/b\.comp\.toml:2:\d+: invalid TOML/);
    expect(lines[2]).toBe("base/comps/c/c.comp.toml:2:1: unknown key `specc` in component `c` (allowed: spec, release, overlays, overlay-files, build, render, source-files, packages, publish, tests, default-package-config)");
    expect(project.components.has("c")).toBe(true);
  });

  it("survives a binary file with a TOML name", async () => {
    const project = await load({ "base/comps/bin/bin.comp.toml": "\u0000\u0001\u00ff[[[" });
    expect(errorLines(project)).toEqual([expect.stringMatching(/^base\/comps\/bin\/bin\.comp\.toml:1:\d+: invalid TOML/)]);
  });
});

describe("includes", () => {
  it("reports a cycle at the include entry that closes it", async () => {
    const project = await load({
      "base/project.toml": `includes = ["comps/components.toml", "extra/a.toml"]

[project]
default-distro = { name = "azurelinux" }
rendered-specs-dir = '../specs'
`,
      "base/extra/a.toml": `includes = ["b.toml"]
[components.from-a]
`,
      "base/extra/b.toml": `# includes its includer
includes = ["a.toml"]
`,
    });
    expect(errorLines(project)).toEqual([
      "base/extra/b.toml:2:13: circular include detected: 'base/extra/a.toml' is included by a file that it transitively includes (first included at base/project.toml:1:38)",
    ]);
    expect(project.components.has("from-a")).toBe(true);
  });

  it("reports a missing literal include with the pattern and the including file, and ignores an empty glob", async () => {
    const project = await load({
      "base/project.toml": `includes = ["comps/components.toml", "images/*.toml", "packages/packages.toml"]

[project]
default-distro = { name = "azurelinux" }
rendered-specs-dir = '../specs'
`,
    });
    expect(errorLines(project)).toEqual([
      "base/project.toml:1:55: include file 'packages/packages.toml' referenced in config file 'base/project.toml' was not found",
    ]);
    expect(project.components.size).toBe(3);
  });

  it("refuses an include that leaves the repository, and a symlinked include", async () => {
    const project = await load(
      {
        "distro/distro.toml": `includes = ["*.distro.toml", "../../outside.toml", "linked.toml"]\n`,
      },
      { "distro/linked.toml": "/etc/passwd" },
    );
    expect(errorLines(project)).toEqual([
      "distro/distro.toml:1:30: include pattern `../../outside.toml` escapes the repository (resolves outside it from distro)",
      "distro/distro.toml:1:52: include pattern 'linked.toml' names a symlink (distro/linked.toml); symlinks are not followed",
    ]);
  });

  it("reports an invalid include glob", async () => {
    const project = await load({ "distro/distro.toml": `includes = ["*.distro.toml", "[broken"]\n` });
    expect(errorLines(project)).toEqual([expect.stringContaining("distro/distro.toml:1:30: include pattern '[broken': invalid glob pattern")]);
  });
});

describe("components", () => {
  it("reports the same component declared in two files at the second declaration", async () => {
    const project = await load({
      "base/comps/curl/curl.comp.toml": `[components.curl]
spec = { type = "upstream", upstream-name = "curl-minimal" }
`,
    });
    expect(errorLines(project)).toEqual([
      "base/comps/curl/curl.comp.toml:1:1: duplicate component: curl (also declared at base/comps/components.toml:4:1)",
    ]);
    expect(project.errors[0]?.component).toBe("curl");
    // the first declaration is kept
    expect(project.components.get("curl")?.declaredAt?.file).toBe("base/comps/components.toml");
  });

  it("ignores, with an error, a component whose name is not a safe file name", async () => {
    const project = await load({
      "base/comps/evil/evil.comp.toml": `[components."../../etc"]\n\n[components."two words"]\n\n[components.ok]\n`,
    });
    expect(errorLines(project)).toEqual([
      'base/comps/evil/evil.comp.toml:1:1: component name "../../etc" is not a safe file name (contains a path separator); the component is ignored',
      'base/comps/evil/evil.comp.toml:3:1: component name "two words" is not a safe file name (contains whitespace or NUL); the component is ignored',
    ]);
    expect([...project.components.keys()]).toEqual(["curl", "dnf5", "jq", "ok"]);
  });

  it("reports a group member that is not a declared component", async () => {
    const project = await load({
      "base/comps/groups.comp.toml": `[component-groups.check-skip]
components = ["curl", "nope"]

[component-groups.check-skip.default-component-config.build]
check = { skip = true, skip_reason = "flaky" }
`,
    });
    expect(errorLines(project)).toEqual([
      "base/comps/groups.comp.toml:2:23: component group `check-skip` has an undefined component reference: nope",
    ]);
  });
});

describe("overlays", () => {
  const comp = (body: string) => ({ "base/comps/x/x.comp.toml": `[components.x]\n\n${body}` });

  it("reports an unknown overlay type with its number and description", async () => {
    const project = await load(comp(`[[components.x.overlays]]\ndescription = "Frob it"\ntype = "spec-frobnicate"\n`));
    expect(errorLines(project)).toEqual([
      expect.stringMatching(/^base\/comps\/x\/x\.comp\.toml:3:1: invalid overlay 1 for component `x`: unknown overlay type `spec-frobnicate`: `Frob it` \(known types: spec-add-tag, /),
    ]);
    expect(project.errors[0]?.component).toBe("x");
  });

  it("reports a missing required field", async () => {
    const project = await load(
      comp(`[[components.x.overlays]]
type = "spec-add-tag"
tag = "Provides"
value = "ok"

[[components.x.overlays]]
description = "Add a requirement"
type = "spec-add-tag"
tag = "Requires"
`),
    );
    expect(errorLines(project)).toEqual([
      "base/comps/x/x.comp.toml:8:1: invalid overlay 2 for component `x`: overlay type `spec-add-tag` requires `value` field: Add a requirement",
    ]);
  });

  it("reports the other per-type rules", async () => {
    const project = await load(
      comp(`overlays = [
  { type = "spec-remove-subpackage", package = "devel", section = "%files" },
  { type = "spec-append-lines", package = "devel", lines = ["x"] },
  { type = "file-rename", file = "a.patch", replacement = "sub/b.patch" },
  { type = "patch-remove", file = "[invalid" },
  { type = "file-remove", file = "/etc/x" },
  { type = "spec-add-tag", tag = "T", value = "v", archive = "src.tar.gz" },
]
`),
    );
    expect(errorLines(project)).toEqual([
      "base/comps/x/x.comp.toml:4:3: invalid overlay 1 for component `x`: overlay type `spec-remove-subpackage` does not accept `section` field: (no description)",
      "base/comps/x/x.comp.toml:5:3: invalid overlay 2 for component `x`: overlay type `spec-append-lines` requires `section` field when `package` is set: (no description)",
      "base/comps/x/x.comp.toml:6:3: invalid overlay 3 for component `x`: overlay type `file-rename` requires `replacement` to be a filename only (not a path); found `sub/b.patch`",
      'base/comps/x/x.comp.toml:7:3: invalid overlay 4 for component `x`: invalid glob pattern `[invalid` in overlay "(no description)"',
      "base/comps/x/x.comp.toml:8:3: invalid overlay 5 for component `x`: overlay type `file-remove` requires `file` to be a relative path; found `/etc/x`",
      "base/comps/x/x.comp.toml:9:3: invalid overlay 6 for component `x`: overlay type `spec-add-tag` does not accept `archive` field: (no description)",
    ]);
  });

  it("checks archive-scoped overlays: allowed types, known archive names, and a file inside the archive", async () => {
    const project = await load(
      comp(`overlays = [
  { type = "file-search-replace", archive = "kernel-6.18.5.1.tar.gz", file = "Makefile", regex = "^EXTRAVERSION =.*", replacement = "EXTRAVERSION = .1" },
  { type = "file-remove", archive = "kernel.zip", file = "docs/*" },
  { type = "file-remove", archive = "kernel.tar.xz" },
]
`),
    );
    expect(errorLines(project)).toEqual([
      expect.stringMatching(/^base\/comps\/x\/x\.comp\.toml:5:3: invalid overlay 2 for component `x`: overlay type `file-remove` requires `archive` to be a recognized archive name .*found `kernel\.zip`/),
      expect.stringMatching(/^base\/comps\/x\/x\.comp\.toml:6:3: invalid overlay 3 for component `x`: overlay type `file-remove` requires `file`/),
    ]);
  });

  it("rejects a regex RE2 cannot compile, naming the pattern", async () => {
    const project = await load(comp(`[[components.x.overlays]]\ntype = "spec-search-replace"\nregex = '(?<=Requires:)\\s+foo('\nreplacement = "bar"\n`));
    expect(errorLines(project)).toEqual([
      expect.stringMatching(/^base\/comps\/x\/x\.comp\.toml:3:1: invalid overlay 1 for component `x`: invalid regex `\(\?<=Requires:\)\\s\+foo\(` in overlay "\(no description\)": error parsing regexp: invalid named capture/),
    ]);
  });

  it("accepts RE2-only syntax such as (?m)^ and (?P<name>…)", async () => {
    const project = await load(
      comp(`[[components.x.overlays]]
description = "Disable udev rule that sets default io scheduler to bfq"
type = "file-search-replace"
file = "60-block-scheduler.rules"
regex = "(?m)^"
replacement = "#"

[[components.x.overlays]]
type = "spec-search-replace"
regex = '^(?P<tag>BuildRequires):\\s+setup >= 2\\.15\\.0-3$'
replacement = "BuildRequires:  setup >= 2.15.0-1"
`),
    );
    expect(project.errors).toEqual([]);
    expect(project.components.get("x")?.overlays.map((o) => o.regex)).toEqual(["(?m)^", "^(?P<tag>BuildRequires):\\s+setup >= 2\\.15\\.0-3$"]);
  });

  it("refuses ../ traversal in source and file", async () => {
    const project = await load(
      comp(`[[components.x.overlays]]
type = "file-add"
file = "ok.conf"
source = "../../../../etc/passwd"

[[components.x.overlays]]
type = "file-add"
file = "../../escape.conf"
source = "x.conf"
`),
    );
    expect(errorLines(project)).toEqual([
      "base/comps/x/x.comp.toml:6:1: overlay `source` `../../../../etc/passwd` escapes the repository (resolves outside it from base/comps/x)",
      "base/comps/x/x.comp.toml:8:1: invalid overlay 2 for component `x`: overlay type `file-add` requires `file` to stay inside the component directory; found `../../escape.conf`",
      "base/comps/x/x.comp.toml:8:1: warning: overlay source 'base/comps/x/x.conf' of component `x` does not exist; rendering will fail",
    ]);
  });

  it("rejects unknown keys in overlays and wrong value types", async () => {
    const project = await load(comp(`[[components.x.overlays]]\ntype = "spec-search-replace"\nregexp = "foo"\nregex = "foo"\nlines = "not a list"\n`));
    expect(errorLines(project)).toEqual([
      expect.stringMatching(/^base\/comps\/x\/x\.comp\.toml:5:1: unknown key `regexp` in an overlay \(allowed: type, /),
      "base/comps/x/x.comp.toml:7:1: `lines` must be an array of strings, found the string \"not a list\"",
    ]);
  });

  it("validates inline overlay metadata", async () => {
    const project = await load(
      comp(`[[components.x.overlays]]
type = "spec-add-tag"
tag = "Provides"
value = "x"
metadata = { category = "upstream-backport", upstream-status = "upstreamed" }

[[components.x.overlays]]
type = "spec-add-tag"
tag = "Provides"
value = "y"
metadata = { category = "azl-pruning", upstream-status = "someday" }

[[components.x.overlays]]
type = "spec-add-tag"
tag = "Provides"
value = "z"
metadata = { category = "upstream-backport", upstream-status = "upstreamed", commits = [{ url = "https://src.fedoraproject.org/rpms/x/c/62dfe8f" }] }
`),
    );
    expect(errorLines(project)).toEqual([
      "base/comps/x/x.comp.toml:7:1: invalid overlay metadata: overlay category `upstream-backport` requires at least one entry in 'commits'",
      "base/comps/x/x.comp.toml:13:1: invalid overlay metadata: unknown overlay upstream-status `someday` (known: upstreamed, upstreamable, needs-upstream-hook, inapplicable, unknown)",
    ]);
    expect(project.components.get("x")?.overlays[2]?.metadata).toEqual({
      category: "upstream-backport",
      "upstream-status": "upstreamed",
      commits: ["https://src.fedoraproject.org/rpms/x/c/62dfe8f"],
    });
  });

  it("refuses ../ traversal in an inherited overlay's file, which azldev's per-type rules never see", async () => {
    const project = await load({
      "base/comps/components.toml": `includes = ["**/*.comp.toml"]
[components.curl]

[default-component-config]
overlays = [{ type = "file-remove", file = "../../../etc/hosts" }]
`,
    });
    expect(errorLines(project)).toEqual(["base/comps/components.toml:5:37: overlay `file` `../../../etc/hosts` must stay inside the component directory"]);
  });

  it("does not apply component rules to overlays inherited from a default, like azldev", async () => {
    const project = await load({
      "base/comps/components.toml": `includes = ["**/*.comp.toml"]
[components.curl]
[components.jq]

[default-component-config]
overlays = [{ type = "spec-add-tag", tag = "Vendor" }]
`,
    });
    expect(project.errors).toEqual([]);
    expect(project.components.get("curl")?.overlays[0]).toMatchObject({ type: "spec-add-tag", via: "default" });
  });
});

describe("robustness", () => {
  const odd: Record<string, string> = {
    "components is an array of tables": "[[components]]\nname = \"x\"\n",
    "component is a scalar": "components.x = 5\n",
    "overlays is a table": "[components.x.overlays]\ntype = \"spec-add-tag\"\n",
    "overlay entries are scalars": "[components.x]\noverlays = [1, \"two\", [3]]\n",
    "spec is a string": "[components.x]\nspec = \"upstream\"\n",
    "distro ref is a string": "[components.x]\nspec = { type = \"upstream\", upstream-distro = \"fedora\" }\n",
    "snapshot is a date-time": "[components.x]\nspec = { type = \"upstream\", upstream-distro = { name = \"fedora\", snapshot = 2026-01-01T00:00:00Z } }\n",
    "includes is a string": "includes = \"*.toml\"\n",
    "includes has a number": "includes = [5]\n",
    "defines hold a table": "[components.x.build]\ndefines = { a = { b = \"c\" } }\n",
    "group members are numbers": "[component-groups.g]\ncomponents = [1, 2]\n",
    "distros is an array": "distros = [1]\n",
    "versions is a string": "[distros.fedora]\nversions = \"43\"\n",
    "metadata is a string": "[components.x]\noverlays = [{ type = \"spec-add-tag\", tag = \"a\", value = \"b\", metadata = \"x\" }]\n",
    "source-files is a table": "[components.x.source-files]\nfilename = \"a\"\n",
    "overlay-files has a number": "[components.x]\noverlay-files = [1]\n",
    "project is an array": "project = [1]\n",
  };
  it.each(Object.entries(odd))("reports, never throws: %s", async (_, text) => {
    const project = await load({ "base/comps/odd/odd.comp.toml": text });
    const mine = project.errors.filter((e) => e.file === "base/comps/odd/odd.comp.toml" && e.severity === "error");
    expect(mine.length, errorLines(project).join("\n")).toBeGreaterThan(0);
    for (const e of mine) expect(e.line).toBeGreaterThan(0);
    // the rest of the project still loads
    expect(project.components.has("dnf5")).toBe(true);
  });

  it("reports an oversized config file instead of reading it", async () => {
    const { memoryRepo } = await import("../../src/repo/index.js");
    const { BASE_FILES } = await import("./fixture.js");
    const { loadProject } = await import("../../src/azldev/index.js");
    const big = "# padding\n".repeat(2000);
    const repo = memoryRepo({ ...BASE_FILES, "base/comps/big/big.comp.toml": `[components.big]\n${big}` }, { maxFileBytes: 10_000 });
    const project = await loadProject(repo);
    expect(errorLines(project)).toEqual([expect.stringMatching(/^base\/comps\/components\.toml:1:13: cannot read config file 'base\/comps\/big\/big\.comp\.toml': /)]);
  });
});

describe("component tables", () => {
  it("reports spec, release and build rule violations at their keys", async () => {
    const project = await load({
      "base/comps/x/x.comp.toml": `[components.x]
spec = { type = "local", upstream-name = "y" }
release = { calculation = "bumped" }

[components.x.build]
check = { skip = true }

[components.y]
spec = { type = "upstream", upstream-commit = "not-hex", upstream-distro = { name = "fedora", snapshot = "2026-01-01T00:00:00Z" } }

[components.z]
spec = { path = "z.spec" }
`,
    });
    expect(errorLines(project)).toEqual([
      "base/comps/x/x.comp.toml:2:10: spec type `local` requires `path`",
      "base/comps/x/x.comp.toml:2:26: spec `upstream-name` is only allowed when type = \"upstream\" in the same table",
      "base/comps/x/x.comp.toml:3:13: release.calculation `bumped` must be one of auto, autorelease, static, manual",
      "base/comps/x/x.comp.toml:6:11: invalid build config for component `x`: check.skip_reason is required when check.skip is true",
      "base/comps/x/x.comp.toml:9:95: component `y` has a per-component 'snapshot' on 'upstream-distro'; snapshots should be set on the distro or group default-component-config, or use 'upstream-commit' to pin a specific commit",
      "base/comps/x/x.comp.toml:9:29: spec upstream-commit `not-hex` must be 7 to 40 hexadecimal characters",
      "base/comps/x/x.comp.toml:12:10: spec `path` is only allowed when type = \"local\"",
    ].sort(byPosition));
  });

  it("reports source-files rules", async () => {
    const project = await load({
      "base/comps/x/x.comp.toml": `[components.x]

[[components.x.source-files]]
filename = "a.tar.gz"
hash = "abc"
origin = { type = "download", uri = "https://example.org/a.tar.gz" }

[[components.x.source-files]]
filename = "b.tar.gz"
hash = "abc"
hash-type = "MD5"
origin = { type = "custom" }

[[components.x.source-files]]
filename = "../c.tar.gz"
hash = "abc"
hash-type = "SHA256"
replace-upstream = true
origin = { type = "overlay", uri = "https://x" }
`,
    });
    expect(errorLines(project)).toEqual([
      "base/comps/x/x.comp.toml:5:1: hash value specified without hash type for source file `a.tar.gz`; 'hash-type' must be set when 'hash' is provided (component `x`)",
      "base/comps/x/x.comp.toml:11:1: unsupported hash type `MD5` for source file `b.tar.gz`; supported types are SHA256, SHA512 (component `x`)",
      "base/comps/x/x.comp.toml:12:1: source file `b.tar.gz`: origin type `custom` requires `script` (component `x`)",
      "base/comps/x/x.comp.toml:15:1: invalid source-files filename `../c.tar.gz`: must be a plain file name (component `x`)",
      "base/comps/x/x.comp.toml:18:1: source file `../c.tar.gz` sets replace-upstream = true without a non-blank 'replace-reason' (component `x`)",
      "base/comps/x/x.comp.toml:19:1: source file `../c.tar.gz`: origin type `overlay` does not allow `uri` (component `x`)",
    ]);
  });

  it("rejects unknown keys at every level (strict decoding)", async () => {
    const project = await load({
      "base/comps/x/x.comp.toml": `componets = {}

[components.x]
render = { skip-file-filter = true, skip-filter = true }

[components.x.build]
defines = { a = "1" }
with_ = ["b"]
`,
      "distro/fedora.distro.toml": `[distros.fedora]
default-version = "43"
dist-git-url = "https://example.org"

[distros.fedora.versions.43]
release-ver = "43"
`,
    });
    expect(errorLines(project)).toEqual([
      expect.stringMatching(/^base\/comps\/x\/x\.comp\.toml:1:1: unknown key `componets` in a project config file/),
      expect.stringMatching(/^base\/comps\/x\/x\.comp\.toml:4:37: unknown key `skip-filter` in render/),
      expect.stringMatching(/^base\/comps\/x\/x\.comp\.toml:8:1: unknown key `with_` in build/),
      expect.stringMatching(/^distro\/fedora\.distro\.toml:3:1: unknown key `dist-git-url` in distro `fedora`/),
    ]);
  });

  it("accepts a quoted $schema key", async () => {
    const project = await load({ "base/comps/components.toml": `"$schema" = "https://example.org/azldev.schema.json"\nincludes = ["**/*.comp.toml"]\n[components.curl]\n` });
    expect(project.errors).toEqual([]);
  });

  it("reports a default distro that does not exist", async () => {
    const project = await load({
      "base/project.toml": `includes = ["comps/components.toml"]
[project]
default-distro = { name = "azurelinux", version = "9.9" }
`,
    });
    expect(errorLines(project)).toEqual(["base/project.toml:3:1: project default-distro names an unknown version `azurelinux` `9.9`"]);
  });

  it("reports a project without azldev.toml", async () => {
    const project = await load({ "azldev.toml": null });
    expect(errorLines(project)).toEqual(["azldev.toml:1:1: no azldev.toml found in the repository root or any parent directory"]);
    expect(project.components.size).toBe(0);
  });
});

function byPosition(a: string, b: string): number {
  const pa = a.split(":").slice(1, 3).map(Number);
  const pb = b.split(":").slice(1, 3).map(Number);
  return (pa[0] as number) - (pb[0] as number) || (pa[1] as number) - (pb[1] as number);
}
