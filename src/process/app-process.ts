import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readProcStat } from './proc-stat.js';

// Programs that start the app and wait for it, doing nothing else meanwhile: a shell running a
// command line (`--exec`, `npm run`'s sh -c), env, the package managers' run and exec, and tsx,
// whose process only starts a second node with its loader.
const launcherPrograms = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'env', 'npm', 'npx', 'pnpm', 'yarn', 'tsx']);
// The same run by node: `node …/.bin/tsx`, `node …/npm-cli.js`.
const launcherScripts = /(^|\/)(tsx|npm|npx|pnpm|yarn)(-cli)?(\.c?js|\.mjs)?$|\/tsx\/dist\/cli\.m?js$/;

/**
 * The process that runs the app's own code in the instance led by `leader`: from the leader
 * down, while the process is a launcher with exactly one child, its child. `tsx src/server.ts`
 * is a tsx process whose child node runs the server; `--exec 'node server.js'` may be a shell
 * waiting for node. The app's own children (a worker, esbuild's service) are never taken for it:
 * only a launcher is looked through. Linux (/proc); elsewhere, and when the table cannot be
 * read, the leader.
 */
export function appProcess(leader: number): number {
  let children: Map<number, number[]>;
  try {
    children = childrenTable();
  } catch {
    return leader;
  }
  let current = leader;
  // A chain of launchers is short (npm → sh → tsx → node); the bound only guards against a cycle
  // in a table read while processes came and went.
  for (let depth = 0; depth < 8; depth++) {
    // tsx's esbuild service may run beside the app (`tsx -e`): a helper, not a second app.
    const kids = (children.get(current) ?? []).filter((pid) => program(argvOf(pid)) !== 'esbuild');
    const only = kids[0];
    if (kids.length !== 1 || only === undefined || !isLauncher(current)) return current;
    current = only;
  }
  return current;
}

/** Live processes by parent pid. */
function childrenTable(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat === undefined || stat.state === 'Z' || stat.state === 'X') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat.pid]);
  }
  return children;
}

function isLauncher(pid: number): boolean {
  const argv = argvOf(pid);
  const name = program(argv);
  if (launcherPrograms.has(name)) return true;
  // `node /…/node_modules/.bin/tsx src/server.ts`: the script after node's own flags.
  const script = /^node(js)?(\d+)?$/.test(name) ? argv.slice(1).find((arg) => !arg.startsWith('-')) : undefined;
  return script !== undefined && launcherScripts.test(script);
}

/** Its command line; empty when it is gone (or not ours to read). */
function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

function program(argv: readonly string[]): string {
  return path.basename(argv[0] ?? '');
}
