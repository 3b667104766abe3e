import type { Server } from 'node:http';
import { DevreloadError, errorCode } from '../errors.js';
import { proxyUrl, type ProxySpec } from '../options/proxy.js';
import { defaultSocketHost, formatSocketSpec } from '../options/socket.js';
import { describeHolders, findPortHolders } from '../socket/holder.js';

/**
 * Makes `server` listen where `spec` says: loopback unless a host was asked for (as with
 * `--socket`). Resolves with the proxy's URL; a port that cannot be had is one DevreloadError
 * naming the option, the address and who holds it.
 */
export async function listenProxy(server: Server, spec: ProxySpec, option: string): Promise<string> {
  const host = spec.host === undefined || spec.host.toLowerCase() === 'localhost' ? defaultSocketHost : spec.host;
  const where = `${option} ${formatSocketSpec(spec)}`;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // exclusive: never share the port with another process's cluster master.
      server.listen({ host, port: spec.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw await listenError(error, spec, where);
  }
  const address = server.address();
  return proxyUrl(spec, typeof address === 'object' && address !== null ? address.port : spec.port);
}

async function listenError(error: unknown, spec: ProxySpec, where: string): Promise<Error> {
  const code = errorCode(error);
  switch (code) {
    case 'EADDRINUSE': {
      const holders = describeHolders(await findPortHolders(spec.port));
      const by = holders === undefined ? '' : ` by ${holders}`;
      return new DevreloadError(`${where}: port ${spec.port} is already in use${by}; stop it or choose another port for the proxy`);
    }
    case 'EACCES':
      return new DevreloadError(`${where}: permission denied for port ${spec.port} (ports below 1024 need privileges); choose a port above 1023`);
    case 'EADDRNOTAVAIL':
      return new DevreloadError(`${where}: ${spec.host ?? 'the address'} is not an address of this machine; leave the host out for loopback only, or give 0.0.0.0 for every interface`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DevreloadError(`${where}: cannot resolve host "${spec.host ?? ''}" (${code}); use an IP address or a known host name`);
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}
