import { describe, expect, it } from "vitest";
import { listSourcesAndPatches, parseSpec, sourceFileName } from "../../src/spec/index.js";

describe("sourceFileName: spectool's output, azldev's rule", () => {
  it.each([
    ["https://files.pythonhosted.org/packages/source/r/requests/requests-2.32.3.tar.gz", "requests-2.32.3.tar.gz"],
    ["https://github.com/systemd/systemd/pull/33.patch#/systemd-fix-crash.patch", "systemd-fix-crash.patch"],
    ["https://github.com/libffi/libffi/archive/v3.4.6/libffi-3.4.6.tar.gz#./libffi.tgz", "libffi.tgz"],
    ["https://github.com/o/r/blob/main/fix-build.patch?raw=true", "fix-build.patch"],
    ["https://gitlab.com/o/r/-/commit/0123abc.diff?full_index=1#/0001-fix.patch", "0001-fix.patch"],
    ["https://example.org/dl/a%20b.tar.gz", "a b.tar.gz"],
    ["https://example.org/dl/bash-5.2.tar.gz#sha256", "bash-5.2.tar.gz"],
    ["bash-5.2-fix-locale.patch", "bash-5.2-fix-locale.patch"],
    ["./bash.sysusers", "bash.sysusers"],
    ["patches/sub/../0001-fix.patch", "patches/0001-fix.patch"],
    ["%{name}-%{version}.tar.gz", "%{name}-%{version}.tar.gz"],
    [" widget.sysusers\t", "widget.sysusers"],
  ])("%s → %s", (value, name) => {
    expect(sourceFileName(value)).toBe(name);
  });

  it.each(["/usr/share/doc/x.patch", "../outside.patch", ".", "/", "  ", "https://example.org/", "https://example.org/x.tgz#/"])(
    "%s names no file of the component",
    (value) => {
      expect(sourceFileName(value)).toBeUndefined();
    },
  );

  it("keeps `%{` in a value whose scheme a macro hides, as azldev does (it then skips its file filter)", () => {
    expect(sourceFileName("%{forgeurl}/archive/v1.0/foo-1.0.tar.gz#/foo-1.0.tar.gz")).toBe("%{forgeurl}/archive/v1.0/foo-1.0.tar.gz#/foo-1.0.tar.gz");
  });
});

describe("sourceFileName: values as written", () => {
  const asWritten = { asWritten: true } as const;

  it("honours the rename fragment when a macro hides the scheme", () => {
    expect(sourceFileName("%{forgeurl}/archive/v%{version}.tar.gz#/%{name}-%{version}.tar.gz", asWritten)).toBe("%{name}-%{version}.tar.gz");
    expect(sourceFileName("%{url}/pull/12.patch#/%{name}-pr12.patch", asWritten)).toBe("%{name}-pr12.patch");
    expect(sourceFileName("%{url}/archive/%{commit}.tar.gz#./snapshot.tar.gz", asWritten)).toBe("snapshot.tar.gz");
  });

  it("otherwise reads the value like spectool's output", () => {
    expect(sourceFileName("  https://github.com/o/r/pull/7.patch#/r-pr7.patch ", asWritten)).toBe("r-pr7.patch");
    expect(sourceFileName("https://github.com/o/%{name}/archive/v%{version}/%{name}-%{version}.tar.gz", asWritten)).toBe("%{name}-%{version}.tar.gz");
    expect(sourceFileName("https://github.com/o/r/raw/main/x.patch?raw=true", asWritten)).toBe("x.patch");
    expect(sourceFileName("%{name}-%{version}.tar.gz", asWritten)).toBe("%{name}-%{version}.tar.gz");
    expect(sourceFileName("%{url}/archive/%{version}.tar.gz", asWritten)).toBe("%{url}/archive/%{version}.tar.gz");
    expect(sourceFileName("./fix-build.patch", asWritten)).toBe("fix-build.patch");
    expect(sourceFileName("%{url}/x.tgz#sha256", asWritten)).toBe("%{url}/x.tgz#sha256");
    expect(sourceFileName("/etc/pki/key.asc", asWritten)).toBeUndefined();
    expect(sourceFileName("   ", asWritten)).toBeUndefined();
  });
});

describe("the listing names files by the same rule", () => {
  it("fills fileName from the expanded value", () => {
    const spec = parseSpec(
      [
        "Name: widget",
        "Version: 2.1",
        "URL: https://github.com/acme/widget",
        "Source0: %{url}/archive/v%{version}/%{name}-%{version}.tar.gz",
        "Source1: %{forgeurl}/widget.conf#/widget-default.conf",
        "Patch0: %{url}/pull/41.patch#/widget-pr41.patch",
        "Patch1: widget-2.1-fix-build.patch",
        "Patch2: https://github.com/acme/widget/blob/main/fix.patch?raw=true",
        "",
      ].join("\n"),
    );
    const entries = listSourcesAndPatches(spec);
    expect(entries.map((e) => e.fileName)).toEqual([
      "widget-2.1.tar.gz",
      "%{forgeurl}/widget.conf#/widget-default.conf",
      "widget-pr41.patch",
      "widget-2.1-fix-build.patch",
      "fix.patch",
    ]);
    const unknown = entries[1];
    expect(unknown?.unexpandable).toBeDefined();
    expect(sourceFileName(unknown?.value ?? "", { asWritten: true })).toBe("widget-default.conf");
  });
});
