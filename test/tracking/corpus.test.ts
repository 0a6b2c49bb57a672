/**
 * The inventory on the real Azure Linux 4.0 slice (`$SPECWARDEN_CORPUS/azl4-sample`): every vendored
 * patch with its wiring and how %prep applies it, every URL-valued Patch tag, and the removal
 * criteria written in spec comments. Skipped when the corpus is not there.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/azldev/index.js";
import { openRepo } from "../../src/repo/index.js";
import { inventory, type PatchInventory } from "../../src/tracking/index.js";

const CORPUS = resolve(process.env.SPECWARDEN_CORPUS ?? join(import.meta.dirname, "../../../shared/corpus"));
const SAMPLE = join(CORPUS, "azl4-sample");

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

describe.skipIf(!existsSync(SAMPLE))("tracking on the azl4 sample", () => {
  let inv: PatchInventory;
  beforeAll(async () => {
    const repo = await openRepo(SAMPLE);
    inv = await inventory(await loadProject(repo), repo);
  }, 60_000);

  it("finds every vendored patch under base/comps, with its wiring and how it is applied", () => {
    const vendored = walk(join(SAMPLE, "base/comps"))
      .filter((p) => /\.(patch|diff)$/.test(p))
      .map((p) => relative(SAMPLE, p))
      .sort();
    const distro = inv.patches.filter((p) => p.origin === "distro");
    expect(distro.map((p) => p.sourcePath).sort()).toEqual(vendored);
    const rows = distro.map((p) => [p.component, p.file, p.wiring, p.applied, p.application?.method]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    expect(rows).toEqual(
      [
        ["vamp-plugin-sdk", "0001-Fix-race-in-Makefile.in.patch", "file-add+patch-tag", true, "autosetup"],
        ["apache-ivy", "IMPROVEMENT-use-Apache-Commons-Compress-for-pack200-.patch", "file-add+source-tag", true, "patch-command"],
        ["sos", "Policy-Add-os_release_id-check.patch", "patch-add", true, "autosetup"],
        ["sos", "Policy-Fix-os_release_name-value.patch", "patch-add", true, "autosetup"],
        ["apache-sshd", "add-maven-compiler-release.patch", "patch-add", true, "autosetup"],
        ["libspf2", "disable-call-graphs.patch", "patch-add", true, "%patch"],
        ["rust-podman-sequoia", "enable-dlwrap-clang-runtime.patch", "patch-add", true, "autosetup"],
        ["rust-nix", "fix-4part-kernel-version.patch", "file-add+patch-tag", true, "autosetup"],
        ["cloud-init", "fix-avoid-incorrect-CPE-parsing-on-Azure-Linux.patch", "file-add+patch-tag", true, "autosetup"],
        ["openpace", "fix-install-data-local-missing-dollar0.patch", "patch-add", true, "%patch"],
        ["sssd", "fix-platform-m4-version-overwrite.patch", "patch-add", true, "autosetup"],
        ["kdump-utils", "kdumpctl-Use-only-first-match-in-_find_kernel_path_b.patch", "patch-add", true, "autosetup"],
        ["apache-ivy", "remove-Pack200Packing-java.patch", "file-add+source-tag", true, "patch-command"],
        ["xsimd", "xsimd-sve-fix.patch", "patch-add", true, "autosetup"],
      ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
    // the two whose Patch tag alone would not apply them: the spec applies patches by number
    const explicit = distro.filter((p) => p.application?.method === "%patch").map((p) => [p.component, p.application?.text]);
    expect(explicit).toEqual([
      ["libspf2", "%patch -P4 -p1"],
      ["openpace", "%patch 2 -p1"],
    ]);
    // every vendored patch is copied byte-identically into the rendered tree
    for (const p of distro) {
      expect(p.renderedPath, p.file).toBeDefined();
      expect(readFileSync(join(SAMPLE, p.renderedPath as string))).toEqual(readFileSync(join(SAMPLE, p.sourcePath as string)));
      expect(p.problems).toEqual([]);
    }
  });

  it("finds every URL-valued Patch tag of the rendered specs", () => {
    const expected: string[] = [];
    for (const spec of walk(join(SAMPLE, "specs")).filter((p) => p.endsWith(".spec"))) {
      for (const m of readFileSync(spec, "utf8").matchAll(/^Patch\d*:\s*(https?:\/\/\S+)\s*$/gm)) expected.push(m[1] as string);
    }
    const found = inv.patches.filter((p) => p.url).map((p) => p.url as string);
    expect(found.sort()).toEqual(expected.sort());
    expect(found).toHaveLength(9);
    const kinds = inv.patches.filter((p) => p.reference).map((p) => `${p.component}:${p.reference?.kind}`);
    expect(kinds.sort()).toEqual([
      "opencv:github-pull",
      "opencv:github-pull",
      "rust-podman-sequoia:github-commit",
      "systemd:github-pull",
      "systemd:github-pull",
      "systemd:github-pull",
      "systemd:github-pull",
      "systemd:github-pull",
      "xsimd:github-pull",
    ]);
    // the dracut work-around sits in `%if 0%{?fedora} < 40 && 0%{?rhel} < 10`: inactive with Fedora 43 macros,
    // which is also why the render left its file out
    const dracut = inv.patches.find((p) => p.url === "https://github.com/systemd/systemd/pull/26494.patch");
    expect(dracut).toMatchObject({ active: false, applied: false, condition: "%if 0%{?fedora} < 40 && 0%{?rhel} < 10" });
    expect(dracut?.renderedPath).toBeUndefined();
    expect(inv.patches.filter((p) => !p.active).map((p) => p.file)).toEqual(["26494.patch"]);
  });

  it("reads the removal criteria in spec comments into conditions", () => {
    const criteria = inv.patches.flatMap((p) => p.removalCriteria.map((c) => ({ file: p.file, text: c.text, conditions: c.conditions, location: c.location })));
    expect(criteria).toEqual([
      { file: "26494.patch", text: "Drop when dracut-060 is available.", conditions: [{ kind: "package-version", package: "dracut", operator: ">=", version: "060" }], location: "specs/s/systemd/systemd.spec:142" },
      {
        file: "38724.patch",
        text: "Fixed in kernel-core-6.17.0-0.rc3.31.fc44.x86_64.",
        conditions: [{ kind: "package-version", package: "kernel-core", operator: ">=", version: "6.17.0", release: "0.rc3.31.fc44" }],
        location: "specs/s/systemd/systemd.spec:158",
      },
      { file: "38769.patch", text: "We can drop this after SELinux policy is updated to handle the transition.", conditions: [{ kind: "package-fixed", package: "selinux-policy" }], location: "specs/s/systemd/systemd.spec:166" },
    ]);
    // upstream pointers written as comp.toml comments
    const refs = (file: string) => inv.patches.find((p) => p.file === file)?.references.map((r) => r.url);
    expect(refs("kdumpctl-Use-only-first-match-in-_find_kernel_path_b.patch")).toContain("https://github.com/rhkdump/kdump-utils/pull/153");
    expect(refs("fix-platform-m4-version-overwrite.patch")).toContain("https://github.com/SSSD/sssd/pull/8397");
    expect(refs("xsimd-sve-fix.patch")).toContain("https://github.com/xtensor-stack/xsimd/commit/0fd437f");
  });

  it("names the packaged version of every component with a rendered spec", () => {
    const systemd = inv.components.find((c) => c.name === "systemd");
    expect(systemd?.version).toMatch(/^\d+(\.\d+)*(~rc\d+)?$/);
    expect(inv.components.filter((c) => !c.version && !c.problems.length)).toEqual([]);
  });
});
