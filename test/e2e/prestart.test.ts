import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProcStat } from '../../src/process/proc-stat.js';
import { disposeAfterEach, Devreload, forceKill, freePort, isAlive, parked, Project, repoRoot, serverFixture, waitUntil, waitUntilGone } from './harness.js';

// --prestart keeps a parked Node runtime (dist/prestart/park.cjs) for the next start. These
// tests look at it from outside, through /proc, as a user's process list would show it.
const describeOnLinux = describe.skipIf(process.platform !== 'linux');
const tsxBin = path.join(repoRoot, 'node_modules/.bin/tsx');

let project: Project;

disposeAfterEach();

/** The parked processes that no app instance ran in: the spares. */
function spares(d: Devreload): number[] {
  const apps = new Set(project.entries('start').map((entry) => entry.pid));
  return parked(d.pid).filter((pid) => !apps.has(pid));
}

async function oneSpare(d: Devreload): Promise<number> {
  // With warm spares the first instance runs the park script too: it is the app once it says so.
  await waitUntil(() => project.entries('start').length > 0 && spares(d).length === 1, { describe: () => `one spare (found ${JSON.stringify(spares(d))})\n${d.output}` });
  return spares(d)[0] as number;
}

/** Inodes of the TCP sockets `pid` is listening on (state 0A in /proc/net/tcp{,6}). */
function listeningSockets(pid: number): string[] {
  const listening = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'latin1').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && fields[9] !== undefined) listening.add(fields[9]);
    }
  }
  const inodes: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while we looked
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined && listening.has(inode)) inodes.push(inode);
  }
  return inodes;
}

async function launch(args: string[], command: string[], env: NodeJS.ProcessEnv = {}): Promise<Devreload> {
  project = await Project.create();
  // A user preload that leaves a trace: it must run in every instance, and never in a parked spare.
  await writeFile(
    project.path('preload.cjs'),
    "require('node:fs').appendFileSync(process.env.APP_RECORD, JSON.stringify({ event: 'preload', pid: process.pid, at: Date.now() }) + '\\n');\n",
  );
  const d = new Devreload([...args, '--', ...command], { cwd: project.dir, env: { APP_RECORD: project.record, ...env } });
  await d.waitFor(/\[devreload\] watching/);
  return d;
}

describeOnLinux('--prestart', () => {
  it('the spare runs no user code, no user preload and binds no port; woken, it is the app a fresh start would be', async () => {
    const port = await freePort();
    const d = await launch(['--watch', 'src', '--prestart'], ['node', '-r', './preload.cjs', serverFixture, 'an arg'], { PORT: String(port) });
    // The app's line: devreload's own `ready in … (listening on …)` says "listening" too.
    const listening = /\[app \d+\] listening/;
    await d.waitFor(listening);
    const spare = await oneSpare(d);

    // Parked: its own session and group, nothing of the user's has run in it.
    expect(readProcStat(spare)).toMatchObject({ session: spare, pgrp: spare });
    expect(project.entries('start').map((e) => e.pid)).not.toContain(spare);
    expect(project.entries('preload').map((e) => e.pid)).not.toContain(spare);
    expect(listeningSockets(spare)).toEqual([]);

    await project.save('src/app.js');
    await d.waitFor(listening, 2);
    const woken = project.entries('start')[1];
    expect(woken?.pid, d.output).toBe(spare);
    expect(woken).toMatchObject({ argv: ['an arg'], cwd: project.dir, changed: JSON.stringify(['src/app.js']) });
    const preloads = project.entries('preload');
    expect(preloads.map((e) => e.pid)).toEqual(project.entries('start').map((e) => e.pid));
    expect(preloads[1]!.at).toBeLessThanOrEqual(woken!.at);

    // Input still reaches the woken app, behind the wake message it never sees.
    d.type('hello there\n');
    await d.waitFor(new RegExp(`\\[app ${spare}\\] stdin: hello there`));
    expect(d.output).not.toMatch(/stdin: \d{10}/);

    // And a new spare is parked for the next restart.
    const next = await oneSpare(d);
    expect(next).not.toBe(spare);
  });

  for (const mode of ['runtime', 'warm']) {
    it(`the woken app’s PATH, execArgv, environment and main module are those of a fresh start (--prestart=${mode})`, async () => {
      project = await Project.create();
      await writeFile(
        project.path('src/show.cjs'),
        "console.log('seen ' + JSON.stringify({ pid: process.pid, path: process.env.PATH, execArgv: process.execArgv, greeting: process.env.APP_GREETING, main: require.main === module, mainModule: process.mainModule === module, argv: process.argv.slice(1) })); setInterval(() => {}, 1 << 30);\n",
      );
      const d = new Devreload(['--watch', 'src', `--prestart=${mode}`, '--', 'node', '--no-warnings', 'src/show.cjs'], { cwd: project.dir, env: { APP_GREETING: 'hi' } });
      const seen = () => [...d.stdout.matchAll(/seen (\{.*\})/g)].map((m) => JSON.parse(m[1] as string) as { pid: number; path: string });
      await waitUntil(() => seen().length === 1, { describe: () => d.output });
      const first = seen()[0]!.pid;
      await waitUntil(() => parked(d.pid).filter((pid) => pid !== first).length === 1, { describe: () => d.output });
      await project.save('src/app.js');
      await waitUntil(() => seen().length === 2, { describe: () => d.output });
      const [cold, woken] = seen();
      expect(parked(d.pid)).toContain(woken!.pid);
      expect({ ...woken, pid: 0 }).toEqual({ ...cold, pid: 0 });
      expect(woken).toMatchObject({ main: true, mainModule: true, argv: [project.path('src/show.cjs')] });
      expect(cold!.path.split(path.delimiter)[0]).toBe(path.join(project.dir, 'node_modules/.bin'));
    });
  }

  it('tsx: the spare boots tsx’s runtime, and the woken app runs the TypeScript source', async () => {
    project = await Project.create();
    await writeFile(
      project.path('src/server.ts'),
      [
        "import { appendFileSync } from 'node:fs';",
        'const changed: string = process.env.DEVRELOAD_CHANGED ?? "";',
        "appendFileSync(process.env.APP_RECORD as string, JSON.stringify({ event: 'start', pid: process.pid, changed, argv: process.argv.slice(2), cwd: process.cwd(), at: Date.now() }) + '\\n');",
        'console.log(`[ts ${process.pid}] ready`);',
        'setInterval(() => {}, 1 << 30);',
        '',
      ].join('\n'),
    );
    const d = new Devreload(['--watch', 'src', '--prestart', '--', tsxBin, 'src/server.ts', 'x'], { cwd: project.dir, env: { APP_RECORD: project.record } });
    await d.waitFor(/\[ts \d+\] ready/);
    const spare = await oneSpare(d);
    await project.save('src/app.js');
    await d.waitFor(/\[ts \d+\] ready/, 2);
    expect(project.entries('start')[1], d.output).toMatchObject({ pid: spare, argv: ['x'], changed: JSON.stringify(['src/app.js']) });
    expect(d.output).not.toMatch(/does not apply/);
  });

  it('--socket: the woken app serves on the handed-over socket', async () => {
    const port = await freePort();
    const d = await launch(['--watch', 'src', '--prestart', '--socket', `127.0.0.1:${port}`], ['node', serverFixture], { PORT: String(port) });
    await d.waitFor(/listening/);
    const spare = await oneSpare(d);
    // It holds the socket it inherited, as any instance does, and nothing it bound itself.
    expect(listeningSockets(spare)).toEqual(listeningSockets(d.pid));
    await project.save('src/app.js');
    await d.waitFor(/listening/, 2);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(await response.text(), d.output).toBe(`hello from ${spare}\n`);
  });

  it('no spare survives devreload exiting on its own (--on-exit quit)', async () => {
    const d = await launch(['--watch', 'src', '--prestart', '--on-exit', 'quit'], ['node', serverFixture]);
    await d.waitFor(/ready/);
    const spare = await oneSpare(d);
    const app = project.entries('start')[0]!.pid;
    // The app exits by itself (SIGTERM from outside devreload): devreload quits with its code.
    process.kill(app, 'SIGTERM');
    expect((await d.waitForExit()).code).toBe(0);
    await waitUntilGone([spare, app], () => d.output, 5000);
    expect([spare, app].filter(isAlive)).toEqual([]);
  });

  it('no spare survives Ctrl-C', async () => {
    const d = await launch(['--watch', 'src', '--prestart'], ['node', serverFixture]);
    await d.waitFor(/ready/);
    const spare = await oneSpare(d);
    const app = project.entries('start')[0]!.pid;
    d.interrupt();
    await d.waitForExit();
    await waitUntilGone([spare, app], () => d.output, 5000);
    expect([spare, app].filter(isAlive)).toEqual([]);
  });

  it('no spare survives a SIGKILL of devreload: the watchdog stops it', async () => {
    // The watchdog's diagnostics show what it stopped: the spare must be among the groups it
    // was watching (its stdin closing would end a parked spare too, so "gone" alone proves less).
    const d = await launch(['--watch', 'src', '--prestart'], ['node', serverFixture], { DEVRELOAD_WATCHDOG_DEBUG: '1' });
    await d.waitFor(/ready/);
    const spare = await oneSpare(d);
    const app = project.entries('start')[0]!.pid;
    // Seen in /proc from its exec on; the watchdog hears of it once devreload had the spawn.
    await d.waitFor(new RegExp(`watchdog \\d+: watching ${spare}\\b`));
    forceKill(d.pid);
    await d.waitForExit();
    await waitUntilGone([spare, app], () => d.output, 10_000);
    await waitUntil(() => /watchdog \d+: stopping/.test(d.stderr), { describe: () => d.output });
    const stopping = /watchdog \d+: stopping([^\n]*)/.exec(d.stderr)?.[1] ?? '';
    expect(stopping.split(/[\s:]+/).map(Number)).toEqual(expect.arrayContaining([spare, app]));
  });


  it('with --inspect it says once that it does not apply, and restarts the ordinary way', async () => {
    const d = await launch(['--watch', 'src', '--prestart'], ['node', '--inspect=127.0.0.1:0', serverFixture]);
    await d.waitFor(/ready/);
    await project.save('src/app.js');
    await d.waitFor(/ready/, 2);
    await project.save('src/app.js');
    await d.waitFor(/ready/, 3);
    expect(d.count(/--prestart does not apply: --inspect/)).toBe(1);
    expect(parked(d.pid)).toEqual([]);
    expect(project.entries('start')).toHaveLength(3);
  });

  it('does not apply to a program that is not Node, and says so', async () => {
    const d = await launch(['--watch', 'src', '--prestart'], ['sh', '-c', `exec node ${serverFixture}`]);
    await d.waitFor(/ready/);
    expect(d.count(/--prestart does not apply: sh is not a Node command/)).toBe(1);
    await project.save('src/app.js');
    await d.waitFor(/ready/, 2);
    expect(parked(d.pid)).toEqual([]);
  });
});
