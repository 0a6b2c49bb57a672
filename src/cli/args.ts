/**
 * The option scanner every command shares: `--name value`, `--name=value`, bare flags, `-h/--help`,
 * positional arguments and `--` (everything after it is positional). Each command decides what its
 * options mean; this only tokenises and reports misuse the same way everywhere.
 */
import { UsageError } from "./io.js";

export interface OptionToken {
  /** the option name as written, e.g. "--repo" */
  flag: string;
  /** the value given inline with `=`, if any */
  inline: string | undefined;
  /** the option's value: the inline one or the next argument; a usage error when there is none */
  value(): string;
  /** for flags that take no value: a usage error when one was given with `=` */
  noValue(): void;
}

export interface ScanOptions {
  /** receives arguments that are not options; without it they are usage errors */
  positional?: (arg: string) => void;
  /** options that may be given once only (a second one is a usage error) */
  once?: readonly string[];
}

/**
 * Calls `handle` for every option; `handle` returns false for an option it does not know.
 * Returns "help" when -h/--help is among the arguments.
 */
export function scanOptions(
  args: readonly string[],
  help: string,
  handle: (token: OptionToken) => boolean,
  options: ScanOptions = {},
): "help" | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--" && options.positional) {
      for (const rest of args.slice(i + 1)) options.positional(rest);
      break;
    }
    if (!arg.startsWith("-") && options.positional) {
      options.positional(arg);
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (options.once?.includes(flag)) {
      if (seen.has(flag)) throw new UsageError(`${flag} given twice`);
      seen.add(flag);
    }
    const token: OptionToken = {
      flag,
      inline,
      value: () => {
        const next = inline ?? args[++i];
        if (next === undefined || next === "") throw new UsageError(`${flag} needs a value\n\n${help}`);
        return next;
      },
      noValue: () => {
        if (inline !== undefined) throw new UsageError(`${flag} takes no value\n\n${help}`);
      },
    };
    if (!handle(token)) {
      throw new UsageError(`${arg.startsWith("-") ? "unknown option" : "unexpected argument"} '${arg}'\n\n${help}`);
    }
  }
  return undefined;
}
