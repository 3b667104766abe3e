import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parentForwardsSignals } from '../../src/supervisor/forwarding-parent.js';
import { hasCommand } from '../e2e/harness.js';

const environ = (env: Record<string, string>) => Buffer.from(Object.entries(env).map(([k, v]) => `${k}=${v}\0`).join(''));
const script = 'devreload --watch src -- node server.js';
const underNpm = { npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false', npm_lifecycle_event: 'dev', npm_lifecycle_script: script };

describe('parentForwardsSignals (whether one Ctrl-C may reach devreload twice)', () => {
  it('npm or pnpm as the parent (the script shell exec’d devreload): yes', () => {
    expect(parentForwardsSignals(underNpm, environ({ PATH: '/usr/bin' }))).toBe(true);
    expect(parentForwardsSignals({ ...underNpm, npm_config_user_agent: 'pnpm/9.15.0 npm/? node/v20.20.2 linux x64' }, environ({}))).toBe(true);
  });

  it('a shell between them (dash does not exec): no, the shell has the very same script', () => {
    expect(parentForwardsSignals(underNpm, environ({ ...underNpm, PWD: '/p' }))).toBe(false);
  });

  it('npm run by an outer npm script: its parent npm has the outer script, so yes', () => {
    expect(parentForwardsSignals(underNpm, environ({ ...underNpm, npm_lifecycle_script: 'npm run build && npm run dev' }))).toBe(true);
  });

  it('no /proc to read the parent from (macOS): the package manager decides', () => {
    expect(parentForwardsSignals(underNpm, undefined)).toBe(true);
  });

  it('run directly, or by a package manager whose forwarding was not measured (yarn, bun): no', () => {
    expect(parentForwardsSignals({ PATH: '/usr/bin' }, environ({}))).toBe(false);
    expect(parentForwardsSignals({ ...underNpm, npm_config_user_agent: 'yarn/1.22.22 npm/? node/v20.20.2 linux x64' }, environ({}))).toBe(false);
    expect(parentForwardsSignals({ ...underNpm, npm_config_user_agent: 'bun/1.1.0 npm/? node/v20.20.2 linux x64' }, environ({}))).toBe(false);
  });
});

// Against real npm: a script prints what signalsForwardedByParent() (from dist/) says.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const module = pathToFileURL(path.join(repoRoot, 'dist/supervisor/forwarding-parent.js')).href;
const probe = `import(${JSON.stringify(module)}).then((m) => console.log('forwarded=' + m.signalsForwardedByParent()))`;

describe.runIf(process.platform === 'linux' && hasCommand('npm') && hasCommand('bash'))('signalsForwardedByParent under a real npm run', () => {
  /** `npm --script-shell=bash run dev` with `dev` = `command`: what the probe printed. */
  const run = (command: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'devreload-forwarding-'));
    try {
      writeFileSync(path.join(dir, 'probe.mjs'), `${probe}\n`);
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'probe', private: true, scripts: { dev: command } }));
      const result = spawnSync('npm', ['--script-shell=bash', 'run', 'dev'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      return `${result.stdout}${result.stderr}`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const node = JSON.stringify(process.execPath);

  it('bash as the script shell execs the command: npm is the parent, and forwards', () => {
    expect(run(`${node} probe.mjs`)).toContain('forwarded=true');
  });

  it('a script shell that stays in between: the shell is the parent, npm forwards to it', () => {
    // `; :` keeps bash from exec'ing the command: the shell stays, as dash always does.
    expect(run(`${node} probe.mjs; :`)).toContain('forwarded=false');
  });
});
