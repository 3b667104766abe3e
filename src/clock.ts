/** Time as the supervisor and its helpers see it; tests pass a clock that moves when they say. */
export interface Clock {
  /** Monotonic milliseconds: the state machine's time. */
  now(): number;
  /** Wall-clock milliseconds, comparable with file mtimes. */
  wall(): number;
  /** Calls `fire` once after `ms`; the returned function cancels it. */
  after(ms: number, fire: () => void): () => void;
}

