/**
 * Classes of change found by running `check` over labelled Azure Linux history
 * (test/real/labelled-history.test.ts), each rebuilt on the demo repository the way the real
 * commit was made.
 */
import { describe, expect, it } from "vitest";
import { MemoryRepoView } from "../../src/repo/index.js";
import { RepoEntryError } from "../../src/repo/types.js";
import { reviewChange } from "../../src/review/index.js";
import { baseFiles, rulesOf, withEdits, type Files } from "./repo-fixture.js";

const ACL_DIR = "specs/a/acl";
const ACL_SPEC = `${ACL_DIR}/acl.spec`;

/** A git mirror that lacks one blob: the tree lists the file, reading it fails. */
class MirrorWithoutBlob extends MemoryRepoView {
  constructor(files: Files, readonly missing: string) {
    super(files);
  }
  override async readFile(path: string): Promise<Uint8Array | undefined> {
    if (path === this.missing) throw new RepoEntryError(path, "file", "blob cb4485cdc16ae3ffeb9a8b70d4b5747d73e4bd96 is missing from the repository");
    return super.readFile(path);
  }
}

describe("a rendered file whose blob the mirror lacks (nss, b4a92befd8)", () => {
  it("is not compared and leaves the component unverified; it is neither unexpected nor missing", async () => {
    const base = baseFiles();
    const patch = `${ACL_DIR}/0001-acl-2.2.53-test-runwrapper.patch`;
    const head = withEdits(base, { [ACL_SPEC]: (base[ACL_SPEC] as string).replace("BuildRequires: gawk\n", "BuildRequires: gawk\nBuildRequires: hand-added\n") });
    const result = await reviewChange({ base: new MirrorWithoutBlob(base, patch), head: new MirrorWithoutBlob(head, patch) });
    expect(result.findings.find((f) => f.path === patch)).toMatchObject({ level: "notice", message: expect.stringContaining("could not be read") });
    expect(rulesOf(result, "failure")).toEqual(["rendered-file-edited"]);
    // the same file readable on neither side, nothing else changed: not verified, never a failure
    const quiet = await reviewChange({
      base: new MirrorWithoutBlob(base, patch),
      head: new MirrorWithoutBlob(withEdits(base, { "base/comps/acl/acl.comp.toml": `${base["base/comps/acl/acl.comp.toml"]}\n# a comment\n` }), patch),
      changedPaths: [patch],
    });
    expect(rulesOf(quiet, "failure")).toEqual([]);
    expect(quiet.components).toEqual([expect.objectContaining({ name: "acl", status: "unverified" })]);
  });
});

describe("a per-component snapshot turned into the commit it named (607669b8f6)", () => {
  const COMPONENTS = "base/comps/components.toml";
  const declare = (spec: string) => (base: Files) => withEdits(base, { [COMPONENTS]: (base[COMPONENTS] as string).replace("[components.libfido2]\n", `[components.libfido2]\nspec = ${spec}\n`) });
  const snapshot = declare('{ type = "upstream", upstream-distro = { name = "fedora", version = "43", snapshot = "2025-07-22T00:00:00-08:00" } }');
  const pinned = (commit: string) => declare(`{ type = "upstream", upstream-distro = { name = "fedora", version = "43" }, upstream-commit = "${commit}" }`);
  const A = "cad9d5a1ed48cf7e9e12cfadfdacc11f523d46cb";
  const B = "6011214a0e0e5c6302d0d59b6e8805d049749420";

  it("with the rendered files untouched proves nothing offline: unverified, never render-stale", async () => {
    const base = baseFiles();
    const result = await reviewChange({ base: new MemoryRepoView(snapshot(base)), head: new MemoryRepoView(pinned(A)(base)) });
    expect(rulesOf(result, "failure")).toEqual([]);
    expect(result.verdict).toBe("neutral");
    expect(result.components).toEqual([expect.objectContaining({ name: "libfido2", status: "unverified" })]);
  });

  it("a pin moved from one commit to another with the rendered files untouched is stale at once", async () => {
    const base = baseFiles();
    const result = await reviewChange({ base: new MemoryRepoView(pinned(A)(base)), head: new MemoryRepoView(pinned(B)(base)) });
    expect(result.verdict).toBe("failure");
    expect(result.findings).toContainEqual(expect.objectContaining({ rule: "render-stale", level: "failure", message: expect.stringContaining(`${A} → ${B}`) }));
  });
});

describe("the default distro version switched to one with the same settings (5a85a17836)", () => {
  it("reaches no component: the version's name is not a render input", async () => {
    const base = baseFiles();
    const DISTRO = "distro/distro.toml";
    const twoStages = (base[DISTRO] as string) + (base[DISTRO] as string).slice((base[DISTRO] as string).indexOf("[distros.azurelinux.versions.")).replaceAll("4.0-stage2", "4.0-stage1");
    const before = withEdits(base, { [DISTRO]: twoStages.replace('default-version = "4.0-stage2"', 'default-version = "4.0-stage1"') });
    const result = await reviewChange({ base: new MemoryRepoView(before), head: new MemoryRepoView(withEdits(before, { [DISTRO]: twoStages })) });
    expect(result.components).toEqual([]);
    expect(result.verdict).toBe("success");
  });
});
