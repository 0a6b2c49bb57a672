/**
 * Keeps content-creating requests (issues, comments, edits, pull requests) under GitHub's secondary
 * limits: at most `perMinute` in any sliding 60 s window and `perHour` in any sliding hour. Waiting
 * goes through an injectable clock so tests can run 500 patches without real time passing.
 *
 * GitHub counts these limits per account, whichever process writes: with `shared`, the windows live
 * in the queue back end (on Redis, one sorted set per installation that every worker and replica
 * takes its slots from), and this pacer only waits for the slot it is given.
 */
import type { RateLimits } from "../../queue/types.js";

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface PacerOptions {
  perMinute?: number;
  perHour?: number;
  clock?: Clock;
  /** windows shared by every process writing as the same account (`key`: e.g. the installation) */
  shared?: { rates: RateLimits; key: string };
}

export class ContentPacer {
  readonly perMinute: number;
  readonly perHour: number;
  readonly #clock: Clock;
  readonly #shared: PacerOptions["shared"];
  /** timestamps of granted requests, oldest first (last hour only) */
  readonly #granted: number[] = [];
  #queue: Promise<void> = Promise.resolve();
  waitedMs = 0;

  constructor(options: PacerOptions = {}) {
    // stay a little under GitHub's published 80/min and 500/h
    this.perMinute = options.perMinute ?? 72;
    this.perHour = options.perHour ?? 480;
    this.#clock = options.clock ?? systemClock;
    this.#shared = options.shared;
  }

  /** Resolves when one more content-creating request may be sent. Calls are served in order. */
  take(): Promise<void> {
    const turn = this.#queue.then(() => this.#waitForSlot());
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Requests granted in the last `windowMs` (for reporting). */
  granted(windowMs: number): number {
    const now = this.#clock.now();
    return this.#granted.filter((t) => t > now - windowMs).length;
  }

  async #waitForSlot(): Promise<void> {
    if (this.#shared) return this.#waitForSharedSlot(this.#shared);
    for (;;) {
      const now = this.#clock.now();
      while (this.#granted.length && (this.#granted[0] as number) <= now - 3_600_000) this.#granted.shift();
      const lastMinute = this.#granted.filter((t) => t > now - 60_000);
      let waitUntil = now;
      if (lastMinute.length >= this.perMinute) waitUntil = Math.max(waitUntil, (lastMinute[lastMinute.length - this.perMinute] as number) + 60_000);
      if (this.#granted.length >= this.perHour) waitUntil = Math.max(waitUntil, (this.#granted[this.#granted.length - this.perHour] as number) + 3_600_000);
      if (waitUntil <= now) {
        this.#granted.push(now);
        return;
      }
      this.waitedMs += waitUntil - now;
      await this.#clock.sleep(waitUntil - now);
    }
  }

  async #waitForSharedSlot(shared: { rates: RateLimits; key: string }): Promise<void> {
    const limits = [
      { max: this.perMinute, windowMs: 60_000 },
      { max: this.perHour, windowMs: 3_600_000 },
    ];
    for (;;) {
      const answer = await shared.rates.tryTake(shared.key, limits);
      if (answer.granted) {
        const now = this.#clock.now();
        while (this.#granted.length && (this.#granted[0] as number) <= now - 3_600_000) this.#granted.shift();
        this.#granted.push(now);
        return;
      }
      this.waitedMs += answer.retryInMs;
      await this.#clock.sleep(answer.retryInMs);
    }
  }
}
