import net from 'node:net';
import { DevreloadError } from '../errors.js';

/** One `--socket [host:]port`: where devreload binds the socket it hands to every instance. */
export interface SocketSpec {
  /** An IP address or a host name; undefined = the loopback interface only (defaultSocketHost). */
  readonly host?: string;
  readonly port: number;
}

/**
 * Where `--socket 3000` (and `localhost:3000`) binds: loopback only, as Vite's dev server does,
 * so devreload never exposes a port wider than asked. IPv4 only: every system's `localhost`
 * includes 127.0.0.1 (some, like Docker's default /etc/hosts, have no ::1 for it), and clients
 * that try ::1 first (curl, browsers, Node ≥ 20, Python) fall back to 127.0.0.1 at once.
 */
export const defaultSocketHost = '127.0.0.1';

const example = 'e.g. 3000 (loopback only), 0.0.0.0:3000 (every interface), 127.0.0.1:3000 or [::1]:3000';

/**
 * Parses `3000`, `localhost:3000`, `127.0.0.1:3000`, `0.0.0.0:3000`, `[::1]:3000` and `[::]:3000`.
 * Throws a DevreloadError naming `option` and the value for anything else.
 */
export function parseSocketSpec(value: unknown, option = '--socket'): SocketSpec {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  const fail = (why: string): never => {
    throw new DevreloadError(`${option}: ${why}, got ${JSON.stringify(value)} (expected [host:]port, ${example})`);
  };
  if (text === undefined || text === '') return fail('expected a port or host:port');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return fail('a URL is not a socket address; give host:port without the scheme');

  let host: string | undefined;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return fail('missing "]" after the IPv6 address');
    host = text.slice(1, close);
    if (!net.isIPv6(host)) return fail(`"${host}" is not an IPv6 address`);
    if (text[close + 1] !== ':') return fail('expected ":port" after "]"');
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon === -1) {
      portText = text;
    } else {
      const before = text.slice(0, colon);
      // `::1:3000` cannot be split reliably: the port could be the last group of the address.
      if (before.includes(':')) return fail('put an IPv6 address in brackets, e.g. [::1]:3000');
      // Go's `:3000` means every interface, devreload's `3000` loopback: make the reader choose.
      if (before === '') return fail('the host is empty; give 3000 for loopback only or 0.0.0.0:3000 for every interface');
      host = before;
      portText = text.slice(colon + 1);
    }
    if (host === '*') return fail('"*" is not a host; give 0.0.0.0 (or [::]) for every interface');
    // `999.1.1.1` is a valid host name by its characters, and would fail later as "cannot resolve".
    if (host !== undefined && /^[\d.]+$/.test(host) && !net.isIPv4(host)) return fail(`"${host}" is not an IPv4 address`);
    if (host !== undefined && !net.isIPv4(host) && !isHostName(host)) return fail(`"${host}" is not a host name or IP address`);
  }
  return host === undefined ? { port: parsePort(portText, fail) } : { host, port: parsePort(portText, fail) };
}

/**
 * Parses every value (a repeatable option) and rejects two that bind the same port on the
 * same address, or on addresses one of which covers the other (a wildcard): they cannot both bind.
 */
export function parseSocketSpecs(values: readonly unknown[], option = '--socket'): SocketSpec[] {
  const specs = values.map((value) => parseSocketSpec(value, option));
  specs.forEach((spec, index) => {
    const earlier = specs.slice(0, index).find((other) => overlap(other, spec));
    if (earlier !== undefined) {
      throw new DevreloadError(`${option}: port ${spec.port} is given twice (${formatSocketSpec(earlier)} and ${formatSocketSpec(spec)}); give each address once`);
    }
  });
  return specs;
}

/** `3000`, `127.0.0.1:3000`, `[::1]:3000`: how a spec reads in messages. */
export function formatSocketSpec(spec: { host?: string | undefined; port: number }): string {
  if (spec.host === undefined) return String(spec.port);
  return net.isIPv6(spec.host) ? `[${spec.host}]:${spec.port}` : `${spec.host}:${spec.port}`;
}

/** The address a spec binds, as far as it is known before resolving host names. */
export function boundHost(spec: SocketSpec): string {
  if (spec.host === undefined || spec.host.toLowerCase() === 'localhost') return defaultSocketHost;
  // `0:0::0` and `::` are one address: compare them in the URL parser's canonical form.
  return net.isIPv6(spec.host) ? new URL(`http://[${spec.host}]`).hostname.slice(1, -1) : spec.host.toLowerCase();
}

function overlap(a: SocketSpec, b: SocketSpec): boolean {
  if (a.port !== b.port) return false;
  const [x, y] = [boundHost(a), boundHost(b)];
  // `::` is dual-stack (libuv leaves IPV6_V6ONLY off): it takes the port on every address.
  if (x === y || x === '::' || y === '::') return true;
  // 0.0.0.0 takes every IPv4 address; a host name most likely resolves to one.
  return (x === '0.0.0.0' && !net.isIPv6(y)) || (y === '0.0.0.0' && !net.isIPv6(x));
}

function parsePort(text: string, fail: (why: string) => never): number {
  if (text === '') return fail('missing the port');
  if (!/^\d+$/.test(text)) return fail(`"${text}" is not a port number`);
  const port = Number(text);
  // 0 would bind a random port nobody could find; the API can still ask for it (tests do).
  if (port < 1 || port > 65535) return fail(`port ${text} is out of range (1-65535)`);
  return port;
}

function isHostName(host: string): boolean {
  return host.length <= 253 && host.split('.').every((label) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i.test(label));
}
