// The real apps of the `apps` phase, and who runs each: a real Express app and a real Fastify
// app (`node server.js`), the Fastify app as TypeScript under tsx, and a Starlette app under
// uvicorn. Each is compared with a cold start of the same command. Projects get the apps'
// dependencies as links into the npm cache folder (app-deps.js), as a package manager's store
// would; the files the bench rewrites live in src/.
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PYTHON } from './app-deps.js';
import { DEVRELOAD_BIN, NODEMON_BIN, REPO, TSX_PACKAGE } from './peers.js';
import { now } from './session.js';

const FIXTURES = path.join(REPO, 'fixtures/bench/apps');
const TSX_BIN = './node_modules/.bin/tsx';
const node = process.execPath;
const uvicorn = (port) => ['-m', 'uvicorn', 'app:app', '--host', '127.0.0.1', '--port', String(port)];

/** The lines by which each supervisor says it restarts, and starts an instance (see peers.js). */
const lines = {
  devreload: { restarting: /\[devreload\] restarting/, spawned: /\[devreload\] (restarted in|ready in)/ },
  nodemon: { restarting: /\[nodemon\] restarting/, spawned: /\[nodemon\] starting `/ },
  nodeWatch: { restarting: /^Restarting '/, spawned: /^Restarting '/ },
  tsxWatch: { restarting: /\[tsx\] .*(Restarting|Rerunning)\.\.\./, spawned: /\[tsx\] .*(Restarting|Rerunning)\.\.\./ },
  // uvicorn 0.17's StatReload (without watchfiles): `StatReload detected file change in '…'. Reloading...`
  uvicorn: { restarting: /detected (file )?change/i, spawned: /detected (file )?change/i },
  none: { restarting: null, spawned: null },
};

/**
 * `--prestart=runtime` is the runtime-only spare (`--prestart` alone keeps the dependencies warm
 * too) once that lands; until then devreload rejects the value, and the row says "not available".
 */
const devreloadRows = (argv) => [
  { id: 'devreload', label: 'devreload', command: DEVRELOAD_BIN, args: (port) => ['--', ...argv(port)], ...lines.devreload },
  { id: 'prestartRuntime', label: 'devreload --prestart=runtime', command: DEVRELOAD_BIN, args: (port) => ['--prestart=runtime', '--', ...argv(port)], needs: 'prestartRuntime', spare: true, ...lines.devreload },
  { id: 'prestart', label: 'devreload --prestart', command: DEVRELOAD_BIN, args: (port) => ['--prestart', '--', ...argv(port)], needs: 'prestart', spare: true, ...lines.devreload },
];

const nodeApp = (id, label, fixture) => ({
  id,
  label,
  text: 'node server.js',
  language: 'node',
  message: { file: 'src/message.js', contents: (version) => `module.exports = { message: 'v${version}' };\n` },
  setup(dir, deps) {
    copyFileSync(path.join(FIXTURES, fixture), path.join(dir, 'server.js'));
    writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: `bench-${id}`, private: true, type: 'commonjs' }, null, 2)}\n`);
    linkPackages(dir, deps, [id === 'express' ? 'express' : 'fastify']);
  },
  cold: { command: node, args: () => ['server.js'] },
  peers: [
    ...devreloadRows(() => ['node', 'server.js']),
    { id: 'nodemon', label: 'nodemon', command: node, args: () => [NODEMON_BIN, 'server.js'], ...lines.nodemon },
    { id: 'nodeWatch', label: 'node --watch', command: node, args: () => ['--watch', 'server.js'], ...lines.nodeWatch },
  ],
});

export const APPS = [
  { ...nodeApp('express', 'Express', 'express.cjs'), target: { peer: 'prestart', of: 'listening', maxPct: 25 } },
  { ...nodeApp('fastify', 'Fastify', 'fastify.cjs'), target: { peer: 'prestart', of: 'listening', maxPct: 50 } },
  {
    id: 'fastifyTsx',
    label: 'Fastify under tsx',
    text: 'tsx src/server.ts',
    language: 'node',
    message: { file: 'src/message.ts', contents: (version) => `export const message: string = 'v${version}';\n` },
    setup(dir, deps) {
      copyFileSync(path.join(FIXTURES, 'fastify.ts'), path.join(dir, 'src/server.ts'));
      writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'bench-fastify-tsx', private: true, type: 'module' }, null, 2)}\n`);
      linkPackages(dir, deps, ['fastify']);
      symlinkSync(TSX_PACKAGE, path.join(dir, 'node_modules/tsx'), 'dir');
      mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
      symlinkSync('../tsx/dist/cli.mjs', path.join(dir, 'node_modules/.bin/tsx'));
    },
    cold: { command: TSX_BIN, args: () => ['src/server.ts'] },
    peers: [...devreloadRows(() => ['tsx', 'src/server.ts']), { id: 'tsxWatch', label: 'tsx watch', command: TSX_BIN, args: () => ['watch', 'src/server.ts'], ...lines.tsxWatch }],
  },
  {
    id: 'starlette',
    label: 'Starlette under uvicorn',
    text: 'python3 -m uvicorn app:app',
    language: 'python',
    message: { file: 'src/message.py', contents: (version) => `MESSAGE = "v${version}"\n` },
    setup(dir) {
      copyFileSync(path.join(FIXTURES, 'starlette_app.py'), path.join(dir, 'app.py'));
    },
    cold: { command: PYTHON, args: (port) => uvicorn(port) },
    peers: [
      ...devreloadRows((port) => [PYTHON, ...uvicorn(port)]),
      // nodemon runs anything with --exec; -e py makes it watch Python files.
      { id: 'nodemon', label: 'nodemon -e py --exec', command: node, args: (port) => [NODEMON_BIN, '-e', 'py', '--exec', [PYTHON, ...uvicorn(port)].join(' ')], ...lines.nodemon },
      { id: 'uvicornReload', label: 'uvicorn --reload', command: PYTHON, args: (port) => [...uvicorn(port), '--reload'], ...lines.uvicorn },
    ],
    // Served, not listening: uvicorn binds after the app's startup, and its reloader binds in the parent.
    target: { peer: 'prestart', of: 'serving', maxPct: 100 },
  },
];

/** A fresh project for `app` under `root`; `touch()` rewrites the watched module with the next version. */
export function makeAppProject(root, name, app, deps) {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  app.setup(dir, deps);
  const file = path.join(dir, app.message.file);
  let version = 0;
  writeFileSync(file, app.message.contents(version));
  return {
    dir,
    get version() {
      return version;
    },
    /** Rewrites the module; returns the hrtime taken just before the write, and the new version. */
    touch() {
      version += 1;
      const at = now();
      writeFileSync(file, app.message.contents(version));
      return { at, version };
    },
  };
}

/** node_modules/<name> → the cache's copy: Node resolves the package's own dependencies from there. */
function linkPackages(dir, deps, names) {
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  for (const name of names) symlinkSync(path.join(deps, name), path.join(dir, 'node_modules', name), 'dir');
}

export { lines as APP_LINES };
