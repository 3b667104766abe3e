import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/prestart/dependency-inputs.js';
import type { Park, Recorded, Root, SpareReport } from '../../src/prestart/protocol.cjs';
import { encodeWake, type Wake } from '../../src/prestart/wake.js';
import { repoRoot, waitUntil } from '../e2e/harness.js';

// The spare's side of a warm --prestart, driven directly: dist/prestart/park.cjs is started as
// devreload starts it, given a Park message (what to load) and a Wake message (the app to
// become), and what it writes back is read as devreload reads it.
const park = path.join(repoRoot, 'dist/prestart/park.cjs');
/** As devreload names it for an app that imports ES modules (warm-spares.ts). */
const esmRecorder = pathToFileURL(path.join(repoRoot, 'dist/prestart/record-hooks.mjs')).href;

let dir = '';
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'devreload-park-'));
  // sidefx: a dependency with import-time side effects (it records its load and reads GREETING).
  dep('sidefx', [
    "const fs = require('node:fs');",
    "fs.appendFileSync(process.env.DEP_RECORD, JSON.stringify({ pid: process.pid, greeting: process.env.GREETING ?? null, main: require.main ? require.main.filename : null }) + '\\n');",
    "module.exports = { greeting: process.env.GREETING ?? null };",
  ]);
  dep('plain', ["module.exports = 'plain';"]);
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

function dep(name: string, lines: string[], type: 'commonjs' | 'module' = 'commonjs'): void {
  mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
  writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.0.0', type, main: 'index.js' }));
  writeFileSync(path.join(dir, 'node_modules', name, 'index.js'), `${lines.join('\n')}\n`);
}

function app(lines: string[]): string {
  const file = path.join(dir, 'app.js');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  record: string;
  report: string;
}

/** A warm spare: boots, loads `roots`, then (if `wakeAt` says so) becomes `script`. */
function spare(script: string, roots: readonly Root[], envs: Recorded['envs'] = [{ set: {}, unset: [] }], main: Park['main'] = null): Run & { wake(): void } {
  const env = { PATH: process.env.PATH ?? '', DEP_RECORD: path.join(dir, 'deps.jsonl') };
  const child = spawn(process.execPath, [park, '--warm'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const record = path.join(dir, `${children.length}.record.json`);
  const report = path.join(dir, `${children.length}.spare.json`);
  const esm = main === 'esm' || roots.some((root) => root.kind === 'import');
  const message: Park = { env, argv: [script], execArgv: [], roots, envs, main, script, report, esmRecorder: esm ? esmRecorder : null };
  child.stdin?.write(encodeWake(message));
  const wake: Wake = { cwd: dir, env, argv: [script], execArgv: [], preloads: [], record: { file: record, userRoots: [dir] } };
  return { child, stdout: () => stdout, stderr: () => stderr, record, report, wake: () => child.stdin?.write(encodeWake(wake)) };
}

async function recorded(run: Run): Promise<Recorded> {
  await waitUntil(() => existsSync(run.record), { describe: () => `${run.record}\n${run.stdout()}` });
  return JSON.parse(readFileSync(run.record, 'utf8')) as Recorded;
}

async function reported(run: Run): Promise<SpareReport> {
  await waitUntil(() => existsSync(run.report), { describe: () => `${run.report}\n${run.stdout()}` });
  return JSON.parse(readFileSync(run.report, 'utf8')) as SpareReport;
}

function depLoads(): Array<{ pid: number; greeting: string | null; main: string | null }> {
  const file = path.join(dir, 'deps.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line)) : [];
}

async function output(run: Run): Promise<Record<string, unknown>> {
  await waitUntil(() => run.stdout().includes('\n'), { describe: () => run.stdout() });
  return JSON.parse(run.stdout().split('\n')[0] as string) as Record<string, unknown>;
}

describe('a warm spare (park.cjs --warm)', () => {
  it('records the third-party modules the app’s code loaded, in order, with the environment its code had set', async () => {
    const script = app([
      "const first = require('plain');",
      "process.env.GREETING = 'from the app';",
      "const s = require('sidefx');",
      "require('./local-helper.js');",
      'console.log(JSON.stringify({ greeting: s.greeting }));',
    ]);
    writeFileSync(path.join(dir, 'local-helper.js'), "require('node:path');\n");
    const run = spare(script, []);
    run.wake();
    expect(await output(run)).toEqual({ greeting: 'from the app' });
    const record = await recorded(run);
    expect(record.roots).toEqual([
      { kind: 'require', id: path.join(dir, 'node_modules/plain/index.js'), parent: script, env: 0 },
      { kind: 'require', id: path.join(dir, 'node_modules/sidefx/index.js'), parent: script, env: 1 },
    ]);
    expect(record.envs[1]).toEqual({ set: { GREETING: 'from the app' }, unset: [] });
    expect(record).toMatchObject({ main: 'cjs', mainFile: script, envChanged: ['GREETING'], instrumented: null, tainted: [] });
  });

  it('loads the roots before it is woken, in the environment they were recorded in, once; the woken app finds them loaded', async () => {
    const script = app([
      "const warm = Object.keys(require.cache).some((key) => key.includes('/node_modules/sidefx/'));",
      "process.env.GREETING = 'from the app';",
      "const s = require('sidefx');",
      'console.log(JSON.stringify({ warm, greeting: s.greeting, env: process.env.GREETING }));',
    ]);
    const root: Root = { kind: 'require', id: path.join(dir, 'node_modules/sidefx/index.js'), parent: script, env: 1 };
    const run = spare(script, [root], [{ set: {}, unset: [] }, { set: { GREETING: 'from the app' }, unset: [] }], 'cjs');
    const report = await reported(run);
    expect(report).toMatchObject({ dropped: [], unusable: false });
    // Loaded in the spare, before any wake, as the app's main module would have it.
    expect(depLoads()).toEqual([{ pid: run.child.pid, greeting: 'from the app', main: script }]);
    // What it read while loading, fingerprinted for devreload to check before the wake.
    expect(report.files.map(([file]) => file)).toContain(path.join(dir, 'node_modules/sidefx/index.js'));
    run.wake();
    expect(await output(run)).toEqual({ warm: true, greeting: 'from the app', env: 'from the app' });
    expect(depLoads()).toHaveLength(1);
    expect((await recorded(run)).roots.map((each) => each.id)).toEqual([root.id]);
  });

  it('a module a dependency loads at run time (fastify loads ajv when the app creates its instance) is a root too, loaded from that dependency', async () => {
    dep('lazy-parent', ["module.exports = () => require('sidefx');"]);
    const script = app(["const make = require('lazy-parent');", 'const s = make();', 'console.log(JSON.stringify({ greeting: s.greeting }));']);
    const run = spare(script, []);
    run.wake();
    await output(run);
    const record = await recorded(run);
    expect(record.roots).toEqual([
      { kind: 'require', id: path.join(dir, 'node_modules/lazy-parent/index.js'), parent: script, env: 0 },
      { kind: 'require', id: path.join(dir, 'node_modules/sidefx/index.js'), parent: path.join(dir, 'node_modules/lazy-parent/index.js'), env: 0 },
    ]);
    // The next spare loads both before it is woken; the app's call finds sidefx loaded.
    const next = spare(script, record.roots, record.envs, 'cjs');
    await reported(next);
    expect(depLoads().map((load) => load.pid)).toEqual([run.child.pid, next.child.pid]);
    next.wake();
    await output(next);
    expect(depLoads()).toHaveLength(2);
    expect((await recorded(next)).roots).toEqual(record.roots);
  });

  it('a root the app now requires in another environment is loaded again, as a fresh start would', async () => {
    const script = app(["process.env.GREETING = 'changed';", "const s = require('sidefx');", 'console.log(JSON.stringify({ greeting: s.greeting }));']);
    const root: Root = { kind: 'require', id: path.join(dir, 'node_modules/sidefx/index.js'), parent: script, env: 1 };
    const run = spare(script, [root], [{ set: {}, unset: [] }, { set: { GREETING: 'before' }, unset: [] }], 'cjs');
    await reported(run);
    run.wake();
    expect(await output(run)).toEqual({ greeting: 'changed' });
    expect(depLoads().map((load) => load.greeting)).toEqual(['before', 'changed']);
  });

  it('what a dependency prints while it loads comes out when the spare wakes, before the app’s output; it saw the app’s argv', async () => {
    dep('chatty', ["console.log('chatty loaded, argv ' + JSON.stringify(process.argv.slice(1)));", "process.emitWarning('chatty is old', 'DeprecationWarning');", 'module.exports = 1;']);
    const script = app(["require('chatty');", "console.log('app');"]);
    const run = spare(script, [{ kind: 'require', id: path.join(dir, 'node_modules/chatty/index.js'), parent: script, env: 0 }], undefined, 'cjs');
    await reported(run);
    // Parked: nothing printed yet (a spare that is never woken prints nothing).
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(run.stdout() + run.stderr()).toBe('');
    run.wake();
    await waitUntil(() => run.stdout().includes('app\n'), { describe: () => run.stdout() });
    expect(run.stdout()).toBe(`chatty loaded, argv ${JSON.stringify([script])}\napp\n`);
    await waitUntil(() => run.stderr().includes('DeprecationWarning: chatty is old'), { describe: () => run.stderr() });
  });

  it('a root that fails to load is dropped and said so; the spare still works', async () => {
    dep('needs-setup', ["if (!globalThis.configured) throw new Error('configure me first');", 'module.exports = 1;']);
    const script = app(['globalThis.configured = true;', "require('needs-setup');", "const s = require('sidefx');", 'console.log(JSON.stringify({ ok: true }));']);
    const failing: Root = { kind: 'require', id: path.join(dir, 'node_modules/needs-setup/index.js'), parent: script, env: 0 };
    const good: Root = { kind: 'require', id: path.join(dir, 'node_modules/sidefx/index.js'), parent: script, env: 0 };
    const run = spare(script, [failing, good], undefined, 'cjs');
    const report = await reported(run);
    expect(report.dropped).toEqual([{ id: failing.id, error: 'configure me first' }]);
    expect(report.unusable).toBe(false);
    run.wake();
    expect(await output(run)).toEqual({ ok: true });
    expect(depLoads()).toHaveLength(1);
  });

  it('a dependency that loads the user’s code while it loads is never a root', async () => {
    dep('loads-plugins', ["require(require('node:path').join(process.cwd(), 'plugin.js'));", 'module.exports = 1;']);
    writeFileSync(path.join(dir, 'plugin.js'), 'module.exports = 2;\n');
    const script = app(["require('loads-plugins');", "require('plain');", 'console.log("{}");']);
    const run = spare(script, []);
    run.wake();
    const record = await recorded(run);
    expect(record.tainted).toEqual([path.join(dir, 'node_modules/loads-plugins/index.js')]);
    expect(record.roots.map((root) => root.id)).toEqual([path.join(dir, 'node_modules/plain/index.js')]);
  });

  it('an app that hooks the module loader (instrumentation) is noticed', async () => {
    const script = app([
      "const Module = require('node:module');",
      'const original = Module.prototype.require;',
      'Module.prototype.require = function (id) { return original.call(this, id); };',
      "require('plain');",
      'console.log("{}");',
    ]);
    const run = spare(script, []);
    run.wake();
    expect((await recorded(run)).instrumented).toBe('something replaced require()');
  });

  it('an ES module root: each file of its graph is fingerprinted before Node reads it (Node 20 reads them out of fs’s sight) and counted as kept warm', async () => {
    dep('esm-dep', ["export { tag } from './lib.js';"], 'module');
    const lib = path.join(dir, 'node_modules/esm-dep/lib.js');
    writeFileSync(lib, "export const tag = 'esm';\n");
    const script = path.join(dir, 'app.mjs');
    writeFileSync(script, "import { tag } from 'esm-dep';\nimport s from 'sidefx';\nconsole.log(JSON.stringify({ tag, greeting: s.greeting }));\n");
    const index = path.join(dir, 'node_modules/esm-dep/index.js');
    const sidefx = path.join(dir, 'node_modules/sidefx/index.js');
    const roots: Root[] = [
      { kind: 'import', id: pathToFileURL(index).href },
      { kind: 'import', id: pathToFileURL(sidefx).href },
    ];
    const run = spare(script, roots, undefined, 'esm');
    const report = await reported(run);
    const files = new Map(report.files);
    // As devreload fingerprints them before the wake: unchanged, so the spare may be woken.
    for (const file of [index, lib, sidefx]) expect(files.get(file), file).toBe(fingerprint(file));
    // esm-dep's index.js and lib.js, and sidefx (CommonJS, imported).
    expect(report.loaded).toBe(3);
    run.wake();
    expect(await output(run)).toEqual({ tag: 'esm', greeting: null });
    expect(depLoads()).toHaveLength(1);
    // The app's own imports are recorded as ever, once each (the spare's are not the app's). On
    // Node 20 the hook thread's reports may come after the record was written (a loaded
    // machine): fewer, never others and never twice.
    const own = (await recorded(run)).roots;
    if (process.versions.node.startsWith('20.')) {
      expect(own.filter((root) => !roots.some((expected) => expected.id === root.id))).toEqual([]);
      expect(new Set(own.map((root) => root.id)).size).toBe(own.length);
    } else {
      expect(own).toEqual(roots);
    }
  });

  it('an ES module app: the CommonJS packages it imports are its roots (found without a parent in the cache)', async () => {
    const script = path.join(dir, 'app.mjs');
    writeFileSync(script, "import s from 'sidefx';\nimport plain from 'plain';\nconsole.log(JSON.stringify({ plain, noMainModule: process.mainModule === undefined }));\n");
    const run = spare(script, []);
    run.wake();
    // As in a fresh start of an ES module: no CommonJS main module (the park script was one).
    expect(await output(run)).toEqual({ plain: 'plain', noMainModule: true });
    const record = await recorded(run);
    expect(record).toMatchObject({ main: 'esm', mainFile: null });
    expect(record.roots.map((root) => [root.kind, root.id])).toEqual([
      ['import', `file://${dir}/node_modules/sidefx/index.js`],
      ['import', `file://${dir}/node_modules/plain/index.js`],
    ]);
  });
});
