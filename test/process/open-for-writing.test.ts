import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openForWriting } from '../../src/process/open-for-writing.js';
import { killAll, waitFor } from './helpers.js';

// A process that opens the files named on its command line with the given flags
// (`w:out.txt r+:db.bin`), then starts a copy of itself for what follows `--child` (in its
// group) and one for what follows `--escaped` (detached: its own session), writes
// `ready-<name>` with its pid, and sleeps.
const HOLDER = `
  const fs = require('node:fs');
  const { spawn } = require('node:child_process');
  const [name, ...rest] = process.argv.slice(2);
  const cut = (flag) => { const at = rest.indexOf(flag); return at < 0 ? [] : rest.splice(at); };
  const escaped = cut('--escaped').slice(1);
  const child = cut('--child').slice(1);
  const held = rest.map((spec) => { const [flags, file] = spec.split(':'); return fs.openSync(file, flags); });
  if (child.length > 0) spawn(process.execPath, [__filename, name + '-child', ...child], { stdio: 'ignore' });
  if (escaped.length > 0) spawn(process.execPath, [__filename, name + '-escaped', ...escaped], { stdio: 'ignore', detached: true });
  fs.writeFileSync('ready-' + name, String(process.pid));
  setInterval(() => held.length, 1 << 30);
`;

let dir: string;
const pids: number[] = [];

afterEach(async () => {
  killAll(pids.splice(0));
  await rm(dir, { recursive: true, force: true });
});

/** Starts the holder as an instance leader is started: its own session and group. */
async function holder(name: string, specs: readonly string[]): Promise<number> {
  const script = path.join(dir, 'holder.cjs');
  writeFileSync(script, HOLDER);
  const child = spawn(process.execPath, [script, name, ...specs], { cwd: dir, stdio: 'ignore', detached: true });
  const names = [name, ...(specs.includes('--child') ? [`${name}-child`] : []), ...(specs.includes('--escaped') ? [`${name}-escaped`] : [])];
  for (const which of names) {
    const marker = path.join(dir, `ready-${which}`);
    // Read once written: the marker exists, empty, between its creation and its write, and an
    // empty one read as pid 0 made afterEach kill(0): our own process group (the whole CI run).
    const pid = await waitFor(dir, `${which} to open its files`, async () => {
      const text = existsSync(marker) ? readFileSync(marker, 'utf8') : '';
      return /^\d+$/.test(text) ? Number(text) : undefined;
    });
    pids.push(pid);
  }
  return child.pid ?? 0;
}

const id = (file: string) => {
  const stats = statSync(path.join(dir, file), { bigint: true });
  return `${stats.dev}:${stats.ino}`;
};

describe('openForWriting', () => {
  it('lists what the instance holds open for writing, in its leader, its group and a descendant that left it, and nothing else', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-open-'));
    for (const file of ['w.txt', 'rw.bin', 'a.log', 'r.txt', 'child.txt', 'escaped.txt', 'other.txt']) writeFileSync(path.join(dir, file), '');
    const leader = await holder('app', ['w:w.txt', 'r+:rw.bin', 'a:a.log', 'r:r.txt', '--child', 'w:child.txt', '--escaped', 'a:escaped.txt']);
    // Another process (not of the instance) writing a file the instance does not hold.
    const other = await holder('other', ['w:other.txt']);

    const found = openForWriting(leader, 'proc');
    const keys = new Set(found.map((file) => `${file.dev}:${file.ino}`));
    for (const file of ['w.txt', 'rw.bin', 'a.log', 'child.txt', 'escaped.txt']) expect(keys.has(id(file)), file).toBe(true);
    for (const file of ['r.txt', 'other.txt']) expect(keys.has(id(file)), file).toBe(false);
    // Each file once, with a pid of the instance holding it.
    expect(found.filter((file) => `${file.dev}:${file.ino}` === id('w.txt')).map((file) => file.pid)).toEqual([leader]);
    expect(found.every((file) => file.pid !== other)).toBe(true);
  });

  it('says nothing where there is no /proc to read (the ps table source)', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-open-'));
    writeFileSync(path.join(dir, 'w.txt'), '');
    const leader = await holder('app', ['w:w.txt']);
    expect(openForWriting(leader, 'proc').length).toBeGreaterThan(0);
    expect(openForWriting(leader, 'ps')).toEqual([]);
  });

  it('finds nothing for an instance that is gone', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-open-'));
    expect(openForWriting(2 ** 22 + 12345, 'proc')).toEqual([]);
  });
});
