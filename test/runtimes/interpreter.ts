import { spawnSync } from 'node:child_process';

/**
 * `python3` first (a developer's own Python), then the Debian one the packages install into:
 * on a machine where `python3` is pyenv's or a venv's, /usr/bin/python3 is the one that has
 * python3-starlette & co.
 */
const candidates = ['python3', '/usr/bin/python3'] as const;

const found = new Map<string, string>();

/**
 * The first Python that can import every module in `modules` (`python -c 'import …'` exits 0).
 * Throws, naming what was tried and the Debian packages to install, when none can: the runtimes
 * suite exists to run these apps, so a missing runtime is a failure, never a skip.
 */
export function pythonWith(modules: readonly string[], debianPackages: readonly string[]): string {
  const key = modules.join(',');
  const cached = found.get(key);
  if (cached !== undefined) return cached;
  const tried: string[] = [];
  for (const python of candidates) {
    const run = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8', timeout: 30_000 });
    if (run.status === 0) {
      found.set(key, python);
      return python;
    }
    const why = run.error?.message ?? run.stderr.trim().split('\n').at(-1) ?? `exit ${run.status}`;
    tried.push(`${python}: ${why}`);
  }
  throw new Error(
    `no Python can import ${modules.join(', ')}; install the Debian packages ${debianPackages.join(' ')} (.ci/run does)\n${tried.join('\n')}`,
  );
}

/**
 * The app's environment keeps Python's defaults: bytecode is written beside the sources (into the
 * watched folder), as it is for a developer who never heard of PYTHONDONTWRITEBYTECODE.
 */
export const defaultBytecode: NodeJS.ProcessEnv = { PYTHONDONTWRITEBYTECODE: undefined, PYTHONPYCACHEPREFIX: undefined };
