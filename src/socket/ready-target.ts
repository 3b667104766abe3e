import type { ReadyTarget } from '../options/ready.js';
import type { InspectorPorts } from './inspector-ports.js';
import type { ListeningSocket } from './listen.js';

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
  | { readonly kind: 'output'; readonly pattern: RegExp }
  /**
   * The default where the kernel's tables can be read: the instance starts listening on any TCP
   * port (but an inspector's). Looked for only while the instance starts, and given up after a
   * while: an app may never listen at all.
   */
  | { readonly kind: 'listen'; readonly inspector: InspectorPorts };

/**
 * The check for an instance. `--ready` wins. Without it, the first handed-off socket's port
 * (the app is ready once it accepts there: a `listen` check would see devreload's own socket,
 * which the app holds from its first instruction). Without sockets either, the app listening
 * anywhere but on its inspector's ports (`inspector`; the probe gives up at once where the
 * kernel's tables cannot be read). Without `inspector`, no check.
 */
export function readyCheckFor(target: ReadyTarget | undefined, sockets: readonly ListeningSocket[], inspector?: InspectorPorts): ReadyCheck | undefined {
  if (target === undefined) {
    const first = sockets[0];
    if (first !== undefined) return { kind: 'accept', host: loopbackFor(first), port: first.port };
    return inspector === undefined ? undefined : { kind: 'listen', inspector };
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
