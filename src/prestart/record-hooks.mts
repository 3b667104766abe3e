// Node 20's module.register() hooks run on a thread of their own: this one reports every ES
// module resolve back to the spare that registered it (esm-loads.cts), which hands them to the
// recorder once it is the app (record.cts). While the spare loads its dependencies, each comes
// with the fingerprint of its file, taken before Node reads it (devreload's never-stale check).
import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import fingerprints from './fingerprint.cjs';

let port: MessagePort | undefined;
/** 1 while the spare loads, then 0: only the spare's own loads are fingerprinted. */
let fingerprinting: Int32Array | undefined;

export function initialize(data: { port: MessagePort; fingerprinting?: Int32Array }): void {
  port = data.port;
  fingerprinting = data.fingerprinting;
}

type NextResolve = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: { parentURL?: string }, nextResolve: NextResolve): Promise<{ url: string }> {
  const result = await nextResolve(specifier, context);
  const fingerprint = fingerprinting !== undefined && Atomics.load(fingerprinting, 0) === 1 ? fingerprintOf(result.url) : undefined;
  port?.postMessage(fingerprint === undefined ? [context.parentURL, result.url] : [context.parentURL, result.url, fingerprint]);
  return result;
}

function fingerprintOf(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  try {
    return fingerprints.fingerprint(fileURLToPath(url));
  } catch {
    return undefined; // Not a local file (a host in the URL): nothing Node reads from here.
  }
}
