'use strict';
// Loads the CLI bundle (dist/devreload.cjs) with V8's code cache of the previous run, so that
// what runs before the app's spawn is not parsed and compiled again on every start. Measured
// before the app's spawn on Node 20: ~3.5 ms less CPU (valgrind: 590 → 563 M instructions; a
// script that only spawns takes 519 M). The cache is made once the start has run, so it holds
// the functions the start compiled lazily too. Node 22+ has a compile cache of its own
// (module.enableCompileCache); launch → the app's first line measured 2–4 ms later with it on
// Node 24, and the same on Node 22, so this one is used on every version.
//
// The cache is only an optimisation: any problem with it (no temp folder, not ours, stale,
// rejected by V8) means the bundle is compiled from source, as Node would.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const file = path.join(__dirname, '../dist/devreload.cjs');

/** Returns the bundle's exports, and `save()`, to call once what the start needs has run. */
function loadCli() {
  const cache = cacheFile();
  const cachedData = cache === undefined ? undefined : readCache(cache);
  const vm = require('node:vm');
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  // Registered as Node's loader would: devreload-watch.cjs requires this very module (for
  // DevreloadError), which must not load a second copy.
  const cliModule = new Module(file, module);
  cliModule.filename = file;
  require.cache[file] = cliModule;
  script.runInThisContext().call(cliModule.exports, cliModule.exports, Module.createRequire(file), cliModule, file, path.dirname(file));
  cliModule.loaded = true;
  const fresh = cachedData === undefined || script.cachedDataRejected === true;
  return {
    cli: cliModule.exports,
    /** `exited`: main()'s promise. Call right after main() returned, before anything changes V8's flags. */
    save(exited) {
      // What is required later (the watcher's bundle, after the spawn) gets Node's compile cache
      // where there is one (Node 22+), for this process only: Node 22 and 24 put nothing in the
      // environment the app inherits.
      Module.enableCompileCache?.();
      if (cache === undefined || !fresh) return;
      // Now, before devreload sets its V8 flags (V8 rejects a cache made under other flags),
      // with the functions the start compiled.
      const data = script.createCachedData();
      let settled = false;
      exited.then(
        () => (settled = true),
        () => (settled = true),
      );
      // Written only for a run: `--help`, `--version` and bad input return from main() without
      // awaiting anything, so their promise is settled already and the reaction above runs
      // before this microtask; their few functions would make a cache that later starts accept
      // but barely use. (Not a later turn of the event loop: on a loaded machine a run whose app
      // quits at once can be over by then.)
      queueMicrotask(() => {
        if (settled) return;
        let written = false;
        const write = () => {
          if (written) return;
          written = true;
          writeCache(cache, data);
        };
        // Out of the app's way, or at exit if the run is shorter than that.
        setTimeout(write, 50).unref();
        process.once('exit', write);
      });
    },
  };
}

/**
 * A file per Node version and bundle build, in a folder of the temp dir only this user may
 * write: V8 checks the cache's version and flags, not that it was made from the same source.
 */
function cacheFile() {
  if (typeof process.getuid !== 'function') return undefined;
  try {
    const dir = path.join(require('node:os').tmpdir(), `devreload-compile-cache-${process.getuid()}`);
    const bundle = fs.statSync(file);
    return { dir, path: path.join(dir, `${process.version}-${process.arch}-${bundle.size}-${Math.trunc(bundle.mtimeMs)}-${bundle.ino}.bin`) };
  } catch {
    return undefined;
  }
}

/** Someone else's folder, one others may write to, or a link (to anywhere) is not trusted with code. */
function trusted(dir) {
  const stat = fs.lstatSync(dir);
  return stat.isDirectory() && stat.uid === process.getuid() && (stat.mode & 0o022) === 0;
}

function readCache(cache) {
  try {
    return trusted(cache.dir) ? fs.readFileSync(cache.path) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(cache, data) {
  try {
    fs.mkdirSync(cache.dir, { recursive: true, mode: 0o700 });
    if (!trusted(cache.dir)) return;
    const temporary = `${cache.path}.${process.pid}`;
    fs.writeFileSync(temporary, data, { mode: 0o600 });
    fs.renameSync(temporary, cache.path);
    prune(cache);
  } catch {
    // Best effort: the next start compiles from source again.
  }
}

/** Every build or Node upgrade names a new file: the ones not rewritten for a week go. */
function prune(cache) {
  const before = Date.now() - 7 * 24 * 60 * 60 * 1000;
  for (const name of fs.readdirSync(cache.dir)) {
    const other = path.join(cache.dir, name);
    if (other === cache.path || !name.endsWith('.bin')) continue;
    try {
      if (fs.statSync(other).mtimeMs < before) fs.unlinkSync(other);
    } catch {
      // Removed meanwhile by another devreload: fine.
    }
  }
}

module.exports = { loadCli };
