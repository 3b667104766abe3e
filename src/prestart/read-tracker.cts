// Which files a warm spare's dependencies read while they load (their own code, a .env, a
// config file): each with its fingerprint from before the read, for devreload to compare before
// it wakes the spare. A file that changed since would be read again by a fresh start.
import fs = require('node:fs');
import path = require('node:path');
import url = require('node:url');
import fingerprints = require('./fingerprint.cjs');

// The synchronous calls a module makes at load time to read or probe a file (Node's CommonJS
// loader reads every module's source with fs.readFileSync too; Node 20's ES module loader does
// not: esm-loads.cts fingerprints what it loads).
const tracked = ['readFileSync', 'openSync', 'existsSync', 'statSync', 'lstatSync', 'readdirSync', 'accessSync'] as const;

/**
 * Runs `load` with the calls above watched. A module that kept a reference to one of them
 * (`const { readFileSync } = require('fs')`) keeps a wrapper that only forwards afterwards.
 */
async function readingsDuring(load: () => Promise<void>): Promise<Array<[string, string]>> {
  const seen = new Map<string, string>();
  let active = true;
  const originals = new Map<string, unknown>();
  const fsObject = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of tracked) {
    const original = fsObject[name] as (...args: unknown[]) => unknown;
    originals.set(name, original);
    fsObject[name] = {
      // A named method, so stack traces still say fs.readFileSync.
      [name](this: unknown, ...args: unknown[]): unknown {
        if (active) note(seen, args[0]);
        return original.apply(this, args);
      },
    }[name] as (...args: unknown[]) => unknown;
  }
  try {
    await load();
  } finally {
    active = false;
    for (const [name, original] of originals) fsObject[name] = original as (...args: unknown[]) => unknown;
  }
  return [...seen];
}

function note(seen: Map<string, string>, target: unknown): void {
  let file: string | undefined;
  if (typeof target === 'string') file = target;
  else if (target instanceof URL && target.protocol === 'file:') file = url.fileURLToPath(target);
  else if (Buffer.isBuffer(target)) file = target.toString();
  // A file descriptor, or nothing: already counted where it was opened.
  if (file === undefined || file === '') return;
  const absolute = path.resolve(file);
  if (!seen.has(absolute)) seen.set(absolute, fingerprints.fingerprint(absolute));
}

// `export =`: a CommonJS module's exports under verbatimModuleSyntax.
const exported = { readingsDuring };
export = exported;
