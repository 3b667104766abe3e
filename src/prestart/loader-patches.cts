// Instrumentation (OpenTelemetry's require-in-the-middle and import-in-the-middle, dd-trace,
// @babel/register, pirates…) hooks the module loader from the app's code and must see every
// module load after it. Modules a warm spare loaded earlier never pass through such a hook, so
// an app that installs one gets the runtime-only spare (prestarter.ts). This notices one.
import Module = require('node:module');
import type { Loader } from './protocol.cjs';


/**
 * Takes note of the loader as it is now (with devreload's own `require` wrapper in place) and
 * watches module.register()/registerHooks() calls; the function returned says what changed
 * since, or null.
 */
function loaderPatches(loader: Loader, ownRequire: unknown): () => string | null {
  const before = { load: loader._load, resolve: loader._resolveFilename, compile: loader.prototype._compile, js: loader._extensions['.js'] };
  let called: string | null = null;
  for (const name of ['register', 'registerHooks'] as const) {
    const original = loader[name];
    if (typeof original !== 'function') continue;
    loader[name] = function (this: unknown, ...args: unknown[]) {
      called ??= `the app called module.${name}()`;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as never;
  }
  // `import { register } from 'node:module'` reads the ES module facade: make it see the wrappers.
  Module.syncBuiltinESMExports();
  return () => {
    if (called !== null) return called;
    if (loader.prototype.require !== ownRequire) return 'something replaced require()';
    if (loader._load !== before.load || loader._resolveFilename !== before.resolve) return 'something patched the module loader';
    if (loader.prototype._compile !== before.compile || loader._extensions['.js'] !== before.js) return 'something hooked how modules are compiled';
    return null;
  };
}

// `export =`: a CommonJS module's exports under verbatimModuleSyntax.
const exported = { loaderPatches };
export = exported;
