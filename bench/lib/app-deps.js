// The real apps' dependencies: installed from the npm registry with npm itself, once, into a
// cache folder outside the repo (the repo's package.json never lists them), and reused by later
// runs while the versions asked for stay the same. The Starlette row needs /usr/bin/python3 with
// starlette and uvicorn (Debian's python3-starlette, python3-uvicorn); without them it says why.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What the Node apps need; ranges, so a run picks up the newest 5.x of each. */
export const NODE_DEPENDENCIES = { express: '^5.1.0', fastify: '^5.4.0' };

export const PYTHON = '/usr/bin/python3';

/**
 * The cache's node_modules, installing into it when the asked-for ranges changed or it is
 * missing (BENCH_APPS_CACHE overrides where it lives). Returns { dir, versions }.
 */
export function nodeDependencies(log) {
  const dir = process.env.BENCH_APPS_CACHE ?? path.join(os.tmpdir(), 'devreload-bench-apps');
  const manifest = path.join(dir, 'package.json');
  const wanted = `${JSON.stringify({ name: 'devreload-bench-apps', private: true, dependencies: NODE_DEPENDENCIES }, null, 2)}\n`;
  const current = existsSync(manifest) ? readFileSync(manifest, 'utf8') : '';
  const installed = Object.keys(NODE_DEPENDENCIES).every((name) => existsSync(path.join(dir, 'node_modules', name, 'package.json')));
  if (current !== wanted || !installed) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(manifest, wanted);
    log(`installing ${Object.keys(NODE_DEPENDENCIES).join(', ')} from npm into ${dir}`);
    // --ignore-scripts: the bench runs no install scripts of third-party packages.
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  }
  const versions = Object.fromEntries(Object.keys(NODE_DEPENDENCIES).map((name) => [name, JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version]));
  return { dir: path.join(dir, 'node_modules'), versions };
}

/** { ok: true, versions } when /usr/bin/python3 imports starlette and uvicorn; else { ok: false, reason }. */
export function pythonStack() {
  if (!existsSync(PYTHON)) return { ok: false, reason: `${PYTHON} not found` };
  try {
    const out = execFileSync(PYTHON, ['-c', 'import starlette, uvicorn, sys; print(starlette.__version__, uvicorn.__version__, sys.version.split()[0])'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const [starlette, uvicorn, python] = out.split(' ');
    return { ok: true, versions: { python, starlette, uvicorn } };
  } catch (error) {
    const last = String(error.stderr ?? error.message).trim().split('\n').at(-1);
    return { ok: false, reason: `${PYTHON} cannot import starlette and uvicorn (${last}); Debian: apt-get install python3-starlette python3-uvicorn` };
  }
}
