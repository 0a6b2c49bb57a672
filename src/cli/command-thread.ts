/**
 * A command run in a worker thread, so that the process's main thread stays free to enforce the
 * memory ceiling even while the command computes without pause. Output goes to the main thread as
 * messages, in order; the last message is the exit status.
 */
import { parentPort, workerData } from "node:worker_threads";
import { main } from "./run.js";

export interface CommandThreadData {
  argv: string[];
  cwd: string;
  isTTY: boolean;
}

export type CommandThreadMessage = { kind: "stdout" | "stderr"; text: string } | { kind: "exit"; code: number };

const port = parentPort;
if (port) {
  const data = workerData as CommandThreadData;
  const post = (message: CommandThreadMessage) => port.postMessage(message);
  const io = {
    stdout: (text: string) => post({ kind: "stdout", text }),
    stderr: (text: string) => post({ kind: "stderr", text }),
    cwd: data.cwd,
    isTTY: data.isTTY,
    env: process.env,
  };
  main(data.argv, io).then(
    (code) => post({ kind: "exit", code }),
    (error: unknown) => {
      post({ kind: "stderr", text: `specwarden: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n` });
      post({ kind: "exit", code: 2 });
    },
  );
}
