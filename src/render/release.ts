import type { ReleaseCalculation } from "../azldev/types.js";
import { goQuote, wrapError } from "./go-format.js";
import { lastMainReleaseValue, specLines } from "./spec-lines.js";

/** Release tag values that use `%autorelease` (not `%{autorelease_x}`, not forms with a `:` fallback). */
const AUTORELEASE_PATTERN = /%(\{[?]?autorelease($|[}\s])|autorelease($|\s))/;
const STATIC_RELEASE_PATTERN = /^(\d+)(%\{\??dist\})?$/;

export function releaseUsesAutorelease(value: string): boolean {
  return AUTORELEASE_PATTERN.test(value);
}

export class ReleaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReleaseError";
  }
}

/** Adds `count` to a static release (`N`, `N%{?dist}`, `N%{dist}`); azldev's error otherwise. */
export function bumpStaticRelease(value: string, count: number): string {
  const match = STATIC_RELEASE_PATTERN.exec(value);
  if (!match) throw new ReleaseError(`release value ${goQuote(value)} does not start with an integer`);
  return `${Number.parseInt(match[1] as string, 10) + count}${match[2] ?? ""}`;
}

export type ReleaseDecision =
  | { action: "keep"; reason: "no-changes" | "manual" | "autorelease" | "uses-autorelease" }
  | { action: "bump"; from: string; to: string };

/**
 * What the release calculation does to a spec after `count` synthetic changes (AZLDEV.md §4.8 step 6),
 * with azldev's error texts for specs it cannot bump.
 */
export function decideRelease(
  component: string,
  calculation: ReleaseCalculation | string,
  spec: string,
  count: number,
): ReleaseDecision {
  if (count === 0) return { action: "keep", reason: "no-changes" };
  if (calculation === "manual") return { action: "keep", reason: "manual" };
  if (calculation === "autorelease") return { action: "keep", reason: "autorelease" };
  if (calculation !== "auto" && calculation !== "static") {
    throw new ReleaseError(`component ${goQuote(component)} has unknown release calculation mode ${goQuote(calculation)}`);
  }
  const specPath = `${component}.spec`;
  const value = lastMainReleaseValue(specLines(spec));
  if (value === undefined || value === "") {
    throw new ReleaseError(
      wrapError(
        `failed to read Release tag for component ${goQuote(component)}`,
        `release tag not found in spec ${goQuote(specPath)}:\nno such tag`,
      ),
    );
  }
  if (releaseUsesAutorelease(value)) {
    if (calculation === "static") {
      throw new ReleaseError(
        `component ${goQuote(component)} has 'release.calculation = "static"' but its Release tag uses %autorelease; ` +
          `set 'release.calculation = "autorelease"' instead`,
      );
    }
    return { action: "keep", reason: "uses-autorelease" };
  }
  let bumped: string;
  try {
    bumped = bumpStaticRelease(value, count);
  } catch (error) {
    throw new ReleaseError(
      wrapError(
        `component ${goQuote(component)} has a non-standard Release tag value ${goQuote(value)} that cannot be auto-bumped; ` +
          `set 'release.calculation = "manual"' in the component configuration and add a "spec-set-tag" overlay for the Release tag if needed`,
        (error as Error).message,
      ),
    );
  }
  return { action: "bump", from: value, to: bumped };
}
