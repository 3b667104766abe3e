import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCli, withConfig } from '../../src/cli/main.js';
import { loadConfig } from '../../src/options/config.js';
import { closest } from '../../src/options/did-you-mean.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-config-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const write = (name: string, content: unknown) => writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));

describe('configuration files', () => {
  it('reads devreload.config.json, resolving paths from its directory', async () => {
    await write('devreload.config.json', { watch: ['src'], ext: 'ts,js', killTimeout: 2000, onExit: 'restart', command: 'node', args: ['server.js'] });
    expect(loadConfig(dir, undefined)).toEqual({ watch: [path.join(dir, 'src')], ext: ['ts,js'], killTimeout: 2000, onExit: 'restart', command: 'node', args: ['server.js'] });
  });

  it('falls back to the "devreload" key of package.json, and to nothing', async () => {
    expect(loadConfig(dir, undefined)).toBeUndefined();
    await write('package.json', { name: 'x' });
    expect(loadConfig(dir, undefined)).toBeUndefined();
    await write('package.json', { name: 'x', devreload: { delay: 100, verbose: true } });
    expect(loadConfig(dir, undefined)).toEqual({ delay: 100, logLevel: 'verbose' });
  });

  it('devreload.config.json wins over package.json; --config wins over both', async () => {
    await write('package.json', { devreload: { delay: 1 } });
    await write('devreload.config.json', { delay: 2 });
    await write('other.json', { delay: 3 });
    expect(loadConfig(dir, undefined)?.delay).toBe(2);
    expect(loadConfig(dir, 'other.json')?.delay).toBe(3);
  });

  it('the command line wins over the file, the file over the defaults', async () => {
    await write('devreload.config.json', { delay: 100, killTimeout: 900, command: 'node', args: ['a.js'] });
    const fromFile = withConfig((parseCli(['--cwd', dir, '--delay', '50']) as { options: object }).options, undefined);
    expect(fromFile).toMatchObject({ delay: '50', killTimeout: 900, command: 'node', args: ['a.js'] });
    const fromCli = withConfig((parseCli(['--cwd', dir, '--', 'python3', 'b.py']) as { options: object }).options, undefined);
    expect(fromCli).toMatchObject({ command: 'python3', args: ['b.py'], delay: 100 });
  });

  it('an unknown key is an error with a did-you-mean', async () => {
    await write('devreload.config.json', { kilTimeout: 5 });
    expect(() => loadConfig(dir, undefined)).toThrow(/^devreload\.config\.json: unknown key "kilTimeout" \(did you mean "killTimeout"\?\)/);
  });

  it('a wrong type names the key, the value and what was expected', async () => {
    await write('devreload.config.json', { watch: 5 });
    expect(() => loadConfig(dir, undefined)).toThrow('devreload.config.json: "watch" must be a path or an array of paths, got number 5');
    await write('devreload.config.json', { gitignore: 'no' });
    expect(() => loadConfig(dir, undefined)).toThrow('devreload.config.json: "gitignore" must be true or false, got string "no"');
    await rm(path.join(dir, 'devreload.config.json'));
    await write('package.json', { devreload: ['src'] });
    expect(() => loadConfig(dir, undefined)).toThrow('package.json#devreload: expected an object of options, got an array ["src"]');
  });

  it('prestart: true, false, "runtime" or "warm"; anything else names what it expects', async () => {
    for (const prestart of [true, false, 'runtime', 'warm']) {
      await write('devreload.config.json', { prestart });
      expect(loadConfig(dir, undefined)).toEqual({ prestart });
    }
    await write('devreload.config.json', { prestart: 'cold' });
    expect(() => loadConfig(dir, undefined)).toThrow('devreload.config.json: "prestart" must be true, false, "runtime" or "warm", got string "cold"');
    await write('devreload.config.json', { prestart: 1 });
    expect(() => loadConfig(dir, undefined)).toThrow('devreload.config.json: "prestart" must be true, false, "runtime" or "warm", got number 1');
  });

  it('devreload.config.json may have // and /* */ comments and trailing commas', async () => {
    await write(
      'devreload.config.json',
      ['\uFEFF// tsconfig-style', '{', '  /* the API server */', '  "watch": ["src",], // not tests', '  "delay": 100,', '}', ''].join('\n'),
    );
    expect(loadConfig(dir, undefined)).toEqual({ watch: [path.join(dir, 'src')], delay: 100 });
  });

  it('so may a file named by --config', async () => {
    await write('dev.jsonc', '{ "delay": 7, /* fast */ }');
    expect(loadConfig(dir, 'dev.jsonc')).toEqual({ delay: 7 });
  });

  it('a syntax error is one line with the file, the line, the column and what was expected', async () => {
    await write('devreload.config.json', '{\n  // comments are fine\n  "delay": 100\n  "watch": ["src"]\n}\n');
    expect(() => loadConfig(dir, undefined)).toThrow(/^devreload\.config\.json: invalid JSON at line 4, column 3: expected a comma$/);
    await write('devreload.config.json', '{ "delay": 100 /* never closed }');
    expect(() => loadConfig(dir, undefined)).toThrow(/^devreload\.config\.json: invalid JSON at line 1, column 16: expected "\*\/" to close the comment$/);
    await write('devreload.config.json', "{ delay: 100 }");
    expect(() => loadConfig(dir, undefined)).toThrow(/^devreload\.config\.json: invalid JSON at line 1, column 3: expected a value or a key in double quotes, got "delay"$/);
  });

  it('package.json stays strict JSON: no comments, no trailing commas', async () => {
    await write('package.json', '{\n  "name": "x",\n  // dev server\n  "devreload": { "delay": 1 }\n}\n');
    expect(() => loadConfig(dir, undefined)).toThrow(/^package\.json: invalid JSON at line 3, column 3: expected no comments: this file is strict JSON$/);
    await write('package.json', '{ "devreload": { "delay": 1, } }');
    expect(() => loadConfig(dir, undefined)).toThrow(/^package\.json: invalid JSON at line 1, column 30: expected a key in double quotes$/);
  });

  it('--config naming a missing file is an error', () => {
    expect(() => loadConfig(dir, 'nope.json')).toThrow('--config: nope.json: no such file');
    expect(() => loadConfig(dir, '.')).toThrow('--config: .: is a directory, not a JSON file');
  });
});

describe('did you mean', () => {
  it('suggests close names and nothing for unrelated ones', () => {
    expect(closest('wacth', ['watch', 'ext'])).toBe('watch');
    expect(closest('kill-timout', ['kill-timeout', 'delay'])).toBe('kill-timeout');
    expect(closest('banana', ['watch', 'ext', 'delay'])).toBeUndefined();
  });
});
