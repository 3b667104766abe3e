import { DevreloadError } from '../errors.js';
import type { ListeningSocket } from './listen.js';
import { parseSocketSpec } from './parse.js';

/** What `--ready <port | url | /regex/>` asked for. */
export type ReadyTarget =
  | { readonly kind: 'port'; readonly host?: string; readonly port: number }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'output'; readonly pattern: RegExp };

/** How a probe decides the new instance is ready (see ready.ts). */
export type ReadyCheck =
  /** The app binds the port itself: a TCP connect to one of `hosts` succeeds. */
  | { readonly kind: 'connect'; readonly hosts: readonly string[]; readonly port: number }
  /**
   * A handed-off socket: connecting always succeeds (the kernel queues the connection for
   * whoever accepts next), so the probe waits until the app has accepted its connection.
   */
  | { readonly kind: 'accept'; readonly host: string; readonly port: number }
  /** An HTTP(S) GET answered with a status below 500. */
  | { readonly kind: 'url'; readonly url: string }
  /** A line of the app's output (ANSI colours removed) matches. */
  | { readonly kind: 'output'; readonly pattern: RegExp };

const expected = 'expected a port (3000), host:port, a URL (http://localhost:3000/health) or a /regex/ matching a line the app prints';

export function parseReadyTarget(value: unknown, option = '--ready'): ReadyTarget {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (regex !== null) {
    // g and y make RegExp#test stateful across lines; they add nothing to "a line matches".
    const flags = (regex[2] ?? '').replace(/[gy]/g, '');
    try {
      return { kind: 'output', pattern: new RegExp(regex[1] ?? '', flags) };
    } catch (error) {
      throw new DevreloadError(`${option}: ${JSON.stringify(value)} is not a valid regular expression (${(error as Error).message})`);
    }
  }
  if (/^https?:\/\//i.test(text)) {
    if (!URL.canParse(text)) throw new DevreloadError(`${option}: ${JSON.stringify(value)} is not a valid URL`);
    return { kind: 'url', url: new URL(text).href };
  }
  try {
    const spec = parseSocketSpec(text, option);
    return spec.host === undefined ? { kind: 'port', port: spec.port } : { kind: 'port', host: spec.host, port: spec.port };
  } catch (error) {
    if (!(error instanceof DevreloadError)) throw error;
    throw new DevreloadError(`${option}: ${expected}, got ${JSON.stringify(value)}`);
  }
}

/**
 * The check for an instance. Without `--ready`, the first handed-off socket's port is the
 * default (the app is ready once it accepts there); without sockets either, there is none.
 */
export function readyCheckFor(target: ReadyTarget | undefined, sockets: readonly ListeningSocket[]): ReadyCheck | undefined {
  if (target === undefined) {
    const first = sockets[0];
    return first === undefined ? undefined : { kind: 'accept', host: loopbackFor(first), port: first.port };
  }
  switch (target.kind) {
    case 'output':
    case 'url':
      // A URL on a handed-off port needs nothing special: the request waits in the queue.
      return target;
    case 'port': {
      const socket = sockets.find((s) => s.port === target.port && (target.host === undefined || s.spec.host === target.host || s.address === target.host));
      if (socket !== undefined) return { kind: 'accept', host: loopbackFor(socket), port: socket.port };
      // `listen(port)` binds `::` or `0.0.0.0`, `listen(port, 'localhost')` often only ::1.
      return { kind: 'connect', hosts: target.host === undefined ? ['127.0.0.1', '::1'] : [target.host], port: target.port };
    }
  }
}

/** Where devreload itself can reach a socket bound to every interface. */
function loopbackFor(socket: ListeningSocket): string {
  if (socket.address === '::') return '::1';
  if (socket.address === '0.0.0.0') return '127.0.0.1';
  return socket.address;
}
