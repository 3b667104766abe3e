import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import type { Clock } from '../clock.js';
import type { Logger } from '../log/logger.js';
import type { ProxySpec } from '../options/proxy.js';
import type { PublicEvent, ReloaderEvents } from '../supervisor/events.js';
import { proxyBuildLines, proxyHoldMs } from '../tuning.js';
import { describeFailure, followedEvents, proxyActionFor, type Failure, type ProxyAction } from './follow.js';
import type { Upstream } from './forward.js';
import { FrontDoor } from './front-door.js';
import { Gate, type HoldReport } from './hold.js';
import { findListener, loopbackHosts } from './listener.js';
import { listenProxy } from './listen.js';
import { LiveReload, type Overlay } from './live-reload.js';
import { ReloadBatch, type QuietWindow } from './reload-batch.js';

/** The supervisor as the proxy hears it: its public events, by name. */
export interface EventSource {
  on(name: keyof ReloaderEvents, listener: (payload: never) => void): unknown;
  off(name: keyof ReloaderEvents, listener: (payload: never) => void): unknown;
}

export interface DevProxyOptions {
  readonly spec: ProxySpec;
  /** How errors name the option: `--proxy` or `proxy`. */
  readonly option: string;
  /** The app's port as the options tell it (`--proxy 3001:3000`, `--socket`, `--ready`); undefined: the port each instance is seen listening on (the `ready` event). */
  readonly appPort: number | undefined;
  /** With `--socket`: where devreload's own socket for the app's port is reached. */
  readonly appHost: string | undefined;
  /** The supervisor announces `ready` for every instance (`--ready`, `--socket`); otherwise the proxy looks for the listener itself. */
  readonly reportsReady: boolean;
  readonly events: EventSource;
  readonly publish: (event: PublicEvent) => void;
  readonly logger: Logger;
  readonly cwd: string;
  /** The supervisor's clock: a held request's bound, the `--reload-only` quiet window. */
  readonly clock: Clock;
  /** The restart machine's quiet window: `--reload-only` changes are coalesced with it. */
  readonly quiet: QuietWindow;
  /** How long a request waits for a ready instance (tests shorten it). */
  readonly holdMs?: number;
}

/** What the supervisor calls on the proxy besides feeding it events. */
export interface DevProxy {
  readonly url: string;
  /** Requests (and upgrades) waiting for a ready instance now. */
  readonly waiting: number;
  /** A line a `--build` step printed: the overlay shows the last ones if the build fails. */
  buildOutput(line: string): void;
  /** `--reload-only` files changed: the pages reload once the quiet window passed, once for the batch; the app keeps running. */
  reloadOnly(paths: readonly string[]): void;
  /** Stops listening and drops every connection. Idempotent. */
  close(): void;
}

/** Binds the proxy's port (a port in use is one clear DevreloadError) and starts following `events`. */
export async function startDevProxy(options: DevProxyOptions): Promise<DevProxy> {
  const proxy = new Proxy(options);
  await proxy.listen();
  return proxy;
}

class Proxy implements DevProxy {
  readonly #server: http.Server;
  readonly #door: FrontDoor;
  readonly #holdMs: number;
  readonly #gate: Gate;
  readonly #live = new LiveReload();
  readonly #reloads: ReloadBatch;
  /** This devreload run: a page rendered by an earlier run reloads once this one's app is ready. */
  readonly #run = randomBytes(4).toString('hex');
  #readyCount = 0;
  #version: string;
  #upstream: Upstream | null = null;
  #looking: AbortController | null = null;
  #overlay: Overlay | null = null;
  #buildLines: string[] = [];
  readonly #listeners: Array<[keyof ReloaderEvents, (payload: never) => void]> = [];
  #closed = false;
  url = '';

  constructor(private readonly options: DevProxyOptions) {
    this.#holdMs = options.holdMs ?? proxyHoldMs;
    this.#version = `${this.#run}.0`;
    this.#gate = new Gate({ holdMs: this.#holdMs, clock: options.clock, report: (report) => this.#reportHold(report) });
    this.#reloads = new ReloadBatch(options.clock, options.quiet, (paths) => this.#reloadPages(paths));
    this.#door = new FrontDoor({
      gate: this.#gate,
      live: this.#live,
      holdMs: this.#holdMs,
      upstream: () => this.#upstream,
      version: () => this.#version,
      overlay: () => this.#overlay,
    });
    this.#server = http.createServer((request, response) => this.#door.request(request, response));
    this.#server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.#door.upgrade(request, socket, head));
    for (const name of followedEvents) {
      const listener = (payload: never) => this.#follow(proxyActionFor({ name, payload } as PublicEvent));
      this.#listeners.push([name, listener]);
      options.events.on(name, listener);
    }
  }

  async listen(): Promise<void> {
    try {
      this.url = await listenProxy(this.#server, this.options.spec, this.options.option);
    } catch (error) {
      this.close();
      throw error;
    }
    // Accepting can fail later (out of file descriptors): said, never an uncaught 'error'.
    this.#server.on('error', (error) => this.options.logger.warn(`proxy: ${error.message}`));
    this.options.publish({ name: 'proxy', payload: { phase: 'listening', url: this.url } });
  }

  get waiting(): number {
    return this.#gate.waiting;
  }

  buildOutput(line: string): void {
    this.#buildLines.push(stripVTControlCharacters(line));
    if (this.#buildLines.length > proxyBuildLines) this.#buildLines.shift();
  }

  reloadOnly(paths: readonly string[]): void {
    if (this.#closed) return;
    for (const changed of paths) this.#reloads.add(changed);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [name, listener] of this.#listeners.splice(0)) this.options.events.off(name, listener);
    this.#looking?.abort();
    this.#reloads.close();
    this.#gate.close();
    this.#live.close();
    this.#retire();
    this.#server.close();
    this.#server.closeAllConnections();
    this.#door.close();
  }

  #follow(action: ProxyAction | undefined): void {
    if (action === undefined || this.#closed) return;
    switch (action.type) {
      case 'hold':
        return this.#hold();
      case 'retry':
        // A change after a failure: the next instance is coming, so requests wait for it.
        if (this.#gate.state.tag === 'failed') this.#gate.hold();
        return;
      case 'spawned':
        // After a failure, without a change first (`rs`): this instance may serve, so requests wait for it.
        if (this.#gate.state.tag === 'failed') this.#gate.hold();
        // Without the supervisor's word, the proxy looks for the app's known port itself.
        if (!this.options.reportsReady && this.options.appPort !== undefined) this.#lookForListener(undefined);
        return;
      case 'ready':
        // The port the instance was seen listening on is the app's when no option gave one.
        if (this.options.reportsReady || (this.options.appPort === undefined && action.port !== undefined)) this.#lookForListener(action.port);
        return;
      case 'crashed':
        this.#hold();
        this.#showFailure(action.failure);
        if (action.final) this.#gate.fail(action.failure);
        return;
      case 'buildStarted':
        this.#buildLines = [];
        return;
      case 'built':
        if (this.#overlay !== null) this.#showFailure(null);
        return;
      case 'buildFailed':
        this.#showFailure(action.failure);
        if (!action.serving) this.#gate.fail(action.failure);
        return;
      case 'close':
        return this.close();
    }
  }

  /** The instance is going away: requests wait, pages wait, its pooled connections are let go. */
  #hold(): void {
    this.#looking?.abort();
    this.#looking = null;
    this.#retire();
    this.#gate.hold();
    this.#live.notReady();
  }

  #showFailure(failure: Failure | null): void {
    if (failure === null) {
      this.#overlay = null;
      return this.#live.show(null);
    }
    const { title, lines } = describeFailure(failure);
    this.#overlay = { title, lines: failure.kind === 'build' ? [...this.#buildLines] : lines };
    this.#live.show(this.#overlay);
  }

  /** Waits until the app accepts on its port, then lets requests through and tells pages to reload. */
  #lookForListener(readyPort: number | undefined): void {
    this.#looking?.abort();
    const port = readyPort ?? this.options.appPort;
    if (port === undefined) return this.options.logger.warn(`proxy: the app's port is unknown; give it as ${this.options.option} ${this.options.spec.port + 1}:<app port>`);
    const looking = new AbortController();
    this.#looking = looking;
    // devreload's own socket accepts whatever the app does: its readiness came from the supervisor.
    const hosts = this.options.appHost !== undefined && port === this.options.appPort ? [this.options.appHost] : loopbackHosts;
    void findListener(hosts, port, looking.signal).then((host) => {
      if (host === undefined || looking.signal.aborted || this.#closed) return;
      this.#looking = null;
      this.#open({ host, port, agent: new http.Agent({ keepAlive: true }) });
    });
  }

  #open(upstream: Upstream): void {
    this.#upstream = upstream;
    this.#overlay = null;
    const version = this.#nextVersion();
    this.#gate.open();
    const connections = this.#live.ready(version);
    if (connections === 0) return;
    this.options.logger.verbose(`proxy: told the browser to reload (${plural(connections, 'connection')})`);
    this.options.publish({ name: 'reload', payload: { connections, reason: 'restart', paths: [] } });
  }

  /** A batch of `--reload-only` changes: a new version for the same instance, so every page reloads. */
  #reloadPages(paths: readonly string[]): void {
    const shown = paths.map((p) => path.relative(this.options.cwd, p) || '.');
    // Mid-restart, the pages reload once the new instance is ready anyway. A failed build's
    // overlay stays: the instance serving is still the last good one.
    const connections = this.#gate.state.tag === 'open' ? this.#live.ready(this.#nextVersion(), this.#overlay) : 0;
    this.options.logger.info(`reloading the browser: ${shown[0] ?? '?'}${shown.length > 1 ? ` (+${shown.length - 1} more)` : ''} changed (${plural(connections, 'connection')})`);
    this.options.publish({ name: 'reload', payload: { connections, reason: 'reloadOnly', paths: shown } });
  }

  #nextVersion(): string {
    this.#readyCount += 1;
    this.#version = `${this.#run}.${this.#readyCount}`;
    return this.#version;
  }

  /** Connections pooled to an instance that is going away: closed now, or as soon as their answer is done. */
  #retire(): void {
    const agent = this.#upstream?.agent;
    this.#upstream = null;
    if (agent === undefined) return;
    agent.on('free', (socket: Duplex) => socket.destroy());
    for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  }

  #reportHold(report: HoldReport): void {
    const { phase, requests, waitedMs } = report;
    if (phase === 'timedOut') this.options.logger.warn(`proxy: a request waited ${Math.round(waitedMs / 1000)} s and no instance was ready — answered 502`);
    else this.options.logger.verbose(`proxy: ${plural(requests, 'request')} held for up to ${waitedMs} ms ${phase === 'released' ? 'went on to the new instance' : 'got the failure page'}`);
    this.options.publish({ name: 'proxy', payload: { phase, requests, waitedMs } });
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
