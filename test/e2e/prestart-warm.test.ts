import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, forceKill, isAlive, parked, Project, repoRoot, waitUntil, waitUntilGone } from './harness.js';

// Warm --prestart (the default): a spare that also holds the app's dependencies. The test
// project has a dependency in its own node_modules with import-time side effects (it records
// each load, the version it is, what it found in the environment and whether a preload ran
// first): each instance must load it exactly once, as a fresh start would.
const describeOnLinux = describe.skipIf(process.platform !== 'linux');
const tsxBin = path.join(repoRoot, 'node_modules/.bin/tsx');

disposeAfterEach();

interface Entry {
  event: string;
  pid: number;
  at: number;
  version?: string;
  greeting?: string | null;
  first?: boolean;
  warm?: boolean;
  seen?: number;
}

let project: Project;

const entries = (event: string): Entry[] => project.entries(event as never) as unknown as Entry[];

/** A package in the project's node_modules, as npm lays one out (and its hidden lockfile). */
function install(name: string, version: string, index: string, type: 'commonjs' | 'module' = 'commonjs'): void {
  const staged = project.sidecar(`pkg-${name}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(staged, { recursive: true });
  writeFileSync(path.join(staged, 'package.json'), JSON.stringify({ name, version, type, main: 'index.js' }));
  writeFileSync(path.join(staged, 'index.js'), index);
  mkdirSync(project.path('node_modules'), { recursive: true });
  // npm moves the extracted folder into place (the old one aside first): new inodes, whatever the mtimes.
  if (existsSync(project.path(`node_modules/${name}`))) renameSync(project.path(`node_modules/${name}`), project.sidecar(`old-${name}-${Math.random().toString(36).slice(2)}`));
  renameSync(staged, project.path(`node_modules/${name}`));
  writeFileSync(project.path('node_modules/.package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, packages: { [`node_modules/${name}`]: { version } } }));
}

/** sidefx: records every load (pid, version, GREETING, whether ./first.js ran before it). */
function sidefx(version = '1.0.0', extra = ''): string {
  return [
    "const fs = require('node:fs');",
    `const version = ${JSON.stringify(version)};`,
    'const greeting = process.env.GREETING ?? null;',
    "fs.appendFileSync(process.env.APP_RECORD, JSON.stringify({ event: 'dep', pid: process.pid, version, greeting, first: globalThis.firstRan === true, at: Date.now() }) + '\\n');",
    extra,
    'module.exports = { version, greeting };',
    '',
  ].join('\n');
}

/** The app: says whether sidefx was already loaded when its own code began, then requires it. */
const cjsApp = (before = '') =>
  [
    "const fs = require('node:fs');",
    before,
    "const warm = Object.keys(require.cache).some((key) => key.includes('/node_modules/sidefx/'));",
    "const dep = require('sidefx');",
    "fs.appendFileSync(process.env.APP_RECORD, JSON.stringify({ event: 'start', pid: process.pid, warm, version: dep.version, greeting: dep.greeting, at: Date.now() }) + '\\n');",
    'console.log(`[app ${process.pid}] up warm=${warm} version=${dep.version} greeting=${dep.greeting}`);',
    "process.on('SIGTERM', () => process.exit(0));",
    'setInterval(() => {}, 1 << 30);',
    '',
  ].join('\n');

interface StartOptions {
  app?: string;
  command?: string[];
  env?: NodeJS.ProcessEnv;
  dep?: string;
  /** More files in the project, written before devreload starts. */
  files?: Record<string, string>;
  /** More packages in its node_modules: name, index.js, module type. */
  packages?: Array<[string, string, 'commonjs' | 'module']>;
  /** A TMPDIR of the test's own for devreload (where its warm spares report), read by spareReported(). */
  tmp?: boolean;
}

let tmp = '';

async function start(args: string[], options: StartOptions = {}): Promise<Devreload> {
  project = await Project.create();
  install('sidefx', '1.0.0', options.dep ?? sidefx());
  for (const [name, index, type] of options.packages ?? []) install(name, '1.0.0', index, type);
  for (const [file, content] of Object.entries(options.files ?? {})) {
    mkdirSync(path.dirname(project.path(file)), { recursive: true });
    writeFileSync(project.path(file), content);
  }
  writeFileSync(project.path('package.json'), JSON.stringify({ name: 'app', private: true, dependencies: { sidefx: '1.0.0' } }));
  writeFileSync(project.path('package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3 }));
  writeFileSync(project.path('src/server.js'), options.app ?? cjsApp());
  const command = options.command ?? ['node', 'src/server.js'];
  tmp = options.tmp === true ? project.sidecar('tmp') : '';
  if (tmp !== '') mkdirSync(tmp);
  const env = { APP_RECORD: project.record, ...(tmp === '' ? {} : { TMPDIR: tmp }), ...options.env };
  const d = new Devreload(['--watch', 'src', ...args, '--', ...command], { cwd: project.dir, env });
  await d.waitFor(/\[app \d+\] up/);
  return d;
}

/** Waits for a spare that has loaded sidefx (and what else `events` name): its loads are recorded by a pid that is no instance (yet). */
async function warmSpare(d: Devreload, events = ['dep']): Promise<number> {
  const spare = () => {
    const instances = new Set(entries('start').map((entry) => entry.pid));
    const candidates = parked(d.pid).filter((pid) => !instances.has(pid));
    return candidates.find((pid) => events.every((event) => entries(event).some((entry) => entry.pid === pid)));
  };
  await waitUntil(() => spare() !== undefined, { describe: () => `a spare with ${events.join(', ')} loaded\n${JSON.stringify(project.entries())}\n${d.output}` });
  return spare() as number;
}

/**
 * Waits until the parked spare has said what it loaded (its report, in the run's private folder
 * under `tmp`): devreload checks the files it read against that report before it wakes it.
 */
async function spareReported(): Promise<{ loaded: number }> {
  const reports = () =>
    readdirSync(tmp)
      .filter((name) => name.startsWith('devreload-warm-'))
      .flatMap((folder) => readdirSync(path.join(tmp, folder)).filter((name) => name.endsWith('.spare.json')).map((name) => path.join(tmp, folder, name)));
  await waitUntil(() => reports().length > 0, { describe: () => 'a spare’s report' });
  return JSON.parse(readFileSync(reports()[0] as string, 'utf8')) as { loaded: number };
}

/** Saves src/app.js and waits for the next instance; the time of the save and that instance's start entry. */
async function restart(d: Devreload, file = 'src/app.js', content?: string): Promise<{ savedAt: number; started: Entry }> {
  const before = entries('start').length;
  const savedAt = Date.now();
  await project.save(file, content);
  await waitUntil(() => entries('start').length > before, { describe: () => `a new instance after saving ${file}\n${d.output}` });
  return { savedAt, started: entries('start')[before] as Entry };
}

/** Each instance loaded sidefx exactly once, in its own process. */
function expectOneLoadPerInstance(): void {
  for (const started of entries('start')) expect(entries('dep').filter((entry) => entry.pid === started.pid), JSON.stringify(project.entries())).toHaveLength(1);
}

describeOnLinux('--prestart (warm spares)', () => {
  it('the spare loads the dependency before the save, once; the woken app finds it loaded and the start line says so', async () => {
    const d = await start(['--prestart']);
    expect(entries('start')[0]).toMatchObject({ warm: false });
    const spare = await warmSpare(d);
    const { savedAt, started } = await restart(d);
    expect(started, d.output).toMatchObject({ pid: spare, warm: true, version: '1.0.0' });
    const load = entries('dep').find((entry) => entry.pid === spare) as Entry;
    expect(load.at).toBeLessThan(savedAt);
    await d.waitFor(/--prestart: woke a warm Node spare \(\d+ modules? kept warm\)/);
    expectOneLoadPerInstance();
  });

  it('--prestart=runtime keeps today’s spare: the dependency loads in the woken app', async () => {
    const d = await start(['--prestart=runtime']);
    await waitUntil(() => parked(d.pid).filter((pid) => pid !== entries('start')[0]?.pid).length === 1, { describe: () => d.output });
    const spare = parked(d.pid).find((pid) => pid !== entries('start')[0]?.pid);
    const { started, savedAt } = await restart(d);
    expect(started).toMatchObject({ pid: spare, warm: false });
    expect((entries('dep').find((entry) => entry.pid === spare) as Entry).at).toBeGreaterThanOrEqual(savedAt);
    expect(d.stderr).toMatch(/--prestart: woke a runtime-only Node spare/);
  });

  it('--env-file: after a change the woken instance sees the new value, loaded in the new environment', async () => {
    const d = await start(['--prestart', '--verbose', '--env-file', '.env'], { files: { '.env': 'GREETING=hello\n' } });
    expect(entries('start')[0]).toMatchObject({ greeting: 'hello' });
    await warmSpare(d);
    // The spare loaded sidefx with the old value: a fresh start instead.
    const changed = await restart(d, '.env', 'GREETING=bonjour\n');
    expect(changed.started).toMatchObject({ warm: false, greeting: 'bonjour' });
    expect(d.stderr).toMatch(/--prestart: the environment changed \(GREETING\): starting cold/);
    // And the next spare is warm again, in the new environment.
    await warmSpare(d);
    const { started } = await restart(d);
    expect(started).toMatchObject({ warm: true, greeting: 'bonjour' });
    expectOneLoadPerInstance();
  });

  it('the app’s own code setting process.env before it requires a dependency: the spare loads it in that environment', async () => {
    const d = await start(['--prestart'], { app: cjsApp("process.env.GREETING = 'set by the app';") });
    await warmSpare(d);
    const { started } = await restart(d);
    expect(started).toMatchObject({ warm: true, greeting: 'set by the app' });
    expect(entries('dep').map((entry) => entry.greeting)).toEqual(expect.arrayContaining(['set by the app']));
    expect(entries('dep').every((entry) => entry.greeting === 'set by the app')).toBe(true);
  });

  it('a lockfile change the watcher does not report (--ext js) still means a fresh start', async () => {
    const d = await start(['--prestart', '--verbose', '--ext', 'js']);
    await warmSpare(d);
    writeFileSync(project.path('package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, packages: { 'node_modules/sidefx': { version: '1.0.1' } } }));
    const { started } = await restart(d);
    expect(started).toMatchObject({ warm: false });
    expect(d.stderr).toMatch(/--prestart: package-lock\.json changed: starting cold/);
  });

  it('an npm install of a new version of a dependency (node_modules is never watched): the next start loads the new one', async () => {
    const d = await start(['--prestart', '--verbose']);
    await warmSpare(d);
    install('sidefx', '2.0.0', sidefx('2.0.0'));
    const { started } = await restart(d);
    expect(started).toMatchObject({ warm: false, version: '2.0.0' });
    expect(d.stderr).toMatch(/--prestart: node_modules\/\.package-lock\.json changed: starting cold/);
    // The next spare holds the new version.
    await waitUntil(() => entries('dep').some((entry) => entry.version === '2.0.0' && entry.pid !== started.pid), { describe: () => d.output });
    expect((await restart(d)).started).toMatchObject({ warm: true, version: '2.0.0' });
  });

  it('a dependency’s own file edited in place (patch-package, a debugging line) is seen as well', async () => {
    const d = await start(['--prestart', '--verbose']);
    await warmSpare(d);
    writeFileSync(project.path('node_modules/sidefx/index.js'), sidefx('1.0.0-patched'));
    expect((await restart(d)).started).toMatchObject({ warm: false, version: '1.0.0-patched' });
    expect(d.stderr).toMatch(/--prestart: node_modules\/sidefx\/index\.js changed: starting cold/);
  });

  it('a .env a dependency reads while it loads: edited (and .gitignored, so no restart of its own), the next start reads it afresh', async () => {
    const dotenvish = sidefx('1.0.0', "for (const line of fs.readFileSync('.env', 'utf8').split('\\n')) { const [k, v] = line.split('='); if (k) process.env[k] ??= v; }").replace(
      'const greeting = process.env.GREETING ?? null;',
      "for (const line of require('node:fs').readFileSync('.env', 'utf8').split('\\n')) { const [k, v] = line.split('='); if (k) process.env[k] ??= v; }\nconst greeting = process.env.GREETING ?? null;",
    );
    const d = await start(['--prestart', '--verbose', '--watch', '.'], { dep: dotenvish, files: { '.env': 'GREETING=hello\n', '.gitignore': '.env\n' } });
    expect(entries('start')[0]).toMatchObject({ greeting: 'hello' });
    await warmSpare(d);
    writeFileSync(project.path('.env'), 'GREETING=bonjour\n');
    const { started } = await restart(d);
    expect(started).toMatchObject({ warm: false, greeting: 'bonjour' });
    expect(d.stderr).toMatch(/--prestart: \.env changed: starting cold/);
  });

  it('a changed file that is not a source file (config/*.json) means a fresh start', async () => {
    const d = await start(['--prestart', '--verbose'], { files: { 'src/config/default.json': '{}' } });
    await warmSpare(d);
    const { started } = await restart(d, 'src/config/default.json', '{ "port": 1 }');
    expect(started).toMatchObject({ warm: false });
    expect(d.stderr).toMatch(/--prestart: src\/config\/default\.json changed: starting cold/);
  });

  it('a preload that must run before a dependency (-r ./first.js) keeps its order: only Node stays warm, said once', async () => {
    const d = await start(['--prestart'], { command: ['node', '-r', './first.js', 'src/server.js'], files: { 'first.js': 'globalThis.firstRan = true;\n' } });
    await waitUntil(() => parked(d.pid).some((pid) => !entries('start').some((entry) => entry.pid === pid)), { describe: () => d.output });
    await restart(d);
    await restart(d);
    expect(entries('dep').map((entry) => entry.first)).toEqual([true, true, true]);
    expect(entries('start').map((entry) => entry.warm)).toEqual([false, false, false]);
    expect(d.count(/keeping only Node warm \(a runtime spare\): -r \.\/first\.js must run before the app's dependencies load/)).toBe(1);
  });

  it('instrumentation the app’s code installs (a require hook) sees every dependency load: runtime spares from then on, said once', async () => {
    const hook = [
      "const Module = require('node:module');",
      'const original = Module.prototype.require;',
      'globalThis.seen = 0;',
      "Module.prototype.require = function (id) { const loaded = original.call(this, id); if (id === 'sidefx') globalThis.seen += 1; return loaded; };",
    ].join('\n');
    const app = cjsApp(hook).replace('warm, version', 'warm, seen: globalThis.seen, version');
    const d = await start(['--prestart'], { app });
    await waitUntil(() => d.count(/keeping only Node warm/) === 1, { describe: () => d.output });
    await restart(d);
    await restart(d);
    expect(entries('start').map((entry) => [entry.warm, entry.seen])).toEqual([
      [false, 1],
      [false, 1],
      [false, 1],
    ]);
    expect(d.count(/keeping only Node warm \(a runtime spare\): something replaced require\(\), and instrumentation must see/)).toBe(1);
  });

  it('a dependency that fails to load in a spare (it needs the app to set something up first) is dropped; the spare still serves', async () => {
    const needsSetup = "if (!globalThis.configured) throw new Error('configure me first');\nmodule.exports = 'ok';\n";
    const d = await start(['--prestart', '--verbose'], { app: cjsApp("globalThis.configured = true; require('needs-setup');"), packages: [['needs-setup', needsSetup, 'commonjs']] });
    await warmSpare(d);
    const { started } = await restart(d);
    expect(started).toMatchObject({ warm: true });
    await d.waitFor(/needs-setup\/index\.js failed to load in a spare \(configure me first\); it loads at every start instead/);
    expectOneLoadPerInstance();
  });
});

/**
 * For each save: did the woken instance find each dependency (by the event it records) loaded
 * before the save? Before each save, the spare has loaded those `expected` names for that round.
 */
async function warmAfterSaves(d: Devreload, expected: string[][], events: string[]): Promise<boolean[][]> {
  const warm: boolean[][] = [];
  for (const loaded of expected) {
    await warmSpare(d, loaded);
    const { savedAt, started } = await restart(d);
    warm.push(events.map((event) => entries(event).some((entry) => entry.pid === started.pid && entry.at < savedAt)));
  }
  return warm;
}

const esmOnly = [
  "import { appendFileSync } from 'node:fs';",
  "appendFileSync(process.env.APP_RECORD, JSON.stringify({ event: 'esm-dep', pid: process.pid, at: Date.now() }) + '\\n');",
  "export const tag = 'esm';",
  '',
].join('\n');

const esmApp = [
  "import { appendFileSync } from 'node:fs';",
  "import dep from 'sidefx';",
  "import { tag } from 'esm-only';",
  "appendFileSync(process.env.APP_RECORD, JSON.stringify({ event: 'start', pid: process.pid, version: dep.version, tag, at: Date.now() }) + '\\n');",
  'console.log(`[app ${process.pid}] up`);',
  "process.on('SIGTERM', () => process.exit(0));",
  'setInterval(() => {}, 1 << 30);',
  '',
].join('\n');

const tsApp = [
  "import { appendFileSync } from 'node:fs';",
  "import dep from 'sidefx';",
  'const version: string = dep.version;',
  "appendFileSync(process.env.APP_RECORD as string, JSON.stringify({ event: 'start', pid: process.pid, version, at: Date.now() }) + '\\n');",
  'console.log(`[app ${process.pid}] up`);',
  "process.on('SIGTERM', () => process.exit(0));",
  'setInterval(() => {}, 1 << 30);',
  '',
].join('\n');

describeOnLinux('--prestart (warm spares): ES modules and tsx', () => {
  it('an ES module app: its CommonJS and ES module dependencies are served from the spare', async () => {
    const d = await start(['--prestart'], { command: ['node', 'src/server.mjs'], files: { 'src/server.mjs': esmApp }, packages: [['esm-only', esmOnly, 'module']] });
    // Node 20 reports ES module imports from a hook thread a spare starts: from the second woken instance on.
    const warm = await warmAfterSaves(d, [['dep'], ['dep', 'esm-dep']], ['dep', 'esm-dep']);
    expect(warm[0]?.[0]).toBe(true);
    expect(warm[1], `${JSON.stringify(project.entries())}\n${d.output}`).toEqual([true, true]);
    for (const started of entries('start')) expect(entries('esm-dep').filter((entry) => entry.pid === started.pid)).toHaveLength(1);
    expectOneLoadPerInstance();
  });

  it('an ES module dependency’s own file edited in place (Node 20 reads ES modules out of fs’s sight): the next start is fresh; the start line counts ES modules', async () => {
    const reexport = esmOnly.replace("export const tag = 'esm';", "export { tag } from './lib.js';");
    const files = { 'src/server.mjs': esmApp, 'node_modules/esm-only/lib.js': "export const tag = 'esm';\n" };
    const d = await start(['--prestart', '--verbose'], { command: ['node', 'src/server.mjs'], files, packages: [['esm-only', reexport, 'module']], tmp: true });
    // Node 20 records ES module imports from the second instance on (the hook thread comes with a spare).
    await warmSpare(d);
    await restart(d);
    await warmSpare(d, ['dep', 'esm-dep']);
    await spareReported();
    const warm = await restart(d);
    expect(warm.started).toMatchObject({ tag: 'esm' });
    expect(entries('esm-dep').find((entry) => entry.pid === warm.started.pid)?.at).toBeLessThan(warm.savedAt);
    // sidefx (CommonJS), esm-only's index.js and lib.js.
    await d.waitFor(/--prestart: woke a warm Node spare \(3 modules kept warm\)/);
    await warmSpare(d, ['dep', 'esm-dep']);
    await spareReported();
    writeFileSync(project.path('node_modules/esm-only/lib.js'), "export const tag = 'patched';\n");
    const { started } = await restart(d);
    expect(started, d.output).toMatchObject({ tag: 'patched' });
    expect(d.stderr).toMatch(/--prestart: node_modules\/esm-only\/lib\.js changed: starting cold/);
  });

  it('tsx: a TypeScript app’s dependencies are served from the spare, through tsx’s loader', async () => {
    const d = await start(['--prestart'], { command: [tsxBin, 'src/server.ts'], files: { 'src/server.ts': tsApp } });
    expect(await warmAfterSaves(d, [['dep'], ['dep']], ['dep'])).toEqual([[true], [true]]);
    expect(d.output).not.toMatch(/does not apply|keeping only Node warm/);
    expectOneLoadPerInstance();
  });
});

/** sidefx, starting a helper process when it loads (a worker pool, a compiler service). */
const spawningDep = sidefx(
  '1.0.0',
  "const helper = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });\nfs.appendFileSync(process.env.APP_RECORD, JSON.stringify({ event: 'worker', pid: helper.pid, parent: process.pid, at: Date.now() }) + '\\n');",
);

describeOnLinux('--prestart (warm spares): no orphans', () => {
  /** Every process the app, its spares and their dependencies started. */
  const everything = () => [...new Set([...entries('start'), ...entries('dep'), ...entries('worker')].map((entry) => entry.pid))];
  /** A warm spare whose dependency has started its helper. */
  const spareWithHelper = async (d: Devreload) => {
    const spare = await warmSpare(d);
    await waitUntil(() => entries('worker').some((entry) => (entry as unknown as { parent: number }).parent === spare), { describe: () => d.output });
    return spare;
  };

  it('a restart leaves the new instance and one warm spare, each with its helper; nothing of the old ones', async () => {
    const d = await start(['--prestart'], { dep: spawningDep });
    await warmSpare(d);
    await restart(d);
    await restart(d);
    const spare = await spareWithHelper(d);
    const current = entries('start').at(-1) as Entry;
    const keep = [current.pid, spare, ...entries('worker').filter((entry) => [current.pid, spare].includes((entry as unknown as { parent: number }).parent)).map((entry) => entry.pid)];
    expect(keep).toHaveLength(4);
    const gone = everything().filter((pid) => !keep.includes(pid));
    await waitUntilGone(gone, () => d.output, 5000);
    expect(gone.filter(isAlive)).toEqual([]);
    expect(keep.filter(isAlive)).toEqual(keep);
  });

  it('Ctrl-C stops the app, the warm spare and what their dependencies started', async () => {
    const d = await start(['--prestart'], { dep: spawningDep });
    await spareWithHelper(d);
    d.interrupt();
    await d.waitForExit();
    await waitUntilGone(everything(), () => d.output, 5000);
    expect(everything().filter(isAlive)).toEqual([]);
  });

  it('a SIGKILL of devreload: the watchdog stops the warm spare and what its dependency started', async () => {
    const d = await start(['--prestart'], { dep: spawningDep });
    await spareWithHelper(d);
    expect(everything().length).toBe(4);
    forceKill(d.pid);
    await d.waitForExit();
    await waitUntilGone(everything(), () => d.output, 10_000);
    expect(everything().filter(isAlive)).toEqual([]);
  });
});
