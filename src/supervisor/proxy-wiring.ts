import { DevreloadError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { appPortFromOptions } from '../options/proxy.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { DevProxy, EventSource } from '../proxy/dev-proxy.js';
import { listenCheckSupported } from '../socket/listener.js';
import type { QuietWindow } from '../proxy/reload-batch.js';
import type { SocketSet } from '../socket/listen.js';
import type { ReadyCheck } from '../socket/ready-target.js';
import type { PublicEvent } from './events.js';
import type { SupervisorPorts } from './ports.js';
import { machineConfig } from './machine-config.js';
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
  // Without a port from the options, the port the instance is seen listening on (the `ready`
  // event's address): only where that check can run (Linux's /proc).
  const learnsPort = wiring.readyCheck?.kind === 'listen' && listenCheckSupported();
  if (appPort === undefined && !learnsPort) {
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
    // The default check (the app listening) gives up after a while and sees nothing without
    // /proc: the proxy then looks for the app's port itself, as it does without a check.
    reportsReady: wiring.readyCheck !== undefined && wiring.readyCheck.kind !== 'listen',
    events,
    publish: wiring.publish,
    logger: wiring.logger,
    cwd: options.cwd,
    clock: wiring.ports.clock,
    // --reload-only changes wait for the same quiet window as a restart.
    quiet: quietWindow(options),
  });
}

function quietWindow(options: ResolvedOptions): QuietWindow {
  const { delay, burstThreshold, burstDelay } = machineConfig(options);
  return { delay, burstThreshold, burstDelay };
}
