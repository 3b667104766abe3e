import { DevreloadError } from '../errors.js';
import { parseSocketSpec } from './socket.js';

/** What `--ready <port | url | /regex/>` asked for; socket/ready-target.ts turns it into a check. */
export type ReadyTarget =
  | { readonly kind: 'port'; readonly host?: string; readonly port: number }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'output'; readonly pattern: RegExp };

const expected = 'expected a port (3000), host:port, a URL (http://localhost:3000/health) or a /regex/ matching a line the app prints';

export function parseReadyTarget(value: unknown, option = '--ready'): ReadyTarget {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (regex !== null) {
    // g and y make RegExp#test stateful across lines; they add nothing to "a line matches".
    const flags = (regex[2] ?? '').replace(/[gy]/g, '');
    try {
      return { kind: 'output', pattern: new RegExp(regex[1] ?? '', flags) };
    } catch (error) {
      throw new DevreloadError(`${option}: ${JSON.stringify(value)} is not a valid regular expression (${(error as Error).message})`);
    }
  }
  if (/^https?:\/\//i.test(text)) {
    if (!URL.canParse(text)) throw new DevreloadError(`${option}: ${JSON.stringify(value)} is not a valid URL`);
    return { kind: 'url', url: new URL(text).href };
  }
  try {
    const spec = parseSocketSpec(text, option);
    return spec.host === undefined ? { kind: 'port', port: spec.port } : { kind: 'port', host: spec.host, port: spec.port };
  } catch (error) {
    if (!(error instanceof DevreloadError)) throw error;
    // The socket parser's reasons ("not a port number") mislead when a URL or a regex was meant.
    throw new DevreloadError(`${option}: ${expected}, got ${JSON.stringify(value)}`);
  }
}
