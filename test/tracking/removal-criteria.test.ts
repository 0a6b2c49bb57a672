import { describe, expect, it } from "vitest";
import { findRemovalCriteria, parseConditions } from "../../src/tracking/index.js";

describe("removal criteria", () => {
  it("reads a cross-package version from an NVR-style sentence (systemd spec)", () => {
    const found = findRemovalCriteria(
      "Work-around for dracut issue: run generators directly when we are in initrd\nhttps://bugzilla.redhat.com/show_bug.cgi?id=2164404\nDrop when dracut-060 is available.",
      { component: "systemd" },
    );
    expect(found).toHaveLength(1);
    expect(found[0]?.text).toBe("Drop when dracut-060 is available.");
    expect(found[0]?.conditions).toEqual([{ kind: "package-version", package: "dracut", operator: ">=", version: "060" }]);
  });

  it("splits a full NVRA into version and release", () => {
    const [criterion] = findRemovalCriteria("Workaround for a kernel issue. Fixed in kernel-core-6.17.0-0.rc3.31.fc44.x86_64.");
    expect(criterion?.conditions).toEqual([{ kind: "package-version", package: "kernel-core", operator: ">=", version: "6.17.0", release: "0.rc3.31.fc44" }]);
  });

  it("names the package when no version is given", () => {
    const [criterion] = findRemovalCriteria("userdb: create userdb root directory with correct label\nWe can drop this after SELinux policy is updated to handle the transition.");
    expect(criterion?.conditions).toEqual([{ kind: "package-fixed", package: "selinux-policy" }]);
    expect(parseConditions("This can be removed once systemd fixes the mode check.")).toEqual([{ kind: "package-fixed", package: "systemd" }]);
  });

  it("reads operators, rebases and merge conditions", () => {
    expect(parseConditions("Drop when openssl >= 3.5 lands in the distro")).toEqual([{ kind: "package-version", package: "openssl", operator: ">=", version: "3.5" }]);
    expect(parseConditions("Remove when rebasing to 2.5.0")).toEqual([{ kind: "upstream-version", version: "2.5.0" }]);
    expect(parseConditions("Drop once https://github.com/rhkdump/kdump-utils/pull/153 is merged.")).toEqual([
      { kind: "upstream-change", url: "https://github.com/rhkdump/kdump-utils/pull/153" },
    ]);
    expect(parseConditions("drop on the next rebase")).toEqual([{ kind: "next-rebase" }]);
    expect(parseConditions("Drop when we have systemd 258", { component: "systemd" })).toEqual([{ kind: "upstream-version", version: "258" }]);
  });

  it("ignores sentences that merely contain the word drop or remove", () => {
    expect(findRemovalCriteria("TODO: push change to upstream")).toEqual([]);
    expect(findRemovalCriteria("Remove explicit %patch call now handled by %autosetup")).toEqual([]);
    expect(findRemovalCriteria("Temporarily drop use of PrivateTmp=disconnected. This is causing failures")).toEqual([]);
  });
});
