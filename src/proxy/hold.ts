import type { Clock } from '../clock.js';
import type { Failure } from './follow.js';

/** Why a held request is answered by devreload instead of the app. */
export type Refusal =
  /** No instance became ready within the bound. */
  | { readonly kind: 'timeout'; readonly waitedMs: number }
  /** The app exited (or its build failed) and nothing starts until a change. */
  | { readonly kind: 'failed'; readonly failure: Failure }
  /** devreload is stopping. */
  | { readonly kind: 'closed' };

/** A request (or a WebSocket upgrade) waiting to be forwarded. */
export interface Waiter {
  /** Forward it now: an instance is ready. */
  release(): void;
  refuse(refusal: Refusal): void;
}

/** Where requests stand: forwarded, waiting for the next instance, answered with a failure, or refused. */
export type GateState =
  | { readonly tag: 'open' }
  | { readonly tag: 'held'; readonly since: number }
  | { readonly tag: 'failed'; readonly failure: Failure }
  | { readonly tag: 'closed' };

/** Held requests that were let through or given up on, for the `proxy` event. */
export interface HoldReport {
  readonly phase: 'released' | 'timedOut' | 'failed';
  readonly requests: number;
  /** The longest wait among them. */
  readonly waitedMs: number;
}

interface Held {
  readonly waiter: Waiter;
  readonly since: number;
  /** Cancels its timeout. */
  readonly cancel: () => void;
}

export interface GateOptions {
  /** How long a request may wait for a ready instance before devreload answers 502. */
  readonly holdMs: number;
  /** The supervisor's clock (tests pass one that moves when they say). */
  readonly clock: Pick<Clock, 'now' | 'after'>;
  readonly report: (report: HoldReport) => void;
}

/**
 * The proxy's front door. From the moment an instance is stopped until the next one is ready,
 * requests wait here (not refused: the browser never sees "connection refused"), each for at
 * most `holdMs`; they go on in arrival order once an instance is ready.
 */
export class Gate {
  #state: GateState;
  readonly #held = new Set<Held>();

  constructor(private readonly options: GateOptions) {
    // Until the first instance is ready.
    this.#state = { tag: 'held', since: options.clock.now() };
  }

  get state(): GateState {
    return this.#state;
  }

  /** Requests waiting now. */
  get waiting(): number {
    return this.#held.size;
  }

  /** Forwards, holds or refuses `waiter` by the state; returns what to call if the client goes away first. */
  pass(waiter: Waiter): () => void {
    switch (this.#state.tag) {
      case 'open':
        waiter.release();
        return () => undefined;
      case 'failed':
        waiter.refuse({ kind: 'failed', failure: this.#state.failure });
        return () => undefined;
      case 'closed':
        waiter.refuse({ kind: 'closed' });
        return () => undefined;
      case 'held':
        return this.wait(waiter);
    }
  }

  /** Holds `waiter` whatever the state, until the next open (a request the stopping instance dropped). */
  wait(waiter: Waiter): () => void {
    if (this.#state.tag === 'closed') {
      waiter.refuse({ kind: 'closed' });
      return () => undefined;
    }
    const since = this.options.clock.now();
    const timedOut = () => {
      this.#held.delete(held);
      const waitedMs = Math.round(this.options.clock.now() - since);
      this.options.report({ phase: 'timedOut', requests: 1, waitedMs });
      waiter.refuse({ kind: 'timeout', waitedMs });
    };
    const held: Held = { waiter, since, cancel: this.options.clock.after(this.options.holdMs, timedOut) };
    this.#held.add(held);
    return () => {
      held.cancel();
      this.#held.delete(held);
    };
  }

  /** An instance is ready: everything held goes on, in arrival order. */
  open(): void {
    if (this.#state.tag === 'closed') return;
    this.#state = { tag: 'open' };
    const held = this.#take();
    if (held.length === 0) return;
    this.options.report({ phase: 'released', requests: held.length, waitedMs: this.#longestWait(held) });
    for (const { waiter } of held) waiter.release();
  }

  /** The instance is going away (or not there yet): requests wait from now on. */
  hold(): void {
    if (this.#state.tag === 'open' || this.#state.tag === 'failed') this.#state = { tag: 'held', since: this.options.clock.now() };
  }

  /** Nothing will serve until a change: what waits, and what comes, is answered with `failure`. */
  fail(failure: Failure): void {
    if (this.#state.tag === 'closed') return;
    this.#state = { tag: 'failed', failure };
    const held = this.#take();
    if (held.length > 0) this.options.report({ phase: 'failed', requests: held.length, waitedMs: this.#longestWait(held) });
    for (const { waiter } of held) waiter.refuse({ kind: 'failed', failure });
  }

  /** Idempotent: every waiting request is refused, and so is every later one. */
  close(): void {
    this.#state = { tag: 'closed' };
    for (const { waiter } of this.#take()) waiter.refuse({ kind: 'closed' });
  }

  #take(): Held[] {
    const held = [...this.#held];
    this.#held.clear();
    for (const { cancel } of held) cancel();
    return held;
  }

  #longestWait(held: readonly Held[]): number {
    const now = this.options.clock.now();
    return Math.round(Math.max(...held.map(({ since }) => now - since)));
  }
}
