// The ES modules a warm spare loads (preload.cts), for devreload's never-stale check and the
// start line's count. read-tracker.cts sees what the CommonJS loader reads, but Node 20's ES
// module loader reads module sources through its internal fs promises, out of its sight: an
// edited ES module in node_modules would be served stale. A resolve hook sees every ES module on
// every Node, so each file behind a resolved file: URL is fingerprinted as it resolves, before
// Node reads it.
import Module = require('node:module');
import workers = require('node:worker_threads');
import fingerprints = require('./fingerprint.cjs');
import type { EsmFeed, EsmResolve, Loader } from './protocol.cjs';
import thirdParty = require('./third-party.cjs');

/** What resolved while the spare loaded. */
interface EsmLoads {
  /** Every file behind a resolved file: URL, with its fingerprint from before Node read it. */
  readonly files: ReadonlyMap<string, string>;
  /** The files ES module imports loaded (CommonJS modules are in require.cache). */
  readonly imported: ReadonlySet<string>;
}

/**
 * Watches module resolves from now until the function returned is called, which says what
 * resolved. Node 20 (and 22 before 22.15) has only off-thread hooks: the recorder's (`feed`,
 * registered for an app that imports ES modules) fingerprints for it. Without a feed there, no
 * ES module is imported: what require() loads (ES modules too) the read tracker sees.
 */
function watchResolves(feed: EsmFeed | null): () => EsmLoads {
  const files = new Map<string, string>();
  const imported = new Set<string>();
  const loader = Module as unknown as Loader;
  if (feed === null && typeof loader.registerHooks === 'function') {
    const hooks = loader.registerHooks({
      resolve(specifier: string, context: { conditions?: readonly string[] }, next: (s: string, c: unknown) => { url: string }) {
        const result = next(specifier, context);
        const file = thirdParty.fileOf(result.url);
        if (file !== undefined && !files.has(file)) files.set(file, fingerprints.fingerprint(file));
        if (file !== undefined && context.conditions?.includes('import') === true) imported.add(file);
        return result;
      },
    });
    return () => {
      hooks.deregister();
      return { files, imported };
    };
  }
  return () => {
    feed?.settle();
    for (const [, url, fingerprint] of feed?.resolves ?? []) {
      const file = thirdParty.fileOf(url);
      if (file === undefined) continue;
      imported.add(file);
      if (fingerprint !== undefined && !files.has(file)) files.set(file, fingerprint);
    }
    return { files, imported };
  };
}

/**
 * Node 20 has only off-thread hooks: the recorder's (record-hooks.mts) is registered in the
 * spare, before the app exists, so the app's wake does not wait for a thread to start (~30 ms).
 * Their resolves come back over a port, fingerprinted until settle(): only the spare's own
 * loads need it.
 */
function registerEsmRecorder(hooksUrl: string): EsmFeed {
  const { port1, port2 } = new workers.MessageChannel();
  const fingerprinting = new Int32Array(new SharedArrayBuffer(4));
  Atomics.store(fingerprinting, 0, 1);
  const resolves: EsmResolve[] = [];
  port1.on('message', (resolved: EsmResolve) => resolves.push(resolved));
  port1.unref();
  (Module as unknown as { register(url: string, options: object): void }).register(hooksUrl, { data: { port: port2, fingerprinting }, transferList: [port2] });
  // The hook posts a resolve before its module loads: every resolve so far is queued by now,
  // some not delivered yet.
  const drain = (): void => {
    for (let next = workers.receiveMessageOnPort(port1); next !== undefined; next = workers.receiveMessageOnPort(port1)) resolves.push(next.message as EsmResolve);
  };
  return {
    resolves,
    settle() {
      Atomics.store(fingerprinting, 0, 0);
      drain();
    },
    drain,
  };
}

// `export =`: a CommonJS module's exports under verbatimModuleSyntax.
const exported = { watchResolves, registerEsmRecorder };
export = exported;
