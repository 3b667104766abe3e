import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, isAlive, repoRoot, waitUntilGone } from './harness.js';

// The package as users get it: `npm pack`, the tarball installed into a fresh project, and
// devreload run from there by `npx` and loaded by `require()` and `import`. Everything runs on
// the Node that runs the tests (.ci/run runs the suite on Node 20, 22 and 24).

disposeAfterEach();

/** The Node running the tests first on PATH: npm, npx and the `#!/usr/bin/env node` of the bin use it. */
const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };

let scratch: string;
let tarball: string;
/** A fresh CommonJS project with the tarball installed. */
let project: string;
/** What `npm install <tarball>` printed on stderr. */
let installWarnings: string;

/** What npm printed on stdout and on stderr (its warnings). */
function npm(args: readonly string[], cwd: string): { stdout: string; stderr: string } {
  const run = spawnSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${run.stdout}${run.stderr}`);
  return { stdout: run.stdout, stderr: run.stderr };
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'devreload-pack-'));
  // dist/ is current (global-setup rebuilt it if needed): packing must not rebuild it under the
  // other test files, so no `prepack`.
  const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], repoRoot).stdout) as Array<{ filename: string }>;
  tarball = path.join(scratch, packed!.filename);
  project = path.join(scratch, 'app');
  await mkdir(path.join(project, 'src'), { recursive: true });
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'commonjs' }));
  // As a user installs it, scripts allowed. Dependencies come from the cache `npm ci` filled.
  installWarnings = npm(['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], project).stderr;
}, 180_000);

afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the bin (CommonJS), the CLI bundles, the API with its types, LICENSE and README; no source maps', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files).toEqual(
      expect.arrayContaining([
        'package/LICENSE',
        'package/README.md',
        'package/bin/devreload.js',
        'package/bin/package.json',
        'package/dist/devreload.cjs',
        'package/dist/devreload-watch.cjs',
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/dist/process/watchdog.sh',
      ]),
    );
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(files.filter((file) => !/^package\/(dist|bin)\/|^package\/(LICENSE|README\.md|package\.json)$/.test(file))).toEqual([]);
  });

  // An install-time script (`prepare`, `install`, …) makes npm 11 warn on every install
  // (`npm warn install-scripts devreload@0.1.0 (prepare: npm run build)`) and wait for the user
  // to approve it: the package is built before it is packed (`prepack`), never at install.
  it('installs without an install-script warning: the published manifest has no install-time script', () => {
    expect(installWarnings.split('\n').filter((line) => /install-scripts/.test(line) && /devreload/.test(line))).toEqual([]);
    const { scripts = {} } = JSON.parse(readFileSync(path.join(project, 'node_modules/devreload/package.json'), 'utf8')) as { scripts?: Record<string, string> };
    expect(Object.keys(scripts).filter((name) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(name))).toEqual([]);
  });

  // The CLI is two files (the watcher's is loaded after the app's spawn). A DevreloadError the
  // watcher throws must be the CLI's own class, or the CLI would take bad input for a bug.
  it('the CLI bundles hold one DevreloadError class, in the file the watcher takes it from', () => {
    const dist = path.join(project, 'node_modules/devreload/dist');
    const cli = readFileSync(path.join(dist, 'devreload.cjs'), 'utf8');
    const watcher = readFileSync(path.join(dist, 'devreload-watch.cjs'), 'utf8');
    expect(cli.match(/\bDevreloadError ?= ?class\b/g)).toHaveLength(1);
    expect(watcher).not.toMatch(/\bDevreloadError ?= ?class\b/);
    expect(watcher).toMatch(/require\("\.\/devreload\.cjs"\)/);
  });

  it('LICENSE is the license package.json declares', () => {
    const { license } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { license: string };
    expect(license).toBe('MIT');
    expect(readFileSync(path.join(project, 'node_modules/devreload/LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
  });

  // require(esm) is on by default from Node 20.19 and 22.12; it still needs an "exports"
  // condition that require() matches (it failed with ERR_PACKAGE_PATH_NOT_EXPORTED when the
  // only one was "import"), and no top-level await anywhere in the API's module graph.
  it('require() from a CommonJS project loads the API, which runs an app and stops it', async () => {
    await writeFile(
      path.join(project, 'use.js'),
      `const { createReloader, DevreloadError } = require('devreload');
const reloader = createReloader({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], watch: ['src'], logLevel: 'quiet' });
reloader.on('start', ({ pid }) => console.log('app started', pid));
reloader.start().then(() => reloader.stop()).then((code) => console.log('stopped', code, typeof DevreloadError));
`,
    );
    const run = spawnSync(process.execPath, ['use.js'], { cwd: project, env, encoding: 'utf8', timeout: 20_000 });
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(run.stdout, output).toMatch(/^app started \d+\nstopped 0 function\n$/);
    // Not even an ExperimentalWarning: the package loads quietly.
    expect(run.stderr, output).toBe('');
    const pid = Number(/app started (\d+)/.exec(run.stdout)?.[1]);
    expect(isAlive(pid)).toBe(false);
  });

  it('import from an ES module gets the same API', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', "import * as api from 'devreload'; console.log(Object.keys(api).sort().join())"], { cwd: project, env, encoding: 'utf8' });
    expect(run.stdout.trim(), run.stderr).toBe('DevreloadError,createReloader,resolveOptions');
  });

  it('npx devreload runs the app and restarts it on a change, then stops on Ctrl-C', async () => {
    await writeFile(path.join(project, 'src/greeting.js'), "module.exports = 'hello';\n");
    await writeFile(path.join(project, 'server.js'), "console.log(`booted ${process.pid} ${require('./src/greeting.js')}`);\nsetInterval(() => {}, 1000);\n");
    const devreload = new Devreload(['--watch', 'src', '--', 'node', 'server.js'], { cwd: project, env, program: ['npx', 'devreload'] });
    await devreload.waitFor(/\[devreload\] watching src/);
    await devreload.waitFor(/booted \d+ hello/);
    await writeFile(path.join(project, 'src/greeting.js'), "module.exports = 'hello again';\n");
    await devreload.waitFor(/restarted in \d+ ms/);
    await devreload.waitFor(/booted \d+ hello again/);
    const pids = [...devreload.stdout.matchAll(/booted (\d+)/g)].map((match) => Number(match[1]));
    expect(new Set(pids).size, devreload.output).toBe(2);
    expect(devreload.stderr, devreload.output).toContain('restarting: src/greeting.js changed');
    devreload.interrupt();
    const exit = await devreload.waitForExit();
    // npx re-raises the signal its child ended with, as `npm run` does; quietly.
    expect(exit.code === 130 || exit.signal === 'SIGINT', `${JSON.stringify(exit)}\n${devreload.output}`).toBe(true);
    expect(devreload.output).not.toMatch(/npm (error|ERR!)/i);
    await waitUntilGone(pids, () => devreload.output);
  });
});
