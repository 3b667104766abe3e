import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { localBinDirs } from '../process/local-bin.js';

/**
 * The folder holding tsx's runtime (dist/preflight.cjs and dist/loader.mjs) for a `tsx`
 * command run from `cwd`, found as an npm script finds it: node_modules/.bin up the tree,
 * then PATH. Undefined when there is none or its layout is not the one devreload knows.
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
  // Where the spawn itself would look (process/local-bin.ts), then PATH.
  for (const dir of localBinDirs(cwd)) yield path.join(dir, command);
  for (const dir of (env.PATH ?? '').split(path.delimiter)) if (dir !== '') yield path.join(dir, command);
}
