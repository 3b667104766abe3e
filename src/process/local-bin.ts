import path from 'node:path';

/**
 * The app's PATH as an npm script gets it: every node_modules/.bin from `cwd` up to the
 * root, then the folder of the Node running devreload, then the PATH it was given. So
 * `devreload -- tsx src/server.ts` finds the project's own tsx, as `npm run dev` would.
 */
export function localBinPath(cwd: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dirs = [...localBinDirs(cwd), path.dirname(process.execPath)];
  // The variable keeps its own spelling (a Path copied from elsewhere stays Path).
  const key = Object.keys(env).find((name) => name.toUpperCase() === 'PATH') ?? 'PATH';
  const inherited = env[key];
  return { ...env, [key]: [...dirs, ...(inherited === undefined || inherited === '' ? [] : [inherited])].join(path.delimiter) };
}

/** Every node_modules/.bin from `cwd` up to the root, nearest first. */
export function localBinDirs(cwd: string): string[] {
  const dirs: string[] = [];
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    dirs.push(path.join(dir, 'node_modules', '.bin'));
    if (path.dirname(dir) === dir) return dirs;
  }
}
