import type { TomlPositions } from "./toml-positions.js";
import type { ConfigError, SourceLocation } from "./types.js";

/** One parsed config file as the decoders see it: where it is and where each value sits in it. */
export interface FileContext {
  /** repo-relative path of the TOML file */
  file: string;
  /** repo-relative directory of the file ("" for the root) */
  dir: string;
  positions: TomlPositions;
  errors: ConfigError[];
}

export type TomlPath = readonly (string | number)[];

export function locate(ctx: FileContext, path: TomlPath): SourceLocation {
  const position = ctx.positions.of(path);
  return { file: ctx.file, line: position.line, column: position.column };
}

export function report(
  ctx: FileContext,
  path: TomlPath,
  message: string,
  options: { component?: string; severity?: "error" | "warning"; incomplete?: true } = {},
): void {
  const error: ConfigError = { ...locate(ctx, path), message, severity: options.severity ?? "error" };
  if (options.component !== undefined) error.component = options.component;
  if (options.incomplete) error.incomplete = true;
  ctx.errors.push(error);
}

export function formatError(error: ConfigError): string {
  const prefix = error.severity === "warning" ? "warning: " : "";
  return `${error.file}:${error.line}:${error.column}: ${prefix}${error.message}`;
}

/** `file:line:column` */
export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}
