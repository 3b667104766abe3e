import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Devreload, disposeAfterEach, freePort, Project, repoRoot, waitUntil } from '../e2e/harness.js';
import { oneParked, recordedBy, waitPreloaded } from './python-spares.js';

// A warm Python spare loads what the previous instance imported at its start, not what it
// imported later while serving: a module the app imports lazily (on a first request, a first job)
// must still be imported lazily by the next instance.
const python = '/usr/bin/python3';

disposeAfterEach();

/** A project with a virtualenv holding eagerdep and lazydep, and fixtures/runtimes/lazy_import_app.py as src/app.py. */
function lazyProject(p: Project): string {
  const venv = p.path('.venv');
  execFileSync(python, ['-m', 'venv', '--without-pip', venv], { timeout: 120_000 });
  const site = execFileSync(path.join(venv, 'bin/python'), ['-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'], { encoding: 'utf8' }).trim();
  for (const name of ['eagerdep', 'lazydep']) {
    mkdirSync(path.join(site, name));
    writeFileSync(path.join(site, name, '__init__.py'), `LOADED = True\n`);
  }
  copyFileSync(path.join(repoRoot, 'fixtures/runtimes/lazy_import_app.py'), p.path('src/app.py'));
  return path.join(venv, 'bin/python');
}

interface Start {
  pid: number;
  eager: boolean;
  lazy: boolean;
}

function startsOf(d: Devreload): Start[] {
  return [...d.stdout.matchAll(/^\[(\d+)\] start eager (True|False) lazy (True|False)$/gm)].map((m) => ({ pid: Number(m[1]), eager: m[2] === 'True', lazy: m[3] === 'True' }));
}

describe('--prestart with Python: the record is what the app imported at its start', () => {
  it.each([
    ['a server (the record ends once it binds its socket)', 'server'],
    ['an app that never listens (the record ends when its imports settle)', 'worker'],
  ])('%s: a module imported lazily is not loaded into the next spare', { timeout: 90_000 }, async (_name, mode) => {
    const p = await Project.create();
    const venvPython = lazyProject(p);
    const port = await freePort();
    const d = new Devreload(['--prestart', '--', venvPython, 'src/app.py'], { cwd: p.dir, env: { APP_MODE: mode, PORT: String(port) } });
    const pids = () => startsOf(d).map((start) => start.pid);
    await waitUntil(() => startsOf(d).length === 1, { timeout: 30_000, describe: () => d.output });
    const lazyLoaded = async (count: number) => {
      if (mode === 'server') {
        await d.waitFor(/\] serving$/m, count, 30_000);
        expect(await (await fetch(`http://127.0.0.1:${port}/lazy`)).text()).toBe('preloaded False');
      }
      await d.waitFor(/\] lazy preloaded False$/m, count, 30_000);
    };
    // The first instance imports lazydep after its start, before the spare has gone through its record.
    await lazyLoaded(1);
    const spare = await oneParked(d.pid, pids, () => d.output);
    await waitPreloaded(spare, () => d.output);
    expect(recordedBy(spare), 'the record').toContain('eagerdep');
    expect(recordedBy(spare), 'the record').not.toContain('lazydep');

    await p.save('src/other.py');
    await waitUntil(() => startsOf(d).length === 2, { timeout: 30_000, describe: () => d.output });
    // Woken warm: eagerdep was loaded ahead, lazydep was not.
    expect(startsOf(d)[1]).toEqual({ pid: spare, eager: true, lazy: false });
    await lazyLoaded(2);
  });
});
