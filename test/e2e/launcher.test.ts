import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Devreload, devreloadBin, disposeAfterEach, parked, Project, waitUntil } from './harness.js';

// bin/devreload.js run as a program (what `devreload`, `npx devreload` and npm scripts do) is a
// shell launcher: it hands itself to the `node` on PATH without NODE_EXTRA_CA_CERTS, which Node
// 20 would load and parse before any JavaScript, and devreload puts the variable back for
// everything it starts. These tests run the bin itself, not `node bin/devreload.js`.

disposeAfterEach();

/** The Node running the tests first on PATH, as for `#!/usr/bin/env node`. */
const PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;

interface Seen {
  pid: number;
  certs: string | null;
  stash: string | null;
  changed: string | null;
  argv: string[];
}

async function appShowingEnv(project: Project): Promise<void> {
  await project.write(
    'show.cjs',
    "console.log('seen ' + JSON.stringify({ pid: process.pid, certs: process.env.NODE_EXTRA_CA_CERTS ?? null, stash: process.env.DEVRELOAD_EXTRA_CA_CERTS ?? null, changed: process.env.DEVRELOAD_CHANGED ?? null, argv: process.argv.slice(2) })); setInterval(() => {}, 1 << 30);\n",
  );
}

function seen(d: Devreload): Seen[] {
  return [...d.stdout.matchAll(/^seen (.*)$/gm)].map((m) => JSON.parse(m[1]!) as Seen);
}

/** The environment devreload's own process was started with (Linux: /proc). */
function startEnvironment(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter(Boolean);
  return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

describe.runIf(process.platform === 'linux')('the bin as a program', () => {
  it('devreload itself starts without NODE_EXTRA_CA_CERTS; the app gets it as it was, with its arguments intact', async () => {
    const project = await Project.create();
    await appShowingEnv(project);
    const certs = project.sidecar('extra-ca.pem');
    const args = ['a b', '$HOME', '*', '', "it's", '--x=1'];
    const d = new Devreload(['--watch', 'src', '--', 'node', 'show.cjs', ...args], {
      cwd: project.dir,
      env: { PATH, NODE_EXTRA_CA_CERTS: certs, DEVRELOAD_EXTRA_CA_CERTS: undefined },
      program: [devreloadBin],
    });
    await d.waitFor(/^seen /m);
    await d.waitFor(/\[devreload\] watching/);
    // The launcher exec'd Node in its own process: same pid, now Node, without the variable.
    const own = startEnvironment(d.pid);
    expect(readFileSync(`/proc/${d.pid}/cmdline`, 'utf8').split('\0')[1]).toBe(devreloadBin);
    expect(own.has('NODE_EXTRA_CA_CERTS')).toBe(false);
    expect(own.get('DEVRELOAD_EXTRA_CA_CERTS')).toBe(`${d.pid}:${certs}`);

    const [first] = seen(d);
    expect(first).toMatchObject({ certs, stash: null, argv: args });
    // A restart's instance (a fresh spawn) sees the same.
    await project.save('src/app.js');
    await d.waitFor(/^seen /m, 2);
    expect(seen(d)[1]).toMatchObject({ certs, stash: null, argv: args });
    expect(seen(d)[1]!.changed).toBe('["src/app.js"]');
  });

  it('set but empty stays set and empty; unset stays unset, and a stray DEVRELOAD_EXTRA_CA_CERTS is not taken for it', async () => {
    const project = await Project.create();
    await appShowingEnv(project);
    const empty = new Devreload(['--watch', 'src', '--on-exit', 'wait', '--', 'node', 'show.cjs'], { cwd: project.dir, env: { PATH, NODE_EXTRA_CA_CERTS: '' }, program: [devreloadBin] });
    await empty.waitFor(/^seen /m);
    expect(seen(empty)[0]).toMatchObject({ certs: '', stash: null });
    await empty.dispose();

    const unset = new Devreload(['--watch', 'src', '--', 'node', 'show.cjs'], {
      cwd: project.dir,
      env: { PATH, NODE_EXTRA_CA_CERTS: undefined, DEVRELOAD_EXTRA_CA_CERTS: '/stale/value.pem' },
      program: [devreloadBin],
    });
    await unset.waitFor(/^seen /m);
    expect(seen(unset)[0]).toMatchObject({ certs: null, stash: null });
  });

  it('a `node` on PATH that starts Node as its child instead of exec (as Volta’s shim does): the app still gets the variable', async () => {
    const project = await Project.create();
    await appShowingEnv(project);
    const shims = project.sidecar('shims');
    await mkdir(shims);
    await writeFile(path.join(shims, 'node'), `#!/bin/sh\n'${process.execPath}' "$@"\nexit $?\n`, { mode: 0o755 });
    const certs = project.sidecar('extra-ca.pem');
    const d = new Devreload(['--watch', 'src', '--', 'node', 'show.cjs'], { cwd: project.dir, env: { PATH: `${shims}${path.delimiter}${PATH}`, NODE_EXTRA_CA_CERTS: certs }, program: [devreloadBin] });
    await d.waitFor(/^seen /m);
    expect(seen(d)[0], d.output).toMatchObject({ certs, stash: null });
  });

  it('`node bin/devreload.js` skips the launcher: a stray DEVRELOAD_EXTRA_CA_CERTS is not used, and every variable passes', async () => {
    const project = await Project.create();
    await project.write('show.cjs', "console.log('seen ' + JSON.stringify({ certs: process.env.NODE_EXTRA_CA_CERTS ?? null, stash: process.env.DEVRELOAD_EXTRA_CA_CERTS ?? null, dotted: process.env['my.setting'] ?? null })); setInterval(() => {}, 1 << 30);\n");
    const d = new Devreload(['--watch', 'src', '--', 'node', 'show.cjs'], {
      cwd: project.dir,
      env: { NODE_EXTRA_CA_CERTS: undefined, DEVRELOAD_EXTRA_CA_CERTS: '2147483646:/stray.pem', 'my.setting': 'kept' },
    });
    await d.waitFor(/^seen /m);
    expect(JSON.parse(/^seen (.*)$/m.exec(d.stdout)![1]!)).toEqual({ certs: null, stash: null, dotted: 'kept' });
  });

  it('--prestart: the woken spare has NODE_EXTRA_CA_CERTS, as a fresh spawn would', async () => {
    const project = await Project.create();
    await appShowingEnv(project);
    const certs = project.sidecar('extra-ca.pem');
    const d = new Devreload(['--watch', 'src', '--prestart', '--', 'node', 'show.cjs'], { cwd: project.dir, env: { PATH, NODE_EXTRA_CA_CERTS: certs }, program: [devreloadBin] });
    await d.waitFor(/^seen /m);
    await d.waitFor(/\[devreload\] watching/);
    await waitUntil(() => parked(d.pid).length === 1, { describe: () => d.output });
    await project.save('src/app.js');
    await d.waitFor(/^seen /m, 2);
    const [cold, woken] = seen(d);
    expect(readFileSync(`/proc/${woken!.pid}/cmdline`, 'latin1'), `the woken instance is the spare\n${d.output}`).toContain('prestart/park.cjs');
    expect({ ...woken, pid: 0 }).toEqual({ ...cold, pid: 0, changed: '["src/app.js"]' });
    expect(woken).toMatchObject({ certs, stash: null });
  });
});
