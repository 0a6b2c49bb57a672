/**
 * Loose-file overlays over an in-memory component directory (path relative to the component dir →
 * content), with azldev's rules: globs never see `*.spec` files or `.git/` internals, `file-*`
 * overlays never touch a spec, nothing leaves the component directory, regexes run over the whole
 * file. Messages follow azldev's.
 */
import type { Overlay } from "../azldev/types.js";
import { GlobPatternError, expandGlob } from "../glob/index.js";
import { goQ } from "../spec/text.js";
import type { FileContent } from "./types.js";
import { compileRegex, ReplacementBudgetError, replaceAllLiteral } from "./regex.js";

/** The largest loose file a search-and-replace overlay may produce (a file may already be larger; it may not grow past this). */
const LOOSE_FILE_MAX_CHARS = 64 * 1024 * 1024;
import { basename, escapes } from "./validate.js";

export class FileOverlayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FileOverlayError";
  }
}

const DID_NOT_APPLY = "overlay did not apply to target";

export function isSpecFile(path: string): boolean {
  return path.endsWith(".spec");
}

export function isGitInternalPath(path: string): boolean {
  return path.startsWith(".git/") || path.includes("/.git/");
}

function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i < 0 ? "." : p.slice(0, i);
}

function joinPath(dir: string, name: string): string {
  return dir === "." || dir === "" ? name : `${dir}/${name}`;
}

function normalize(p: string): string {
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return out.join("/");
}

function refuseEscape(value: string, what: string): void {
  if (value.startsWith("/") || escapes(value)) {
    throw new FileOverlayError(`${what} ${goQ(value)} escapes the component directory`);
  }
}

/** Matching regular files for a loose-file glob (specs and .git internals excluded), in walk order. */
export function globComponentFiles(files: Record<string, FileContent>, pattern: string): string[] {
  refuseEscape(pattern, "non-spec overlay filename pattern");
  const candidates = Object.keys(files).filter((p) => !isSpecFile(p) && !isGitInternalPath(p));
  try {
    return expandGlob(pattern.replace(/^(\.\/)+/, ""), candidates);
  } catch (error) {
    if (error instanceof GlobPatternError) {
      throw new FileOverlayError(
        `failed to glob for overlay filename ${goQ(pattern)}:\nfailed to glob for files using pattern ${goQ(pattern)}:\nsyntax error in pattern`,
      );
    }
    throw error;
  }
}

/** Which loose files an overlay edits (spec part excluded). */
export function modifiesLooseFiles(overlay: Overlay): boolean {
  const t = overlay.type;
  if (overlay.archive && (t === "file-remove" || t === "file-search-replace")) return false;
  return (
    t === "file-prepend-lines" ||
    t === "file-search-replace" ||
    t === "file-add" ||
    t === "file-remove" ||
    t === "file-rename" ||
    t === "patch-add" ||
    t === "patch-remove"
  );
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** Content as text for regex work, and how to turn edited text back into the same representation. */
function asText(content: FileContent): { text: string; back: (s: string) => FileContent } {
  if (typeof content === "string") return { text: content, back: (s) => s };
  try {
    return { text: decoder.decode(content), back: (s) => encoder.encode(s) };
  } catch {
    // Not UTF-8: one character per byte keeps every byte intact (non-ASCII patterns will not match).
    return { text: Buffer.from(content).toString("latin1"), back: (s) => new Uint8Array(Buffer.from(s, "latin1")) };
  }
}

function prepend(content: FileContent, prefix: string): FileContent {
  if (typeof content === "string") return prefix + content;
  const head = encoder.encode(prefix);
  const out = new Uint8Array(head.length + content.length);
  out.set(head, 0);
  out.set(content, head.length);
  return out;
}

function directoryExists(files: Record<string, FileContent>, dir: string): boolean {
  if (dir === "." || dir === "") return true;
  const prefix = dir + "/";
  return Object.keys(files).some((p) => p.startsWith(prefix));
}

function addFile(
  files: Record<string, FileContent>,
  overlay: Overlay,
  destination: string,
  sourceFiles: Record<string, FileContent>,
): void {
  refuseEscape(destination, "overlay file");
  const dest = normalize(destination);
  if (Object.prototype.hasOwnProperty.call(files, dest)) {
    throw new FileOverlayError(`cannot add overlay file ${goQ(destination)} because it already exists`);
  }
  const source = overlay.source ?? "";
  if (source.startsWith("/") || escapes(source)) {
    throw new FileOverlayError(`overlay source ${goQ(source)} escapes the repository`);
  }
  const content = sourceFiles[normalize(source)];
  if (content === undefined) {
    throw new FileOverlayError(
      `failed to copy overlay file from ${goQ(source)} to ${goQ(destination)}:\nopen ${source}: no such file or directory`,
    );
  }
  if (!directoryExists(files, dirname(dest))) {
    throw new FileOverlayError(
      `failed to copy overlay file from ${goQ(source)} to ${goQ(destination)}:\nopen ${destination}: no such file or directory`,
    );
  }
  files[dest] = typeof content === "string" ? content : new Uint8Array(content);
}

/** azldev's applyNonSpecOverlay over the in-memory component directory (mutates `files`). */
export function applyFileOverlay(
  files: Record<string, FileContent>,
  overlay: Overlay,
  sourceFiles: Record<string, FileContent>,
): void {
  const type = overlay.type;
  if (type === "file-add") {
    const file = overlay.file ?? "";
    if (isSpecFile(file)) throw new FileOverlayError(`non-spec overlay not supported on .spec file: ${goQ(file)}`);
    addFile(files, overlay, file, sourceFiles);
    return;
  }
  if (type === "patch-add") {
    addFile(files, overlay, overlay.file ? overlay.file : basename(overlay.source ?? ""), sourceFiles);
    return;
  }

  const pattern = overlay.file ?? "";
  const matched = globComponentFiles(files, pattern);
  if (matched.length === 0) throw new FileOverlayError(`non-spec overlay filename pattern ${goQ(pattern)} did not match any files`);
  const multi = type === "file-prepend-lines" || type === "file-search-replace" || type === "file-remove" || type === "patch-remove";
  if (matched.length > 1 && !multi) {
    throw new FileOverlayError(
      `overlay type ${type} does not support multiple files, but filename pattern ${goQ(pattern)} matched ${matched.length} files`,
    );
  }

  let appliedToAny = false;
  for (const path of matched) {
    const content = files[path] as FileContent;
    switch (type) {
      case "file-prepend-lines":
        files[path] = prepend(content, (overlay.lines ?? []).join("\n") + "\n");
        appliedToAny = true;
        break;
      case "file-search-replace": {
        const regex = overlay.regex ?? "";
        let re;
        try {
          re = compileRegex(regex);
        } catch (error) {
          throw new FileOverlayError(
            `failed to apply overlay to file ${goQ(path)}:\nfailed to search and replace in file ${goQ(path)}:\n` +
              `failed to compile regex ${goQ(regex)}:\n${error instanceof Error ? error.message : String(error)}`,
          );
        }
        const { text, back } = asText(content);
        let replaced: string;
        try {
          replaced = replaceAllLiteral(re, text, overlay.replacement ?? "", Math.max(LOOSE_FILE_MAX_CHARS, text.length));
        } catch (error) {
          if (!(error instanceof ReplacementBudgetError)) throw error;
          throw new FileOverlayError(`failed to apply overlay to file ${goQ(path)}:\nsearch and replace in file ${goQ(path)} ${error.message}; the overlay is refused`);
        }
        if (replaced !== text) {
          files[path] = back(replaced);
          appliedToAny = true;
        }
        break;
      }
      case "file-remove":
      case "patch-remove":
        delete files[path];
        appliedToAny = true;
        break;
      case "file-rename": {
        const target = joinPath(dirname(path), overlay.replacement ?? "");
        delete files[path];
        files[target] = content;
        appliedToAny = true;
        break;
      }
      default:
        throw new FileOverlayError(`invalid overlay type found: ${type}`);
    }
  }
  if (!appliedToAny) {
    throw new FileOverlayError(`non-spec overlay for filename ${goQ(pattern)} did not apply to any targets\n${DID_NOT_APPLY}`);
  }
}
