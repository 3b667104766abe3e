import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, jsonEvents, Project, serverFixture, waitUntil } from './harness.js';

disposeAfterEach();

let outside: string | undefined;
afterEach(async () => {
  if (outside !== undefined) await rm(outside, { recursive: true, force: true });
  outside = undefined;
});

const restarts = (d: Devreload) => jsonEvents(d, 'restart');

// A smoke test with a real npm: on an idle machine npm's second write often lands inside the
// 30 ms window anyway; the burst rule itself is tested in the pure machine (test/core).
describe('a package manager at work', () => {
  it('`npm install <package>` (package.json, then package-lock.json) is one restart', { timeout: 90_000 }, async () => {
    const project = await Project.create();
    await writeFile(project.path('package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', private: true })}\n`);
    // A local package outside the project: npm installs it offline, as a link.
    outside = await mkdtemp(path.join(os.tmpdir(), 'devreload-pm-'));
    await writeFile(path.join(outside, 'package.json'), `${JSON.stringify({ name: 'lib', version: '1.0.0' })}\n`);
    const d = new Devreload(['--json', '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
    await d.waitFor(/"event":"watching"/);
    await waitUntil(() => project.entries('start').length === 1, { describe: () => d.output });
    await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--offline', outside], { cwd: project.dir });
    await waitUntil(() => restarts(d).length === 1, { timeout: 30_000, describe: () => d.output });
    await waitUntil(() => project.entries('start').length === 2, { describe: () => d.output });
    // A save after it: exactly one more restart proves the install left none queued.
    await project.save('src/app.js');
    await waitUntil(() => restarts(d).length === 2, { timeout: 30_000, describe: () => d.output });
    const [install, save] = restarts(d);
    expect(install?.paths, d.output).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    expect(save?.paths, d.output).toEqual(['src/app.js']);
    // Each restart's instance runs (its own record comes once it booted).
    await waitUntil(() => project.entries('start').length === 3, { describe: () => d.output });
  });
});
