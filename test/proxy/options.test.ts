import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCli, withConfig } from '../../src/cli/main.js';
import { DevreloadError } from '../../src/errors.js';
import { loadConfig } from '../../src/options/config.js';
import { defaultProxyPort, parseProxySpec } from '../../src/options/proxy.js';
import { resolveOptions } from '../../src/options/resolve.js';

describe('parseProxySpec', () => {
  it.each([
    [true, { port: defaultProxyPort }],
    [3001, { port: 3001 }],
    ['3001', { port: 3001 }],
    ['3001:3000', { port: 3001, appPort: 3000 }],
    ['localhost:3001', { host: 'localhost', port: 3001 }],
    ['0.0.0.0:3001', { host: '0.0.0.0', port: 3001 }],
    ['0.0.0.0:3001:3000', { host: '0.0.0.0', port: 3001, appPort: 3000 }],
    ['[::1]:3001', { host: '::1', port: 3001 }],
    ['[::1]:3001:3000', { host: '::1', port: 3001, appPort: 3000 }],
  ])('%j → %j', (value, expected) => {
    expect(parseProxySpec(value)).toEqual(expected);
  });

  it.each([
    ['70000', /^--proxy: port 70000 is out of range \(1-65535\), got "70000" \(expected \[host:\]port\[:appPort\]/],
    ['0', /^--proxy: port 0 is out of range/],
    ['3001:70000', /^--proxy: the app's port 70000 is out of range \(1-65535\), got "3001:70000"/],
    ['http://localhost:3001', /^--proxy: a URL is not a socket address/],
    ['abc', /^--proxy: "abc" is not a port number/],
    ['', /^--proxy: expected true, a port or \[host:\]port\[:appPort\]/],
  ])('rejects %j in one line', (value, why) => {
    expect(() => parseProxySpec(value)).toThrow(DevreloadError);
    expect(() => parseProxySpec(value)).toThrow(why);
    expect(() => parseProxySpec(value)).not.toThrow(/\n/);
  });
});

describe('resolveOptions: proxy and reloadOnly', () => {
  it('reads both (API names)', () => {
    const options = resolveOptions({ command: 'node', proxy: '3001:3000', reloadOnly: 'views/**' });
    expect(options.proxy).toEqual({ port: 3001, appPort: 3000 });
    expect(options.reloadOnly).toEqual(['views/**']);
    expect(resolveOptions({ command: 'node' }).proxy).toBeUndefined();
    expect(resolveOptions({ command: 'node', proxy: false }).proxy).toBeUndefined();
  });

  it.each([
    [{ proxy: '3000:3000' }, /^--proxy: port 3000 is the app's own port \(--proxy 3000:3000\); the proxy needs a port of its own, e\.g\. --proxy 3001:3000$/],
    [{ proxy: 3000, socket: 3000 }, /^--proxy: port 3000 is the app's own port \(--socket 3000\)/],
    [{ proxy: 3000, ready: 3000 }, /^--proxy: port 3000 is the app's own port \(--ready 3000\)/],
    [{ reloadOnly: ['views/**'] }, /^--reload-only: reloads the pages the dev proxy served, so it needs --proxy too \(got "views\/\*\*" without it\)$/],
    [{ proxy: true, reloadOnly: [' '] }, /^--reload-only: an empty glob was given/],
  ])('%j → one clear line', (input, why) => {
    expect(() => resolveOptions({ command: 'node', ...input }, 'cli')).toThrow(why);
  });

  it('names the options by their API names for the API', () => {
    expect(() => resolveOptions({ command: 'node', reloadOnly: 'x/**' })).toThrow(/^reloadOnly: .* needs proxy too/);
    expect(() => resolveOptions({ command: 'node', proxy: '70000' })).toThrow(/^proxy: port 70000 is out of range/);
  });
});

describe('the command line and the config file', () => {
  it('reads --proxy alone, with a port, with both ports and with a host', () => {
    const proxy = (...args: string[]) => {
      const parsed = parseCli([...args, '--', 'node', 'server.js']);
      return parsed.kind === 'run' ? parsed.options.proxy : undefined;
    };
    expect(proxy('--proxy')).toBe(true);
    expect(proxy('--proxy', '3001')).toBe('3001');
    expect(proxy('--proxy', '3001:3000')).toBe('3001:3000');
    expect(proxy('--proxy', 'localhost:3001')).toBe('localhost:3001');
    expect(proxy('--proxy=[::1]:3001')).toBe('[::1]:3001');
    // Without `--`, a command right after --proxy is the command.
    const plain = parseCli(['--proxy', 'node', 'server.js']);
    expect(plain.kind === 'run' && [plain.options.proxy, plain.options.command]).toEqual([true, 'node']);
  });

  it('reads --reload-only, repeated', () => {
    const parsed = parseCli(['--proxy', '--reload-only', 'views/**', '--reload-only', 'public/**', '--', 'node', 'server.js']);
    expect(parsed.kind === 'run' && parsed.options.reloadOnly).toEqual(['views/**', 'public/**']);
  });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'devreload-proxy-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads proxy and reloadOnly from a config file, with the CLI\'s validation', () => {
    writeFileSync(path.join(dir, 'devreload.config.json'), JSON.stringify({ proxy: '3001:3000', reloadOnly: ['views/**'] }));
    expect(loadConfig(dir, undefined)).toMatchObject({ proxy: '3001:3000', reloadOnly: ['views/**'] });
    const options = resolveOptions(withConfig({ command: 'node', cwd: dir }, undefined));
    expect([options.proxy, options.reloadOnly]).toEqual([{ port: 3001, appPort: 3000 }, ['views/**']]);
    writeFileSync(path.join(dir, 'devreload.config.json'), JSON.stringify({ proxy: '3001:99999' }));
    expect(() => loadConfig(dir, undefined)).toThrow(/^devreload\.config\.json: "proxy": the app's port 99999 is out of range/);
    writeFileSync(path.join(dir, 'devreload.config.json'), JSON.stringify({ proxy: ['3001'] }));
    expect(() => loadConfig(dir, undefined)).toThrow(/^devreload\.config\.json: "proxy" must be true, false, a port, or "\[host:\]port\[:appPort\]"/);
    writeFileSync(path.join(dir, 'devreload.config.json'), JSON.stringify({ proxy: true }));
    expect(resolveOptions(withConfig({ command: 'node', cwd: dir }, undefined)).proxy).toEqual({ port: defaultProxyPort });
  });
});
