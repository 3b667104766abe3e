// The supervisors under test and how each is launched over the same app: `node server.js`,
// or `tsx src/server.ts` in a TypeScript copy of the project. Each runs with its defaults
// unless the row says otherwise.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEVRELOAD_BIN = process.env.BENCH_DEVRELOAD ?? path.join(REPO, 'bin/devreload.js');
export const NODEMON_BIN = path.join(REPO, 'node_modules/nodemon/bin/nodemon.js');
/** Linked into every TypeScript project as node_modules/tsx (see project.js). */
export const TSX_PACKAGE = path.join(REPO, 'node_modules/tsx');

/**
 * Options that land with other issues, measured as soon as `devreload --help` lists them
 * (`--socket`, `--prestart`); until then their rows say "not available".
 */
export function devreloadFeatures() {
  let help;
  try {
    help = execFileSync(process.execPath, [DEVRELOAD_BIN, '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`bench: \`${DEVRELOAD_BIN} --help\` failed (is it built? \`npm run build\`):\n${error.stderr ?? error.message}`);
  }
  return { socket: /--socket\b/.test(help), prestart: /--prestart\b/.test(help), proxy: /--proxy\b/.test(help), prestartRuntime: acceptsPrestartRuntime() };
}

/**
 * Whether `--prestart=runtime` (issue 22: the runtime-only spare, `--prestart` alone keeping the
 * dependencies warm too) is accepted: devreload runs `node -e 0` with it under `--on-exit quit`
 * in an empty folder and exits 0; a devreload without it exits 2 (an unexpected argument).
 */
function acceptsPrestartRuntime() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devreload-bench-probe-'));
  try {
    execFileSync(process.execPath, [DEVRELOAD_BIN, '--prestart=runtime', '--on-exit', 'quit', '--', process.execPath, '-e', '0'], { cwd: dir, stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Node 24's binary, for a `node --watch` row on the Node most users run (it gained
 * --watch-kill-signal); installed once from the npm registry's `node` package into npm's cache.
 * Null when it cannot be had (no registry): that row then says so.
 */
let node24;
export function node24Path() {
  if (node24 !== undefined) return node24;
  try {
    node24 = execFileSync('npm', ['exec', '--yes', '--package=node@24', '--', 'node', '-p', 'process.execPath'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 180_000,
    }).trim();
  } catch {
    node24 = null;
  }
  return node24;
}

export function checkPrerequisites() {
  const missing = [];
  // Whatever the build emits (one bundle or a module per file), it lands in dist/.
  if (!existsSync(path.join(path.dirname(DEVRELOAD_BIN), '../dist'))) missing.push('dist/ (run `npm run build`)');
  if (!existsSync(NODEMON_BIN)) missing.push('nodemon (run `npm install`)');
  if (!existsSync(TSX_PACKAGE)) missing.push('tsx (run `npm install`)');
  if (process.platform !== 'linux') missing.push('Linux (/proc is read for CPU and memory)');
  if (missing.length > 0) throw new Error(`bench: missing ${missing.join(', ')}`);
}

const node = process.execPath;
// The app's command, spelled as a user would: `node server.js`, or `tsx src/server.ts` in the
// TypeScript project. A supervisor's row is compared with a cold start of the same command.
export const COMMANDS = {
  node: { id: 'node', text: 'node server.js', argv: ['node', 'server.js'] },
  tsx: { id: 'tsx', text: 'tsx src/server.ts', argv: ['tsx', 'src/server.ts'] },
};
// The same command run by Node 24 (start-up phase only): the runtime most users now have, where
// Node boots faster and compiles with its own cache, for a same-runtime comparison of devreload
// and node --watch. devreload24 runs with Node 24's folder first on PATH (launchEnv), so its
// `node server.js` is Node 24 too.
export const COMMAND_NODE24 = { id: 'node24', text: 'node server.js (Node 24)', argv: ['node', 'server.js'] };
// The project's own node_modules/.bin/tsx (a link to tsx's cli.mjs, `#!/usr/bin/env node`), as
// an npm script or `npx tsx` runs it. A relative path: spawn resolves it in the project's cwd.
const TSX_BIN = './node_modules/.bin/tsx';

const devreloadLines = {
  ready: /\[devreload\] watching /,
  restarting: /\[devreload\] restarting/,
  // Once an instance was seen listening, a restart is reported when the new one listens
  // (`ready in N ms (listening on …)`) instead of at its spawn (`restarted in N ms`).
  spawned: /\[devreload\] (restarted in|ready in)/,
};

/** devreload with `flags` over `command`; `needs` names an option --help must list first. */
function devreload(id, label, flags, command, extra = {}) {
  return {
    id,
    label,
    app: command.id,
    // Run as a program, the way `devreload`, `npx devreload` and npm scripts run it: the bin's
    // `#!/usr/bin/env node` starts the `node` on PATH.
    command: extra.bin ?? DEVRELOAD_BIN,
    args: (port) => [...(typeof flags === 'function' ? flags(port) : flags), '--', ...command.argv],
    ...devreloadLines,
    ...extra,
  };
}

const verboseReady = { ready: /\[devreload\] watching .* \(ready in (\d+) ms\)/ };

/**
 * A peer: { id, label, app, command, args(port), ready, restarting, spawned, needs? }: `app`
 * names the command it runs (COMMANDS), `ready` matches the line that says the watcher finished
 * its initial scan (null: the peer prints none), `restarting` the line it logs when it decides
 * to restart, `spawned` the one per new instance started (an instance stopped again before it
 * ran any code leaves no stamp of its own). `verbose` variants print that line where the
 * default output does not. `needs`: the devreload option (see devreloadFeatures) without which
 * the row is printed as "not available".
 */
export const PEERS = {
  devreload: devreload('devreload', 'devreload', [], COMMANDS.node),
  devreloadDelay0: devreload('devreloadDelay0', 'devreload --delay 0', ['--delay', '0'], COMMANDS.node),
  // The quiet window devreload had before issue 15 (15 ms), for the scripts phase's single-save pair.
  devreloadDelay15: devreload('devreloadDelay15', 'devreload --delay 15', ['--delay', '15ms'], COMMANDS.node),
  // BENCH_BASELINE=<another build's bin/devreload.js>: the same defaults from that build, in the
  // same rounds (a before → after that shares the machine's load).
  ...(process.env.BENCH_BASELINE ? { devreloadBaseline: devreload('devreloadBaseline', 'devreload (baseline build)', [], COMMANDS.node, { bin: process.env.BENCH_BASELINE }) } : {}),
  devreloadVerbose: devreload('devreload', 'devreload --verbose', ['--verbose'], COMMANDS.node, verboseReady),
  // Bound to loopback like everything else the bench starts.
  devreloadSocket: devreload('devreloadSocket', 'devreload --socket', (port) => ['--socket', `127.0.0.1:${port}`], COMMANDS.node, { needs: 'socket' }),
  devreloadTsx: devreload('devreloadTsx', 'devreload', [], COMMANDS.tsx),
  devreloadPrestart: devreload('devreloadPrestart', 'devreload --prestart', ['--prestart'], COMMANDS.node, { needs: 'prestart' }),
  devreloadPrestartTsx: devreload('devreloadPrestartTsx', 'devreload --prestart', ['--prestart'], COMMANDS.tsx, { needs: 'prestart' }),
  devreloadPrestartVerbose: devreload('devreloadPrestart', 'devreload --prestart --verbose', ['--prestart', '--verbose'], COMMANDS.node, { ...verboseReady, needs: 'prestart' }),
  // nodemon forks `node server.js` (it only forks when the command is literally `node`).
  nodemon: {
    id: 'nodemon',
    label: 'nodemon',
    app: 'node',
    command: node,
    args: () => [NODEMON_BIN, 'server.js'],
    ready: null,
    restarting: /\[nodemon\] restarting/,
    spawned: /\[nodemon\] starting `/,
  },
  nodemonVerbose: {
    id: 'nodemon',
    label: 'nodemon --verbose',
    app: 'node',
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
    app: 'node',
    command: node,
    args: () => ['--watch', 'server.js'],
    ready: null,
    restarting: /^Restarting '/,
    // Each "Restarting" is one stop and one spawn.
    spawned: /^Restarting '/,
  },
  // The same on Node 24 (the app itself still runs on it: node --watch spawns its own execPath).
  nodeWatch24: {
    id: 'nodeWatch24',
    label: 'node --watch (Node 24)',
    app: 'node',
    get command() {
      return node24Path() ?? 'node';
    },
    args: () => ['--watch', 'server.js'],
    ready: null,
    restarting: /^Restarting '/,
    spawned: /^Restarting '/,
    needs: 'node24',
  },
  // tsx watch: a parent process that watches the module graph its child reports (plus the
  // entry file) with chokidar, debounces 100 ms, stops the child with SIGTERM and spawns
  // `node --require preflight --import loader src/server.ts` again.
  tsxWatch: {
    id: 'tsxWatch',
    label: 'tsx watch',
    app: 'tsx',
    command: TSX_BIN,
    args: () => ['watch', 'src/server.ts'],
    ready: null,
    // `12:00:00 PM [tsx] change in ./src/message.ts Restarting...` (Rerunning... once the app
    // had exited on its own); each one is one spawn.
    restarting: /\[tsx\] .*(Restarting|Rerunning)\.\.\./,
    spawned: /\[tsx\] .*(Restarting|Rerunning)\.\.\./,
  },
  // An experiment, not a supervisor: a runtime started ahead of time and parked by a preload
  // until it is told to go (see fixtures/bench/spare.js).
  spare: {
    id: 'spare',
    label: 'spare runtime, pre-started (experiment)',
    app: 'node',
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
    app: 'node',
    command: node,
    args: () => ['server.js'],
    ready: null,
    restarting: null,
    spawned: null,
  },
  // Start-up on Node 24: a cold start, devreload run by Node 24, and node --watch compared with them.
  cold24: {
    id: 'cold24',
    label: 'cold start (Node 24)',
    app: 'node24',
    get command() {
      return node24Path() ?? 'node';
    },
    args: () => ['server.js'],
    ready: null,
    restarting: null,
    spawned: null,
    needs: 'node24',
  },
  // Node 24 first on PATH, as for a user whose `node` is Node 24.
  devreload24: {
    ...devreload('devreload24', 'devreload (Node 24)', [], COMMAND_NODE24, { needs: 'node24' }),
    get nodeFirstOnPath() {
      return node24Path() ?? undefined;
    },
  },
  // tsx's own cold start: its CLI (one Node) spawns the app's Node with its loader.
  coldTsx: {
    id: 'coldTsx',
    label: 'cold start (tsx src/server.ts)',
    app: 'tsx',
    command: TSX_BIN,
    args: () => ['src/server.ts'],
    ready: null,
    restarting: null,
    spawned: null,
  },
};

/** Whether the devreload under test has what `peer` needs. */
export const available = (peer, features) => peer.needs === undefined || features[peer.needs] === true;

/**
 * Environment for every launch: `node` on PATH is the node running the bench (or `nodeFirstOnPath`,
 * a peer's own Node binary); no colours.
 */
export function launchEnv(port, extra = {}, nodeFirstOnPath = process.execPath) {
  const env = { ...process.env, PORT: String(port), NO_COLOR: '1', ...extra };
  delete env.FORCE_COLOR;
  delete env.NODE_OPTIONS;
  delete env.DEVRELOAD_DEBUG;
  env.PATH = `${path.dirname(nodeFirstOnPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  return env;
}
