import { describe, expect, it } from 'vitest';
import { isNodeSource, knownChanges, whyStale, type StalenessCheck } from '../../src/prestart/staleness.js';

const files = new Map([
  ['/p/package-lock.json', '1:10:5:5'],
  ['/p/node_modules/.package-lock.json', '2:20:5:5'],
  ['/p/.env', '-'],
]);
const env = { PATH: '/bin', GREETING: 'hi', DEVRELOAD_CHANGED: '[]' };

function check(changes: Partial<StalenessCheck> & { nowFiles?: Map<string, string>; nowEnv?: Record<string, string | undefined> } = {}): string | undefined {
  return whyStale({
    boot: { env, files },
    now: { env: changes.nowEnv ?? env, files: changes.nowFiles ?? new Map(files) },
    changed: changes.changed ?? ['/p/src/app.js'],
    warm: changes.warm ?? true,
    isSource: isNodeSource,
    cwd: '/p',
  });
}

describe('whyStale', () => {
  it('a warm spare may be woken when only source files changed and nothing it read did', () => {
    expect(check()).toBeUndefined();
    expect(check({ changed: ['/p/src/a.ts', '/p/src/b.mjs', '/p/lib/c.cjs', '/p/d.tsx', '/p/e.jsx', '/p/f.mts', '/p/g.cts'] })).toBeUndefined();
    expect(check({ changed: [] })).toBeUndefined();
  });

  it('any changed file that is not a source file of the runtime: a dependency may have read it while loading', () => {
    expect(check({ changed: ['/p/src/app.js', '/p/.env'] })).toBe('.env changed');
    expect(check({ changed: ['/p/config/default.json'] })).toBe('config/default.json changed');
    expect(check({ changed: ['/p/settings.yaml'] })).toBe('settings.yaml changed');
    expect(check({ changed: ['/p/package.json'] })).toBe('package.json changed');
    expect(check({ changed: ['/p/pnpm-lock.yaml'] })).toBe('pnpm-lock.yaml changed');
  });

  it('a lockfile, node_modules’ state or a file a dependency read changed, reported by the watcher or not', () => {
    expect(check({ nowFiles: new Map([...files, ['/p/package-lock.json', '9:11:6:6']]) })).toBe('package-lock.json changed');
    expect(check({ nowFiles: new Map([...files, ['/p/node_modules/.package-lock.json', '3:20:5:6']]) })).toBe('node_modules/.package-lock.json changed');
    // A file that was absent when a dependency looked for it, and is there now.
    expect(check({ nowFiles: new Map([...files, ['/p/.env', '4:3:7:7']]) })).toBe('.env changed');
    expect(check({ nowFiles: new Map([...files].filter(([file]) => file !== '/p/package-lock.json')) })).toBe('package-lock.json changed');
  });

  it('the environment: any variable but those that differ per instance', () => {
    expect(check({ nowEnv: { ...env, GREETING: 'hello' } })).toBe('the environment changed (GREETING)');
    expect(check({ nowEnv: { PATH: '/bin', DEVRELOAD_CHANGED: '[]' } })).toBe('the environment changed (GREETING)');
    expect(check({ nowEnv: { ...env, NODE_OPTIONS: '--max-old-space-size=64' } })).toBe('the environment changed (NODE_OPTIONS)');
    expect(check({ nowEnv: { ...env, DEVRELOAD_CHANGED: '["src/app.js"]', DEVRELOAD_INSTANCE: 'x.3' } })).toBeUndefined();
  });

  it('a restart asked for without a known change (rs), or with more changes than were recorded', () => {
    expect(check({ changed: 'unknown' })).toBe('a restart without a known change');
  });

  it('a runtime-only spare loaded nothing of the app’s: only its environment counts', () => {
    expect(check({ warm: false, changed: ['/p/.env', '/p/package.json'], nowFiles: new Map() })).toBeUndefined();
    expect(check({ warm: false, changed: 'unknown' })).toBeUndefined();
    expect(check({ warm: false, nowEnv: { ...env, GREETING: 'yo' } })).toBe('the environment changed (GREETING)');
  });
});

describe('isNodeSource', () => {
  it.each(['a.js', 'a.cjs', 'a.mjs', 'a.jsx', 'a.ts', 'a.cts', 'a.mts', 'a.tsx'])('%s is a source file', (file) => expect(isNodeSource(`/p/${file}`)).toBe(true));
  it.each(['.env', 'a.json', 'a.yaml', 'a.yml', 'a.toml', 'a.node', 'a.js.map', 'views/index.ejs', 'README'])('%s is not', (file) => expect(isNodeSource(`/p/${file}`)).toBe(false));
});

describe('knownChanges', () => {
  it('the changed paths when the restart kept them all', () => {
    expect(knownChanges({ paths: ['/p/a.js', '/p/b.js'], count: 2 })).toEqual(['/p/a.js', '/p/b.js']);
  });

  it('nothing for a start no change asked for (the first, a restart after a crash)', () => {
    expect(knownChanges(null)).toEqual([]);
  });

  it('unknown for a restart with no changed path (rs), or with more changes than it kept', () => {
    expect(knownChanges({ paths: [], count: 0 })).toBe('unknown');
    expect(knownChanges({ paths: ['/p/a.js'], count: 3 })).toBe('unknown');
  });
});
