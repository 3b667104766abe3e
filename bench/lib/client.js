// Drives fixtures/bench/client.js (a forked back-to-back HTTP client) from the bench.
import path from 'node:path';
import { REPO } from './peers.js';

const CLIENT = path.join(REPO, 'fixtures/bench/client.js');

export class Client {
  #child;
  #served = new Set();
  #listeners = new Set();

  constructor(registry) {
    this.#child = registry.fork(CLIENT, [], { cwd: registry.root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (message) => {
      if (message.type === 'served') this.#served.add(message.pid);
      for (const listener of this.#listeners) listener(message);
    });
  }

  /** Begins a window of back-to-back requests, bounded in count and time. */
  start(port, { maxRequests = 200_000, maxMs = 20_000 } = {}) {
    this.#served.clear();
    this.#child.send({ cmd: 'start', port, maxRequests, maxMs });
  }

  /** Resolves once the app instance `pid` has answered a request in this window. */
  served(pid, timeoutMs = 10_000) {
    return this.#waitFor((message) => message === null ? this.#served.has(pid) : message.type === 'served' && message.pid === pid, `an answer from app ${pid}`, timeoutMs);
  }

  /** Ends the window; resolves with its counts. */
  stop() {
    const stats = this.#waitFor((message) => message?.type === 'stats', 'client stats', 30_000);
    this.#child.send({ cmd: 'stop' });
    return stats;
  }

  close() {
    if (this.#child.connected) this.#child.disconnect();
  }

  #waitFor(match, what, timeoutMs) {
    return new Promise((resolve, reject) => {
      if (match(null)) return resolve(true);
      const listener = (message) => {
        if (!match(message)) return;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(message);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        reject(new Error(`client: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#listeners.add(listener);
    });
  }
}
