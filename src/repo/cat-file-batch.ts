/**
 * One long-lived `git cat-file --batch-command` process serving every object read of a repository:
 * an object's content (`contents`), or only its type and size (`info`, which reads no content).
 * Requests are written as they arrive and answered in order (git answers a batch strictly in
 * request order), so any number of concurrent reads share the one process. Content is copied
 * byte for byte into a buffer of the announced size: binary blobs, NULs and newlines are safe.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { gitEnvironment, isObjectId, SAFE_CONFIG } from "./git-command.js";

export interface GitObject {
  type: string;
  content: Uint8Array;
}

export interface GitObjectInfo {
  type: string;
  size: number;
}

interface Pending {
  oid: string;
  /** `info` answers carry no content */
  command: "contents" | "info";
  /** objects above this size are skipped unread and the read fails with ObjectTooLargeError */
  maxBytes: number;
  resolve(object: GitObject | GitObjectInfo | undefined): void;
  reject(error: Error): void;
}

interface Body {
  type: string;
  size: number;
  /** undefined while an oversized object's bytes are being skipped */
  buffer: Uint8Array | undefined;
  filled: number;
}

export class CatFileBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CatFileBatchError";
  }
}

export class ObjectTooLargeError extends CatFileBatchError {
  constructor(readonly oid: string, readonly size: number, readonly maxBytes: number) {
    super(`object ${oid} is ${size} bytes, above the ${maxBytes}-byte limit`);
    this.name = "ObjectTooLargeError";
  }
}

export interface CatFileBatchOptions {
  gitDir: string;
  gitBinary?: string;
  /** counts processes started, for callers that want to prove reuse */
  onSpawn?: () => void;
  /** stop the process after this long without requests (it restarts on the next read) */
  idleMs?: number;
}

export class CatFileBatch {
  readonly #options: CatFileBatchOptions;
  #child: ChildProcessWithoutNullStreams | undefined;
  readonly #queue: Pending[] = [];
  #header: Buffer[] = [];
  /** the answer being received; once full, its trailing LF is awaited */
  #body: Body | undefined;
  #closed = false;
  #stderr = "";

  constructor(options: CatFileBatchOptions) {
    this.#options = options;
  }

  /** The object's type and content; undefined when the repository has no such object. Objects
   * above `maxBytes` are never held in memory: the read fails with ObjectTooLargeError. */
  read(oid: string, options: { maxBytes?: number } = {}): Promise<GitObject | undefined> {
    return this.#request("contents", oid, options.maxBytes ?? Number.POSITIVE_INFINITY) as Promise<GitObject | undefined>;
  }

  /** The object's type and size without its content; undefined when the repository has no such object. */
  info(oid: string): Promise<GitObjectInfo | undefined> {
    return this.#request("info", oid, Number.POSITIVE_INFINITY) as Promise<GitObjectInfo | undefined>;
  }

  #request(command: Pending["command"], oid: string, maxBytes: number): Promise<GitObject | GitObjectInfo | undefined> {
    if (this.#closed) return Promise.reject(new CatFileBatchError("the object reader is closed"));
    // Anything but a bare object id could smuggle a second request (or a ref expression) into the batch.
    if (!isObjectId(oid)) return Promise.reject(new CatFileBatchError(`not an object id: ${JSON.stringify(oid)}`));
    return new Promise((resolve, reject) => {
      this.#ensureProcess();
      this.#queue.push({ oid, command, maxBytes, resolve, reject });
      this.#setReferenced(true);
      this.#unsent.push(`${command} ${oid}`);
      // One write per burst of requests instead of one syscall per object.
      if (this.#unsent.length === 1) queueMicrotask(() => this.#flush());
    });
  }

  #unsent: string[] = [];

  /** Requests unsent when their process died were rejected with it; the list restarts per process. */
  #flush(): void {
    const lines = this.#unsent.splice(0);
    if (lines.length > 0) this.#child?.stdin.write(`${lines.join("\n")}\n`);
  }

  /** Stops the process; pending reads fail. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    this.#failAll(new CatFileBatchError("the object reader was closed"));
    // referenced again so that awaiting close() is not cut short by an idle event loop
    for (const handle of [child, child.stdout, child.stderr] as unknown as { ref(): void }[]) handle.ref();
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
      child.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin.end();
    });
  }

  #ensureProcess(): ChildProcessWithoutNullStreams {
    if (this.#child) return this.#child;
    const child = spawn(
      this.#options.gitBinary ?? "git",
      [...SAFE_CONFIG, `--git-dir=${this.#options.gitDir}`, "cat-file", "--batch-command"],
      { env: gitEnvironment(), stdio: ["pipe", "pipe", "pipe"] },
    );
    this.#options.onSpawn?.();
    this.#child = child;
    this.#header = [];
    this.#body = undefined;
    this.#unsent = [];
    this.#stderr = "";
    child.stdout.on("data", (chunk: Buffer) => this.#onData(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      if (this.#stderr.length < 4096) this.#stderr += chunk.toString("utf8");
    });
    child.stdin.on("error", () => {
      // EPIPE when git died; the close handler reports it.
    });
    child.on("error", (error) => this.#onExit(child, error.message));
    child.on("close", (code, signal) => this.#onExit(child, `exited with ${signal ?? code}`));
    return child;
  }

  #onExit(child: ChildProcessWithoutNullStreams, how: string): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    const detail = this.#stderr.trim();
    this.#failAll(new CatFileBatchError(`git cat-file --batch-command ${how}${detail ? `: ${detail}` : ""}`));
  }

  #failAll(error: Error): void {
    for (const pending of this.#queue.splice(0)) pending.reject(error);
  }

  /** Keep the event loop alive only while answers are outstanding: an idle reader never blocks exit. */
  #setReferenced(referenced: boolean): void {
    const child = this.#child;
    if (!child) return;
    const handles = [child, child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[];
    for (const handle of handles) {
      if (referenced) handle.ref();
      else handle.unref();
    }
  }

  #onData(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const body = this.#body;
      if (body && body.filled < body.size) {
        const take = Math.min(chunk.length - offset, body.size - body.filled);
        if (body.buffer) chunk.copy(body.buffer, body.filled, offset, offset + take);
        body.filled += take;
        offset += take;
        continue;
      }
      if (body) {
        // the LF git writes after every object's content
        offset += 1;
        this.#body = undefined;
        if (body.buffer) this.#answer({ type: body.type, content: body.buffer });
        else this.#answerTooLarge(body.size);
        continue;
      }
      const newline = chunk.indexOf(0x0a, offset);
      if (newline < 0) {
        this.#header.push(chunk.subarray(offset));
        break;
      }
      this.#header.push(chunk.subarray(offset, newline));
      offset = newline + 1;
      const header = Buffer.concat(this.#header).toString("utf8");
      this.#header = [];
      this.#onHeader(header);
    }
  }

  #onHeader(header: string): void {
    const fields = header.split(" ");
    if (fields.length === 2 && (fields[1] === "missing" || fields[1] === "ambiguous")) {
      this.#answer(undefined);
      return;
    }
    const [, type, sizeText] = fields;
    const size = Number(sizeText);
    if (fields.length !== 3 || !type || !/^\d+$/.test(sizeText ?? "") || !Number.isSafeInteger(size)) {
      this.#failAll(new CatFileBatchError(`unexpected answer from git cat-file: ${JSON.stringify(header.slice(0, 200))}`));
      this.#child?.kill("SIGKILL");
      return;
    }
    const pending = this.#queue[0];
    if (pending?.command === "info") {
      this.#next()?.resolve({ type, size });
      return;
    }
    const tooLarge = pending !== undefined && size > pending.maxBytes;
    this.#body = { type, size, buffer: tooLarge ? undefined : new Uint8Array(size), filled: 0 };
  }

  #answer(object: GitObject | undefined): void {
    this.#next()?.resolve(object);
  }

  #answerTooLarge(size: number): void {
    const pending = this.#next();
    pending?.reject(new ObjectTooLargeError(pending.oid, size, pending.maxBytes));
  }

  #next(): Pending | undefined {
    const pending = this.#queue.shift();
    if (this.#queue.length === 0) {
      this.#setReferenced(false);
      this.#scheduleRetirement();
    }
    return pending;
  }

  #idleTimer: NodeJS.Timeout | undefined;

  #scheduleRetirement(): void {
    const idleMs = this.#options.idleMs;
    if (idleMs === undefined) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      const child = this.#child;
      if (!child || this.#queue.length > 0 || this.#unsent.length > 0) return;
      this.#child = undefined;
      child.stdin.end();
    }, idleMs);
    this.#idleTimer.unref();
  }
}
