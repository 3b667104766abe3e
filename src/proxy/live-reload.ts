import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the overlay shows: the failure's title and its detail lines (a build's last output). */
export interface Overlay {
  readonly title: string;
  readonly lines: readonly string[];
}

/** `/__devreload/events`: the stream each open page listens on. */
export const eventsPath = '/__devreload/events';

/** How soon a page's EventSource reconnects after the stream ends (devreload restarted): quick on loopback. */
const retryMs = 500;

interface Page {
  readonly response: ServerResponse;
  /** The app version that rendered the page (from the script's `v`). */
  readonly version: string;
}

/**
 * The pages served through the proxy, each holding a Server-Sent Events stream. A page is told
 * to reload once an instance newer than the one that rendered it is ready (never before), and
 * is shown an overlay while the app is down for a reason the person has to fix.
 */
export class LiveReload {
  readonly #pages = new Set<Page>();
  /** The ready version, or null while no instance is ready. */
  #current: string | null = null;
  #overlay: Overlay | null = null;

  /** Pages connected now. */
  get pages(): number {
    return this.#pages.size;
  }

  /** Answers `GET /__devreload/events?v=<version>`. */
  connect(request: IncomingMessage, response: ServerResponse, url: URL): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    response.write(`retry: ${retryMs}\n\n`);
    const page: Page = { response, version: url.searchParams.get('v') ?? '' };
    this.#pages.add(page);
    request.socket.setNoDelay(true);
    response.on('close', () => this.#pages.delete(page));
    if (this.#overlay !== null) send(page, 'overlay', this.#overlay);
    // Rendered by an instance that is gone (or by devreload's own page) while a newer one is ready.
    if (this.#current !== null && page.version !== this.#current) send(page, 'reload', {});
  }

  /** No instance is ready: pages that connect now wait for the next one. */
  notReady(): void {
    this.#current = null;
  }

  /** `version` is ready: every page rendered by another one reloads; returns how many were told. */
  ready(version: string): number {
    this.#current = version;
    this.#overlay = null;
    let told = 0;
    for (const page of this.#pages) {
      if (page.version === version) continue;
      send(page, 'reload', {});
      told += 1;
    }
    return told;
  }

  /** Shows `overlay` on every page (and on pages that connect later), or removes it (null). */
  show(overlay: Overlay | null): void {
    this.#overlay = overlay;
    for (const page of this.#pages) send(page, overlay === null ? 'clear' : 'overlay', overlay ?? {});
  }

  /** Ends every stream; the pages reconnect to the next devreload on this port. */
  close(): void {
    for (const page of this.#pages) page.response.end();
    this.#pages.clear();
  }
}

function send(page: Page, event: string, data: unknown): void {
  page.response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
