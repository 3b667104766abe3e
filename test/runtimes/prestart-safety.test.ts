import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Devreload, disposeAfterEach, isAlive, Project, repoRoot, waitUntil } from '../e2e/harness.js';
import { oneParked, readReport, spareConfig, spareStatus, waitPreloaded } from './python-spares.js';

// A warm spare loaded its dependencies before the save: whatever they may have read at import
// (the installed packages, a .env) must lead to a fresh start, never to a stale module.
const python = '/usr/bin/python3';

disposeAfterEach();

/** tinydep's sources at `version`: at import it reads .env from the working directory, as settings libraries do. */
function tinydep(dir: string, version: number): string {
  const source = path.join(dir, `tinydep-${version}`);
  mkdirSync(path.join(source, 'tinydep'), { recursive: true });
  writeFileSync(
    path.join(source, 'pyproject.toml'),
    `[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "tinydep"\nversion = "${version}"\n`,
  );
  writeFileSync(path.join(source, 'tinydep/__init__.py'), `import os\nVERSION = ${version}\nwith open(os.path.join(os.getcwd(), ".env")) as env:\n    GREETING = env.read().split("=", 1)[1].strip()\n`);
  return source;
}

/** pip install from a local folder, no index: what a developer's `pip install -U` does to site-packages. */
function pipInstall(venv: string, source: string): void {
  execFileSync(path.join(venv, 'bin/python'), ['-m', 'pip', 'install', '--quiet', '--no-index', '--no-build-isolation', '--disable-pip-version-check', source], { stdio: 'pipe', timeout: 120_000 });
}

interface Line {
  pid: number;
  version: number;
  greeting: string;
  warm: boolean;
}

function lines(d: Devreload): Line[] {
  return [...d.stdout.matchAll(/^\[(\d+)\] tinydep (\d+) greeting (\S+) warm (True|False)$/gm)].map((m) => ({ pid: Number(m[1]), version: Number(m[2]), greeting: m[3] as string, warm: m[4] === 'True' }));
}

describe('--prestart with Python: never a stale dependency', () => {
  it('a pip install into the virtualenv, and a .env edit, each give a fresh start; a source edit wakes the warm spare', { timeout: 180_000 }, async () => {
    const p = await Project.create();
    const sources = p.sidecar('sources');
    mkdirSync(sources);
    // A virtualenv inside the project, as `python -m venv .venv` makes it (devreload does not watch it).
    const venv = p.path('.venv');
    execFileSync(python, ['-m', 'venv', '--without-pip', '--system-site-packages', venv], { timeout: 120_000 });
    pipInstall(venv, tinydep(sources, 1));
    writeFileSync(p.path('.env'), 'GREETING=hello\n');
    copyFileSync(path.join(repoRoot, 'fixtures/runtimes/tinydep_app.py'), p.path('src/app.py'));
    const d = new Devreload(['--prestart', '--', path.join(venv, 'bin/python'), 'src/app.py'], { cwd: p.dir });
    const pids = () => lines(d).map((line) => line.pid);
    const nextLine = async (count: number) => {
      await waitUntil(() => lines(d).length >= count, { timeout: 30_000, describe: () => d.output });
      return lines(d)[count - 1]!;
    };
    /** A parked spare that has loaded tinydep as the last instance had it. */
    const warmSpare = async () => {
      const spare = await oneParked(d.pid, pids, () => d.output);
      await waitPreloaded(spare, () => d.output);
      return spare;
    };
    const edit = (round: number) => p.save('src/app.py', `${readFileSync(path.join(repoRoot, 'fixtures/runtimes/tinydep_app.py'), 'utf8')}# edit ${round}\n`);

    expect(await nextLine(1)).toMatchObject({ version: 1, greeting: 'hello', warm: false });

    // A source edit: the spare, with tinydep already loaded, is the new instance.
    let spare = await warmSpare();
    await edit(1);
    expect(await nextLine(2)).toEqual({ pid: spare, version: 1, greeting: 'hello', warm: true });

    // pip install -U: the spare loaded version 1 before it; the start is fresh, with version 2.
    spare = await warmSpare();
    pipInstall(venv, tinydep(sources, 2));
    await edit(2);
    expect(await nextLine(3), d.output).toMatchObject({ version: 2, greeting: 'hello', warm: false });
    expect(lines(d)[2]!.pid).not.toBe(spare);
    await waitUntil(() => !isAlive(spare), { describe: () => `the stale spare ${spare} killed\n${d.output}` });

    // A .env edit: tinydep read the old one while parked; the start is fresh.
    spare = await warmSpare();
    writeFileSync(p.path('.env'), 'GREETING=bye\n');
    expect(await nextLine(4), d.output).toMatchObject({ version: 2, greeting: 'bye', warm: false });
    expect(lines(d)[3]!.pid).not.toBe(spare);

    // And the next spare is warm again, with what is installed now.
    spare = await warmSpare();
    await edit(3);
    expect(await nextLine(5)).toEqual({ pid: spare, version: 2, greeting: 'bye', warm: true });
    expect(lines(d)).toHaveLength(5);
  });
});

describe('--prestart with Python: the app’s own sitecustomize keeps its place', () => {
  it('runs first in every instance and never in a parked spare: the spare keeps the runtime only, and says so once', { timeout: 60_000 }, async () => {
    const p = await Project.create();
    const log = p.sidecar('customize.log');
    writeFileSync(p.path('src/sitecustomize.py'), 'import os\nwith open(os.environ["CUSTOMIZE_LOG"], "a") as log:\n    log.write(f"sitecustomize {os.getpid()}\\n")\n');
    writeFileSync(
      p.path('src/app.py'),
      'import os, signal, sys\nwith open(os.environ["CUSTOMIZE_LOG"], "a") as log:\n    log.write(f"app {os.getpid()}\\n")\nprint(f"[{os.getpid()}] app ran", flush=True)\nsignal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\nwhile True:\n    signal.pause()\n',
    );
    const entries = () => readFileSync(log, 'utf8').split('\n').filter((line) => line !== '');
    const d = new Devreload(['--prestart', '--watch', 'src', '--', python, 'src/app.py'], { cwd: p.dir, env: { PYTHONPATH: 'src', CUSTOMIZE_LOG: log } });
    const apps = () => [...d.stdout.matchAll(/^\[(\d+)\] app ran$/gm)].map((m) => Number(m[1]));
    await waitUntil(() => apps().length === 1, { timeout: 30_000, describe: () => d.output });
    for (let round = 1; round <= 2; round++) {
      const spare = await oneParked(d.pid, apps, () => d.output);
      // Parked past Python's start-up (it reported on its site folders), where site would have run it.
      await waitUntil(() => spareStatus(spare) !== undefined, { describe: () => d.output });
      expect(entries().some((entry) => entry.endsWith(` ${spare}`)), `the parked spare ${spare} ran nothing of the app's`).toBe(false);
      await p.save('src/other.py');
      await waitUntil(() => apps().length === round + 1, { timeout: 30_000, describe: () => d.output });
      expect(apps()[round]).toBe(spare);
    }
    expect(entries()).toEqual(apps().flatMap((pid) => [`sitecustomize ${pid}`, `app ${pid}`]));
    expect(d.count(/--prestart: .*src\/sitecustomize\.py is the app’s own sitecustomize, which Python runs before anything else: the Python spare keeps the runtime only, to keep that order/)).toBe(1);
    expect(d.count(/--prestart: woke a runtime-only Python spare/)).toBe(1);
  });
});

describe('--prestart with Python: a parked spare never loads the app’s own modules', () => {
  it('a dependency that imports one of the app’s modules is not loaded ahead: the spare keeps the runtime only, and says so once', { timeout: 60_000 }, async () => {
    const p = await Project.create();
    // A dependency (any file under a site-packages folder is one) that picks up the app's settings if it has any.
    const site = path.join(p.sidecar('lib'), 'site-packages');
    mkdirSync(path.join(site, 'grabby'), { recursive: true });
    writeFileSync(path.join(site, 'grabby/__init__.py'), 'try:\n    import local_settings\nexcept ImportError:\n    local_settings = None\n');
    writeFileSync(p.path('src/local_settings.py'), 'NAME = "mine"\n');
    writeFileSync(
      p.path('src/app.py'),
      'import os, signal, sys\nimport grabby\nprint(f"[{os.getpid()}] settings {grabby.local_settings and grabby.local_settings.NAME}", flush=True)\nsignal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\nwhile True:\n    signal.pause()\n',
    );
    const d = new Devreload(['--prestart', '--watch', 'src', '--', python, 'src/app.py'], { cwd: p.dir, env: { PYTHONPATH: site } });
    const seen = () => [...d.stdout.matchAll(/^\[(\d+)\] settings (\S+)$/gm)].map((m) => ({ pid: Number(m[1]), settings: m[2] }));
    await waitUntil(() => seen().length === 1, { timeout: 30_000, describe: () => d.output });
    for (let round = 1; round <= 3; round++) {
      const spare = await oneParked(d.pid, () => seen().map((entry) => entry.pid), () => d.output);
      // The first spare finds grabby in the record and gives up on it (and exits); the next ones park without loading.
      const report = spareConfig(spare)?.status;
      await waitUntil(() => (round === 1 ? readReport(report)?.tainted != null : readReport(report) !== undefined), { describe: () => `${JSON.stringify(readReport(report))}\n${d.output}` });
      await p.save('src/other.py');
      await waitUntil(() => seen().length === round + 1, { timeout: 30_000, describe: () => d.output });
      // The first spare gave up on grabby (it would have seen no settings); the next ones load nothing ahead.
      if (round > 1) expect(seen()[round]!.pid).toBe(spare);
    }
    expect(seen().map((entry) => entry.settings)).toEqual(['mine', 'mine', 'mine', 'mine']);
    expect(d.count(/--prestart: loading grabby imports the app’s own local_settings \(.*src\/local_settings\.py\): the Python spare keeps the runtime only from now on/)).toBe(1);
    expect(d.count(/--prestart: woke a runtime-only Python spare/)).toBe(1);
  });
});

describe('--prestart with Python: what patches the modules loaded after it keeps its place', () => {
  it('loading ahead stops at gevent.monkey: what the app loaded before it is warm, what it loaded after is not', { timeout: 60_000 }, async () => {
    const p = await Project.create();
    const site = path.join(p.sidecar('lib'), 'site-packages');
    const files: Array<[string, string]> = [
      ['before_dep.py', ''],
      ['after_dep.py', ''],
      ['gevent/__init__.py', ''],
      // Stands in for gevent's: the app calls patch_all() before importing the rest.
      ['gevent/monkey.py', 'def patch_all():\n    pass\n'],
    ];
    for (const [file, text] of files) {
      mkdirSync(path.dirname(path.join(site, file)), { recursive: true });
      writeFileSync(path.join(site, file), text);
    }
    writeFileSync(
      p.path('src/app.py'),
      'import os, signal, sys\nloaded = [name for name in ("before_dep", "gevent.monkey", "after_dep") if name in sys.modules]\nimport before_dep\nfrom gevent import monkey\nmonkey.patch_all()\nimport after_dep\nprint(f"[{os.getpid()}] loaded ahead {loaded}", flush=True)\nsignal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\nwhile True:\n    signal.pause()\n',
    );
    const d = new Devreload(['--prestart', '--watch', 'src', '--', python, 'src/app.py'], { cwd: p.dir, env: { PYTHONPATH: site } });
    const seen = () => [...d.stdout.matchAll(/^\[(\d+)\] loaded ahead (.*)$/gm)].map((m) => ({ pid: Number(m[1]), loaded: m[2] }));
    await waitUntil(() => seen().length === 1, { timeout: 30_000, describe: () => d.output });
    const spare = await oneParked(d.pid, () => seen().map((entry) => entry.pid), () => d.output);
    await waitUntil(() => spareStatus(spare)?.stoppedAt === 'gevent.monkey', { describe: () => `${JSON.stringify(spareStatus(spare))}\n${d.output}` });
    await p.save('src/other.py');
    await waitUntil(() => seen().length === 2, { timeout: 30_000, describe: () => d.output });
    expect(seen()).toEqual([
      { pid: seen()[0]!.pid, loaded: '[]' },
      { pid: spare, loaded: "['before_dep']" },
    ]);
    expect(d.count(/--prestart: gevent\.monkey patches what is imported after it: only the modules loaded before it are kept warm/)).toBe(1);
  });
});
