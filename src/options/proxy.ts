import { DevreloadError } from '../errors.js';
import type { ReadyTarget } from './ready.js';
import { formatSocketSpec, parseSocketSpec, type SocketSpec } from './socket.js';

/** `--proxy [host:]port[:appPort]`: where the dev proxy listens, and the app's port if given. */
export interface ProxySpec {
  /** Undefined = loopback only (127.0.0.1), as with `--socket`. */
  readonly host?: string;
  readonly port: number;
  /** The port the app listens on, when given as `--proxy 3001:3000`. */
  readonly appPort?: number;
}

/**
 * `--proxy` without a port. A fixed port, so that a bookmarked tab (and its live-reload
 * connection, which reconnects to the same origin) survives devreload's own restarts; not one
 * that dev servers take (3000, 4200, 5000, 5173, 8000, 8080, 8888) nor one in the kernel's
 * ephemeral range (32768-60999 on Linux), where an outgoing connection could hold it.
 */
export const defaultProxyPort = 3737;

const example = 'e.g. --proxy (port 3737), --proxy 3001, --proxy 3001:3000 (the app on 3000), 0.0.0.0:3001 (every interface)';

/** Parses `true` (the default port), `3001`, `3001:3000`, `host:3001` and `host:3001:3000`; throws naming `option`. */
export function parseProxySpec(value: unknown, option = '--proxy'): ProxySpec {
  if (value === true) return { port: defaultProxyPort };
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  const fail = (why: string): never => {
    throw new DevreloadError(`${option}: ${why}, got ${JSON.stringify(value)} (expected [host:]port[:appPort], ${example})`);
  };
  if (text === undefined || text === '') return fail('expected true, a port or [host:]port[:appPort]');
  const last = /^(.+):(\d+)$/.exec(text);
  // `3001:3000` and `host:3001:3000`: what precedes the last number is a whole proxy address.
  const head = last?.[1] !== undefined ? tryParse(last[1]) : undefined;
  if (head !== undefined && last?.[2] !== undefined) {
    const appPort = Number(last[2]);
    if (appPort < 1 || appPort > 65535) return fail(`the app's port ${last[2]} is out of range (1-65535)`);
    return { ...head, appPort };
  }
  try {
    return parseSocketSpec(text, option);
  } catch (error) {
    if (!(error instanceof DevreloadError)) throw error;
    // The socket parser's message names --socket's forms; say --proxy's.
    const why = /^[^:]+: (.*?), got /.exec(error.message)?.[1] ?? 'not an address';
    return fail(why);
  }
}

function tryParse(text: string): SocketSpec | undefined {
  try {
    return parseSocketSpec(text);
  } catch {
    return undefined;
  }
}

/** `127.0.0.1:3737`, `[::1]:3001`: how the proxy's address reads in its URL. */
export function proxyUrl(spec: ProxySpec, boundPort = spec.port): string {
  return `http://${formatSocketSpec({ host: spec.host ?? '127.0.0.1', port: boundPort })}`;
}

/**
 * The app's port as the options tell it: `--proxy 3001:3000`, else the first `--socket`, else a
 * `--ready` port or URL; undefined when only the running instance can tell.
 */
export function appPortFromOptions(spec: ProxySpec, sockets: readonly SocketSpec[], ready: ReadyTarget | undefined): number | undefined {
  if (spec.appPort !== undefined) return spec.appPort;
  if (sockets[0] !== undefined) return sockets[0].port;
  if (ready?.kind === 'port') return ready.port;
  if (ready?.kind === 'url') {
    const url = new URL(ready.url);
    return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  }
  return undefined;
}

/** A proxy on a port the app (or a `--socket`) needs would take the app's place: one clear line instead. */
export function checkProxyPort(spec: ProxySpec, sockets: readonly SocketSpec[], ready: ReadyTarget | undefined, name: (key: 'proxy' | 'socket' | 'ready') => string): void {
  const option = name('proxy');
  const clash = (what: string): never => {
    const other = spec.port < 65535 ? spec.port + 1 : spec.port - 1;
    throw new DevreloadError(`${option}: port ${spec.port} is the app's own port (${what}); the proxy needs a port of its own, e.g. ${option} ${other}:${spec.port}`);
  };
  if (spec.appPort === spec.port) clash(`${option} ${spec.port}:${spec.appPort}`);
  const socket = sockets.find((s) => s.port === spec.port);
  if (socket !== undefined) clash(`${name('socket')} ${formatSocketSpec(socket)}`);
  if (spec.appPort === undefined && sockets.length === 0 && appPortFromOptions(spec, sockets, ready) === spec.port) clash(`${name('ready')} ${spec.port}`);
}
