/** dist-git origins built with git in a temporary directory, served through file:// URLs. */
import { join } from "node:path";
import type { Distro, DistroVersion } from "../../src/azldev/types.js";
import type { UpstreamRequest } from "../../src/upstream/index.js";
import { runGitSync, TestRepo } from "../repo/git-fixture.js";

export const FEDORA_SPEC = (version: string, release: string) => `Name:           foo
Version:        ${version}
Release:        ${release}
Summary:        A realistic little package
License:        MIT
URL:            https://example.org/foo
Source0:        %{url}/releases/foo-%{version}.tar.gz
Source1:        foo.sysusers
Patch0:         foo-fix-build.patch

%if 0%{?fedora} >= 42
BuildRequires:  gcc
%endif

%description
Foo does things.

%package devel
Summary: Development files for foo
Requires: %{name}%{?_isa} = %{version}-%{release}

%description devel
Headers.

%prep
%autosetup -p1

%build
%make_build

%install
%make_install

%check
make test

%files
%license LICENSE
%{_bindir}/foo

%files devel
%{_includedir}/foo.h

%changelog
%autochangelog
`;

export interface Origin {
  /** the bare repository served as file://…/rpms/<name>.git */
  bare: string;
  work: TestRepo;
  /** commit ids on f43 in first-parent order, oldest first */
  f43: string[];
  /** a commit only reachable through a merge's second parent */
  sideCommit: string;
  rawhideHead: string;
}

const PACKAGER = { name: "Fedora Packager", email: "packager@fedoraproject.org" };

/**
 * foo's history on f43: four first-parent commits on 2025-01-10, 02-10, 03-10 (a merge of a side
 * branch committed on 03-01) and 04-10; rawhide has one more commit.
 */
export function buildFooOrigin(base: string, options: { allowFilter?: boolean } = {}): Origin {
  const work = TestRepo.init(join(base, "work-foo"), "f43");
  const f43: string[] = [];
  f43.push(
    work.commit(
      "Initial import (fedora#1234)",
      { "foo.spec": FEDORA_SPEC("1.0", "%autorelease"), sources: "SHA512 (foo-1.0.tar.gz) = 11\n", "foo.sysusers": "u foo - - /\n", ".gitignore": "/foo-*.tar.gz\n" },
      { date: "2025-01-10T12:00:00+02:00", author: PACKAGER },
    ),
  );
  f43.push(
    work.commit(
      "Update to 1.1\n\nUpstream release notes: https://example.org/foo/1.1\n",
      { "foo.spec": FEDORA_SPEC("1.1", "%autorelease"), sources: "SHA512 (foo-1.1.tar.gz) = 22\n", "foo-fix-build.patch": "--- a/Makefile\n+++ b/Makefile\n@@ -1 +1 @@\n-CC=cc\n+CC=gcc\n" },
      { date: "2025-02-10T08:30:00-05:00", author: { name: "Ünïcode Maintainer", email: "umaint@example.org" } },
    ),
  );
  work.git(["checkout", "-q", "-b", "side"]);
  const sideCommit = work.commit("Side fix", { "tests/smoke.fmf": "summary: smoke\n" }, { date: "2025-03-01T00:00:00Z", author: PACKAGER });
  work.git(["checkout", "-q", "f43"]);
  work.git(["merge", "-q", "--no-ff", "-m", "Merge branch side", "side"], { date: "2025-03-10T00:00:00Z", author: PACKAGER });
  f43.push(work.head());
  f43.push(work.commit("Rebuild with fixed patch", { "foo.spec": FEDORA_SPEC("1.1", "%autorelease -b 2") }, { date: "2025-04-10T00:00:00Z", author: PACKAGER }));
  work.git(["checkout", "-q", "-b", "rawhide"]);
  const rawhideHead = work.commit("Update to 2.0", { "foo.spec": FEDORA_SPEC("2.0", "%autorelease") }, { date: "2025-05-01T00:00:00Z", author: PACKAGER });
  work.git(["checkout", "-q", "f43"]);
  const bare = join(base, "rpms", "foo.git");
  runGitSync(base, ["clone", "-q", "--bare", work.dir, bare]);
  if (options.allowFilter) {
    runGitSync(bare, ["config", "uploadpack.allowFilter", "true"]);
    runGitSync(bare, ["config", "uploadpack.allowAnySHA1InWant", "true"]);
  }
  return { bare, work, f43, sideCommit, rawhideHead };
}

export function fedora(base: string): Distro {
  return {
    name: "fedora",
    distGitBaseUri: `file://${base}/rpms/$pkg.git`,
    lookasideBaseUri: "https://src.fedoraproject.org/repo/pkgs/$pkg/$filename/$hashtype/$hash/$filename",
    defaultVersion: "43",
    versions: {
      "43": { name: "43", distGitBranch: "f43", releaseVer: "43" },
      rawhide: { name: "rawhide", distGitBranch: "rawhide" },
      "44": { name: "44", distGitBranch: "f44" },
    },
  };
}

export function request(distro: Distro, overrides: Partial<UpstreamRequest> & { versionName?: string } = {}): UpstreamRequest {
  const { versionName = "43", ...rest } = overrides;
  return {
    component: "foo",
    upstreamName: "foo",
    distro,
    version: distro.versions[versionName] as DistroVersion,
    ...rest,
  };
}

export const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));
