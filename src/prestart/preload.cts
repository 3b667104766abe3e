// A warm spare's preload (`--prestart`, see park.cts): before it parks, the spare loads the
// third-party modules the previous instance loaded, in its order and each from the app's module
// that required it, in the environment the app's code had set up by then. No user code runs:
// the roots come from node_modules only (record.cts decides), and a root that loaded one of the
// user's modules while it loaded was left out of the list.
import fs = require('node:fs');
import Module = require('node:module');
import path = require('node:path');
import envs = require('./env-delta.cjs');
import esmLoads = require('./esm-loads.cjs');
import type { Park, Preloaded, PreloadedRoot, SpareReport } from './protocol.cjs';
import tracker = require('./read-tracker.cjs');
import output = require('./held-output.cjs');

type CacheKeys = () => string[];
const cacheKeys: CacheKeys = () => Object.keys((Module as unknown as { _cache: object })._cache);

async function preload(park: Park): Promise<Preloaded> {
  envs.replaceEnv(park.env);
  // What a dependency may read while it loads is what a fresh start of the app gives it.
  process.argv = [process.argv[0] as string, ...park.argv];
  process.execArgv = [...park.execArgv];
  const release = output.holdOutput();
  // Where Node has in-thread hooks (22.15+, 23.5+), the woken app registers them itself (record.cts).
  const inThread = typeof (Module as unknown as { registerHooks?: unknown }).registerHooks === 'function';
  const esm = park.esmRecorder === null || inThread ? null : esmLoads.registerEsmRecorder(park.esmRecorder);
  placeMain(park);
  const roots = new Map<string, PreloadedRoot>();
  const dropped: Array<{ id: string; error: string }> = [];
  let unusable = false;
  const own = { set: {} as Record<string, string>, unset: [] as string[] };
  const resolved = esmLoads.watchResolves(esm);
  const read = await tracker.readingsDuring(async () => {
    for (const root of park.roots) {
      // The environment the app's code had set up when it required this root.
      envs.replaceEnv(park.env);
      envs.apply(process.env, own);
      const delta = root.env === undefined ? envs.noChange : (park.envs[root.env] ?? envs.noChange);
      envs.apply(process.env, delta);
      const before = envs.snapshot();
      const cached = new Set(cacheKeys());
      try {
        if (root.kind === 'import') await import(root.id);
        else Module.createRequire(root.parent ?? path.join(process.cwd(), '[preload]'))(root.id);
      } catch (error) {
        dropped.push({ id: root.id, error: error instanceof Error ? error.message : String(error) });
        // An ES module that failed stays failed in the module map: the app would get the same error.
        if (root.kind === 'import') unusable = true;
        continue;
      } finally {
        // What the dependency set itself, on top of what it was given.
        const after = envs.snapshot();
        const mine = envs.diff(before, after);
        envs.apply(own.set, mine);
        for (const name of mine.unset) if (!own.unset.includes(name)) own.unset.push(name);
      }
      roots.set(root.id, { root, delta: envs.keyOf(delta), added: cacheKeys().filter((key) => !cached.has(key)) });
      if (unusable) break;
    }
  });
  // What the ES module loader read is out of the tracker's sight on Node 20: from the resolves.
  const esmLoaded = resolved();
  const files = new Map(read);
  for (const [file, fingerprint] of esmLoaded.files) if (!files.has(file)) files.set(file, fingerprint);
  envs.replaceEnv(park.env);
  envs.apply(process.env, own);
  const modules = new Set([...cacheKeys(), ...esmLoaded.imported]);
  const loaded = [...modules].filter((file) => file.includes(`${path.sep}node_modules${path.sep}`)).length;
  const report: SpareReport = { files: [...files], loaded, dropped, unusable };
  if (park.report !== null) writeAtomically(park.report, JSON.stringify(report));
  if (unusable) process.exit(0);
  return { roots, own, esm, release };
}

/**
 * `require.main` as the app's own dependencies will see it: a CommonJS main's module (its file
 * name, its search paths), or nothing for an ES module main, as in a fresh start. Modules keep
 * the value they saw when they were compiled.
 */
function placeMain(park: Park): void {
  if (park.main === 'esm') process.mainModule = undefined;
  if (park.main !== 'cjs') return;
  const main = new Module(park.script, undefined);
  main.id = '.';
  main.filename = park.script;
  main.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(park.script));
  process.mainModule = main;
}

function writeAtomically(file: string, text: string): void {
  const staged = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(staged, text);
  fs.renameSync(staged, file);
}


// `export =`: a CommonJS module's exports under verbatimModuleSyntax.
const exported = { preload, writeAtomically };
export = exported;
