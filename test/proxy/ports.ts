import net from 'node:net';

/**
 * `count` distinct ports that were free a moment ago. Bound all at once: two calls of a
 * one-port helper can get the same port back from the kernel (it was freed in between), and a
 * proxy on its app's port is refused as bad input.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer().once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A proxy port and an app port, distinct. */
export async function twoPorts(): Promise<[number, number]> {
  const [a, b] = await freePorts(2);
  if (a === undefined || b === undefined) throw new Error('no ports');
  return [a, b];
}
