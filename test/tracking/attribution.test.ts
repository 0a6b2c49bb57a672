import { describe, expect, it } from "vitest";
import { attributeUpstream, classifyUrl, projectFromSource, type UrlReference } from "../../src/tracking/index.js";

const ref = (url: string) => classifyUrl(url) as UrlReference;

describe("the upstream project of a patch", () => {
  it("reads GitHub and GitLab projects from Source0 and URL values, and nothing from other hosts or unexpanded macros", () => {
    expect(projectFromSource("https://github.com/systemd/systemd/archive/v258.4/systemd-258.4.tar.gz")).toEqual({ forge: "github", host: "github.com", path: "systemd/systemd" });
    expect(projectFromSource("https://codeload.github.com/util-linux/util-linux/tar.gz/v2.41")).toMatchObject({ path: "util-linux/util-linux" });
    expect(projectFromSource("https://github.com/dracut-ng/dracut-ng")).toMatchObject({ path: "dracut-ng/dracut-ng" });
    expect(projectFromSource("https://github.com/o/r.git")).toMatchObject({ path: "o/r" });
    expect(projectFromSource("https://gitlab.freedesktop.org/xorg/lib/libx11/-/archive/libX11-1.8.12/libx11-libX11-1.8.12.tar.gz")).toEqual({ forge: "gitlab", host: "gitlab.freedesktop.org", path: "xorg/lib/libx11" });
    expect(projectFromSource("https://gitlab.gnome.org/GNOME/glib")).toMatchObject({ forge: "gitlab", path: "GNOME/glib" });
    expect(projectFromSource("https://gitlab.com/api/v4/projects/123/packages/generic/x/1/x.tar.gz")).toBeUndefined();
    expect(projectFromSource("https://systemd.io")).toBeUndefined();
    expect(projectFromSource("https://www.openssl.org/source/openssl-3.5.0.tar.gz")).toBeUndefined();
    expect(projectFromSource("https://github.com/systemd/systemd/archive/v%{version_no_tilde}/x.tar.gz")).toBeUndefined();
  });

  it("prefers the overlay's upstream metadata, then Source0, then URL, then the patch's own URL, then comment links — never an issue link", () => {
    const own = ref("https://github.com/other/fork/pull/3.patch");
    const comment = ref("https://github.com/third/party/commit/0123456789abcdef0123456789abcdef01234567");
    const issue = ref("https://github.com/coreos/fedora-coreos-tracker/issues/1857");
    const patch = { reference: own, references: [issue, comment] };
    const source0 = "https://github.com/systemd/systemd/archive/v258.4/systemd-258.4.tar.gz";
    expect(attributeUpstream({ ...patch, metadata: { upstream: "https://gitlab.com/group/proj" } }, { source0 })).toMatchObject({ project: { path: "group/proj" }, from: "metadata" });
    expect(attributeUpstream(patch, { source0, url: "https://github.com/u/rl" })).toMatchObject({ project: { path: "systemd/systemd" }, from: "source0" });
    expect(attributeUpstream(patch, { url: "https://github.com/u/rl" })).toMatchObject({ project: { path: "u/rl" }, from: "url" });
    expect(attributeUpstream(patch, {})).toMatchObject({ project: { path: "other/fork" }, from: "patch-url" });
    expect(attributeUpstream({ references: [issue, comment] }, {})).toMatchObject({ project: { path: "third/party" }, from: "reference" });
    expect(attributeUpstream({ references: [issue] }, {})).toBeUndefined();
  });
});
