import { describe, expect, it } from 'vitest';
import type { NodePlan } from '../../src/prestart/plan.js';
import type { Recorded } from '../../src/prestart/protocol.cjs';
import { rootFiles, warmBlocker, warmSetFrom } from '../../src/prestart/warm-set.js';

const record = (overrides: Partial<Recorded> = {}): Recorded => ({
  v: 1,
  main: 'cjs',
  mainFile: '/p/server.js',
  roots: [
    { kind: 'require', id: '/p/node_modules/dotenv/lib/main.js', parent: '/p/server.js', env: 0 },
    { kind: 'require', id: '/p/node_modules/express/index.js', parent: '/p/server.js', env: 1 },
    { kind: 'import', id: 'file:///p/node_modules/chalk/source/index.js' },
  ],
  envs: [{ set: {}, unset: [] }, { set: { DEBUG: 'express:*' }, unset: [] }],
  envChanged: [],
  instrumented: null,
  tainted: [],
  staleEnv: null,
  ...overrides,
});

const plan = (preloads: NodePlan['preloads'] = []): NodePlan => ({ bootFlags: [], runtimeFlags: [], preloads, execArgv: [], script: 'server.js', args: [] });

describe('warmSetFrom', () => {
  it('nothing recorded yet: nothing to load', () => {
    expect(warmSetFrom(null, new Set())).toEqual({ roots: [], envs: [], main: null, mainFile: null, esm: false, leftOut: undefined });
  });

  it('the recorded roots in their order, with the environments they were required in', () => {
    const set = warmSetFrom(record(), new Set());
    expect(set.roots.map((root) => root.id)).toEqual(['/p/node_modules/dotenv/lib/main.js', '/p/node_modules/express/index.js', 'file:///p/node_modules/chalk/source/index.js']);
    expect(set.envs[1]).toEqual({ set: { DEBUG: 'express:*' }, unset: [] });
    expect(set.esm).toBe(true);
    expect(set.main).toBe('cjs');
  });

  it('a root that failed to load in a spare is left out for the rest of the run', () => {
    expect(warmSetFrom(record(), new Set(['/p/node_modules/express/index.js'])).roots.map((root) => root.id)).not.toContain('/p/node_modules/express/index.js');
  });

  it('an app that changes process.env gets its ES module imports loaded fresh: they cannot be placed among its changes', () => {
    const set = warmSetFrom(record({ envChanged: ['DEBUG'] }), new Set());
    expect(set.roots.map((root) => root.kind)).toEqual(['require', 'require']);
    expect(set.leftOut).toMatch(/^DEBUG changed in process\.env while the app loaded/);
    expect(set.esm).toBe(false);
    // An ES module main still needs its imports recorded.
    expect(warmSetFrom(record({ main: 'esm', roots: [] }), new Set()).esm).toBe(true);
  });
});

describe('warmBlocker', () => {
  it('the app’s own preloads run before its dependencies: only Node stays warm', () => {
    expect(warmBlocker(plan([{ kind: 'require', specifier: './tracing.js' }]), [], null)).toBe("-r ./tracing.js must run before the app's dependencies load");
    expect(warmBlocker(plan([{ kind: 'import', specifier: './otel.mjs' }]), [], null)).toMatch(/^--import \.\/otel\.mjs must run before/);
  });

  it('devreload’s own --socket preload does not count', () => {
    expect(warmBlocker(plan([{ kind: 'require', specifier: '/d/dist/socket/preload.cjs' }]), ['/d/dist/socket/preload.cjs'], null)).toBeUndefined();
    expect(warmBlocker(plan(), [], record())).toBeUndefined();
  });

  it('instrumentation the app installed (a patched loader) must see its dependencies load', () => {
    expect(warmBlocker(plan(), [], record({ instrumented: 'something replaced require()' }))).toBe("something replaced require(), and instrumentation must see the app's dependencies load");
  });
});

describe('rootFiles', () => {
  it('paths, and file URLs as paths', () => {
    expect(rootFiles(record().roots)).toEqual(['/p/node_modules/dotenv/lib/main.js', '/p/node_modules/express/index.js', '/p/node_modules/chalk/source/index.js']);
    expect(rootFiles([{ kind: 'import', id: 'file:///p/node_modules/a%20b/x.js' }])).toEqual(['/p/node_modules/a b/x.js']);
  });
});
