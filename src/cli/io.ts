/** What a command may touch of the process: output streams, cwd, terminal-ness. Tests pass a fake. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  /** stderr is an interactive terminal (progress bars) */
  isTTY: boolean;
  env: Record<string, string | undefined>;
}

/** A usage mistake: printed with the command's help, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export type CommandRunner = (args: string[], io: CliIO) => Promise<number>;

export function processIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
    env: process.env,
  };
}
