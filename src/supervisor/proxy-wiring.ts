import { DevreloadError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { appPortFromOptions } from '../options/proxy.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { DevProxy, EventSource } from '../proxy/dev-proxy.js';
import { readyEventCarriesPort } from '../proxy/ready-address.js';
import type { SocketSet } from '../socket/listen.js';
import type { ReadyCheck } from '../socket/ready-target.js';
import type { PublicEvent } from './events.js';
import type { SupervisorPorts } from './ports.js';
import type { InternalOptions } from './types.js';

export interface ProxyWiring {
  readonly options: ResolvedOptions;
  readonly internal: InternalOptions;
  readonly ports: SupervisorPorts;
  readonly logger: Logger;
  readonly sockets: SocketSet | null;
  readonly readyCheck: ReadyCheck | undefined;
  readonly publish: (event: PublicEvent) => void;
}

/**
 * `--proxy`: binds the proxy before anything runs (a port in use is bad input, reported with
 * nothing started) and feeds it the supervisor's events. Where the app listens comes from the
 * options, or from the `ready` event once it tells (proxy/ready-address.ts).
 */
export async function attachProxy(events: EventSource, wiring: ProxyWiring): Promise<DevProxy> {
  const { options, sockets } = wiring;
  const spec = options.proxy;
  if (spec === undefined) throw new Error('attachProxy without --proxy');
  const option = wiring.internal.naming === 'cli' ? '--proxy' : 'proxy';
  const appPort = appPortFromOptions(spec, options.sockets, options.ready);
  if (appPort === undefined && !readyEventCarriesPort) {
    const example = option === '--proxy' ? `--proxy ${spec.port}:3000 (or --socket 3000, or --ready 3000)` : `proxy: "${spec.port}:3000" (or socket, or ready)`;
    throw new DevreloadError(`${option}: which port does the app listen on? Give it after the proxy's, e.g. ${example}`);
  }
  const socket = sockets?.sockets.find((s) => s.port === appPort);
  // The app is reached where devreload bound its socket (a wildcard address through loopback).
  const appHost = socket === undefined ? undefined : socket.address === '::' ? '::1' : socket.address === '0.0.0.0' ? '127.0.0.1' : socket.address;
  return wiring.ports.proxy({
    spec,
    option,
    appPort,
    appHost,
    reportsReady: wiring.readyCheck !== undefined,
    events,
    publish: wiring.publish,
    logger: wiring.logger,
    cwd: options.cwd,
  });
}
