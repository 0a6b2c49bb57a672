/**
 * A systemd-like upstream, built with the git CLI, and a distro repository that carries the seven
 * patches Azure Linux 4.0 inherits from Fedora's systemd 258.4 spec. What each upstream commit does:
 *
 * main:    v257 → PrivateTmp=disconnected → drop runlevel targets → v258-rc1 → v258-rc2 → v258
 *          → an unrelated man page → PR 38769 rebased onto main (new id, same change)
 *          → PR 38922 (seven commits, the last takes back a debug line the second added) squashed into
 *            one commit → v259-rc1 → runlevel targets brought back (with a NEWS entry in the same
 *            commit) → v259-rc2 → v259
 * stable:  v258 → v258.1 … v258.6 (258.6 edits a line next to the series' change) → the squash
 *          cherry-picked with `-x` (a new id, and another patch-id: its context differs) → v258.7
 * pulls:   refs/pull/N/head for 30846 (open), 38724 (closed), 38769 and 38922 (merged)
 *
 * The two Fedora reverts are made in a separate clone, so their commit ids are unknown upstream.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakePull } from "./fake-github-api.js";
import { HistoryBuilder } from "../nix/upstream-git.js";

const lines = (n: number, prefix: string) => Array.from({ length: n }, (_, k) => `${prefix} ${k + 1}`);

const coredump = (privateTmp: string) =>
  ["[Unit]", "Description=Process Core Dump", "Documentation=man:systemd-coredump(8)", "DefaultDependencies=no", "", "[Service]", "NoNewPrivileges=yes", "OOMScoreAdjust=500", "PrivateDevices=yes", "PrivateNetwork=yes", `PrivateTmp=${privateTmp}`, "ProtectControlGroups=yes", "ProtectHome=read-only", "ProtectHostname=yes", ""].join("\n");
const oomd = (privateTmp: string) =>
  ["[Unit]", "Description=Userspace Out-Of-Memory (OOM) Killer", "DefaultDependencies=no", "", "[Service]", "MemoryLow=64M", "NoNewPrivileges=yes", "OOMScoreAdjust=-900", "PrivateDevices=yes", `PrivateTmp=${privateTmp}`, "ProtectClock=yes", "ProtectHome=yes", "ProtectHostname=yes", ""].join("\n");
const unitsMeson = (runlevels: boolean) =>
  [
    "# SPDX-License-Identifier: LGPL-2.1-or-later",
    "",
    ...(runlevels ? ["with_runlevels = conf.get('HAVE_SYSV_COMPAT') == 1", ""] : []),
    "units = [",
    "        { 'file' : 'basic.target' },",
    "        { 'file' : 'blockdev@.target' },",
    "        {",
    "          'file' : 'graphical.target',",
    runlevels ? "          'symlinks' : ['default.target'] + (with_runlevels ? ['runlevel5.target'] : [])," : "          'symlinks' : ['default.target'],",
    "        },",
    "        { 'file' : 'halt.target' },",
    "        { 'file' : 'modprobe@.service' },",
    ...(runlevels
      ? ["        {", "          'file' : 'multi-user.target',", "          'symlinks' : with_runlevels ? ['runlevel2.target', 'runlevel3.target', 'runlevel4.target'] : [],", "        },"]
      : ["        { 'file' : 'multi-user.target' },"]),
    "        { 'file' : 'network.target' },",
    "        { 'file' : 'paths.target' },",
    "]",
    "",
  ].join("\n");

const varlinkC = (variant: { refactored: boolean; debug: boolean; stableFix?: boolean }) =>
  [
    "/* SPDX-License-Identifier: LGPL-2.1-or-later */",
    "",
    '#include "sd-varlink.h"',
    "",
    ...lines(6, "/* varlink transport detail"),
    variant.stableFix ? "static int varlink_sanitize(sd_varlink *v) { return v ? 0 : -EINVAL; }" : "static int varlink_sanitize(sd_varlink *v) { return 0; }",
    "",
    "static int varlink_sanitize_parameters(sd_json_variant **v) {",
    ...(variant.refactored
      ? ["        /* an empty object is canonical: never send a null */", ...(variant.debug ? ['        log_debug("varlink: sanitizing parameters");'] : []), "        return sd_json_variant_new_object(v, NULL, 0);"]
      : ["        if (!*v)", "                return 0;", "        return sd_json_variant_unref_many(v);"]),
    "}",
    "",
    ...lines(8, "/* varlink method dispatch"),
    "int sd_varlink_reply(sd_varlink *v, sd_json_variant *parameters) {",
    variant.refactored ? "        return varlink_send(v, parameters ?: empty_object());" : "        return varlink_send(v, parameters);",
    "}",
    "",
  ].join("\n");

const jsonUtilH = (macro: boolean) => ["#pragma once", "", ...lines(5, "/* json helper"), ...(macro ? ["#define JSON_BUILD_PAIR_VARIANT_NON_EMPTY(n, v) SD_JSON_BUILD_PAIR_CONDITION(!sd_json_variant_is_blank_object(v), n, SD_JSON_BUILD_VARIANT(v))"] : []), ...lines(5, "/* json builder"), ""].join("\n");
const serviceC = (validated: boolean) => ["#include \"varlink-io.systemd.service.h\"", "", ...lines(6, "/* interface"), ...(validated ? ["        SD_VARLINK_FIELD_COMMENT(\"Parameters must be an object\"),"] : []), ...lines(4, "/* methods"), ""].join("\n");
const testC = (tests: boolean) => ["#include \"tests.h\"", "", ...lines(5, "/* test setup"), ...(tests ? ["TEST(varlink_empty_parameters) {", "        assert_se(sd_varlink_reply(v, NULL) >= 0);", "}"] : []), ...lines(4, "/* test teardown"), ""].join("\n");
const sysextC = (fixed: boolean) => ["#include \"sysext.h\"", "", ...lines(6, "/* sysext"), ...(fixed ? [] : ["        parameters = sd_json_variant_unref(parameters);"]), ...lines(4, "/* merge"), ""].join("\n");
const manXml = (text: string | undefined) => ["<refentry id=\"sd-varlink\">", ...lines(6, "  <!-- manual"), ...(text ? [`  <para>${text}</para>`] : []), ...lines(4, "  <!-- notes"), "</refentry>", ""].join("\n");
const uidC = (highUids: boolean) => ["#include \"uid-classification.h\"", "", ...lines(5, "/* uid ranges"), highUids ? "bool uid_for_journal(uid_t uid) { return uid_is_system(uid) || uid_is_dynamic(uid) || uid >= 60000; }" : "bool uid_for_journal(uid_t uid) { return uid_is_system(uid) || uid_is_dynamic(uid); }", ...lines(5, "/* container ranges"), ""].join("\n");
const pidfdC = (disabled: boolean) => ["#include \"pidfd-util.h\"", "", ...lines(5, "/* pidfd"), disabled ? "static bool have_pidfd_get_info = false; /* debug: disabled */" : "static bool have_pidfd_get_info = true;", ...lines(5, "/* pidfd info"), ""].join("\n");
const coreVarlinkC = (label: boolean) => ["#include \"varlink.h\"", "", ...lines(5, "/* manager varlink"), ...(label ? ["        r = mkdir_label(\"/run/systemd/userdb\", 0755);", "        if (r < 0 && r != -EEXIST)", "                return r;"] : ["        (void) mkdir_p(\"/run/systemd/userdb\", 0755);"]), ...lines(5, "/* userdb socket"), ""].join("\n");

export interface SystemdUpstream {
  /** the clone directory to give --upstream-git (holds systemd/systemd) */
  root: string;
  gitDir: string;
  pulls: Record<number, FakePull>;
  /** the downstream patch files, by file name */
  patches: Record<string, string>;
  commits: { squash: string; backport: string; rebased38769: string; runlevelsBack: string; privateTmp: string };
}

export function buildSystemdUpstream(root: string): SystemdUpstream {
  const dir = join(root, "systemd", "systemd");
  const h = new HistoryBuilder(dir);
  h.commit("systemd 257", {
    "units/systemd-coredump@.service.in": coredump("yes"),
    "units/systemd-oomd.service.in": oomd("yes"),
    "units/meson.build": unitsMeson(true),
    "src/libsystemd/sd-varlink/sd-varlink.c": varlinkC({ refactored: false, debug: false }),
    "src/libsystemd/sd-json/json-util.h": jsonUtilH(false),
    "src/shared/varlink-io.systemd.service.c": serviceC(false),
    "src/test/test-varlink.c": testC(false),
    "src/sysext/sysext.c": sysextC(false),
    "man/sd-varlink.xml": manXml(undefined),
    "src/basic/uid-classification.c": uidC(false),
    "src/basic/pidfd-util.c": pidfdC(false),
    "src/core/varlink.c": coreVarlinkC(false),
    "NEWS": "systemd 257\n",
  });
  h.tag("v257");
  const privateTmp = h.commit("units: use PrivateTmp=disconnected instead of 'yes' if DefaultDependencies=no", { "units/systemd-coredump@.service.in": coredump("disconnected"), "units/systemd-oomd.service.in": oomd("disconnected") });
  const dropRunlevels = h.commit("units: drop runlevel[0-6].target", { "units/meson.build": unitsMeson(false) });
  h.tag("v258-rc1");
  h.commit("NEWS: 258 release candidate 2", { NEWS: "systemd 257\nsystemd 258 (in development)\n" });
  h.tag("v258-rc2");
  h.commit("meson: version 258", { NEWS: "systemd 257\nsystemd 258\n" });
  h.tag("v258");

  // pull requests, as GitHub keeps them: refs/pull/N/head, on no branch
  const pull = (n: number, commits: [string, Record<string, string>][]): string => {
    h.git("checkout", "-q", "-b", `pr-${n}`, "v258");
    let head = "";
    for (const [message, files] of commits) head = h.commit(message, files);
    h.git("update-ref", `refs/pull/${n}/head`, head);
    h.git("checkout", "-q", "main");
    h.git("branch", "-q", "-D", `pr-${n}`);
    return head;
  };
  pull(30846, [["journal: again create user journals for users with high uids", { "src/basic/uid-classification.c": uidC(true) }]]);
  pull(38724, [["debug: disable ioctl(PIDFD_GET_INFO)", { "src/basic/pidfd-util.c": pidfdC(true) }]]);
  const pr38769 = pull(38769, [["core: create userdb root directory with correct label", { "src/core/varlink.c": coreVarlinkC(true) }]]);
  pull(38922, [
    ["json: add JSON_BUILD_PAIR_VARIANT_NON_EMPTY macro and fix", { "src/libsystemd/sd-json/json-util.h": jsonUtilH(true) }],
    ["varlink: refactor parameter handling with asymmetric empty objects", { "src/libsystemd/sd-varlink/sd-varlink.c": varlinkC({ refactored: true, debug: true }) }],
    ["varlink: add parameter validation to systemd service", { "src/shared/varlink-io.systemd.service.c": serviceC(true) }],
    ["varlink: update tests for canonical empty parameter", { "src/test/test-varlink.c": testC(true) }],
    ["sysext: fix varlink parameter handling", { "src/sysext/sysext.c": sysextC(true) }],
    ["man: document canonical empty parameter encoding behavior", { "man/sd-varlink.xml": manXml("Empty parameters are sent as {}.") }],
    ["varlink: address reviewer feedback", { "src/libsystemd/sd-varlink/sd-varlink.c": varlinkC({ refactored: true, debug: false }), "man/sd-varlink.xml": manXml("Empty parameters are always sent as {}.") }],
  ]);

  // main after v258
  h.commit("man: describe the new credential options", { "man/systemd.exec.xml": "<refentry id=\"systemd.exec\"/>\n" });
  // 38769 rebase-merged: the same change under a new id
  h.git("cherry-pick", pr38769);
  const rebased38769 = h.git("rev-parse", "HEAD");
  // 38922 squash-merged: the seven commits as one
  h.git("merge", "-q", "--squash", "refs/pull/38922/head");
  h.git("commit", "-q", "-m", "varlink: canonical empty parameters (#38922)");
  const squash = h.git("rev-parse", "HEAD");
  h.tag("v259-rc1");
  const runlevelsBack = h.commit("units: bring back runlevel[0-6].target for compatibility", { "units/meson.build": unitsMeson(true), NEWS: "systemd 257\nsystemd 258\nsystemd 259: runlevel targets are back\n" });
  h.tag("v259-rc2");
  h.commit("meson: version 259", { NEWS: "systemd 257\nsystemd 258\nsystemd 259\n" });
  h.tag("v259");

  // the 258 stable branch
  h.git("checkout", "-q", "-b", "v258-stable", "v258");
  for (let k = 1; k <= 5; k++) {
    h.commit(`stable: 258.${k}`, { [`NEWS.stable`]: `${lines(k, "258.").join("\n")}\n` });
    h.tag(`v258.${k}`);
  }
  h.commit("sd-varlink: check the connection before sanitizing", { "src/libsystemd/sd-varlink/sd-varlink.c": varlinkC({ refactored: false, debug: false, stableFix: true }) });
  h.commit("stable: 258.6", { "NEWS.stable": `${lines(6, "258.").join("\n")}\n` });
  h.tag("v258.6");
  h.git("cherry-pick", "-x", squash);
  const backport = h.git("rev-parse", "HEAD");
  h.commit("stable: 258.7", { "NEWS.stable": `${lines(7, "258.").join("\n")}\n` });
  h.tag("v258.7");
  h.git("checkout", "-q", "main");

  // the downstream patches: the pull requests' .patch files, and Fedora's reverts made in its own clone
  const formatPatch = (range: string) => h.git("format-patch", "--stdout", range) + "\n";
  const patches: Record<string, string> = {
    "26494.patch": "From 0000000000000000000000000000000000000001 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] initrd: run generators directly\n\n---\ndiff --git a/README b/README\n--- a/README\n+++ b/README\n@@ -1 +1 @@\n-a\n+b\n",
    "30846.patch": formatPatch("v258..refs/pull/30846/head"),
    "38724.patch": formatPatch("v258..refs/pull/38724/head"),
    "38769.patch": formatPatch("v258..refs/pull/38769/head"),
    "38922.patch": formatPatch("v258..refs/pull/38922/head"),
  };
  const fedora = join(root, "fedora-work");
  execFileSync("git", ["clone", "-q", dir, fedora], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } });
  const work = new HistoryBuilder(fedora, { init: false });
  work.git("checkout", "-q", "-b", "f43", "v258.4");
  work.git("revert", "--no-edit", privateTmp);
  patches["0001-Revert-units-use-PrivateTmp-disconnected-instead-of-.patch"] = work.git("format-patch", "--stdout", "-1", "HEAD") + "\n";
  work.git("revert", "--no-edit", dropRunlevels);
  patches["0001-Revert-units-drop-runlevel-0-6-.target.patch"] = work.git("format-patch", "--stdout", "-1", "HEAD") + "\n";

  const pulls: Record<number, FakePull> = {
    30846: { state: "open", title: "journal: again create user journals for users with high uids" },
    38724: { state: "closed", title: "debug: disable ioctl(PIDFD_GET_INFO)" },
    38769: { state: "closed", merged: true, merge_commit_sha: rebased38769, title: "core: create userdb root directory with correct label" },
    38922: { state: "closed", merged: true, merge_commit_sha: squash, title: "userdb: omit empty parameters field in JSON messages" },
  };
  return { root, gitDir: join(dir, ".git"), pulls, patches, commits: { squash, backport, rebased38769, runlevelsBack, privateTmp } };
}

const SPEC = `Name:           systemd
Url:            https://systemd.io
Version:        258.4
Release:        2%{?dist}
Summary:        System and Service Manager
License:        LGPL-2.1-or-later

%if %{undefined branch} && %{undefined commit}
Source0:        https://github.com/systemd/systemd/archive/v%{version_no_tilde}/%{name}-%{version_no_tilde}.tar.gz
%endif

%if 0%{?fedora} < 40 && 0%{?rhel} < 10
# Work-around for dracut issue: run generators directly when we are in initrd
# https://bugzilla.redhat.com/show_bug.cgi?id=2164404
# Drop when dracut-060 is available.
Patch:          https://github.com/systemd/systemd/pull/26494.patch
%endif

# Temporarily drop use of PrivateTmp=disconnected. This is causing failures
# in various places:
# https://bugzilla.redhat.com/show_bug.cgi?id=2334015
# https://github.com/coreos/fedora-coreos-tracker/issues/1857
Patch:          0001-Revert-units-use-PrivateTmp-disconnected-instead-of-.patch

# https://bugzilla.redhat.com/show_bug.cgi?id=2251843
Patch:          https://github.com/systemd/systemd/pull/30846.patch

# Workaround for a kernel issue. Fixed in kernel-core-6.17.0-0.rc3.31.fc44.x86_64.
Patch:          https://github.com/systemd/systemd/pull/38724.patch

# Again create runlevelX.target. Dropping those files breaks upgrades.
# https://bugzilla.redhat.com/show_bug.cgi?id=2411195
Patch:          0001-Revert-units-drop-runlevel-0-6-.target.patch

# userdb: create userdb root directory with correct label
# We can drop this after SELinux policy is updated to handle the transition.
Patch:          https://github.com/systemd/systemd/pull/38769.patch

# userdb: omit empty parameters field in JSON messages
Patch:          https://github.com/systemd/systemd/pull/38922.patch

%description
System and Service Manager.

%prep
%autosetup -p1

%build
%meson

%files
%{_bindir}/systemctl

%changelog
* Tue Feb 03 2026 Fedora Packager <fp@example.org> - 258.4-2
- Rebuilt
`;

/** An Azure Linux 4.0-style distro repository whose systemd inherits Fedora 43's spec and its seven patches. */
export function writeSystemdDistro(dir: string, patches: Record<string, string>): void {
  const files: Record<string, string> = {
    "azldev.toml": 'includes = ["distro/distro.toml", "base/comps/components.toml"]\n\n[project]\ndescription = "systemd tracking fixture"\ndefault-distro = { name = "azurelinux" }\nrendered-specs-dir = "specs"\n',
    "distro/distro.toml": [
      "[distros.azurelinux]",
      'description = "Azure Linux"',
      'default-version = "4.0"',
      "",
      "[distros.azurelinux.versions.'4.0']",
      'description = "Azure Linux 4.0"',
      'release-ver = "4.0"',
      "",
      "[distros.azurelinux.versions.'4.0'.default-component-config]",
      'spec = { type = "upstream", upstream-distro = { name = "fedora", version = "43", snapshot = "2026-02-24T00:00:00-08:00" } }',
      "",
      "[distros.fedora]",
      'description = "Fedora Linux"',
      'default-version = "43"',
      'dist-git-base-uri = "https://src.fedoraproject.org/rpms/$pkg.git"',
      "",
      "[distros.fedora.versions.43]",
      'description = "Fedora Linux 43"',
      'release-ver = "43"',
      'dist-git-branch = "f43"',
      "",
    ].join("\n"),
    "base/comps/components.toml": "[components.systemd]\n",
    "specs/s/systemd/systemd.spec": SPEC,
  };
  for (const [name, text] of Object.entries(patches)) files[`specs/s/systemd/${name}`] = text;
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}
