import { parseSpec, specMacros } from "../spec/index.js";
import { specLines, tagLines } from "./spec-lines.js";

/**
 * A spec's `Epoch`/`Version` and `%autorelease` flags, as rpmautospec queries them (through rpm) for
 * every commit, evaluated with the spec model's bounded macro expander: nothing is executed, and an
 * unresolvable reference stays as written, as rpm prints it.
 */

export interface VersionFlags {
  /** "E:V" or "V"; undefined when the spec has no usable Version */
  epochVersion?: string;
  prerelease: boolean;
  extraver?: string;
  snapinfo?: string;
  base: number;
}

function parseAutoreleaseFlags(release: string): Omit<VersionFlags, "epochVersion"> | undefined {
  const match = /%(?:\{\??autorelease(?:\s+([^}]*))?\}|autorelease((?:\s+\S+)*)\s*$)/.exec(release);
  if (!match) return undefined;
  const args = (match[1] ?? match[2] ?? "").trim().split(/\s+/).filter((a) => a !== "");
  const flags: Omit<VersionFlags, "epochVersion"> = { prerelease: false, base: 1 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "-p") flags.prerelease = true;
    else if (arg === "-n") continue;
    else if (arg === "-e" || arg === "-s" || arg === "-b") {
      const value = args[i + 1];
      i++;
      if (value === undefined) continue;
      if (arg === "-e") flags.extraver = value;
      else if (arg === "-s") flags.snapinfo = value;
      else if (/^\d+$/.test(value)) flags.base = Number.parseInt(value, 10);
    }
  }
  return flags;
}

export function evaluateVersionFlags(specText: string): VersionFlags {
  const lines = specLines(specText);
  const mainTags = tagLines(lines).filter((t) => t.package === "");
  const releases = mainTags.filter((t) => t.name.toLowerCase() === "release");
  const flags = parseAutoreleaseFlags(releases[releases.length - 1]?.value ?? "") ?? { prerelease: false, base: 1 };
  // The spec model's walk follows the branches rpm takes and expands tags as rpm reads them.
  const table = specMacros(parseSpec(specText));
  const version = table.get("version");
  if (typeof version !== "string" || version.trim() === "") return { ...flags };
  const epoch = table.get("epoch");
  const expandedEpoch = typeof epoch === "string" ? epoch.trim() : "";
  return { ...flags, epochVersion: expandedEpoch ? `${expandedEpoch}:${version.trim()}` : version.trim() };
}
