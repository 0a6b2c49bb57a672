/** The command table and the dispatcher: what `specwarden <command>` runs, in whichever thread runs it. */
import { UsageError, type CliIO, type CommandRunner } from "./io.js";

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: CommandRunner }> }> = {
  check: { summary: "review a change (base → head) of a distro repo", load: () => import("./commands/check.js") },
  render: { summary: "re-render components natively", load: () => import("./commands/render.js") },
  components: { summary: "list components with their effective config", load: () => import("./commands/components.js") },
  patches: { summary: "inventory of downstream patches", load: () => import("./commands/patches.js") },
  track: { summary: "upstream verdicts for downstream patches", load: () => import("./commands/track.js") },
  demo: { summary: "review the embedded fixture PR offline", load: () => import("./commands/demo.js") },
  serve: { summary: "run the GitHub App (same as npm start)", load: () => import("./commands/serve.js") },
  worker: { summary: "run check and tracking workers on the shared Redis queues", load: async () => ({ run: (await import("./commands/serve.js")).runWorkerCommand }) },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: specwarden <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun 'specwarden <command> --help' for a command's options.\n`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.stdout(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`specwarden: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    const module = await command.load();
    return await module.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`specwarden ${name}: ${error.message}\n`);
      return 2;
    }
    io.stderr(`specwarden ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}
