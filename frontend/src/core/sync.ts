/**
 * The client side of the protocol, independent of Vega and of the DOM: collects changes,
 * debounces them, numbers what it sends, and decides which answers may be drawn.
 *
 * Stale answers are never drawn: an answer whose seq is older than the newest update sent is
 * held back. Its values are not thrown away, because the server reports each value once, when it
 * changes: a later answer may not repeat a value that only the older answer carried. So held
 * values are kept per variable (a newer answer's value wins) and drawn together with the answer to
 * the newest update.
 *
 * One update is in flight at a time: changes made while the server works on one are held (latest
 * value per variable) and sent the moment its answer arrives. A drag therefore never queues work
 * on the server, so the answer to the final position is at most one server round behind, and the
 * answers to intermediate positions are drawn as they come. An answer that takes longer than
 * `maxInFlightMs` (a lost message) stops holding the next update back.
 */
import { type Update, type Variable, variableKey } from "./types";

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface SyncOptions {
  debounceMs?: number;
  maxWaitMs?: number;
  maxInFlightMs?: number;
  clock?: Clock;
}

export class Synchronizer {
  readonly debounceMs: number;
  readonly maxWaitMs: number;
  readonly maxInFlightMs: number;
  private clock: Clock;
  private sentAt = 0;
  private pending = new Map<string, Update>();
  private firstPendingAt: number | null = null;
  private timer: unknown = null;
  private seq = 0;
  private answered = 0;
  private held = new Map<string, { seq: number; update: Update }>();
  private appliedSeq = new Map<string, number>();

  constructor(private send: (seq: number, updates: Update[]) => void, options: SyncOptions = {}) {
    this.debounceMs = Math.max(0, options.debounceMs ?? 10);
    this.maxWaitMs = Math.max(this.debounceMs, options.maxWaitMs ?? Math.max(100, 10 * this.debounceMs));
    this.maxInFlightMs = Math.max(0, options.maxInFlightMs ?? 2000);
    this.clock = options.clock ?? realClock;
  }

  /** The newest seq sent so far (0 before the first update). */
  get newestSent(): number { return this.seq; }

  /** True while the newest update sent has no answer yet. */
  get waiting(): boolean { return this.answered < this.seq; }

  /** Record a changed variable; it is sent after the debounce (or the max wait). */
  change(variable: Variable, value: unknown): void {
    const key = variableKey(variable);
    this.pending.set(key, { namespace: variable.namespace, name: variable.name,
      scope: variable.scope, value });
    const now = this.clock.now();
    if (this.firstPendingAt === null) this.firstPendingAt = now;
    const untilMax = this.firstPendingAt + this.maxWaitMs - now;
    this.schedule(Math.max(0, Math.min(this.debounceMs, untilMax)));
  }

  private schedule(ms: number): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.sendPending(false), ms);
  }

  /** Send what is pending now, even while an update is in flight. */
  flush(): void {
    this.sendPending(true);
  }

  private sendPending(force: boolean): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const inFlightFor = this.clock.now() - this.sentAt;
    if (!force && this.waiting && inFlightFor < this.maxInFlightMs) {
      // Sent when the answer arrives (or when waiting for it has taken too long).
      this.timer = this.clock.setTimeout(() => this.sendPending(false),
        this.maxInFlightMs - inFlightFor);
      return;
    }
    this.firstPendingAt = null;
    const updates = [...this.pending.values()];
    this.pending.clear();
    this.seq += 1;
    this.sentAt = this.clock.now();
    this.send(this.seq, updates);
  }

  /** After an answer to the newest update: send what was held back meanwhile, at once, so
   * that the chart stays "waiting" (no flicker of the loading state in between). */
  private releaseHeld(): void {
    if (this.pending.size > 0) this.sendPending(false);
  }

  /**
   * Take an answer; returns the updates to draw now, or null when the answer is stale (its values
   * are held for the answer to the newest update).
   */
  receive(seq: number, updates: Update[]): Update[] | null {
    for (const update of updates) {
      const key = variableKey(update);
      if (seq >= (this.appliedSeq.get(key) ?? -Infinity)) {
        this.held.set(key, { seq, update });
        this.appliedSeq.set(key, seq);
      }
    }
    if (seq < this.seq) return null;
    this.answered = Math.max(this.answered, seq);
    const ready = [...this.held.values()].map((h) => h.update);
    this.held.clear();
    this.releaseHeld();
    return ready;
  }

  /** An error answer: counts as the answer (stops the loading state) if it is not stale. */
  receiveError(seq: number | undefined): boolean {
    if (seq !== undefined && seq < this.seq) return false;
    this.answered = this.seq;
    this.releaseHeld();
    return true;
  }

  dispose(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }
}
