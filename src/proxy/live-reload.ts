import type { IncomingMessage, ServerResponse } from 'node:http';
import { expectResets } from './expected-errors.js';

/** What the overlay shows: the failure's title and its detail lines (a build's last output). */
export interface Overlay {
  readonly title: string;
  readonly lines: readonly string[];
}

/**
 * What every open page is told, whole, each time it changes: the version of the app that is
 * ready (null while none is), and the overlay to show (null for none). A page compares the
 * version with the one that rendered it, so one stream can serve every tab of a browser.
 */
export interface LiveState {
  readonly version: string | null;
  readonly overlay: Overlay | null;
}

/** `/__devreload/events`: the stream a browser listens on (one for all its tabs, see client-script.ts). */
export const eventsPath = '/__devreload/events';

/** How soon a browser's EventSource reconnects after the stream ends (devreload restarted): quick on loopback. */
const retryMs = 500;

/**
 * The browsers connected to the proxy, each holding a Server-Sent Events stream. A page reloads
 * once an instance newer than the one that rendered it is ready (never before), and shows an
 * overlay while the app is down for a reason the person has to fix.
 */
export class LiveReload {
  readonly #streams = new Set<ServerResponse>();
  #state: LiveState = { version: null, overlay: null };

  /** Streams connected now. */
  get connections(): number {
    return this.#streams.size;
  }

  /** Answers `GET /__devreload/events`: the state now, then every change. */
  connect(request: IncomingMessage, response: ServerResponse): void {
    expectResets(response);
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    response.write(`retry: ${retryMs}\n\n`);
    this.#streams.add(response);
    request.socket.setNoDelay(true);
    response.on('close', () => this.#streams.delete(response));
    send(response, this.#state);
  }

  /** No instance is ready: pages that load now wait for the next one. */
  notReady(): void {
    this.#change({ version: null, overlay: this.#state.overlay });
  }

  /** `version` is ready, showing `overlay` (a new instance shows none): pages of other versions reload; returns how many streams were told. */
  ready(version: string, overlay: Overlay | null = null): number {
    this.#change({ version, overlay });
    return this.#streams.size;
  }

  /** Shows `overlay` on every page (and on pages that load later), or removes it (null). */
  show(overlay: Overlay | null): void {
    this.#change({ version: this.#state.version, overlay });
  }

  /** Ends every stream; the browsers reconnect to the next devreload on this port. */
  close(): void {
    for (const response of this.#streams) response.end();
    this.#streams.clear();
  }

  #change(state: LiveState): void {
    if (state.version === this.#state.version && state.overlay === this.#state.overlay) return;
    this.#state = state;
    for (const response of this.#streams) send(response, state);
  }
}

function send(response: ServerResponse, state: LiveState): void {
  // A stream whose browser went away is closed already; its 'close' has not run yet.
  if (response.writableEnded || response.destroyed) return;
  response.write(`event: state\ndata: ${JSON.stringify(state)}\n\n`);
}
