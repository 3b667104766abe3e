// What an app woken from a warm spare loaded (`--prestart`, see park.cts): the third-party
// modules its own code required or imported ("roots"), in order, with the changes its code had
// made to process.env by then. Written to the file devreload named once loading settles (and at
// exit, if it came first); the next spare loads the same roots the same way (preload.cts).
import Module = require('node:module');
import path = require('node:path');
import url = require('node:url');
import envs = require('./env-delta.cjs');
import type { Env, EnvDelta, Loader, Preloaded, RecordRequest, Recorded, Root } from './protocol.cjs';
import thirdParty = require('./third-party.cjs');
import preloads = require('./preload.cjs');
import patchesOf = require('./loader-patches.cjs');

/** Loading has settled when nothing new was loaded for this many looks this far apart. */
const settleLooks = 2;
const lookMs = 50;
/** An app that keeps loading (a lazy route table) is recorded as it is by then. */
const settleAtMostMs = 10_000;

interface LoadedModule {
  filename: string;
  children: LoadedModule[];
  parent?: LoadedModule | null;
  loaded?: boolean;
}

function startRecording(request: RecordRequest, preloaded: Preloaded | null): void {
  const loader = Module as unknown as Loader & { _cache: Record<string, LoadedModule>; _resolveFilename(id: string, parent: unknown): string };
  const third = (file: string | undefined) => file !== undefined && thirdParty.isThirdParty(file, request.userRoots);
  const roots: Root[] = [];
  const seen = new Set<string>();
  const deltas: EnvDelta[] = [envs.noChange];
  const tainted = new Set<string>();
  let esmTainted = false;
  let staleEnv: string | null = null;
  // process.env without the app's own changes: what each root is measured against.
  const expected: Env = envs.snapshot();
  // CommonJS roots the spare loaded and the app has not required yet, in load order.
  const unverified = new Map([...(preloaded?.roots ?? [])].filter(([, entry]) => entry.root.kind === 'require'));

  // The app's changes to process.env so far, taken once per turn for the loads at run time
  // (a dependency may load a hundred modules in one call).
  let turnDelta: EnvDelta | null = null;
  const deltaNow = (): EnvDelta => {
    if (turnDelta === null) {
      turnDelta = envs.diff(expected, envs.snapshot());
      queueMicrotask(() => (turnDelta = null));
    }
    return turnDelta;
  };

  const indexOf = (delta: EnvDelta): number => {
    const key = envs.keyOf(delta);
    const found = deltas.findIndex((known) => envs.keyOf(known) === key);
    return found >= 0 ? found : deltas.push(delta) - 1;
  };

  // A preloaded root the app now requires in another environment: it and every root loaded
  // after it leave the cache, so the app loads them again, as a fresh start would.
  const checkEnv = (from: LoadedModule, id: string, delta: EnvDelta): void => {
    const now = envs.keyOf(delta);
    if (![...unverified.values()].some((entry) => entry.delta !== now)) return;
    let target: string;
    try {
      target = loader._resolveFilename(id, from);
    } catch {
      return; // The require itself will say why.
    }
    const entry = unverified.get(target);
    if (entry === undefined || entry.delta === now) return;
    const order = [...(preloaded?.roots.values() ?? [])];
    const later = order.slice(order.indexOf(entry));
    if (later.some((each) => each.root.kind === 'import')) staleEnv = target;
    for (const each of later) {
      for (const key of each.added) delete loader._cache[key];
      unverified.delete(each.root.id);
    }
  };

  const holders: Array<{ tainted: boolean }> = [];
  const asked = new Set<string>();
  const originalRequire = loader.prototype.require;
  let recording = true;

  // The module a require call loaded: the child `from` gained meanwhile (none: it was cached).
  const childLoaded = (from: LoadedModule, before: number): LoadedModule | undefined =>
    (from.children?.length ?? 0) > before ? from.children[from.children.length - 1] : undefined;

  /** Requires `id` from `from` under a holder, which a module of the user's loaded on the way taints. */
  const requireHeld = (from: LoadedModule, id: string): { result: unknown; child: LoadedModule | undefined; ranUserCode: boolean } => {
    const before = from.children?.length ?? 0;
    const holder = { tainted: false };
    holders.push(holder);
    let result: unknown;
    try {
      result = originalRequire.call(from, id);
    } finally {
      holders.pop();
    }
    return { result, child: childLoaded(from, before), ranUserCode: holder.tainted };
  };

  /**
   * `id`, required from `from`, is one of the user's modules: the child it loaded just now, or
   * (cached: loaded before, by the user's code) where it resolves. A spare would run it.
   */
  const isUsers = (from: LoadedModule, id: string, child: LoadedModule | undefined): boolean => {
    if (child !== undefined) return !third(child.filename);
    if (Module.isBuiltin(id)) return false;
    try {
      return !third(loader._resolveFilename(id, from));
    } catch {
      return false;
    }
  };

  /** True (and seen from now on) for a third-party module not met before: a root. */
  const isNewRoot = (child: LoadedModule | undefined): child is LoadedModule => {
    if (child === undefined || !third(child.filename) || seen.has(child.filename)) return false;
    seen.add(child.filename);
    return true;
  };

  const wrapper = function require(this: LoadedModule, id: string): unknown {
    if (!recording || typeof id !== 'string') return originalRequire.call(this, id);
    if (third(this.filename) && holders.length > 0) {
      // A dependency loading one of the user's modules while a root loads: that root runs user code.
      const before = this.children?.length ?? 0;
      const result = originalRequire.call(this, id);
      if (isUsers(this, id, childLoaded(this, before))) (holders[holders.length - 1] as { tainted: boolean }).tainted = true;
      return result;
    }
    if (third(this.filename) && this.loaded === false && isImportRoot(this)) {
      // An import root still loading (an ES module imported it, so no require of ours holds it):
      // what it requires is part of it. A spare loads that with it, and an app woken from the
      // spare never runs it again: recorded as roots, they would be missing from every other record.
      const { result, child, ranUserCode } = requireHeld(this, id);
      if (ranUserCode || isUsers(this, id, child)) tainted.add(this.filename);
      return result;
    }
    if (third(this.filename)) {
      // At run time, a dependency loading another (fastify loads ajv when the app creates its
      // instance): a root too, loaded from that dependency.
      const { result, child, ranUserCode } = requireHeld(this, id);
      if (!isNewRoot(child)) return result;
      if (ranUserCode) tainted.add(child.filename);
      else roots.push({ kind: 'require', id: child.filename, parent: this.filename, env: indexOf(deltaNow()) });
      return result;
    }
    // From the user's code. Only a package name can lead into node_modules; each is measured once per folder.
    const key = `${path.dirname(this.filename ?? '')}\0${id}`;
    const fresh = !(id.startsWith('.') || path.isAbsolute(id) || Module.isBuiltin(id) || asked.has(key));
    asked.add(key);
    const envBefore = fresh ? envs.snapshot() : undefined;
    const delta = envBefore === undefined ? envs.noChange : envs.diff(expected, envBefore);
    if (fresh) checkEnv(this, id, delta);
    const { result, child, ranUserCode } = requireHeld(this, id);
    if (!isNewRoot(child)) return result;
    unverified.delete(child.filename);
    // Reached by a path rather than a package name (rare): the environment as it is now.
    const rootDelta = envBefore === undefined ? envs.diff(expected, envs.snapshot()) : delta;
    if (ranUserCode) tainted.add(child.filename);
    else roots.push({ kind: 'require', id: child.filename, parent: this.filename, env: indexOf(rootDelta) });
    // What the dependency set itself while it loaded is not the app's doing.
    if (envBefore !== undefined) envs.apply(expected, envs.diff(envBefore, envs.snapshot()));
    return result;
  };
  loader.prototype.require = wrapper;

  const importRoot = (file: string, resolved: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    roots.push({ kind: 'import', id: resolved });
  };
  const onImport = (parentUrl: string | undefined, resolved: string): void => {
    // Node's own entries resolve without a parent (the main module, a loader a runtime such as
    // tsx registers on Node 20): no import of the app's.
    if (parentUrl === undefined || !recording) return;
    const parent = thirdParty.fileOf(parentUrl);
    const file = thirdParty.fileOf(resolved);
    if (file === undefined) return;
    if (third(parent) && !third(file)) esmTainted = true;
    if (!third(parent) && third(file)) importRoot(file, resolved);
  };
  const hooks = esmHooks(loader, preloaded, onImport);
  const patches = patchesOf.loaderPatches(loader, wrapper);
  /** Node 20's hook thread reports a resolve before its module loads: all of them so far, taken in. */
  const takeResolves = (): void => {
    if (preloaded?.esm == null) return;
    preloaded.esm.drain();
    for (const [parent, resolved] of preloaded.esm.resolves.splice(0)) onImport(parent, resolved);
  };
  // Without hooks (Node 20's first start), a CommonJS module an ES module imported is loaded
  // without a parent, and whether the app's module or a dependency imported it is unknown: taken
  // as the app's import only when the app's main is an ES module (a CommonJS main's dependencies
  // import at run time, and what they import is theirs).
  const withoutParent = (module: LoadedModule): boolean => hooks === 'none' && module.parent == null && process.mainModule === undefined;
  function isImportRoot(module: LoadedModule): boolean {
    takeResolves();
    return seen.has(module.filename) || withoutParent(module);
  }

  const flush = (): void => {
    takeResolves();
    if (hooks === 'none' && process.mainModule === undefined) for (const file of parentless(loader._cache, third, seen)) importRoot(file, url.pathToFileURL(file).href);
    const changed = envs.diff(expected, envs.snapshot());
    // Reset at the wake: only a CommonJS main script sets it.
    const main = process.mainModule as { filename?: string } | undefined;
    // An import root that loaded one of the user's modules is not loaded ahead.
    const kept = roots.filter((root) => root.kind === 'require' || (!esmTainted && !tainted.has(thirdParty.fileOf(root.id) ?? '')));
    const recorded: Recorded = {
      v: 1,
      main: main === undefined ? 'esm' : 'cjs',
      mainFile: main?.filename ?? null,
      roots: kept,
      envs: deltas,
      envChanged: [...Object.keys(changed.set), ...changed.unset],
      instrumented: patches(),
      tainted: [...tainted],
      staleEnv,
    };
    try {
      preloads.writeAtomically(request.file, JSON.stringify(recorded));
    } catch {
      // devreload went away with its folder: nobody will read it.
    }
  };

  // Settled: written once, and the app is left alone (the wrapper only forwards from then on).
  const settled = (): void => {
    clearInterval(timer);
    process.removeListener('exit', flush);
    flush();
    recording = false;
    if (loader.prototype.require === wrapper) loader.prototype.require = originalRequire;
    if (typeof hooks === 'object') hooks.deregister();
  };
  const startedAt = Date.now();
  let last = -1;
  let stable = 0;
  const timer = setInterval(() => {
    const size = Object.keys(loader._cache).length + roots.length + (preloaded?.esm?.resolves.length ?? 0);
    stable = size === last ? stable + 1 : 0;
    last = size;
    if (stable >= settleLooks || Date.now() - startedAt > settleAtMostMs) settled();
  }, lookMs);
  timer.unref();
  process.on('exit', flush);
}

/** In-thread resolve hooks where Node has them (22.15+, 23.5+); Node 20's come from the spare (preload.cts). */
function esmHooks(loader: Loader, preloaded: Preloaded | null, onImport: (parent: string | undefined, url: string) => void): { deregister(): void } | 'thread' | 'none' {
  if (preloaded?.esm != null) {
    // What the spare itself imported is not the app's doing.
    preloaded.esm.resolves.splice(0);
    return 'thread';
  }
  if (typeof loader.registerHooks !== 'function') return 'none';
  return loader.registerHooks({
    resolve(specifier: string, context: { parentURL?: string; conditions?: readonly string[] }, next: (s: string, c: unknown) => { url: string }) {
      const result = next(specifier, context);
      // require() goes through these hooks too; the require wrapper sees those.
      if (context.conditions?.includes('import') === true) onImport(context.parentURL, result.url);
      return result;
    },
  });
}

/** Third-party modules cached without a parent that no other third-party module required: imported by ES modules. */
function parentless(cache: Record<string, LoadedModule>, third: (file: string) => boolean, seen: ReadonlySet<string>): string[] {
  const modules = Object.values(cache);
  const required = new Set<string>();
  for (const module of modules) if (third(module.filename)) for (const child of module.children ?? []) required.add(child.filename);
  return modules.filter((module) => module.parent == null && third(module.filename) && !required.has(module.filename) && !seen.has(module.filename)).map((module) => module.filename);
}

// `export =`: a CommonJS module's exports under verbatimModuleSyntax.
const exported = { startRecording };
export = exported;
