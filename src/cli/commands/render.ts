import type { CliIO } from "../io.js";

export async function run(_args: string[], io: CliIO): Promise<number> {
  io.stderr("specwarden render: not available in this build\n");
  return 2;
}
