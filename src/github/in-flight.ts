/**
 * Per-pull-request run registry: a newer head SHA aborts the run in flight for the same PR, whose
 * results are then dropped. In-process only; across replicas the head check before publishing does
 * the same job.
 */
export interface RunTicket {
  readonly key: string;
  readonly headSha: string;
  readonly signal: AbortSignal;
  /** release the slot (only if this ticket still holds it) */
  finish(): void;
}

export class InFlightRuns {
  readonly #runs = new Map<string, { headSha: string; controller: AbortController }>();

  static key(owner: string, repo: string, pullNumber: number): string {
    return `${owner}/${repo}#${pullNumber}`.toLowerCase();
  }

  /** Undefined when the same head is already being checked in this process (a duplicate delivery). */
  start(key: string, headSha: string, options: { force?: boolean } = {}): RunTicket | undefined {
    const current = this.#runs.get(key);
    if (current && current.headSha === headSha && !options.force) return undefined;
    current?.controller.abort(new SupersededError(headSha));
    const controller = new AbortController();
    const slot = { headSha, controller };
    this.#runs.set(key, slot);
    return {
      key,
      headSha,
      signal: controller.signal,
      finish: () => {
        if (this.#runs.get(key) === slot) this.#runs.delete(key);
      },
    };
  }

  get size(): number {
    return this.#runs.size;
  }
}

export class SupersededError extends Error {
  constructor(readonly newerHeadSha: string) {
    super(`superseded by a newer run for ${newerHeadSha.slice(0, 7)}`);
    this.name = "SupersededError";
  }
}
