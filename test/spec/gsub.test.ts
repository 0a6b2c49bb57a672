import { describe, expect, it } from "vitest";
import { expandMacros } from "../../src/spec/macros.js";

describe("%{gsub …}", () => {
  it("expands systemd's %version_no_tilde, so Source0 names the upstream tag", () => {
    const table = { version: "258~rc3", version_no_tilde: "%{gsub %version ~ -}" };
    const source = expandMacros("https://github.com/systemd/systemd/archive/v%{version_no_tilde}/systemd-%{version_no_tilde}.tar.gz", table);
    expect(source).toMatchObject({ value: "https://github.com/systemd/systemd/archive/v258-rc3/systemd-258-rc3.tar.gz", complete: true });
    expect(expandMacros("%{gsub %{version} %. _}", { version: "1.2.3" }).value).toBe("1_2_3");
    // no replacement: the pattern is removed (Fedora's %version_no_tilde without arguments)
    expect(expandMacros("%{gsub %{version} ~}", { version: "259~rc1" }).value).toBe("259rc1");
  });

  it("leaves a Lua pattern it cannot honour unexpanded, and says so", () => {
    const r = expandMacros("%{gsub %version [0-9]+ X}", { version: "1.2" });
    expect(r.complete).toBe(false);
    expect(r.value).toBe("%{gsub %version [0-9]+ X}");
  });
});
