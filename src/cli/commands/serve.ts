import type { CliIO } from "../io.js";

export async function run(_args: string[], io: CliIO): Promise<number> {
  io.stderr("specwarden serve: not available in this build\n");
  return 2;
}
