import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withConfig } from '../../src/cli/main.js';
import { resolveOptions, type DevreloadOptions, type ResolvedOptions } from '../../src/options/resolve.js';
import { keysFor } from '../../src/options/schema.js';

// DESIGN.md: every documented option has a test that fails if the option is ignored. Each key a
// config file (or the API) accepts is set here, and what devreload resolved must show it and
// differ from what it resolves without it. A key added to the schema without a row here fails
// the first test of each table.

let dir: string;

beforeEach(() => {
  // The project is app/; lib/ beside it is a `file:` dependency (for `workspaces`).
  dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'devreload-keys-')), 'app');
  for (const folder of ['src', 'node_modules', '../lib']) mkdirSync(path.join(dir, folder), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { lib: 'file:../lib' } }));
  writeFileSync(path.join(dir, '../lib/package.json'), JSON.stringify({ name: 'lib' }));
  symlinkSync('../../lib', path.join(dir, 'node_modules/lib'));
  writeFileSync(path.join(dir, '.env'), 'A=1\n');
  writeFileSync(path.join(dir, 'server.js'), '');
});

afterEach(() => {
  rmSync(path.dirname(dir), { recursive: true, force: true });
});

interface Row {
  /** The key's value in the config file (and, unless `api` says otherwise, the API). */
  readonly value: unknown;
  /** The API's value where it differs from the file's. */
  readonly api?: unknown;
  /** What the resolved options show of it. */
  readonly shows: (options: ResolvedOptions) => unknown;
  readonly expected: unknown;
}

const at = (relative: string) => path.join(dir, relative);

const rows: Record<string, Row> = {
  command: { value: 'python3', shows: (o) => o.command, expected: 'python3' },
  args: { value: ['-m', 'http.server'], shows: (o) => o.args, expected: ['-m', 'http.server'] },
  exec: { value: 'node server.js --port 1', shows: (o) => [o.command, ...o.args], expected: ['sh', '-c', 'node server.js --port 1'] },
  watch: { value: ['src'], shows: (o) => o.watch[0], expected: path.join('/', 'APP', 'src') },
  ext: { value: 'ts,js', shows: (o) => o.ext, expected: ['ts', 'js'] },
  ignore: { value: ['dist/**'], shows: (o) => o.ignore, expected: ['dist/**'] },
  gitignore: { value: false, shows: (o) => o.gitignore, expected: false },
  workspaces: { value: false, shows: (o) => o.workspaceRoots, expected: [] },
  poll: { value: 250, shows: (o) => o.poll, expected: 250 },
  delay: { value: 400, shows: (o) => o.delay, expected: 400 },
  signal: { value: 'SIGUSR2', shows: (o) => o.signal, expected: 'SIGUSR2' },
  killTimeout: { value: '2s', shows: (o) => o.killTimeout, expected: 2000 },
  onExit: { value: 'quit', shows: (o) => o.onExit, expected: 'quit' },
  socket: { value: 3999, shows: (o) => o.sockets, expected: [{ port: 3999 }] },
  ready: { value: '/listening/', shows: (o) => o.ready?.kind, expected: 'output' },
  prestart: { value: 'runtime', shows: (o) => o.prestart, expected: 'runtime' },
  build: { value: 'tsc -p .', shows: (o) => o.build, expected: ['tsc -p .'] },
  envFile: { value: '.env', shows: (o) => o.envFiles, expected: [path.join('/', 'APP', '.env')] },
  postpone: { value: true, shows: (o) => o.postpone, expected: true },
  proxy: { value: '3998:3997', shows: (o) => o.proxy, expected: { port: 3998, appPort: 3997 } },
  reloadOnly: { value: ['views/**'], shows: (o) => o.reloadOnly, expected: ['views/**'] },
  quiet: { value: true, shows: (o) => o.logLevel, expected: 'quiet' },
  verbose: { value: true, shows: (o) => o.logLevel, expected: 'verbose' },
  env: { value: { GREETING: 'hi' }, api: { ...process.env, GREETING: 'hi' }, shows: (o) => o.env.GREETING, expected: 'hi' },
  cwd: { value: 'src', shows: (o) => o.cwd, expected: path.join('/', 'APP', 'src') },
  logLevel: { value: 'verbose', shows: (o) => o.logLevel, expected: 'verbose' },
};

/** `/APP/…` in an expected value stands for the project folder of the running test. */
const expectedOf = (row: Row) => JSON.parse(JSON.stringify(row.expected).replaceAll('/APP', dir)) as unknown;

// What each key needs beside it to be valid at all (reloadOnly needs the proxy; exec replaces command).
const companions: Record<string, Record<string, unknown>> = { reloadOnly: { proxy: true } };

describe('every config file key reaches the resolved options', () => {
  it('the table has a row for every key a config file accepts', () => {
    expect(keysFor('file').filter((key) => rows[key] === undefined)).toEqual([]);
  });

  for (const key of keysFor('file')) {
    it(`"${key}" in devreload.config.json`, () => {
      const row = rows[key]!;
      const base = key === 'command' || key === 'exec' ? {} : { command: 'node' };
      const resolve = (config: Record<string, unknown>) => {
        writeFileSync(at('devreload.config.json'), JSON.stringify(config));
        return resolveOptions(withConfig({ cwd: dir }, undefined), 'cli');
      };
      // Without the key (and with `node` as the program where the key is what runs).
      const without = resolve({ ...base, ...companions[key], ...(key === 'exec' || key === 'command' ? { command: 'node' } : {}) });
      const set = resolve({ ...base, ...companions[key], [key]: row.value });
      expect(row.shows(set)).toEqual(expectedOf(row));
      expect(row.shows(without)).not.toEqual(row.shows(set));
    });
  }
});

describe('every API option reaches the resolved options', () => {
  it('the table has a row for every key the API accepts', () => {
    expect(keysFor('api').filter((key) => rows[key] === undefined)).toEqual([]);
  });

  for (const key of keysFor('api')) {
    it(`${key} in createReloader's options`, () => {
      const row = rows[key]!;
      const value = key === 'watch' || key === 'envFile' ? [at(String(row.value))] : key === 'cwd' ? at(String(row.value)) : (row.api ?? row.value);
      const base: DevreloadOptions = { cwd: dir, ...(key === 'command' || key === 'exec' ? {} : { command: 'node' }), ...companions[key] };
      const without = resolveOptions({ command: 'node', ...base });
      const set = resolveOptions({ ...base, [key]: value });
      expect(row.shows(set)).toEqual(expectedOf(row));
      expect(row.shows(without)).not.toEqual(row.shows(set));
    });
  }
});

describe('the config file and the API reject the same input in the same words', () => {
  const file = (config: Record<string, unknown>) => {
    writeFileSync(at('devreload.config.json'), JSON.stringify(config));
    return () => resolveOptions(withConfig({ cwd: dir }, undefined), 'cli');
  };
  const api = (options: Record<string, unknown>) => () => resolveOptions({ cwd: dir, ...options } as DevreloadOptions);

  it('an unknown key, with a did-you-mean', () => {
    expect(file({ command: 'node', wacth: ['src'] })).toThrow(/^devreload\.config\.json: unknown key "wacth" \(did you mean "watch"\?\); known keys: /);
    expect(api({ command: 'node', args: ['server.js'], wacth: ['src'] })).toThrow(/^createReloader: unknown key "wacth" \(did you mean "watch"\?\); known keys: /);
  });

  // A wrong type for each key: the words after the key's name are the same.
  const wrong: Record<string, unknown> = {
    command: 5, args: 'server.js', exec: ['node'], watch: 5, ext: 5, ignore: 5, gitignore: 'no', workspaces: 0, poll: null, delay: 'fast',
    signal: true, killTimeout: -1, onExit: 'sometimes', socket: true, ready: false, prestart: 'yes', build: 5, envFile: 5, postpone: 1,
    proxy: null, reloadOnly: 5,
  };
  for (const [key, value] of Object.entries(wrong)) {
    it(`"${key}": ${JSON.stringify(value)}`, () => {
      const base = key === 'command' || key === 'exec' ? {} : { command: 'node' };
      const message = (run: () => unknown) => {
        try {
          run();
        } catch (error) {
          return (error as Error).message;
        }
        throw new Error(`${key}: ${JSON.stringify(value)} was accepted`);
      };
      const fromFile = message(file({ ...base, [key]: value }));
      const fromApi = message(api({ ...base, [key]: value }));
      expect(fromFile.startsWith(`devreload.config.json: "${key}"`), fromFile).toBe(true);
      expect(fromApi.startsWith(`${key}:`), fromApi).toBe(true);
      expect(fromApi.slice(`${key}:`.length).trim()).toBe(fromFile.slice(`devreload.config.json: "${key}"`.length).replace(/^:/, '').trim());
    });
  }
});
