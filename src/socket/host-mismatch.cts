// Does the host an app's listen() asked for differ from the address of the socket devreload
// handed over instead? The preload (preload.cts) loads this only when a listen() names a host;
// CommonJS because the preload is. Pure: no I/O, the caller resolves host names.
import net = require('node:net');

/** The handed-over socket, as the preload knows it from DEVRELOAD_SOCKETS. */
interface BoundSocket {
  /** The bound address: `127.0.0.1`, `0.0.0.0`, `::`, … */
  readonly address: string;
  readonly port: number;
  /** How messages name the option: `--socket` (CLI) or `socket` (API). */
  readonly option: string;
  /** The option's value as the user gave it: `3000`, `0.0.0.0:3000`. */
  readonly spec: string;
}

type Scope = 'every interface' | 'loopback only' | 'one address';

/** `::FFFF:127.0.0.1` → `127.0.0.1`, `0:0::1` → `::1`, `LOCALHOST` → `localhost`. */
function canonicalHost(host: string): string {
  const lower = host.trim().toLowerCase();
  if (!net.isIPv6(lower)) return lower;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped?.[1] !== undefined) return mapped[1];
  // The URL parser writes IPv6 addresses in their one canonical (RFC 5952) form.
  return new URL(`http://[${lower}]`).hostname.slice(1, -1);
}

function scopeOf(host: string): Scope {
  if (host === '0.0.0.0' || host === '::') return 'every interface';
  if (host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'))) return 'loopback only';
  return 'one address';
}

/** Whether a listen() on `requested` and the socket bound to `bound` reach the same clients. */
function sameHost(requested: string, bound: string): boolean {
  const [wanted, actual] = [canonicalHost(requested), canonicalHost(bound)];
  if (wanted === actual) return true;
  const actualScope = scopeOf(actual);
  // 0.0.0.0 and :: both mean "every interface" to an app that names either.
  if (scopeOf(wanted) === 'every interface' && actualScope === 'every interface') return true;
  // Node resolves `localhost` to 127.0.0.1 or ::1 depending on the system: either is what it meant.
  return wanted === 'localhost' && actualScope === 'loopback only';
}

/**
 * The line telling the user that the app asked for `requested` but got the socket bound to
 * `socket.address`, with the option value that would match; undefined when they agree.
 * `resolved`: the addresses a host name (not an IP, not localhost) resolves to; they agree
 * when any of them matches.
 */
function mismatchNotice(requested: string, socket: BoundSocket, resolved: readonly string[] = [requested]): string | undefined {
  if (resolved.some((address) => sameHost(address, socket.address))) return undefined;
  const wanted = canonicalHost(requested);
  const at = (host: string): string => (net.isIPv6(host) ? `[${host}]:${socket.port}` : `${host}:${socket.port}`);
  const bound = canonicalHost(socket.address);
  const boundScope = scopeOf(bound);
  const where = boundScope === 'one address' ? bound : `${bound} (${boundScope})`;
  let use: string;
  switch (scopeOf(wanted)) {
    case 'every interface':
      use = `${at(wanted)} to expose it`;
      break;
    case 'loopback only':
      // The default (no host) is 127.0.0.1, which is also what `localhost` binds.
      use = `${wanted === 'localhost' || wanted === '127.0.0.1' ? String(socket.port) : at(wanted)} ${boundScope === 'loopback only' ? 'to match' : 'to keep it local'}`;
      break;
    case 'one address':
      use = `${at(wanted)} to match`;
      break;
  }
  return `app listens on ${at(wanted)} but ${socket.option} ${socket.spec} is bound to ${where}; use ${socket.option} ${use}`;
}

// `export =`: a CommonJS module's exports under verbatimModuleSyntax.
const hostMismatch = { canonicalHost, mismatchNotice };
export = hostMismatch;
