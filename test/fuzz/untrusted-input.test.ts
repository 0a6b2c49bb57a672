/**
 * Property tests over the parsers and engines that read repository content: whatever the input, they
 * return (problems as diagnostics) or fail with their own documented error — never an exception from
 * deeper down, never a hang. Runs are bounded so the suite stays fast.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/azldev/index.js";
import { OVERLAY_TYPES } from "../../src/azldev/types.js";
import { nixInventory, NixParseRefused, parseNix } from "../../src/nix/index.js";
import { applyOverlays, OverlayError } from "../../src/overlays/index.js";
import { memoryRepo } from "../../src/repo/index.js";
import { parseSpec } from "../../src/spec/index.js";

const specish = fc.array(
  fc.oneof(
    fc.constantFrom("Name: x", "Version: 1.0", "Release: 1%{?dist}", "Patch0: a.patch", "%prep", "%autosetup -p1", "%build", "%if 0%{?fedora}", "%else", "%endif", "%package devel", "%description", "%changelog", "%global foo %{bar}", "%{lua: print(1)}", "%(echo hi)", "Source0: https://x/%{name}-%{version}.tar.gz", "%files", "%patch -P0 -p1", "\\", ""),
    fc.string({ maxLength: 40 }),
  ),
  { maxLength: 40 },
).map((lines) => lines.join("\n"));

const overlay = fc.record(
  {
    type: fc.constantFrom(...OVERLAY_TYPES, "bogus"),
    tag: fc.constantFrom("Patch", "BuildRequires", "Release", "Source9", ""),
    value: fc.string({ maxLength: 20 }),
    section: fc.constantFrom("%prep", "%build", "%check", "%description", "%files", "%nope"),
    regex: fc.constantFrom("^", "(?m)^Patch.*$", "a+", "[", "(?i)version", "\\d+", ""),
    replacement: fc.string({ maxLength: 20 }),
    lines: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
    file: fc.constantFrom("a.patch", "../x", "sub/b.txt", "__proto__", ""),
    source: fc.constantFrom("a.patch", "missing.patch"),
  },
  { requiredKeys: ["type"] },
);

describe("untrusted input never escapes the API", () => {
  it("parseSpec round-trips any text", () => {
    fc.assert(
      fc.property(fc.oneof(specish, fc.string({ maxLength: 300 })), (text) => {
        expect(parseSpec(text).toString()).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("applyOverlays returns or throws OverlayError", () => {
    fc.assert(
      fc.property(specish, fc.array(overlay, { maxLength: 4 }), (spec, overlays) => {
        try {
          applyOverlays({ spec, files: { "a.patch": "--- a\n+++ b\n" } }, overlays as never, { sourceFiles: { "a.patch": "x\n" } });
        } catch (error) {
          expect(error).toBeInstanceOf(OverlayError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("the configuration loader reports any comp.toml text as diagnostics", async () => {
    const toml = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.array(fc.constantFrom("[components.x]", "[[components.x.overlays]]", 'type = "spec-add-tag"', 'tag = "Patch"', "value = 1", "includes = ['../*']", "[components.'__proto__']", 'spec = { type = "local", path = "../../etc/passwd" }', "x = [", "= 3", '"a" = { b = 1 }'), { maxLength: 12 }).map((l) => l.join("\n")),
    );
    await fc.assert(
      fc.asyncProperty(toml, async (text) => {
        const repo = memoryRepo({ "azldev.toml": 'includes = ["base/comps/**/*.comp.toml"]\n[project]\nrendered-specs-dir = "specs"\n', "base/comps/x/x.comp.toml": text });
        const project = await loadProject(repo);
        expect(Array.isArray(project.errors)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("the Nix parser and inventory take any text", async () => {
    const nixish = fc.array(fc.oneof(fc.constantFrom("{", "}", "[", "]", "(", ")", "patches = ", "fetchpatch {", 'url = "https://github.com/o/r/commit/abc.patch";', "lib.optionals (lib.versionOlder version \"2\")", "++", "./a.patch", "''", "${", "# remove when updating to 2.0", "let", "in", "rec", ";", "=", ":", "assert"), fc.string({ maxLength: 10 })), { maxLength: 40 }).map((t) => t.join(" "));
    await fc.assert(
      fc.asyncProperty(fc.oneof(nixish, fc.string({ maxLength: 200 })), async (text) => {
        try {
          const parsed = await parseNix(text);
          parsed.tree.delete();
        } catch (error) {
          expect(error).toBeInstanceOf(NixParseRefused);
        }
        const inv = await nixInventory(memoryRepo({ "default.nix": text }), { kind: "packages" });
        expect(inv.files).toBe(1);
      }),
      { numRuns: 200 },
    );
  });
});
