import { describe, expect, it } from "vitest";
import { indexTomlPositions } from "../../src/azldev/toml-positions.js";

const text = `# header comment
includes = ["a.toml", 'b.toml'] # trailing

[project]
default-distro = { name = "azurelinux", version = "4.0" }

[components.bash]
spec = { type = "upstream", upstream-distro = { name = "fedora", version = "rawhide" } }

[components."odd.name"]

[[components.dnf5.overlays]]
description = """
multi-line with "quotes" and [brackets] = inside
"""
type = "spec-add-tag"

[[components.dnf5.overlays]]
type = 'spec-append-lines'
lines = [
    "%{_bindir}/tdnf", # comment
    '''raw
block''',
]

[components.dnf5.build]
defines = { "azurelinux_version" = "3", kextraversion = "1" }
when = 1979-05-27 07:32:00Z
overlays = [
  { type = "file-add", file = "a.patch", source = "a.patch" },
  { type = "spec-add-tag", tag = "Source4", value = "x" },
]
`;

describe("indexTomlPositions", () => {
  const positions = indexTomlPositions(text);
  it("locates top-level keys and inline array elements", () => {
    expect(positions.exact(["includes"])).toEqual({ line: 2, column: 1 });
    expect(positions.exact(["includes", 0])).toEqual({ line: 2, column: 13 });
    expect(positions.exact(["includes", 1])).toEqual({ line: 2, column: 23 });
  });
  it("locates table headers, inline table keys and nested inline tables", () => {
    expect(positions.exact(["project"])).toEqual({ line: 4, column: 1 });
    expect(positions.exact(["project", "default-distro", "version"])).toEqual({ line: 5, column: 41 });
    expect(positions.exact(["components", "bash"])).toEqual({ line: 7, column: 1 });
    expect(positions.exact(["components", "bash", "spec", "upstream-distro", "version"])).toEqual({ line: 8, column: 66 });
  });
  it("unquotes quoted keys", () => {
    expect(positions.exact(["components", "odd.name"])).toEqual({ line: 10, column: 1 });
    expect(positions.exact(["components", "dnf5", "build", "defines", "azurelinux_version"])).toEqual({ line: 27, column: 13 });
  });
  it("numbers array-of-tables entries and skips multi-line strings", () => {
    expect(positions.exact(["components", "dnf5", "overlays", 0])).toEqual({ line: 12, column: 1 });
    expect(positions.exact(["components", "dnf5", "overlays", 0, "type"])).toEqual({ line: 16, column: 1 });
    expect(positions.exact(["components", "dnf5", "overlays", 1])).toEqual({ line: 18, column: 1 });
    expect(positions.exact(["components", "dnf5", "overlays", 1, "lines", 1])).toEqual({ line: 22, column: 5 });
  });
  it("locates inline tables inside a multi-line array, past a date-time value", () => {
    expect(positions.exact(["components", "dnf5", "build", "overlays", 1, "tag"])).toEqual({ line: 31, column: 28 });
  });
  it("falls back to the nearest recorded ancestor", () => {
    expect(positions.of(["components", "bash", "spec", "nope"])).toEqual({ line: 8, column: 1 });
    expect(positions.of(["nothing"])).toEqual({ line: 1, column: 1 });
  });
  it("handles CRLF line endings", () => {
    const crlf = indexTomlPositions('a = 1\r\n[t]\r\nb = "x"\r\n');
    expect(crlf.exact(["t", "b"])).toEqual({ line: 3, column: 1 });
  });
  it("never throws on text it cannot follow", () => {
    expect(() => indexTomlPositions("[[[ = \"\n{")).not.toThrow();
  });
});
