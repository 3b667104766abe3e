import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

export interface UpgradeHooks {
  /** The app refused the connection: the caller may hold the upgrade for the next instance. */
  refused(): void;
}

/**
 * A WebSocket (or any HTTP/1.1 upgrade): the request as it came, then bytes both ways. Once
 * connected, either side closing closes the other: a restart ends the app's connections and
 * the page's own code reconnects, through the proxy, to the next instance. `client` has its
 * error listener already (FrontDoor.upgrade).
 */
export function forwardUpgrade(request: IncomingMessage, client: Duplex, head: Buffer, target: { host: string; port: number }, hooks: UpgradeHooks): void {
  const app = net.connect({ host: target.host, port: target.port });
  const closeApp = () => app.destroy();
  let connected = false;
  // Refused before connecting: the client is the caller's again (to hold), not this attempt's to close.
  let handedBack = false;
  app.once('connect', () => {
    connected = true;
    const lines = [`${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/${request.httpVersion}`];
    for (let i = 0; i < request.rawHeaders.length; i += 2) lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
    app.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) app.write(head);
    app.pipe(client);
    client.pipe(app);
  });
  app.on('error', (error: NodeJS.ErrnoException) => {
    if (!connected && error.code === 'ECONNREFUSED' && !client.destroyed) {
      handedBack = true;
      client.off('close', closeApp);
      return hooks.refused();
    }
    client.destroy();
  });
  app.once('close', () => {
    if (!handedBack) client.destroy();
  });
  client.once('close', closeApp);
}

/** Answers an upgrade that will not be forwarded, then closes the connection (http's sockets allow half-open ones: a client that keeps its side open would keep it forever). */
export function refuseUpgrade(client: Duplex, status: number, reason: string, message: string): void {
  if (client.destroyed) return;
  const body = Buffer.from(`${message}\n`, 'utf8');
  client.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('utf8')}`, () => client.destroy());
}
