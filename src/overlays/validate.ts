/**
 * Per-overlay validation with azldev's rules and messages (projectconfig/overlay.go): required and
 * forbidden fields per type, relative paths, regexes that RE2 cannot compile, glob syntax, archive
 * names. Also refuses `file` paths that climb out of the component directory.
 */
import { OVERLAY_TYPES, type Overlay } from "../azldev/types.js";
import { validateGlob } from "../glob/index.js";
import { goQ, goQQ } from "../spec/text.js";
import { regexError } from "./regex.js";

export const ARCHIVE_EXTENSIONS = [".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".tar"] as const;

export interface ValidateOptions {
  /** compile regexes too (default true); azldev's editor reports a bad regex itself at apply time */
  checkRegex?: boolean;
}

/** Why the overlay is invalid, or undefined when it is valid. */
export function validateOverlay(overlay: Overlay, options: ValidateOptions = {}): string | undefined {
  const checkRegex = options.checkRegex !== false;
  const type = String(overlay.type ?? "");
  const desc = overlay.description ? overlay.description : "(no description)";
  const requires = (field: string) => `overlay type ${goQ(type)} requires ${goQ(field)} field: ${desc}`;
  const forbids = (field: string) => `overlay type ${goQ(type)} does not accept ${goQ(field)} field: ${desc}`;
  const file = overlay.file ?? "";
  const section = overlay.section ?? "";
  const pkg = overlay.package ?? "";

  if (!(OVERLAY_TYPES as readonly string[]).includes(type)) return `unknown overlay type ${goQ(type)}: ${goQ(desc)}`;

  if (overlay.archive) {
    if (type !== "file-remove" && type !== "file-search-replace") return forbids("archive");
    const archive = overlay.archive;
    if (archive !== basename(archive) || archive === "." || archive === "..") {
      return `overlay type ${goQ(type)} requires ${goQ("archive")} to be a filename only (not a path); found ${goQ(archive)}`;
    }
    if (!ARCHIVE_EXTENSIONS.some((ext) => archive.endsWith(ext) && archive.length > ext.length)) {
      return `overlay type ${goQ(type)} requires ${goQ("archive")} to be a recognized archive name (${ARCHIVE_EXTENSIONS.join(", ")}); found ${goQ(archive)}: ${desc}`;
    }
  }

  const regex = (): string | undefined => {
    const re = overlay.regex ?? "";
    if (re === "") return requires("regex");
    if (checkRegex) {
      const error = regexError(re);
      if (error !== undefined) return `invalid regex ${goQ(re)} in overlay ${goQQ(desc)}:\n${error}`;
    }
    return undefined;
  };
  const sectionIfPackage = (): string | undefined =>
    section === "" && pkg !== "" ? `overlay type ${goQ(type)} requires ${goQ("section")} field when ${goQ("package")} is set: ${desc}` : undefined;
  const relative = (value: string): string | undefined => {
    if (value === "") return requires("file");
    if (value.startsWith("/")) return `overlay type ${goQ(type)} requires ${goQ("file")} to be a relative path; found ${goQ(value)}`;
    if (escapes(value)) return `overlay type ${goQ(type)} requires ${goQ("file")} to stay inside the component directory; found ${goQ(value)}`;
    return undefined;
  };
  const fileBasename = (field: string, value: string): string | undefined => {
    if (value === "") return requires(field);
    if (value !== basename(value)) {
      return `overlay type ${goQ(type)} requires ${goQ(field)} to be a filename only (not a path); found ${goQ(value)}`;
    }
    return undefined;
  };

  switch (type) {
    case "spec-add-tag":
    case "spec-insert-tag":
    case "spec-set-tag":
    case "spec-update-tag":
    case "spec-remove-tag":
      if (!overlay.tag) return requires("tag");
      if (type !== "spec-remove-tag" && !overlay.value) return requires("value");
      return undefined;
    case "spec-prepend-lines":
    case "spec-append-lines":
      if (!overlay.lines || overlay.lines.length === 0) return requires("lines");
      return sectionIfPackage();
    case "spec-search-replace":
      return regex() ?? sectionIfPackage();
    case "file-prepend-lines":
      return relative(file) ?? (!overlay.lines || overlay.lines.length === 0 ? requires("lines") : undefined);
    case "file-search-replace":
      return relative(file) ?? regex();
    case "file-add":
      return relative(file) ?? (!overlay.source ? requires("source") : undefined);
    case "file-remove":
      return relative(file);
    case "file-rename":
      return relative(file) ?? fileBasename("replacement", overlay.replacement ?? "");
    case "spec-remove-section":
      return section === "" ? requires("section") : undefined;
    case "spec-remove-subpackage":
      if (pkg === "") return requires("package");
      return section !== "" ? forbids("section") : undefined;
    case "patch-add":
      if (!overlay.source) return requires("source");
      return file !== "" ? relative(file) : undefined;
    case "patch-remove": {
      const problem = relative(file);
      if (problem) return problem;
      return validateGlob(file) !== undefined ? `invalid glob pattern ${goQ(file)} in overlay ${goQQ(desc)}` : undefined;
    }
  }
  return undefined;
}

/** Go's filepath.Base for slash paths. */
export function basename(p: string): string {
  if (p === "") return ".";
  const trimmed = p.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Does a relative path (or glob) climb above its base directory? */
export function escapes(p: string): boolean {
  let depth = 0;
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      depth--;
      if (depth < 0) return true;
    } else depth++;
  }
  return false;
}
