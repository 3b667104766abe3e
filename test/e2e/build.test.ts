import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, forceKill, freePort, isAlive, Project, repoRoot, serverFixture, waitUntil, waitUntilGone } from './harness.js';

// --build with a stand-in compiler (fixtures/build/build.mjs) in front of the e2e server.
const buildScript = path.join(repoRoot, 'fixtures/build/build.mjs');
const build = ['--build', `node ${JSON.stringify(buildScript)}`];

let project: Project;

disposeAfterEach();

async function launch(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Devreload> {
  project = await Project.create();
  // The build's output is gitignored, as it usually is: writing it restarts nothing.
  await writeFile(project.path('.gitignore'), 'dist/\n');
  return new Devreload([...args, '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record, ...env } });
}

const builds = () => project.entries().filter((e) => (e.event as string) === 'build');

async function answer(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/`)).text();
}

describe('--build', () => {
  it('builds before the first start; a failing build keeps the old instance answering, fixing the source replaces it', async () => {
    const port = await freePort();
    const d = await launch([...build, '--watch', 'src'], { PORT: String(port) });
    await d.waitFor(/\[app \d+\] listening/);
    expect(builds()).toHaveLength(1);
    const [first] = project.entries('start');
    expect(readFileSync(project.path('dist/app.js'), 'utf8')).toContain('version = 0');

    await project.write('src/app.js', 'BROKEN\n');
    await d.waitFor(/build failed \(exit 2\)/);
    // A change starts a build, not a restart: the log says so (nothing restarts when it fails).
    expect(d.stderr).toContain('[devreload] building: src/app.js changed\n');
    expect(d.stderr).not.toContain('restarting');
    expect(d.stderr).toContain(`build failed (exit 2) — keeping the running app (pid ${first!.pid})`);
    expect(d.output).toContain('error TS1005: something is broken');
    expect(await answer(port)).toBe(`hello from ${first!.pid}\n`);
    expect(project.entries('start')).toHaveLength(1);

    await project.write('src/app.js', 'export const version = 2;\n');
    await d.waitFor(/\[app \d+\] listening/, 2);
    const second = project.entries('start')[1]!;
    expect(second.changed).toBe(JSON.stringify(['src/app.js']));
    expect(await answer(port)).toBe(`hello from ${second.pid}\n`);
    expect(isAlive(first!.pid)).toBe(false);
    expect(builds().map((b) => b.changed)).toEqual(['[]', '["src/app.js"]', '["src/app.js"]']);
  });

  it('a failed build names the pid of the app’s own process, not of the tsx that started it', async () => {
    project = await Project.create();
    await writeFile(project.path('.gitignore'), 'dist/\n');
    const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
    const d = new Devreload([...build, '--watch', 'src', '--verbose', '--', tsx, serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
    await d.waitFor(/\] ready\b/);
    const app = project.entries('start')[0]!.pid;
    const leader = Number(/started .* \(pid (\d+)\)/.exec(d.stderr)?.[1]);
    // tsx runs the server in a node of its own, under the tsx process that leads the instance.
    expect(leader, d.output).not.toBe(app);
    await project.write('src/app.js', 'BROKEN\n');
    await d.waitFor(/build failed/);
    expect(d.stderr).toContain(`build failed (exit 2) — keeping the running app (pid ${app})`);
  });

  it('a change during a slow build cancels it (its pid gone) and builds again', async () => {
    const d = await launch([...build, '--watch', 'src']);
    await d.waitFor(/ready/);
    await project.write('src/app.js', '// SLOW\n');
    await waitUntil(() => builds().length === 2, { describe: () => d.output });
    const slow = builds()[1]!.pid;
    expect(isAlive(slow)).toBe(true);
    await project.write('src/app.js', 'export const version = 3;\n');
    await d.waitFor(/ready/, 2);
    expect(isAlive(slow)).toBe(false);
    expect(builds()).toHaveLength(3);
    expect(project.entries('start')).toHaveLength(2);
  });

  it('a failed first build starts nothing and waits for a change; --on-exit quit exits with its code', async () => {
    project = await Project.create();
    await project.write('src/app.js', 'BROKEN\n');
    const quitting = new Devreload([...build, '--on-exit', 'quit', '--watch', 'src', '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
    expect((await quitting.waitForExit()).code).toBe(2);
    expect(quitting.stderr).toMatch(/build failed \(exit 2\) — waiting for changes/);
    expect(project.entries('start')).toEqual([]);

    const waiting = new Devreload([...build, '--watch', 'src', '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
    await waiting.waitFor(/build failed/);
    await project.write('src/app.js', 'export const version = 1;\n');
    await waiting.waitFor(/ready/);
    expect(project.entries('start')).toHaveLength(1);
  });

  it('Ctrl-C during a build leaves nothing running: the build and the app', async () => {
    const d = await launch([...build, '--watch', 'src']);
    await d.waitFor(/ready/);
    await project.write('src/app.js', '// SLOW\n');
    await waitUntil(() => builds().length === 2, { describe: () => d.output });
    const pids = [builds()[1]!.pid, project.entries('start')[0]!.pid];
    d.interrupt();
    expect((await d.waitForExit()).code).toBe(130);
    await waitUntilGone(pids, () => d.output, 5000);
  });

  it('SIGKILL of devreload during a build: the watchdog stops the build too', async () => {
    const d = await launch([...build, '--watch', 'src']);
    await d.waitFor(/ready/);
    await project.write('src/app.js', '// SLOW\n');
    await waitUntil(() => builds().length === 2, { describe: () => d.output });
    const pids = [builds()[1]!.pid, project.entries('start')[0]!.pid];
    forceKill(d.pid);
    await d.waitForExit();
    await waitUntilGone(pids, () => d.output, 10_000);
  });

  it('--json reports build start, ok and failed with code and duration', async () => {
    const d = await launch([...build, '--json', '--watch', 'src']);
    await waitUntil(() => /"event":"start"/.test(d.stdout), { describe: () => d.output });
    // One event (an atomic save): write() truncates, then writes, two events a loaded machine
    // can put further apart than the quiet window, and the first build is then cancelled.
    await project.save('src/app.js', 'BROKEN\n');
    await waitUntil(() => /"phase":"failed"/.test(d.stdout), { describe: () => d.output });
    const events = d.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e.event === 'build');
    expect(events.map((e) => e.phase)).toEqual(['start', 'ok', 'start', 'failed']);
    expect(events[1]).toMatchObject({ ms: expect.any(Number) });
    expect(events[3]).toMatchObject({ code: 2, signal: null, keeping: project.entries('start')[0]!.pid, ms: expect.any(Number) });
    expect(events[2]).toMatchObject({ paths: ['src/app.js'], count: 1 });
  });

  it('a build that writes a watched file keeps setting itself off, and devreload says so once', async () => {
    project = await Project.create();
    // No ignore rule for the output this time: the build writes into the watched tree.
    const d = new Devreload(['--build', 'sleep 0.05; date +%N > src/generated.txt', '--delay', '50', '--', 'node', serverFixture], {
      cwd: project.dir,
      env: { APP_RECORD: project.record },
    });
    // The first build may write before the watcher's initial scan is over (then the app, started
    // after it, already has that file and nothing follows): a save once it watches starts the loop.
    await d.waitFor(/\[devreload\] watching/);
    await project.write('src/app.js');
    await d.waitFor(/the build seems to set itself off: 3 builds in a row .*src\/generated\.txt.*--ignore 'src\/generated\.txt'/, 1, 20_000);
    expect(d.count(/the build seems to set itself off/)).toBe(1);
  });
});

describe('--env-file', () => {
  it('layers the files over the environment (later wins), and an edit reaches the next instance', async () => {
    project = await Project.create();
    const envA = project.sidecar('a.env');
    const envB = project.sidecar('b.env');
    await writeFile(envA, '# shared\nAPP_GREETING="hello from a"\nAPP_ONLY_A=1\n');
    await writeFile(envB, 'APP_GREETING=hello from b\n');
    const d = new Devreload(['--env-file', envA, '--env-file', envB, '--verbose', '--watch', 'src', '--', 'node', '-e', 'console.log("env", process.env.APP_GREETING, process.env.APP_ONLY_A, process.env.APP_INHERITED); setInterval(() => {}, 1 << 30)'], {
      cwd: project.dir,
      env: { APP_INHERITED: 'kept', APP_GREETING: 'from the shell' },
    });
    await d.waitFor(/env hello from b 1 kept/);
    // Names in --verbose, never values.
    expect(d.stderr).toMatch(/env from .*b\.env: APP_GREETING/);
    expect(d.stderr).not.toMatch(/hello from/);

    // The files are watched although they are outside --watch.
    await writeFile(envB, 'APP_GREETING=changed\n');
    await d.waitFor(/env changed 1 kept/);

    // A file that cannot be read any more (here: replaced by a folder) is reported once; its last
    // values stay. A loaded machine may restart for the removal before the folder exists (ENOENT).
    await rm(envB);
    await mkdir(envB);
    await d.waitFor(/cannot read .*b\.env \((EISDIR|ENOENT)\) — keeping its last values/);
    await d.waitFor(/env changed 1 kept/, 2);
    await rm(envB, { recursive: true });
    await writeFile(envB, 'APP_GREETING=again\n');
    await d.waitFor(/env again 1 kept/);
  });

  it('an env file inside the project is watched even when .gitignore lists it and it is outside --watch', async () => {
    project = await Project.create();
    await writeFile(project.path('.gitignore'), '.env\n');
    await writeFile(project.path('.env'), 'APP_GREETING=one\n');
    const d = new Devreload(['--env-file', '.env', '--watch', 'src', '--', 'node', '-e', 'console.log("env", process.env.APP_GREETING); setInterval(() => {}, 1 << 30)'], { cwd: project.dir });
    await d.waitFor(/env one/);
    await writeFile(project.path('.env'), 'APP_GREETING=two\n');
    await d.waitFor(/env two/);
  });

  it('a missing env file at launch is an error naming it, and nothing starts', async () => {
    project = await Project.create();
    // From a config file (or through the API) devreload checks it itself.
    await writeFile(project.path('devreload.config.json'), '{ "envFile": "nope.env" }\n');
    const configured = new Devreload(['--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
    expect((await configured.waitForExit()).code).toBe(2);
    expect(configured.stderr.trim()).toBe(`[devreload] error: --env-file: no such file: ${project.path("nope.env")}`);
    // On the command line Node itself reads any `--env-file <path>` in argv, even after the
    // script's name, and exits 9 on a missing file before devreload runs (nodejs/node#54232).
    const typed = new Devreload(['--env-file', 'missing.env', '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
    const exit = await typed.waitForExit();
    expect(exit.code).not.toBe(0);
    expect(typed.stderr).toMatch(/missing\.env/);
    expect(typed.stderr).not.toMatch(/\n\s+at /);
    expect(project.entries('start')).toEqual([]);
  });
});

describe('--postpone', () => {
  it('starts nothing until the first change', async () => {
    const d = await launch(['--postpone', '--watch', 'src']);
    await d.waitFor(/\[devreload\] watching/);
    await d.waitFor(/waiting for a change before starting/);
    expect(project.entries('start')).toEqual([]);
    await project.write('src/app.js');
    await d.waitFor(/ready/);
    expect(project.entries('start')).toHaveLength(1);
  });
});
