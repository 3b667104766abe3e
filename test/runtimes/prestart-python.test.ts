import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Devreload, disposeAfterEach, forceKill, freePort, isAlive, Project, repoRoot, waitUntil, waitUntilGone } from '../e2e/harness.js';
import { oneParked, parkedPython, waitPreloaded } from './python-spares.js';

// --prestart with plain Python commands (the stdlib only): a woken spare must be the process a
// cold start of the same command would have been.
const python = '/usr/bin/python3';
const show = path.join(repoRoot, 'fixtures/runtimes/show_start.py');

disposeAfterEach();

interface Facts {
  pid: number;
  [key: string]: unknown;
}

function startsOf(d: Devreload): Facts[] {
  return [...d.stdout.matchAll(/^start (\{.*\})$/gm)].map((match) => JSON.parse(match[1] as string) as Facts);
}

/** The same command started directly, as a terminal would: its `start` line. */
function coldStart(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Facts {
  const run = spawnSync(command, args, { cwd, env: { ...process.env, ...env, SHOW_ONCE: '1' }, encoding: 'utf8', timeout: 30_000 });
  const line = /^start (\{.*\})$/m.exec(run.stdout)?.[1];
  if (line === undefined) throw new Error(`${command} ${args.join(' ')} printed no start line\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(line) as Facts;
}

const withoutPid = ({ pid: _pid, ...facts }: Facts) => facts;

/** devreload --prestart running `command`; a save, and the woken spare's facts against a cold start's. */
async function compare(project: Project, command: string[], save: string, env: NodeJS.ProcessEnv = {}) {
  const d = new Devreload(['--prestart', '--', ...command], { cwd: project.dir, env: { APP_GREETING: 'hi', ...env } });
  const instances = () => startsOf(d).map((facts) => facts.pid);
  await waitUntil(() => startsOf(d).length === 1, { timeout: 30_000, describe: () => d.output });
  const spare = await oneParked(d.pid, instances, () => d.output);
  // It has gone through what the first instance imported (and loaded what came from site folders).
  await waitPreloaded(spare, () => d.output);
  await project.save(save);
  await waitUntil(() => startsOf(d).length === 2, { timeout: 30_000, describe: () => d.output });
  const [first, woken] = startsOf(d);
  expect(woken?.pid, 'the woken spare is the second instance').toBe(spare);
  const cold = coldStart(command[0] as string, command.slice(1), project.dir, { APP_GREETING: 'hi', ...env });
  expect(withoutPid(woken!)).toEqual(withoutPid(cold));
  // The first instance, a spare woken at once, is a cold start too.
  expect(withoutPid(first!)).toEqual(withoutPid(cold));
  await d.waitFor(new RegExp(`\\[${spare}\\] main block ran`));
  return d;
}

describe('--prestart with Python: the woken spare is what a cold start would be', () => {
  it('python script.py: sys.argv, sys.path, __main__, __file__, cwd, flags and environment', { timeout: 60_000 }, async () => {
    const p = await Project.create();
    copyFileSync(show, p.path('src/show.py'));
    const d = await compare(p, [python, '-B', '-X', 'utf8', 'src/show.py', 'one', 'two words'], 'src/other.py');
    expect(d.output).not.toMatch(/does not apply|Traceback/);
  });

  it('python -m pkg: sys.path[0] is the working directory, runpy’s __main__', { timeout: 60_000 }, async () => {
    const p = await Project.create();
    mkdirSync(p.path('pkg'));
    writeFileSync(p.path('pkg/__init__.py'), '');
    copyFileSync(show, p.path('pkg/__main__.py'));
    await compare(p, [python, '-m', 'pkg', '--flag'], 'pkg/other.py');
  });

  it('a console script (#! line naming python): sys.argv[0] is its file, sys.path[0] its folder', { timeout: 60_000 }, async () => {
    const p = await Project.create();
    const bin = p.path('tools');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'showtool'), `#!${python} -s\n${await import('node:fs').then((fs) => fs.readFileSync(show, 'utf8'))}`);
    chmodSync(path.join(bin, 'showtool'), 0o755);
    await compare(p, ['showtool', 'x'], 'src/other.py', { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` });
  });
});

describe('--prestart with Python: nothing is left behind', () => {
  async function running(): Promise<{ d: Devreload; p: Project; app: number; spare: number }> {
    const p = await Project.create();
    copyFileSync(show, p.path('src/show.py'));
    const d = new Devreload(['--prestart', '--', python, 'src/show.py'], { cwd: p.dir, env: { DEVRELOAD_WATCHDOG_DEBUG: '1' } });
    await waitUntil(() => startsOf(d).length === 1, { timeout: 30_000, describe: () => d.output });
    const app = startsOf(d)[0]!.pid;
    const spare = await oneParked(d.pid, () => startsOf(d).map((facts) => facts.pid), () => d.output);
    return { d, p, app, spare };
  }

  it('Ctrl-C stops the app and the parked spare', { timeout: 60_000 }, async () => {
    const { d, app, spare } = await running();
    d.interrupt();
    await d.waitForExit();
    await waitUntilGone([app, spare], () => d.output, 5000);
    expect([app, spare].filter(isAlive)).toEqual([]);
  });

  it('SIGKILL of devreload: the watchdog stops the app and the parked spare', { timeout: 60_000 }, async () => {
    const { d, app, spare } = await running();
    // Seen in /proc from its exec on; the watchdog hears of it once devreload had the spawn.
    await d.waitFor(new RegExp(`watchdog \\d+: watching ${spare}\\b`));
    forceKill(d.pid);
    await d.waitForExit();
    await waitUntilGone([app, spare], () => d.output, 10_000);
    await waitUntil(() => /watchdog \d+: stopping/.test(d.stderr), { describe: () => d.output });
    const stopping = /watchdog \d+: stopping([^\n]*)/.exec(d.stderr)?.[1] ?? '';
    expect(stopping.split(/[\s:]+/).map(Number)).toEqual(expect.arrayContaining([spare, app]));
  });

  it('a restart leaves one instance and one parked spare', { timeout: 60_000 }, async () => {
    const { d, p, app, spare } = await running();
    process.kill(app, 0);
    await p.save('src/other.py');
    await waitUntil(() => startsOf(d).length === 2, { timeout: 30_000, describe: () => d.output });
    await waitUntilGone([app], () => d.output, 5000);
    expect(startsOf(d)[1]!.pid).toBe(spare);
    const next = await oneParked(d.pid, () => startsOf(d).map((facts) => facts.pid), () => d.output);
    expect(next).not.toBe(spare);
    expect(parkedPython(d.pid, [spare])).toEqual([next]);
  });

  it('rs (a restart with no known change, perhaps to a file nobody watches) starts cold: the parked spare goes', { timeout: 60_000 }, async () => {
    const { d, app, spare } = await running();
    d.type('rs\n');
    await waitUntil(() => startsOf(d).length === 2, { timeout: 30_000, describe: () => d.output });
    await waitUntilGone([app, spare], () => d.output, 5000);
    expect(startsOf(d)[1]!.pid).not.toBe(spare);
    await oneParked(d.pid, () => startsOf(d).map((facts) => facts.pid), () => d.output);
  });
});

describe('--prestart with gunicorn', () => {
  it('says once that it does not apply, and restarts the ordinary way', { timeout: 60_000 }, async () => {
    const p = await Project.create();
    const port = await freePort();
    const d = new Devreload(['--prestart', '--watch', 'src', '--', 'gunicorn', '--workers', '1', '--bind', `127.0.0.1:${port}`, '--chdir', path.join(repoRoot, 'fixtures/runtimes'), 'wsgi:app'], { cwd: p.dir });
    await d.waitFor(/Booting worker/, 1, 30_000);
    for (let round = 2; round <= 3; round++) {
      await p.save('src/app.py');
      await d.waitFor(/Booting worker/, round, 30_000);
    }
    expect(d.count(/--prestart does not apply: gunicorn’s master forks and manages its own workers; restarting the ordinary way/)).toBe(1);
    expect(parkedPython(d.pid, [])).toEqual([]);
  });
});
