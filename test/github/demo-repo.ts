/**
 * A small Azure-Linux-style repository and the demo PR: a contributor vendors a systemd patch into
 * the rendered tree `specs/s/systemd/` and hand-writes its `Patch:` line into the rendered spec.
 */
import type { Files } from "../../src/github/fake-github.js";

export const PATCH_NAME = "0001-core-do-not-fail-on-missing-watchdog-device.patch";

export const VENDORED_PATCH = `From 5c1e2a7b9d3f Mon Sep 17 00:00:00 2001
From: Distro Maintainer <maint@example.org>
Date: Tue, 3 Nov 2026 10:12:00 +0000
Subject: [PATCH] core: do not fail when the watchdog device is missing

On some Hyper-V guests /dev/watchdog0 does not exist; treat ENOENT as
"no hardware watchdog" instead of failing the manager start-up.
---
 src/core/watchdog.c | 4 +++-
 1 file changed, 3 insertions(+), 1 deletion(-)

diff --git a/src/core/watchdog.c b/src/core/watchdog.c
--- a/src/core/watchdog.c
+++ b/src/core/watchdog.c
@@ -120,7 +120,9 @@ static int open_watchdog(void) {
         fd = open(watchdog_device, O_WRONLY|O_CLOEXEC);
-        if (fd < 0)
+        if (fd < 0) {
+                if (errno == ENOENT)
+                        return 0;
                 return log_debug_errno(errno, "Failed to open watchdog device %s: %m", watchdog_device);
+        }
`;

export const COMP_TOML = `[components.systemd]

# Fedora 41+ requires setup >= 2.15.0-3; Azure Linux ships 2.15.0-1.
[[components.systemd.overlays]]
description = "Lower BuildRequires on setup to match the available version"
type = "spec-search-replace"
regex = '^BuildRequires:\\s+setup >= 2\\.15\\.0-3$'
replacement = "BuildRequires:  setup >= 2.15.0-1"

[[components.systemd.overlays]]
description = "Remove xen-devel BuildRequires (no Xen guests)"
type = "spec-remove-tag"
tag = "BuildRequires"
value = "xen-devel"
`;

const SPEC_HEAD = `## START: Set by rpmautospec
## (rpmautospec version 0.8.3)
## RPMAUTOSPEC: autorelease, autochangelog
%define autorelease(e:s:pb:n) %{?-p:0.}%{lua:
    release_number = 2;
    base_release_number = tonumber(rpm.expand("%{?-b*}%{!?-b:1}"));
    print(release_number + base_release_number - 1);
}%{?-e:.%{-e*}}%{?-s:.%{-s*}}%{!?-n:%{?dist}}
## END: Set by rpmautospec

# This spec file has been modified by azldev to include build configuration overlays.
# Do not edit manually; changes may be overwritten.

%global pkgdir %{_prefix}/lib/systemd
%global system_unit_dir %{pkgdir}/system

%if 0%{?__isa_bits} == 64
%global elf_bits (64bit)
%endif

%bcond bzip2     1
%bcond gnutls    1
%bcond resolved  1

Name:           systemd
Url:            https://systemd.io
Version:        257.10
Release:        %autorelease
License:        LGPL-2.1-or-later AND MIT AND GPL-2.0-or-later
Summary:        System and Service Manager

Source0:        https://github.com/systemd/systemd/archive/v%{version}/%{name}-%{version}.tar.gz
Source1:        triggers.systemd
Source2:        inittab

# https://github.com/systemd/systemd/pull/30846
Patch0001:      30846.patch
`;

const SPEC_TAIL = `
%ifarch %{ix86} x86_64 aarch64
%global want_bootloader 1
%endif

BuildRequires:  gcc
BuildRequires:  libcap-devel
BuildRequires:  setup >= 2.15.0-1
%if %{with gnutls}
BuildRequires:  gnutls-devel
%endif

%description
systemd is a system and service manager that runs as PID 1 and starts the rest of the system.

%package libs
Summary:        systemd libraries
License:        LGPL-2.1-or-later AND MIT

%description libs
Libraries for systemd and udev.

%package resolved
Summary:        Network Name Resolution manager

%description resolved
systemd-resolved is a system service that provides network name resolution.

%prep
%autosetup -n %{name}-%{version} -p1

%build
%meson -Dmode=release -Dxenctrl=disabled
%meson_build

%install
%meson_install

%files
%license LICENSE.GPL2 LICENSE.LGPL2.1
%{system_unit_dir}/systemd-journald.service

%files libs
%{_libdir}/libsystemd.so.0*

%changelog
%autochangelog
`;

export const BASE_SPEC = SPEC_HEAD + SPEC_TAIL;
/** the hand-written line the PR adds; its line number in HEAD_SPEC */
export const HAND_PATCH_LINE = `Patch0100:      ${PATCH_NAME}`;
export const HEAD_SPEC = `${SPEC_HEAD}${HAND_PATCH_LINE}\n${SPEC_TAIL}`;
export const HAND_PATCH_LINE_NUMBER = HEAD_SPEC.split("\n").indexOf(HAND_PATCH_LINE) + 1;

const UPSTREAM_PATCH_30846 = `From 1a2b3c Mon Sep 17 00:00:00 2001
Subject: [PATCH] udev: fix builtin net_id on Hyper-V

---
diff --git a/src/udev/udev-builtin-net_id.c b/src/udev/udev-builtin-net_id.c
--- a/src/udev/udev-builtin-net_id.c
+++ b/src/udev/udev-builtin-net_id.c
@@ -10,3 +10,3 @@
-        return 0;
+        return -ENOENT;
`;

export const AZLDEV_TOML = `[project]
description = "Azure Linux"
rendered-specs-dir = "specs"

[distros.fedora.versions."43"]
dist-git-branch = "f43"

[components]
includes = ["base/comps/**/*.comp.toml"]
`;

export function baseFiles(): Files {
  return {
    "azldev.toml": AZLDEV_TOML,
    "base/comps/systemd/systemd.comp.toml": COMP_TOML,
    "base/comps/bash/bash.comp.toml": "[components.bash]\n",
    "specs/s/systemd/systemd.spec": BASE_SPEC,
    "specs/s/systemd/30846.patch": UPSTREAM_PATCH_30846,
    "specs/s/systemd/inittab": "# inittab is no longer used by systemd\n",
    "specs/s/systemd/sources": "SHA512 (systemd-257.10.tar.gz) = 4d1f0c7e\n",
    "specs/b/bash/bash.spec": "# Do not edit manually; changes may be overwritten.\nName: bash\nVersion: 5.2.37\n",
  };
}

/** The demo PR head: the vendored patch and the hand-written Patch line. */
export function demoHeadFiles(): Files {
  return {
    ...baseFiles(),
    "specs/s/systemd/systemd.spec": HEAD_SPEC,
    [`specs/s/systemd/${PATCH_NAME}`]: VENDORED_PATCH,
  };
}

/** What the PR should have been: the patch under the component, wired by a patch-add overlay. */
export function fixedHeadFiles(): Files {
  return {
    ...baseFiles(),
    "base/comps/systemd/systemd.comp.toml": `${COMP_TOML}${PATCH_ADD_OVERLAY}`,
    [`base/comps/systemd/${PATCH_NAME}`]: VENDORED_PATCH,
  };
}

export const PATCH_ADD_OVERLAY = `
[[components.systemd.overlays]]
description = "Do not fail on a missing watchdog device (Hyper-V)"
type = "patch-add"
file = "${PATCH_NAME}"
`;
