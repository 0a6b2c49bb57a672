#!/usr/bin/env node
/**
 * The command-line entry. A command runs in a worker thread under the memory ceiling while this
 * thread only relays its output and watches the process's resident memory: a command busy in one
 * long computation cannot starve the watch. The app (`serve`, `worker`) runs in this thread, bounded
 * by its container.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isMainThread, Worker } from "node:worker_threads";
import type { CommandThreadData, CommandThreadMessage } from "./command-thread.js";
import { processIO } from "./io.js";
import { memoryCeilingMb, watchMemory } from "./memory-ceiling.js";
import { main } from "./run.js";

export { main, usage } from "./run.js";

function invokedDirectly(): boolean {
  if (!isMainThread || !process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

function overCeiling(ceiling: number, rssMb?: number): never {
  const at = rssMb === undefined ? "its memory passed" : `at ${rssMb} MiB of memory,`;
  process.stderr.write(`specwarden: stopped ${at} over the ceiling of ${ceiling} MiB (SPECWARDEN_MAX_MEMORY_MB; 0 turns it off)\n`);
  process.exit(2);
}

function runInProcess(argv: string[]): void {
  main(argv, processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`specwarden: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}

function runUnderCeiling(argv: string[], ceiling: number): void {
  watchMemory(ceiling, (rssMb) => overCeiling(ceiling, rssMb));
  const data: CommandThreadData = { argv, cwd: process.cwd(), isTTY: Boolean(process.stderr.isTTY) };
  // the heap limit catches a runaway heap at once; the watch above covers everything else (buffers)
  const worker = new Worker(new URL("./command-thread.js", import.meta.url), { workerData: data, resourceLimits: { maxOldGenerationSizeMb: ceiling } });
  let exited = false;
  worker.on("message", (message: CommandThreadMessage) => {
    if (message.kind !== "exit") {
      (message.kind === "stdout" ? process.stdout : process.stderr).write(message.text);
      return;
    }
    exited = true;
    process.exitCode = message.code;
    // everything the command wrote came before this message; handles it left open do not matter
    void worker.terminate();
  });
  worker.on("error", (error: Error & { code?: string }) => {
    if (error.code === "ERR_WORKER_OUT_OF_MEMORY") overCeiling(ceiling);
    process.stderr.write(`specwarden: ${error.stack ?? error.message}\n`);
    process.exit(2);
  });
  worker.on("exit", () => {
    if (!exited && process.exitCode === undefined) process.exitCode = 2;
  });
}

if (invokedDirectly()) {
  const argv = process.argv.slice(2);
  const ceiling = argv[0] === "serve" || argv[0] === "worker" ? undefined : memoryCeilingMb(process.env);
  if (ceiling === undefined) runInProcess(argv);
  else runUnderCeiling(argv, ceiling);
}
