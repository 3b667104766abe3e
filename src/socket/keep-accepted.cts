// Loaded by the socket preload (preload.cts) for a server that listens on a socket devreload
// handed off. CommonJS, as the preload is.
import type net = require('node:net');

/** How long a connection the server accepted may stay silent after close() before it is closed. */
const silentGraceMs = 1000;

interface ClosingServer extends net.Server {
  closeIdleConnections?: () => void;
}

/**
 * Node 26 counts a connection that was accepted but has sent no request yet as idle
 * (nodejs/node#63470), and http's close() closes idle connections at once. On a handed-off
 * socket the connections the old instance accepted just before its stop are exactly those: a
 * client's request on its way, reset (ECONNRESET) instead of answered, while everything not yet
 * accepted waits in devreload's socket for the next instance. So close() here closes the idle
 * connections only once each accepted one has sent its request (or closed), or stayed silent for
 * `silentGraceMs` (a browser's speculative connection: closed then, as Node 26 intends). Keep-alive
 * connections idle after a response are closed with them, as before. A no-op for a server
 * without closeIdleConnections (net, or Node before 18.2).
 */
function keepAcceptedOnClose(server: ClosingServer): void {
  const original = server.closeIdleConnections;
  if (typeof original !== 'function') return;
  const silent = new Set<net.Socket>();
  let closeWhenHeard: (() => void) | undefined;
  const heard = (socket: net.Socket): void => {
    silent.delete(socket);
    if (silent.size === 0) closeWhenHeard?.();
  };
  server.on('connection', (socket: net.Socket) => {
    silent.add(socket);
    socket.once('close', () => heard(socket));
  });
  server.on('request', (request: { socket: net.Socket }) => heard(request.socket));
  server.closeIdleConnections = function closeIdleConnectionsOnceHeard(this: ClosingServer): void {
    if (silent.size === 0) return original.call(this);
    if (closeWhenHeard !== undefined) return;
    const timer = setTimeout(() => closeWhenHeard?.(), silentGraceMs);
    closeWhenHeard = () => {
      clearTimeout(timer);
      closeWhenHeard = undefined;
      original.call(server);
    };
  };
}

// `export =`: a CommonJS module's exports under verbatimModuleSyntax.
const keepAccepted = { keepAcceptedOnClose };
export = keepAccepted;
