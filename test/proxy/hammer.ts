import http from 'node:http';

/** Back-to-back requests on new loopback connections until stop(); every answer that is not the app's 200 counts as failed. */
export function hammer(port: number, pidOf: (body: string) => number): { pids: Set<number>; stop: () => Promise<{ ok: number; failed: string[]; pids: Set<number> }> } {
  const result = { ok: 0, failed: [] as string[], pids: new Set<number>() };
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 40_000 }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          if (response.statusCode === 200) {
            result.ok += 1;
            result.pids.add(pidOf(body));
          } else result.failed.push(`status ${response.statusCode}: ${body.split('\n')[0]}`);
          resolve();
        });
      });
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error: NodeJS.ErrnoException) => {
        result.failed.push(error.code ?? error.message);
        resolve();
      });
    });
  // Two clients at once: one of them is usually waiting in the proxy when a stop begins.
  const loops = [0, 1].map(async () => {
    const deadline = Date.now() + 120_000;
    while (running && Date.now() < deadline) await one();
  });
  return {
    pids: result.pids,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}
