// "Serving the new code": the moment an app first answers GET / with a body that names the
// version the bench just wrote. One request at a time, a new connection each, 127.0.0.1 only,
// a pause of POLL_MS between tries: what a person reloading a page sees, at a few ms's grain.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { now } from './session.js';

const POLL_MS = 2;
const REQUEST_TIMEOUT_MS = 5000;

/** The body of one GET /, or null when nothing answered (refused, reset, timed out). */
function get(port) {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: REQUEST_TIMEOUT_MS, headers: { connection: 'close' } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(response.statusCode === 200 ? body : null));
      response.on('error', () => resolve(null));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
  });
}

/**
 * Resolves with { at, pid }: the hrtime of the first answer whose body ends with ` v<version>`
 * (the fixtures answer `<pid> v<version>`), and the pid that gave it. Rejects after `timeoutMs`.
 */
export async function servingVersion(port, version, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  const wanted = ` v${version}`;
  while (Date.now() < deadline) {
    const body = await get(port);
    const at = now();
    if (body !== null && body.trim().endsWith(wanted)) return { at, pid: Number(body.trim().split(' ')[0]) };
    await sleep(POLL_MS);
  }
  throw new Error(`nothing served v${version} on 127.0.0.1:${port} within ${timeoutMs} ms`);
}
