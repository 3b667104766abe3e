import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { clientScript } from './client-script.js';
import { forwardRequest, type Upstream } from './forward.js';
import type { Gate, Refusal, Waiter } from './hold.js';
import { expectResets } from './expected-errors.js';
import { clientPath } from './inject.js';
import { accepts } from './listener.js';
import { eventsPath, type LiveReload, type Overlay } from './live-reload.js';
import { answerFor, sendAnswer } from './pages.js';
import { forwardUpgrade, refuseUpgrade } from './upgrade.js';

/** What the door reads from the proxy at the moment a request passes. */
export interface DoorState {
  readonly gate: Gate;
  readonly live: LiveReload;
  readonly holdMs: number;
  /** The ready instance, or null. */
  upstream(): Upstream | null;
  /** The ready instance's version, for the script injected into its pages. */
  version(): string;
  /** The failure the pages show, if any. */
  overlay(): Overlay | null;
}

/**
 * Every request and upgrade the proxy receives: devreload's own paths, or through the gate to
 * the app. A request the app dropped without an answer (its instance stopping under it) goes
 * back to the gate and on to the next instance, when it can be sent again.
 */
export class FrontDoor {
  readonly #upgraded = new Set<Duplex>();

  constructor(private readonly state: DoorState) {}

  request(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://devreload');
    if (url.pathname.startsWith('/__devreload/')) return this.#own(request, response, url);
    this.#pass(request, response, false);
  }

  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node took its own error listener off: a reset while the upgrade waits would be uncaught.
    expectResets(socket);
    this.#upgraded.add(socket);
    socket.once('close', () => this.#upgraded.delete(socket));
    if ((request.url ?? '').startsWith('/__devreload/')) return refuseUpgrade(socket, 404, 'Not Found', 'devreload: no WebSocket here');
    this.#passUpgrade(request, socket, head, false);
  }

  /** Upgraded connections are the server's no longer: closed here. */
  close(): void {
    for (const socket of this.#upgraded) socket.destroy();
    this.#upgraded.clear();
  }

  /** `/__devreload/…`: devreload's own paths, never the app's. */
  #own(request: IncomingMessage, response: ServerResponse, url: URL): void {
    if (url.pathname === clientPath) {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(clientScript) });
      return void response.end(request.method === 'HEAD' ? undefined : clientScript);
    }
    if (url.pathname === eventsPath) return this.state.live.connect(request, response);
    sendAnswer(request, response, { status: 404, title: `devreload: no such path ${url.pathname}`, lines: [`devreload serves ${clientPath} and ${eventsPath}; everything else goes to the app.`] });
  }

  /** Through the gate: now, once an instance is ready (`wait`: the next one), or devreload's answer. */
  #pass(request: IncomingMessage, response: ServerResponse, wait: boolean): void {
    const waiter: Waiter = {
      release: () => this.#forward(request, response),
      refuse: (refusal: Refusal) => sendAnswer(request, response, answerFor(refusal, this.state.overlay(), this.state.holdMs)),
    };
    const cancel = wait ? this.state.gate.wait(waiter) : this.state.gate.pass(waiter);
    response.once('close', cancel);
  }

  #forward(request: IncomingMessage, response: ServerResponse): void {
    const upstream = this.state.upstream();
    if (upstream === null) return this.#pass(request, response, true);
    forwardRequest(request, response, upstream, {
      version: this.state.version(),
      dropped: () => {
        // Another instance by now, or none: through the gate again.
        if (this.state.upstream() !== upstream) return this.#pass(request, response, false);
        // The same one: if it no longer accepts it is going away (its exit is on its way), else it dropped this request itself.
        void accepts(upstream.host, upstream.port, new AbortController().signal).then((alive) => {
          const same = this.state.upstream() === upstream;
          if (!alive || !same) return this.#pass(request, response, same);
          sendAnswer(request, response, { status: 502, title: 'devreload: the app closed the connection without answering', lines: [`${request.method ?? 'GET'} ${request.url ?? '/'}`] });
        });
      },
      fail: (message) => sendAnswer(request, response, { status: 502, title: 'devreload: the app did not answer', lines: [message] }),
    });
  }

  #passUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, wait: boolean): void {
    const waiter: Waiter = {
      release: () => {
        const upstream = this.state.upstream();
        if (upstream === null) return this.#passUpgrade(request, socket, head, true);
        forwardUpgrade(request, socket, head, upstream, { refused: () => this.#passUpgrade(request, socket, head, this.state.upstream() === upstream) });
      },
      refuse: (refusal: Refusal) => {
        const answer = answerFor(refusal, this.state.overlay(), this.state.holdMs);
        refuseUpgrade(socket, answer.status, answer.status === 503 ? 'Service Unavailable' : 'Bad Gateway', answer.title);
      },
    };
    const cancel = wait ? this.state.gate.wait(waiter) : this.state.gate.pass(waiter);
    socket.once('close', cancel);
  }
}
