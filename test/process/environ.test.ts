import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { environHasEntry, procEnvironHas, psWordsHaveEntry } from '../../src/process/environ.js';
import { newInstanceTag, runSecret, tagEntry, TAG_NAME } from '../../src/process/instance-tag.js';
import { parsePsOutput, psEnvironFlag } from '../../src/process/table.js';

const block = (...entries: string[]) => Buffer.from(entries.map((entry) => `${entry}\0`).join(''), 'utf8');
const ENTRY = 'DEVRELOAD_INSTANCE=0123abcd.1';

describe('environHasEntry: one whole NUL-separated entry, never part of one', () => {
  it('finds the entry first, in the middle, last, and last without its NUL (a block cut short)', () => {
    expect(environHasEntry(block(ENTRY, 'PATH=/bin'), ENTRY)).toBe(true);
    expect(environHasEntry(block('HOME=/h', ENTRY, 'PATH=/bin'), ENTRY)).toBe(true);
    expect(environHasEntry(block('HOME=/h', ENTRY), ENTRY)).toBe(true);
    expect(environHasEntry(Buffer.from(`HOME=/h\0${ENTRY}`), ENTRY)).toBe(true);
  });

  it('rejects a longer value, a shorter value, a longer name, and the entry inside another value', () => {
    expect(environHasEntry(block(`${ENTRY}0`), ENTRY)).toBe(false);
    expect(environHasEntry(block(ENTRY.slice(0, -1)), ENTRY)).toBe(false);
    expect(environHasEntry(block(`X_${ENTRY}`), ENTRY)).toBe(false);
    expect(environHasEntry(block(`OTHER=${ENTRY}`), ENTRY)).toBe(false);
    expect(environHasEntry(Buffer.alloc(0), ENTRY)).toBe(false);
  });

  it('finds the entry after a near miss earlier in the block', () => {
    expect(environHasEntry(block(`X_${ENTRY}`, `${ENTRY}0`, ENTRY), ENTRY)).toBe(true);
  });
});

describe('procEnvironHas', () => {
  it.skipIf(process.platform !== 'linux')('reads a live process’s environment, and says false for a process that is gone', async () => {
    const child = spawn('sleep', ['30'], { env: { PATH: process.env.PATH, [TAG_NAME]: '0123abcd.1' }, stdio: 'ignore' });
    await once(child, 'spawn');
    const pid = child.pid ?? 0;
    try {
      expect(procEnvironHas(pid, ENTRY)).toBe(true);
      expect(procEnvironHas(pid, `${ENTRY}0`)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(procEnvironHas(pid, ENTRY)).toBe(false);
  });
});

describe('ps with environments', () => {
  it('matches whole words after the fixed columns only', () => {
    expect(psWordsHaveEntry(['sleep', '30', 'HOME=/h', ENTRY], ENTRY)).toBe(true);
    expect(psWordsHaveEntry(['sleep', `${ENTRY}0`, `X_${ENTRY}`, `OTHER=${ENTRY}`, ENTRY.slice(0, -1)], ENTRY)).toBe(false);
  });

  it('parsePsOutput flags tagged rows (never zombies), and flags nothing without a tag entry', () => {
    const stdout = [
      `  10     1    10 Ss   node server.js HOME=/h ${ENTRY} PATH=/bin`,
      `  11     1    11 S    sleep 1000 ${ENTRY}0`,
      `  12     1    12 Z    [sh] <defunct>`,
      `  13     1    13 S    sh -c echo ${ENTRY}`,
      '  14     1    14 S',
    ].join('\n');
    const rows = parsePsOutput(stdout, ENTRY);
    expect(rows.map((row) => [row.pid, row.tagged])).toEqual([[10, true], [11, false], [12, false], [13, true], [14, false]]);
    expect(parsePsOutput(stdout).every((row) => row.tagged === undefined)).toBe(true);
  });

  it('asks each platform’s ps for environments its own way', () => {
    expect(psEnvironFlag('linux')).toBe('e');
    expect(psEnvironFlag('darwin')).toBe('-E');
    expect(psEnvironFlag('freebsd')).toBe('-e');
    expect(psEnvironFlag('win32')).toBeUndefined();
  });
});

describe('instance tags', () => {
  it('are this run’s 128-bit secret and a number no other instance of the run has', () => {
    const [first, second] = [newInstanceTag(), newInstanceTag()];
    expect(first).toMatch(/^[0-9a-f]{32}\.\d+$/);
    expect(second).not.toBe(first);
    expect(first.split('.')[0]).toBe(runSecret());
    expect(second.split('.')[0]).toBe(runSecret());
    expect(tagEntry(first)).toBe(`DEVRELOAD_INSTANCE=${first}`);
  });
});
