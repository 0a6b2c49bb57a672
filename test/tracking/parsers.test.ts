import { describe, expect, it } from "vitest";
import { canonicalUrl, classifyUrl, extractUrls, parsePatchFile, parsePatchMessages, scanSpec, applicationOf } from "../../src/tracking/index.js";

describe("classifyUrl", () => {
  it.each([
    ["https://github.com/systemd/systemd/pull/38769.patch", { kind: "github-pull", owner: "systemd", repo: "systemd", number: 38769 }],
    ["https://github.com/systemd/systemd/pull/38769", { kind: "github-pull", number: 38769 }],
    ["https://github.com/o/r/pull/12/commits/0123456789abcdef0123456789abcdef01234567.patch", { kind: "github-commit", sha: "0123456789abcdef0123456789abcdef01234567", pull: 12 }],
    ["https://github.com/ueno/podman-sequoia/commit/5e465f7281e90e938236d829ac3761ddda90935e.patch", { kind: "github-commit", owner: "ueno", repo: "podman-sequoia" }],
    ["https://github.com/xtensor-stack/xsimd/commit/0fd437f", { kind: "github-commit", sha: "0fd437f" }],
    ["https://patch-diff.githubusercontent.com/raw/o/r/pull/7.patch", { kind: "github-pull", owner: "o", repo: "r", number: 7 }],
    ["https://gitlab.gnome.org/GNOME/glib/-/merge_requests/903", { kind: "gitlab-merge-request", host: "gitlab.gnome.org", project: "GNOME/glib", number: 903 }],
    ["https://gitlab.com/group/sub/proj/-/commit/abcdef1234567.diff", { kind: "gitlab-commit", project: "group/sub/proj", sha: "abcdef1234567" }],
    ["https://src.fedoraproject.org/rpms/rust-podman-sequoia/c/7f0694fa51b07b8d1f2cb839f685365731306a1b?branch=f44", { kind: "distgit-commit", project: "rpms/rust-podman-sequoia" }],
    ["https://bugzilla.redhat.com/show_bug.cgi?id=2164404", { kind: "bug", id: "2164404" }],
    ["https://github.com/coreos/fedora-coreos-tracker/issues/1857", { kind: "github-issue", number: 1857 }],
    ["https://www.example.org/fix.patch#/renamed.patch", { kind: "other", host: "www.example.org" }],
  ])("%s", (url, expected) => {
    expect(classifyUrl(url)).toMatchObject(expected);
  });

  it("gives stable identities and finds URLs in prose", () => {
    expect(canonicalUrl(classifyUrl("https://github.com/o/r/pull/5.patch")!)).toBe("https://github.com/o/r/pull/5");
    expect(extractUrls("see https://github.com/o/r/pull/5, and (https://bugs.example.org/1).")).toEqual(["https://github.com/o/r/pull/5", "https://bugs.example.org/1"]);
    expect(classifyUrl("not a url")).toBeUndefined();
    expect(classifyUrl("ftp://example.org/x.patch")).toBeUndefined();
  });
});

const SERIES = `From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: =?UTF-8?q?J=C3=B6rg=20M=C3=BCller?= <jm@example.org>
Date: Mon, 2 Feb 2026 09:00:00 +0000
Subject: [PATCH 1/2] core: handle the
 empty case
Message-Id: <20260202.1@example.org>

Body line.

(cherry picked from commit abcdefabcdefabcdefabcdefabcdefabcdefabcd)
Link: https://lore.kernel.org/r/20260202.1@example.org
---
 a.c | 2 +-

diff --git a/a.c b/a.c
--- a/a.c
+++ b/a.c
@@ -1 +1 @@
-a
+b
-- 
2.47.1

From 2222222222222222222222222222222222222222 Mon Sep 17 00:00:00 2001
From: Ada <ada@example.org>
Subject: [PATCH v2 2/2] tests: cover it

commit 3333333333333333333333333333333333333333 upstream.
---
diff --git a/t.sh b/t.sh
--- a/t.sh
+++ b/t.sh
@@ -1 +1 @@
-x
+y
-- 
2.47.1
`;

describe("patch headers", () => {
  it("splits a format-patch series and reads its headers and trailers", () => {
    const messages = parsePatchMessages(SERIES);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatchObject({
      commit: "1111111111111111111111111111111111111111",
      author: "Jörg Müller <jm@example.org>",
      subject: "core: handle the empty case",
      series: { index: 1, total: 2 },
      messageId: "20260202.1@example.org",
      cherryPickedFrom: ["abcdefabcdefabcdefabcdefabcdefabcdefabcd"],
      links: ["https://lore.kernel.org/r/20260202.1@example.org"],
    });
    expect(messages[1]).toMatchObject({ subject: "tests: cover it", series: { index: 2, total: 2 }, cherryPickedFrom: ["3333333333333333333333333333333333333333"] });
    const info = parsePatchFile(SERIES);
    expect(info.paths).toEqual(["a.c", "t.sh"]);
    expect(info.hints.map((h) => h.status)).toEqual(["backport", "backport"]);
  });

  it("reads DEP-3 and OpenEmbedded headers into status hints", () => {
    const dep3 = parsePatchFile("Description: use the system cipher list\n Longer text.\nOrigin: vendor\nBug-Debian: https://bugs.debian.org/1\nForwarded: not-needed\nLast-Update: 2026-1-2\n---\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
    expect(dep3.dep3).toMatchObject({ description: "use the system cipher list\nLonger text.", origin: { value: "vendor" }, vendorBugs: { Debian: "https://bugs.debian.org/1" }, forwarded: "not-needed" });
    expect(dep3.dep3?.warnings).toEqual(['Last-Update "2026-1-2" is not YYYY-MM-DD']);
    expect(dep3.hints).toEqual([{ status: "inapplicable", source: "Forwarded: not-needed" }]);
    const applied = parsePatchFile("Subject: fix\nOrigin: upstream, https://github.com/o/r/commit/abcdef1\nApplied-Upstream: 2.5\nForwarded: yes\n\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
    expect(applied.hints.map((h) => h.status)).toEqual(["upstreamed", "backport", "forwarded"]);
    expect(applied.dep3?.warnings[0]).toContain("Forwarded: yes");
    const oe = parsePatchFile("Upstream-Status: Submitted [https://lists.example.org/1]\n\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
    expect(oe.hints).toEqual([{ status: "forwarded", source: "Upstream-Status: Submitted [https://lists.example.org/1]", reference: "https://lists.example.org/1" }]);
    // a plain diff has no headers
    expect(parsePatchFile("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")).toMatchObject({ messages: [], hints: [], fileCount: 1, paths: ["x"] });
  });
});

describe("scanSpec", () => {
  const SPEC = `%bcond_without docs
%bcond_with legacy
%bcond bootstrap %{undefined rhel}
%global srcname frob
Name: %{srcname}
Version: 2.0~rc1
Release: 1%{?dist}
URL: https://github.com/o/%{srcname}
Source0: %{url}/archive/v%{version}/%{srcname}-%{version}.tar.gz
Source1: %{srcname}.conf
# Not needed on Fedora 40+
%if 0%{?fedora} && 0%{?fedora} < 40
Patch0: old-fedora.patch
%elif %{with legacy}
Patch1: legacy.patch
%else
Patch2: modern.patch
%endif
%ifarch aarch64 ppc64le
Patch3: arm-only.patch
%endif
%if %{with docs}
Patch10: docs.patch
%endif
%if %{undefined_macro_here} > 1
Patch11: unknown.patch
%endif
Patch: auto-numbered.patch

%description
x

%prep
%autosetup -N
%autopatch -p1 -M 9
%patch10 -p1
%patch -P 11 -p1
patch -p1 < %{SOURCE1}

%patchlist
listed.patch
`;

  it("numbers entries like rpm and evaluates conditionals per arch", () => {
    const x86 = scanSpec(SPEC, { macros: { fedora: "43" }, arch: "x86_64" });
    expect(x86.version).toBe("2.0~rc1");
    const row = (s: typeof x86) => s.entries.map((e) => [e.kind, e.number, e.expanded ?? e.value, e.active]);
    expect(row(x86)).toEqual([
      ["Source", 0, "https://github.com/o/frob/archive/v2.0~rc1/frob-2.0~rc1.tar.gz", true],
      ["Source", 1, "frob.conf", true],
      ["Patch", 0, "old-fedora.patch", false],
      ["Patch", 1, "legacy.patch", false],
      ["Patch", 2, "modern.patch", true],
      ["Patch", 3, "arm-only.patch", false],
      ["Patch", 10, "docs.patch", true],
      ["Patch", 11, "unknown.patch", undefined],
      ["Patch", 12, "auto-numbered.patch", true],
      ["Patch", 13, "listed.patch", true],
    ]);
    expect(x86.entries[2]?.comment).toEqual(["Not needed on Fedora 40+"]);
    const arm = scanSpec(SPEC, { macros: { fedora: "39" }, arch: "aarch64", with: ["legacy"], without: ["docs"] });
    expect(row(arm).filter((r) => r[0] === "Patch").map((r) => r[3])).toEqual([true, false, false, true, false, undefined, true, true]);
  });

  it("knows which lines of %prep apply which patch", () => {
    const scan = scanSpec(SPEC, { macros: { fedora: "43" } });
    const applied = (n: number, kind: "Patch" | "Source" = "Patch") => applicationOf(scan, scan.entries.find((e) => e.kind === kind && e.number === n)!)?.method;
    expect(applied(2)).toBe("autopatch");
    expect(applied(10)).toBe("%patch");
    expect(applied(11)).toBe("%patch");
    expect(applied(12)).toBeUndefined(); // beyond %autopatch -M 9, no explicit line
    expect(applied(1, "Source")).toBe("patch-command");
    expect(applied(0, "Source")).toBeUndefined();
  });
});
