// Node 20's module.register() hooks run on a thread of their own: this one reports every ES
// module resolve back to the spare that registered it (preload.cts), which hands them to the
// recorder once it is the app (record.cts).
import type { MessagePort } from 'node:worker_threads';

let port: MessagePort | undefined;

export function initialize(data: { port: MessagePort }): void {
  port = data.port;
}

type NextResolve = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: { parentURL?: string }, nextResolve: NextResolve): Promise<{ url: string }> {
  const result = await nextResolve(specifier, context);
  port?.postMessage([context.parentURL, result.url]);
  return result;
}
