import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ListeningSocket } from '../../src/socket/listen.js';
import { instanceFds, socketEnv } from '../../src/socket/env.js';
import { Resources, within } from './helpers.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const resources = new Resources();
afterEach(() => resources.cleanUp());

const socket = (fd: number, port: number, inode: number, address = '127.0.0.1'): ListeningSocket => ({
  spec: { host: address, port },
  address,
  port,
  fd,
  inode,
  option: '--socket',
  noticeDir: '/tmp/devreload-notices',
});

describe('socketEnv', () => {
  const sockets = [socket(21, 3000, 111), socket(24, 3001, 222, '::')];

  it('announces the sockets the systemd way, without LISTEN_PID', () => {
    const env = socketEnv(sockets, { PATH: '/bin', LISTEN_PID: '1', LISTEN_FDS: '7' }, { preload: '/x/preload.cjs' });
    expect(env).toMatchObject({ PATH: '/bin', LISTEN_FDS: '2', LISTEN_FDNAMES: '3000:3001' });
    // Inherited from a socket-activated devreload it would name devreload, not the app.
    expect(env).not.toHaveProperty('LISTEN_PID');
  });

  it('tells the preload which fd in the app is which port and inode', () => {
    const env = socketEnv(sockets, {}, { preload: '/x/preload.cjs' });
    // The name and the format preload.cts reads.
    expect(JSON.parse(env.DEVRELOAD_SOCKETS ?? '')).toEqual([
      { fd: 3, port: 3000, inode: 111, address: '127.0.0.1', option: '--socket', spec: '127.0.0.1:3000', notices: '/tmp/devreload-notices' },
      { fd: 4, port: 3001, inode: 222, address: '::', option: '--socket', spec: '[::]:3001', notices: '/tmp/devreload-notices' },
    ]);
    expect(instanceFds(sockets)).toEqual([21, 24]);
  });

  it('appends the preload to NODE_OPTIONS after what is there (a debugger bootloader)', () => {
    const env = socketEnv(sockets, { NODE_OPTIONS: '--require /vscode/bootloader.js' }, { preload: '/x/preload.cjs' });
    expect(env.NODE_OPTIONS).toBe('--require /vscode/bootloader.js --require "/x/preload.cjs"');
    expect(socketEnv(sockets, {}, { preload: '/x/preload.cjs' }).NODE_OPTIONS).toBe('--require "/x/preload.cjs"');
  });

  it('leaves NODE_OPTIONS alone with preload: false, and everything alone without sockets', () => {
    const base = { NODE_OPTIONS: '--inspect', LISTEN_PID: '1' };
    expect(socketEnv(sockets, base, { preload: false }).NODE_OPTIONS).toBe('--inspect');
    expect(socketEnv([], base)).toBe(base);
  });

  it('does not change the env it was given', () => {
    const base = { NODE_OPTIONS: '--inspect', LISTEN_PID: '1' };
    socketEnv(sockets, base, { preload: '/x/preload.cjs' });
    expect(base).toEqual({ NODE_OPTIONS: '--inspect', LISTEN_PID: '1' });
  });
});

describe('the preload in NODE_OPTIONS: node reads back exactly the path it was given', () => {
  const markers = (env: NodeJS.ProcessEnv) =>
    new Promise<string>((done, fail) =>
      execFile(process.execPath, ['-e', 'process.stdout.write(String(globalThis.loaded))'], { env }, (error, stdout) => (error === null ? done(stdout) : fail(error))));

  it.each([
    ['plain', 'preload.cjs'],
    ['spaces', 'with space/and  two.cjs'],
    ['quotes and backslashes', 'it\'s "quoted" \\ slashed.cjs'],
  ])('%s', async (_, name) => {
    const dir = await resources.tempDir();
    const bootloader = join(dir, 'bootloader dir', 'boot.cjs');
    const preload = join(dir, name);
    await mkdir(join(dir, 'bootloader dir'), { recursive: true });
    await mkdir(join(preload, '..'), { recursive: true });
    await writeFile(bootloader, 'globalThis.loaded = [...(globalThis.loaded ?? []), "boot"];');
    await writeFile(preload, 'globalThis.loaded = [...(globalThis.loaded ?? []), "preload"];');
    // As a debugger sets it: a quoted path with a space, which must survive untouched.
    const env = socketEnv([socket(21, 3000, 111)], { PATH: process.env.PATH, NODE_OPTIONS: `--require "${bootloader}"` }, { preload });
    expect(await within(markers(env), 'node to run')).toBe('boot,preload');
  });
});

describe('the default preload', () => {
  it('is the compiled one in dist/, also when devreload runs from src/ (as these tests do)', () => {
    const env = socketEnv([socket(21, 3000, 111)], {});
    expect(env.NODE_OPTIONS).toBe(`--require "${path.join(repoRoot, 'dist/socket/preload.cjs')}"`);
    expect(existsSync(path.join(repoRoot, 'dist/socket/preload.cjs'))).toBe(true);
  });
});
