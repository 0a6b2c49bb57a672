/**
 * azldev's load-time overlay rules (AZLDEV.md §1.13, §3.4) and overlay metadata rules.
 * Messages follow azldev's wording: "overlay type `T` requires `tag` field: <description>".
 */
import { RE2JS } from "re2js";
import { validateGlob } from "../glob/index.js";
import { OVERLAY_TYPES, type Overlay, type OverlayMetadata } from "./types.js";

const ARCHIVE_TYPES = new Set(["file-remove", "file-search-replace"]);
const ARCHIVE_SUFFIXES = [".tar.gz", ".tar.xz", ".tar.zst", ".tgz", ".txz", ".tzst", ".tar"];
const SECTION_REQUIRED_WITH_PACKAGE = new Set(["spec-prepend-lines", "spec-append-lines", "spec-search-replace"]);

/** A reason string when the overlay breaks one of azldev's load-time rules, else undefined. */
export function checkOverlayRules(overlay: Overlay): string | undefined {
  const type = overlay.type;
  const desc = overlay.description ? overlay.description : "(no description)";
  const missing = (field: string) => `overlay type \`${type}\` requires \`${field}\` field: ${desc}`;
  const relativePath = (field: string, value: string | undefined): string | undefined => {
    if (!value) return missing(field);
    if (value.startsWith("/")) return `overlay type \`${type}\` requires \`${field}\` to be a relative path; found \`${value}\``;
    return undefined;
  };
  const regex = (): string | undefined => {
    if (!overlay.regex) return missing("regex");
    const problem = checkRegex(overlay.regex);
    return problem ? `invalid regex \`${overlay.regex}\` in overlay "${desc}": ${problem}` : undefined;
  };

  if (!(OVERLAY_TYPES as readonly string[]).includes(type)) {
    return `unknown overlay type \`${type}\`: "${desc}" (known types: ${OVERLAY_TYPES.join(", ")})`;
  }

  if (overlay.archive !== undefined && overlay.archive !== "") {
    if (!ARCHIVE_TYPES.has(type)) return `overlay type \`${type}\` does not support archive-scoped file paths: ${desc}`;
    if (!overlay.file) return `overlay type \`${type}\` with \`archive\` requires \`file\` field: ${desc}`;
    const archive = overlay.archive;
    if (archive.includes("/") || archive.includes("\\") || archive === "." || archive === "..") {
      return `overlay type \`${type}\` has an unsafe archive name \`${archive}\`: ${desc}`;
    }
    if (!ARCHIVE_SUFFIXES.some((suffix) => archive.endsWith(suffix) && archive.length > suffix.length)) {
      return `overlay archive \`${archive}\` is not a recognized archive name (${ARCHIVE_SUFFIXES.join(", ")}): ${desc}`;
    }
  }

  if (overlay.package && !overlay.section && SECTION_REQUIRED_WITH_PACKAGE.has(type)) {
    return `overlay type \`${type}\` requires \`section\` field when \`package\` is set: ${desc}`;
  }

  switch (type) {
    case "spec-add-tag":
    case "spec-insert-tag":
    case "spec-set-tag":
    case "spec-update-tag":
      if (!overlay.tag) return missing("tag");
      if (!overlay.value) return missing("value");
      return undefined;
    case "spec-remove-tag":
      return overlay.tag ? undefined : missing("tag");
    case "spec-prepend-lines":
    case "spec-append-lines":
      return overlay.lines && overlay.lines.length > 0 ? undefined : missing("lines");
    case "spec-search-replace":
      return regex();
    case "spec-remove-section":
      return overlay.section ? undefined : missing("section");
    case "spec-remove-subpackage":
      if (!overlay.package) return missing("package");
      if (overlay.section) return `overlay type \`${type}\` does not accept \`section\` field: ${desc}`;
      return undefined;
    case "patch-add":
      if (!overlay.source) return missing("source");
      return overlay.file ? relativePath("file", overlay.file) : undefined;
    case "patch-remove": {
      const problem = relativePath("file", overlay.file);
      if (problem) return problem;
      return validateGlob(overlay.file as string) ? `invalid glob pattern \`${overlay.file}\` in overlay "${desc}"` : undefined;
    }
    case "file-prepend-lines":
      return relativePath("file", overlay.file) ?? (overlay.lines && overlay.lines.length > 0 ? undefined : missing("lines"));
    case "file-search-replace":
      return relativePath("file", overlay.file) ?? regex();
    case "file-add":
      return relativePath("file", overlay.file) ?? (overlay.source ? undefined : missing("source"));
    case "file-remove":
      return relativePath("file", overlay.file);
    case "file-rename": {
      const problem = relativePath("file", overlay.file);
      if (problem) return problem;
      if (!overlay.replacement) return missing("replacement");
      if (overlay.replacement.includes("/")) {
        return `overlay type \`${type}\` requires \`replacement\` to be a filename only (not a path); found \`${overlay.replacement}\``;
      }
      return undefined;
    }
  }
  return undefined;
}

/** RE2 compile check (Go regexp syntax): the compiler's message when the pattern is rejected. */
export function checkRegex(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export const OVERLAY_CATEGORIES = [
  "upstream-backport",
  "azl-pruning",
  "azl-compatibility",
  "azl-temp-workaround",
  "azl-branding-policy",
  "azl-disable-flaky-tests",
  "azl-disable-unsupported-tests",
  "azl-security-compliance",
  "azl-release-management",
  "azl-platform-adaptation",
] as const;

export const OVERLAY_UPSTREAM_STATUSES = ["upstreamed", "upstreamable", "needs-upstream-hook", "inapplicable", "unknown"] as const;

/** A reason string when overlay metadata breaks azldev's rules, else undefined. */
export function checkOverlayMetadata(metadata: OverlayMetadata): string | undefined {
  const category = metadata.category;
  if (!category) return "'metadata' requires 'category'";
  if (!(OVERLAY_CATEGORIES as readonly string[]).includes(category)) {
    return `unknown overlay category \`${category}\` (known: ${OVERLAY_CATEGORIES.join(", ")})`;
  }
  if (category === "upstream-backport" && (metadata.commits ?? []).length === 0) {
    return "overlay category `upstream-backport` requires at least one entry in 'commits'";
  }
  const status = metadata["upstream-status"];
  if (!status) return "'metadata' requires 'upstream-status'";
  if (!(OVERLAY_UPSTREAM_STATUSES as readonly string[]).includes(status)) {
    return `unknown overlay upstream-status \`${status}\` (known: ${OVERLAY_UPSTREAM_STATUSES.join(", ")})`;
  }
  if (category === "upstream-backport" && status !== "upstreamed" && status !== "upstreamable") {
    return `overlay category \`upstream-backport\` implies the change is already upstream or upstreamable; 'upstream-status' value \`${status}\` is contradictory (allowed: \`upstreamed\` or \`upstreamable\`)`;
  }
  for (const field of ["commits", "bugs"] as const) {
    for (const url of metadata[field] ?? []) {
      if (!isHttpUrl(url)) return `'${field}' entry \`${url}\` must be an http(s) URL`;
    }
  }
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}
