import { skipInPass } from '../pass.js';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, hasCommand, jsonEvents, Project, waitUntil, type JsonEvent } from './harness.js';

disposeAfterEach();


const restarts = (d: Devreload) => jsonEvents(d).filter((e) => e.event === 'restart');

async function waitForRestarts(d: Devreload, n: number): Promise<JsonEvent[]> {
  await waitUntil(() => restarts(d).length >= n, { describe: () => `${n} restart events\n${d.output}` });
  return restarts(d);
}

const MAIN = `import os, signal, sys, time
import helper
print(f"started {os.getpid()} {helper.VALUE}", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    time.sleep(1)
`;

describe('tool caches never restart anything', () => {
  it.skipIf(!hasCommand('python3'))('a Python app with default bytecode writing restarts once per edit of an imported module, and not at start-up (needs python3)', async () => {
    const project = await Project.create();
    await writeFile(project.path('main.py'), MAIN);
    await writeFile(project.path('helper.py'), 'VALUE = 0\n');
    const d = new Devreload(['--json', '--', 'python3', 'main.py'], { cwd: project.dir, env: { PYTHONDONTWRITEBYTECODE: undefined } });
    await d.waitFor(/"event":"watching"/);
    await d.waitFor(/started \d+ 0/);

    for (let edit = 1; edit <= 2; edit++) {
      // A new size each time: CPython trusts a .pyc whose source has the same size and mtime
      // second, so a same-size edit within a second would run the old code (not ours to fix).
      await writeFile(project.path('helper.py'), `VALUE = ${edit}\n${'#'.repeat(edit)}\n`);
      const seen = await waitForRestarts(d, edit);
      expect(seen.map((e) => e.paths)).toEqual(Array.from({ length: edit }, () => ['helper.py']));
      // The new instance imported helper.py, so Python has rewritten its bytecode by now.
      await d.waitFor(new RegExp(`started \\d+ ${edit}\\b`));
    }
    expect(existsSync(project.path('__pycache__'))).toBe(true);
    // A sentinel: one more restart, for main.py alone, proves no bytecode write was pending.
    await writeFile(project.path('main.py'), `${MAIN}# edited\n`);
    const all = await waitForRestarts(d, 3);
    expect(all.map((e) => e.paths)).toEqual([['helper.py'], ['helper.py'], ['main.py']]);
  });

  it('each tool cache kind is ignored, a cache the user names in --watch is not, and --verbose names the rule', async (context) => {
    skipInPass(context, { polling: 'a known limit: polling reads only what is watched, so an ignored path raises nothing to name a rule for (docs/how-it-works.md, Platforms)' });
    const project = await Project.create();
    await mkdir(project.path('.cache/generated'), { recursive: true });
    await project.write('venv/pyvenv.cfg', 'home = /usr/bin\n');
    const d = new Devreload(['--json', '--verbose', '--watch', '.', '--watch', '.cache/generated', '--', 'node', '-e', 'setInterval(() => {}, 1000)'], { cwd: project.dir });
    await d.waitFor(/"event":"watching"/);
    for (const file of ['src/__pycache__/app.cpython-311.pyc', 'src/old.pyc', '.pytest_cache/v/cache/nodeids', '.mypy_cache/3.11/x.json', '.ruff_cache/0.4/1', '.tox/py311/log.txt', 'venv/lib/site.py', '.turbo/turbo-dev.log', '.parcel-cache/data', '.nyc_output/out.json', '.cache/other.json', '.eslintcache']) {
      await project.write(file);
    }
    await project.write('.cache/generated/routes.js');
    const [first] = await waitForRestarts(d, 1);
    expect(first?.paths).toEqual(['.cache/generated/routes.js']);
    await project.write('src/app.js');
    const all = await waitForRestarts(d, 2);
    expect(all[1]?.paths).toEqual(['src/app.js']);
    expect(d.stderr).toMatch(/ignored src\/__pycache__ \(tool cache: Python bytecode \(__pycache__\)\)/);
    expect(d.stderr).toMatch(/ignored src\/old\.pyc \(tool cache: Python bytecode/);
    expect(d.stderr).toMatch(/ignored \.eslintcache \(tool cache: ESLint/);
  });
});
