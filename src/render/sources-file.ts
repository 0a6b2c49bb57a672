import type { SourceFileEntry } from "../azldev/types.js";
import { goQuote } from "./go-format.js";

/** An error in the component's `sources` handling, with azldev's wording. */
export class SourcesFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourcesFileError";
  }
}

interface ParsedLine {
  text: string;
  /** file name for an entry line; undefined for blank and comment lines */
  filename?: string;
}

const MODERN_LINE = /^([A-Za-z0-9]+) \((.+)\) = ([0-9A-Fa-f]+)$/;
const LEGACY_LINE = /^([0-9A-Fa-f]+)\s+(.+)$/;

function parseSourcesFile(text: string): ParsedLine[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const parsed: ParsedLine[] = [];
  const seen = new Set<string>();
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, "");
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) {
      parsed.push({ text: line });
      continue;
    }
    const modern = MODERN_LINE.exec(trimmed);
    const legacy = modern ? undefined : LEGACY_LINE.exec(trimmed);
    const filename = modern?.[2] ?? legacy?.[2]?.trim();
    if (!filename) throw new SourcesFileError(`sources:${index + 1}: unrecognised line ${goQuote(line)}`);
    if (seen.has(filename)) throw new SourcesFileError(`sources:${index + 1}: duplicate entry for file ${goQuote(filename)}`);
    seen.add(filename);
    parsed.push({ text: line, filename });
  }
  return parsed;
}

/**
 * Rewrites `sources` from the component's `source-files` (AZLDEV.md §1.12): original lines verbatim,
 * replaced entries in place, new entries appended in declaration order. Undefined when the component
 * declares no source files (the file is then left untouched).
 */
export function rewriteSourcesFile(existing: string | undefined, entries: SourceFileEntry[]): string | undefined {
  if (entries.length === 0) return undefined;
  const lines = existing === undefined ? [] : parseSourcesFile(existing);
  const byName = new Map<string, number>();
  lines.forEach((line, index) => {
    if (line.filename !== undefined) byName.set(line.filename, index);
  });
  const appended: string[] = [];
  for (const entry of entries) {
    if (!entry.hash || !entry.hashType) {
      throw new SourcesFileError(
        `source file ${goQuote(entry.filename)} has no hash; a hash is required because rendering does not download sources`,
      );
    }
    const formatted = `${entry.hashType} (${entry.filename}) = ${entry.hash}`;
    const at = byName.get(entry.filename);
    if (at !== undefined) {
      if (!entry.replaceUpstream) {
        throw new SourcesFileError(
          `source file ${goQuote(entry.filename)} conflicts with an existing entry in the upstream 'sources' file; set 'replace-upstream = true' to replace it`,
        );
      }
      lines[at] = { text: formatted, filename: entry.filename };
    } else {
      if (entry.replaceUpstream) {
        throw new SourcesFileError(
          `source file ${goQuote(entry.filename)} has 'replace-upstream = true' but the upstream 'sources' file has no entry for it`,
        );
      }
      appended.push(formatted);
    }
  }
  const all = [...lines.map((line) => line.text), ...appended];
  return all.length === 0 ? "" : all.join("\n") + "\n";
}
