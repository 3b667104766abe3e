/**
 * The supervisor's inputs, handled one at a time and in order: an input that arrives while
 * the previous one's effects run (a listener calling stop(), a timer) is handled after them,
 * never inside. While held (Ctrl-Z), inputs wait.
 */
export class InputQueue<T> {
  readonly #items: T[] = [];
  #draining = false;
  #held = false;

  constructor(private readonly handle: (input: T) => void) {}

  push(input: T): void {
    this.#items.push(input);
    if (!this.#draining && !this.#held) this.#drain();
  }

  /** Inputs wait in the queue until release(). */
  hold(): void {
    this.#held = true;
  }

  /** Handles what waited meanwhile. */
  release(): void {
    this.#held = false;
    if (!this.#draining && this.#items.length > 0) this.#drain();
  }

  #drain(): void {
    this.#draining = true;
    try {
      for (let next = this.#items.shift(); next !== undefined; next = this.#items.shift()) this.handle(next);
    } finally {
      this.#draining = false;
      // A listener threw out of the loop: what is still queued runs, just not inside it.
      if (this.#items.length > 0) queueMicrotask(() => this.#draining || this.#drain());
    }
  }
}
