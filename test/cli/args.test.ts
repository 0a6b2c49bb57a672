import { describe, expect, it } from "vitest";
import { scanOptions } from "../../src/cli/args.js";
import { UsageError } from "../../src/cli/io.js";

function scan(args: string[]) {
  const seen: Array<[string, string | boolean]> = [];
  const outcome = scanOptions(args, "usage: x", (option) => {
    if (option.flag === "--repo" || option.flag === "--ref") {
      seen.push([option.flag, option.value()]);
      return true;
    }
    if (option.flag === "--json") {
      option.noValue();
      seen.push([option.flag, true]);
      return true;
    }
    return false;
  });
  return { outcome, seen };
}

describe("scanOptions", () => {
  it("takes values separated or inline, and bare flags", () => {
    expect(scan(["--repo", "/srv/azl", "--ref=tomls/base/main", "--json"]).seen).toEqual([
      ["--repo", "/srv/azl"],
      ["--ref", "tomls/base/main"],
      ["--json", true],
    ]);
  });

  it("answers help wherever it stands", () => {
    expect(scan(["--repo", "r", "-h"]).outcome).toBe("help");
    expect(scan(["--help"]).outcome).toBe("help");
  });

  it("reports misuse as usage errors naming the option", () => {
    expect(() => scan(["--repo"])).toThrow(UsageError);
    expect(() => scan(["--repo"])).toThrow(/--repo needs a value/);
    expect(() => scan(["--ref="])).toThrow(/--ref needs a value/);
    expect(() => scan(["--json=yes"])).toThrow(/--json takes no value/);
    expect(() => scan(["--frobnicate"])).toThrow(/unknown option '--frobnicate'/);
  });
});

describe("scanOptions with positional arguments", () => {
  it("collects names, takes everything after -- as a name, and refuses a repeated single option", () => {
    const names: string[] = [];
    const values: string[] = [];
    const handle = (option: { flag: string; value(): string }) => {
      if (option.flag !== "--repo") return false;
      values.push(option.value());
      return true;
    };
    scanOptions(["systemd", "--repo", "/srv/azl", "curl", "--", "--weird-name"], "usage: x", handle, { positional: (n) => names.push(n), once: ["--repo"] });
    expect(names).toEqual(["systemd", "curl", "--weird-name"]);
    expect(values).toEqual(["/srv/azl"]);
    expect(() => scanOptions(["--repo", "a", "--repo=b"], "usage: x", handle, { once: ["--repo"] })).toThrow(/--repo given twice/);
    expect(() => scanOptions(["systemd"], "usage: x", handle)).toThrow(/unexpected argument 'systemd'/);
  });
});
