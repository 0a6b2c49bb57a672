/** The Nix adapter: inventory of package and NixOS configuration repos, verdicts, pull request review. */
export { parseNix, nixParser, NixParseRefused, MAX_NIX_FILE_BYTES, type ParsedNix, type NixSyntaxError } from "./parser.js";
export { compareVersions, versionOlder, versionAtLeast, splitVersion, isReleaseVersion, scaleMismatch } from "./version.js";
export { nixInventory, detectNixKind, type NixInventoryOptions } from "./inventory.js";
export { packagesOf } from "./package-inventory.js";
export { configFactsOf, readFlakeLock } from "./config-inventory.js";
export { readNote, type NixNote } from "./notes.js";
export { trackNix, assessNixPatch, assessNixWorkaround, tagFor, guardHolds, pinnedNixpkgs, NixForgeSession, type NixTrackOptions } from "./verdicts.js";
export type * from "./types.js";
export { reviewNixChange, type NixReviewInput } from "./review.js";
