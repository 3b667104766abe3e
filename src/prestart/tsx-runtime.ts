import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { localPathEnv } from '../process/spawn.js';

/**
 * The folder holding tsx's runtime (dist/preflight.cjs and dist/loader.mjs) for a `tsx`
 * command run from `cwd`, found as the spawn finds it: node_modules/.bin up the tree, then
 * PATH. Undefined when there is none or its layout is not the one devreload knows.
 */
export function findTsxRuntime(command: string, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const candidate of candidates(command, cwd, env)) {
    let cli: string;
    try {
      cli = realpathSync(candidate);
    } catch {
      continue;
    }
    const dist = path.dirname(cli);
    if (existsSync(path.join(dist, 'loader.mjs')) && existsSync(path.join(dist, 'preflight.cjs'))) return dist;
  }
  return undefined;
}

function* candidates(command: string, cwd: string, env: NodeJS.ProcessEnv): Generator<string> {
  if (command.includes('/')) {
    yield path.resolve(cwd, command);
    return;
  }
  // Where the spawn itself looks: the PATH of execa's preferLocal (process/spawn.ts).
  for (const dir of (localPathEnv(cwd, env).PATH ?? '').split(path.delimiter)) if (dir !== '') yield path.join(dir, command);
}
