import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type ThirdParty from '../../src/prestart/third-party.cjs';
import type EnvDelta from '../../src/prestart/env-delta.cjs';
import { repoRoot } from '../e2e/harness.js';

// CommonJS that runs inside the app's Node (park.cts): tested as built.
const load = createRequire(import.meta.url);
const { isThirdParty, fileOf } = load(join(repoRoot, 'dist/prestart/third-party.cjs')) as typeof ThirdParty;
const envs = load(join(repoRoot, 'dist/prestart/env-delta.cjs')) as typeof EnvDelta;

describe('isThirdParty', () => {
  it('a module resolved inside a node_modules folder, at any depth (pnpm’s store included)', () => {
    expect(isThirdParty('/p/node_modules/express/index.js', ['/p/src'])).toBe(true);
    expect(isThirdParty('/p/node_modules/.pnpm/express@5.1.0/node_modules/express/index.js', ['/p'])).toBe(true);
    expect(isThirdParty('/p/node_modules/express/node_modules/debug/src/index.js', ['/p'])).toBe(true);
  });

  it('the user’s code: outside node_modules (a workspace or file: package’s real path is)', () => {
    expect(isThirdParty('/p/src/server.js', [])).toBe(false);
    expect(isThirdParty('/repo/packages/lib/index.js', ['/repo/packages/api'])).toBe(false);
    expect(isThirdParty('/p/node_modules_backup/x.js', [])).toBe(false);
  });

  it('anything in a watched folder, unless a node_modules folder lies between (the watcher never looks there)', () => {
    expect(isThirdParty('/p/node_modules/my-lib/index.js', ['/p/node_modules/my-lib'])).toBe(false);
    expect(isThirdParty('/p/node_modules/my-lib/node_modules/dep/index.js', ['/p/node_modules/my-lib'])).toBe(true);
    expect(isThirdParty('/p/node_modules/express/index.js', ['/p'])).toBe(true);
  });

  it('fileOf: paths and file URLs; nothing for node: and data: ids', () => {
    expect(fileOf('file:///p/node_modules/a%20b/x.mjs')).toBe('/p/node_modules/a b/x.mjs');
    expect(fileOf('/p/x.js')).toBe('/p/x.js');
    expect(fileOf('node:fs')).toBeUndefined();
    expect(fileOf('data:text/javascript,1')).toBeUndefined();
  });
});

describe('env-delta', () => {
  it('diff, apply and keyOf round-trip', () => {
    const from = { A: '1', B: '2', C: '3' };
    const to = { A: '1', B: 'two', D: '4' };
    const delta = envs.diff(from, to);
    expect(delta).toEqual({ set: { B: 'two', D: '4' }, unset: ['C'] });
    const applied: Record<string, string> = { ...from };
    envs.apply(applied, delta);
    expect(applied).toEqual(to);
    expect(envs.keyOf({ set: { D: '4', B: 'two' }, unset: ['C'] })).toBe(envs.keyOf(delta));
    expect(envs.isEmpty(envs.diff(to, { ...to }))).toBe(true);
  });
});
