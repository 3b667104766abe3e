import { skipInPass } from '../pass.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createIgnoreMatcher } from '../../src/watch/ignore-rules.js';
import type { StatsLike } from '../../src/watch/ignore-rules.js';
import { WatchFixture, expectOnlySentinel, put, tree } from './watch-harness.js';
import { waitUntil } from '../wait.js';

const fixture = new WatchFixture();
afterEach(() => fixture.dispose());

const FILE: StatsLike = { isFile: () => true, isDirectory: () => false };
const ROOT = '/nonexistent-devreload-project';
const at = (rel: string) => path.join(ROOT, rel);

/** Each cache a tool writes, as a file inside it, and the words its rule must contain. */
const CACHES: readonly (readonly [string, string])[] = [
  ['__pycache__/helper.cpython-311.pyc', '__pycache__'],
  ['pkg/__pycache__/mod.cpython-312.opt-1.pyc', '__pycache__'],
  ['legacy.pyc', '*.pyc'],
  ['legacy.pyo', '*.pyo'],
  ['.pytest_cache/v/cache/lastfailed', 'pytest'],
  ['.mypy_cache/3.11/main.data.json', 'mypy'],
  ['.ruff_cache/0.4.0/123', 'ruff'],
  ['.hypothesis/examples/ab/cd', 'Hypothesis'],
  ['.tox/py311/lib/site.py', 'tox'],
  ['.nox/tests/bin/python', 'nox'],
  ['packages/web/.turbo/turbo-build.log', 'Turborepo'],
  ['.parcel-cache/data.mdb', 'Parcel'],
  ['.nyc_output/processinfo/index.json', 'nyc'],
  ['.cache/ng/index.json', '.cache'],
  ['.angular/cache/17.0.0/babel-webpack/x.json', 'Angular'],
  ['.next/server/app/page.js', 'Next.js'],
  ['.nuxt/components.d.ts', 'Nuxt'],
  ['.svelte-kit/generated/root.js', 'SvelteKit'],
  ['.eslintcache', 'ESLint'],
  ['tsconfig.tsbuildinfo', 'TypeScript'],
  ['.yarn/cache/lodash-npm-4.17.21.zip', 'Yarn'],
  ['.pnpm-store/v3/files/00/abc', 'pnpm'],
];

describe('createIgnoreMatcher: tool caches', () => {
  const match = createIgnoreMatcher({ paths: [ROOT], cwd: ROOT });

  it.each(CACHES)('ignores %s (%s)', (rel, words) => {
    expect(match(at(rel), FILE)).toMatch(/^(tool cache|always ignored): /);
    expect(match(at(rel), FILE)).toContain(words);
  });

  it.each(['src/cache/x.js', 'src/pycache.py', 'app.py', 'src/next.js', 'turbo.json', 'src/.cachedir.ts', 'main.pyx'])('keeps %s', (rel) => {
    expect(match(at(rel), FILE)).toBeUndefined();
  });

  it('never ignores a cache folder the user watches, nor what is in it', () => {
    const cache = at('.cache/generated');
    const named = createIgnoreMatcher({ paths: [ROOT, cache], cwd: ROOT });
    expect(named(path.join(cache, 'routes.js'), FILE)).toBeUndefined();
    expect(named(at('.cache/other.js'), FILE)).toContain('.cache');
  });
});

describe('watcher: tool caches', () => {
  it('never reads, watches or reports tool caches, and reports the source beside them', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['main.py', 'helper.py', ...CACHES.map(([rel]) => rel)]);
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;
    const watchedFolders = Object.keys(session.watcher.getWatched()).map((folder) => path.relative(dir, folder));
    const cacheTops = ['__pycache__', '.pytest_cache', '.mypy_cache', '.ruff_cache', '.tox', '.turbo', '.cache', '.next', '.yarn'];
    expect(watchedFolders.filter((folder) => cacheTops.some((top) => folder.split(path.sep).includes(top)))).toEqual([]);

    for (const [rel] of CACHES) await put(path.join(dir, rel));
    await put(path.join(dir, 'src/__pycache__/fresh.cpython-311.pyc'));
    await expectOnlySentinel(session, path.join(dir, 'helper.py'), (c) => c.path === path.join(dir, 'src'));
  });

  it('recognises a virtualenv by its pyvenv.cfg, whatever its name, and watches it when it is the watched path', async () => {
    const dir = await fixture.tempDir();
    await tree(dir, ['app.py', 'my-env/pyvenv.cfg', 'my-env/lib/python3.11/site-packages/requests/api.py', 'envs/pyvenv.cfg.bak']);
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;
    expect(Object.keys(session.watcher.getWatched())).not.toContain(path.join(dir, 'my-env'));
    await put(path.join(dir, 'my-env/lib/python3.11/site-packages/requests/api.py'));
    await put(path.join(dir, 'my-env/lib/python3.11/site-packages/new/x.py'));
    // A folder that merely has a similar name is no virtualenv.
    await put(path.join(dir, 'envs/tool.py'));
    await expectOnlySentinel(session, path.join(dir, 'app.py'), (c) => c.path === path.join(dir, 'envs/tool.py'));
    await session.waitForPath(path.join(dir, 'envs/tool.py'));

    const site = path.join(dir, 'my-env/lib/python3.11/site-packages');
    const named = fixture.start({ paths: [site], cwd: dir });
    await named.watcher.ready;
    await put(path.join(site, 'requests/api.py'));
    await named.waitForPath(path.join(site, 'requests/api.py'));
  });

  it('stops reporting a virtualenv created while watching as soon as its pyvenv.cfg appears', async (context) => {
    skipInPass(context, { polling: 'a known limit: polling reads only what is watched, so an ignored path raises nothing to name a rule for (docs/how-it-works.md, Platforms)' });
    const dir = await fixture.tempDir();
    await tree(dir, ['app.py']);
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;
    // `python -m venv .venv`: the folders first, then pyvenv.cfg, then pip's thousands of files.
    await mkdir(path.join(dir, '.venv'));
    await session.waitForPath(path.join(dir, '.venv'), 'addDir');
    await waitUntilListed(session.watcher, path.join(dir, '.venv'));
    await mkdir(path.join(dir, '.venv/lib/python3.11/site-packages'), { recursive: true });
    await writeFile(path.join(dir, '.venv/pyvenv.cfg'), 'home = /usr/bin\n');
    // Told (for --verbose) once the marker was seen: from then on the folder is a virtualenv.
    await waitUntilTold(session, path.join(dir, '.venv/pyvenv.cfg'));
    await put(path.join(dir, '.venv/lib/python3.11/site-packages/pip/__init__.py'));
    await put(path.join(dir, '.venv/bin/activate'));
    await expectOnlySentinel(session, path.join(dir, 'app.py'), (c) => c.kind === 'addDir' && c.path.startsWith(path.join(dir, '.venv')));
  });

  it('names the rule for a cache written after the scan (for --verbose), not for what the scan skipped', async (context) => {
    skipInPass(context, { polling: 'a known limit: polling reads only what is watched, so an ignored path raises nothing to name a rule for (docs/how-it-works.md, Platforms)' });
    const dir = await fixture.tempDir();
    await tree(dir, ['src/app.py', '__pycache__/old.cpython-311.pyc']);
    const session = fixture.start({ paths: [dir], cwd: dir });
    await session.watcher.ready;
    expect(session.ignored).toEqual([]);
    await put(path.join(dir, 'src/__pycache__/app.cpython-311.pyc'));
    await put(path.join(dir, 'src/legacy.pyc'));
    await expectOnlySentinel(session, path.join(dir, 'src/app.py'));
    expect(session.ignored).toContainEqual({ path: path.join(dir, 'src/__pycache__'), rule: 'tool cache: Python bytecode (__pycache__)' });
    expect(session.ignored).toContainEqual({ path: path.join(dir, 'src/legacy.pyc'), rule: 'tool cache: Python bytecode (*.pyc, *.pyo)' });
  });
});

/** chokidar lists a folder once it reads it (its watch starts right after). */
async function waitUntilListed(watcher: { getWatched(): Record<string, string[]> }, folder: string): Promise<void> {
  await waitUntil(() => folder in watcher.getWatched(), { describe: () => `${folder} to be listed` });
}

async function waitUntilTold(session: { ignored: { path: string; rule: string }[]; describe(): string }, file: string): Promise<void> {
  await waitUntil(() => session.ignored.some((entry) => entry.path === file), {
    describe: () => `${file} to be told as ignored: ${JSON.stringify(session.ignored)}\n${session.describe()}`,
  });
}
