import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Devreload, devreloadBin, disposeAfterEach, Project, repoRoot } from './harness.js';

// bin/devreload.js run as a program, as `devreload`, `npx devreload` and npm scripts run it
// (the other e2e tests run `node bin/devreload.js`). Nothing between the kernel's `#!` and
// Node may filter the environment: a shell in between (dash, busybox) drops every variable
// whose name is not a shell name.

disposeAfterEach();

/** The Node running the tests first on PATH, for `#!/usr/bin/env node`. */
const PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;

describe('the bin as a program', () => {
  it('hands the app every environment variable and argument as it got them', async () => {
    const project = await Project.create();
    await project.write(
      'show.cjs',
      "const env = process.env; console.log('seen ' + JSON.stringify({ dotted: env['my.setting'] ?? null, dashed: env['FOO-BAR'] ?? null, certs: env.NODE_EXTRA_CA_CERTS ?? null, empty: env.EMPTY ?? null, argv: process.argv.slice(2) })); setInterval(() => {}, 1 << 30);\n",
    );
    const certs = project.sidecar('extra-ca.pem');
    const args = ['a b', '$HOME', '*', '', "it's", '--x=1'];
    const d = new Devreload(['--watch', 'src', '--', 'node', 'show.cjs', ...args], {
      cwd: project.dir,
      env: { PATH, 'my.setting': 'kept', 'FOO-BAR': 'also kept', NODE_EXTRA_CA_CERTS: certs, EMPTY: '' },
      program: [devreloadBin],
    });
    await d.waitFor(/^seen /m);
    // Run as a program: the kernel started Node on the bin, with nothing in between.
    expect(readFileSync(`/proc/${d.pid}/cmdline`, 'utf8').split('\0')[1], d.output).toBe(devreloadBin);
    expect(JSON.parse(/^seen (.*)$/m.exec(d.stdout)![1]!), d.output).toEqual({ dotted: 'kept', dashed: 'also kept', certs, empty: '', argv: args });
  });

  it('in a checkout that was never built, says so in one line and exits 1 (npm install builds nothing)', () => {
    const checkout = mkdtempSync(path.join(os.tmpdir(), 'devreload-unbuilt-'));
    try {
      mkdirSync(path.join(checkout, 'bin'));
      for (const file of ['devreload.js', 'package.json']) copyFileSync(path.join(repoRoot, 'bin', file), path.join(checkout, 'bin', file));
      const run = spawnSync(path.join(checkout, 'bin/devreload.js'), ['--', 'node', 'server.js'], { encoding: 'utf8', env: { ...process.env, PATH }, timeout: 20_000 });
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toBe(`[devreload] error: devreload is not built (${path.join(checkout, 'dist/devreload.cjs')} is missing): run \`npm run build\` in ${checkout}\n`);
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });
});
