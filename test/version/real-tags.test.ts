/** Tag names as real projects write them, turned into the versions their packages carry. */
import { describe, expect, it } from "vitest";
import { rpmvercmp, tagToVersion } from "../../src/version/index.js";

const cases: [project: string, tag: string, prefixes: string[], version: string][] = [
  ["systemd", "v258", ["systemd-"], "258"],
  ["systemd", "v258-rc3", ["systemd-"], "258~rc3"],
  ["systemd-stable", "v257.8", ["systemd-stable-"], "257.8"],
  ["util-linux", "v2.40.2", ["util-linux-"], "2.40.2"],
  ["util-linux", "v2.41-rc1", ["util-linux-"], "2.41~rc1"],
  ["dracut", "059", ["dracut-"], "059"],
  ["dracut-ng", "107", ["dracut-ng-", "dracut-"], "107"],
  ["openssl", "openssl-3.2.1", ["openssl-"], "3.2.1"],
  ["openssl", "openssl-3.0.0-alpha1", ["openssl-"], "3.0.0~alpha1"],
  ["openssl", "OpenSSL_1_1_1w", ["openssl-", "OpenSSL_"], "1.1.1w"],
];

describe("tag names of real projects", () => {
  it.each(cases)("%s %s → %s", (_project, tag, prefixes, version) => {
    expect(tagToVersion(tag, { prefixes })).toBe(version);
  });

  it("order as the packages do: release candidates before the release", () => {
    const systemd = ["v257", "v258-rc1", "v258-rc3", "v258", "v258.1"].map((t) => tagToVersion(t) as string);
    expect([...systemd].sort(rpmvercmp)).toEqual(["257", "258~rc1", "258~rc3", "258", "258.1"]);
  });
});
