// The supervisors under test and how each is launched over the same app (`node server.js`
// in a project directory). Each runs with its defaults unless the row says otherwise.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEVRELOAD_BIN = process.env.BENCH_DEVRELOAD ?? path.join(REPO, 'bin/devreload.js');
export const NODEMON_BIN = path.join(REPO, 'node_modules/nodemon/bin/nodemon.js');

/** `--socket` lands with another issue: measure it as soon as --help lists it. */
export function devreloadHasSocket() {
  const help = execFileSync(process.execPath, [DEVRELOAD_BIN, '--help'], { encoding: 'utf8' });
  return /--socket\b/.test(help);
}

export function checkPrerequisites() {
  const missing = [];
  if (!existsSync(path.join(path.dirname(DEVRELOAD_BIN), '../dist/cli/main.js'))) missing.push('dist/ (run `npm run build`)');
  if (!existsSync(NODEMON_BIN)) missing.push('nodemon (run `npm install`)');
  if (process.platform !== 'linux') missing.push('Linux (/proc is read for CPU and memory)');
  if (missing.length > 0) throw new Error(`bench: missing ${missing.join(', ')}`);
}

const node = process.execPath;
const app = ['node', 'server.js'];

/**
 * A peer: { id, label, command, args(port), ready, restarting, spawned }: `ready` matches the
 * line that says the watcher finished its initial scan (null: the peer prints none),
 * `restarting` the line it logs when it decides to restart, `spawned` the one per new instance
 * started (an instance stopped again before it ran any code leaves no stamp of its own).
 * `verbose` variants print that line where the default output does not.
 */
export const PEERS = {
  devreload: {
    id: 'devreload',
    label: 'devreload',
    command: node,
    args: () => [DEVRELOAD_BIN, '--', ...app],
    ready: /\[devreload\] watching /,
    restarting: /\[devreload\] restarting/,
    spawned: /\[devreload\] restarted in/,
  },
  devreloadDelay0: {
    id: 'devreloadDelay0',
    label: 'devreload --delay 0',
    command: node,
    args: () => [DEVRELOAD_BIN, '--delay', '0', '--', ...app],
    ready: /\[devreload\] watching /,
    restarting: /\[devreload\] restarting/,
    spawned: /\[devreload\] restarted in/,
  },
  devreloadVerbose: {
    id: 'devreload',
    label: 'devreload --verbose',
    command: node,
    args: () => [DEVRELOAD_BIN, '--verbose', '--', ...app],
    ready: /\[devreload\] watching .* \(ready in (\d+) ms\)/,
    restarting: /\[devreload\] restarting/,
    spawned: /\[devreload\] restarted in/,
  },
  devreloadSocket: {
    id: 'devreloadSocket',
    label: 'devreload --socket',
    command: node,
    // Bound to loopback like everything else the bench starts.
    args: (port) => [DEVRELOAD_BIN, '--socket', `127.0.0.1:${port}`, '--', ...app],
    ready: /\[devreload\] watching /,
    restarting: /\[devreload\] restarting/,
    spawned: /\[devreload\] restarted in/,
  },
  // nodemon forks `node server.js` (it only forks when the command is literally `node`).
  nodemon: {
    id: 'nodemon',
    label: 'nodemon',
    command: node,
    args: () => [NODEMON_BIN, 'server.js'],
    ready: null,
    restarting: /\[nodemon\] restarting/,
    spawned: /\[nodemon\] starting `/,
  },
  nodemonVerbose: {
    id: 'nodemon',
    label: 'nodemon --verbose',
    command: node,
    args: () => [NODEMON_BIN, '--verbose', 'server.js'],
    // Printed once chokidar's initial scan is over.
    ready: /\[nodemon\] watching \d+ files?/,
    restarting: /\[nodemon\] restarting/,
    spawned: /\[nodemon\] starting `/,
  },
  // node --watch watches the module graph the app loads, reported by the child over IPC.
  nodeWatch: {
    id: 'nodeWatch',
    label: 'node --watch',
    command: node,
    args: () => ['--watch', 'server.js'],
    ready: null,
    restarting: /^Restarting '/,
    // Each "Restarting" is one stop and one spawn.
    spawned: /^Restarting '/,
  },
  // An experiment, not a supervisor: a runtime started ahead of time and parked by a preload
  // until it is told to go (see fixtures/bench/spare.js).
  spare: {
    id: 'spare',
    label: 'spare runtime, pre-started (experiment)',
    command: node,
    args: () => ['--import', path.join(REPO, 'fixtures/bench/spare.js'), 'server.js'],
    ready: null,
    restarting: null,
    spawned: null,
  },
  // The same command spawned directly: the cold start every restart pays at least once.
  cold: {
    id: 'cold',
    label: 'cold start (node server.js)',
    command: node,
    args: () => ['server.js'],
    ready: null,
    restarting: null,
    spawned: null,
  },
};

/** Environment for every launch: `node` on PATH is the node running the bench; no colours. */
export function launchEnv(port, extra = {}) {
  const env = { ...process.env, PORT: String(port), NO_COLOR: '1', ...extra };
  delete env.FORCE_COLOR;
  delete env.NODE_OPTIONS;
  delete env.DEVRELOAD_DEBUG;
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  return env;
}
