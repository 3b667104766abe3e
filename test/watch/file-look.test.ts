import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileKey, lookAt } from '../../src/watch/file-look.js';
import { WatchFixture } from './watch-harness.js';

const fixture = new WatchFixture();
afterEach(() => fixture.dispose());

const SQLITE = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4080)]);

describe('lookAt', () => {
  it('gives a file the same identity under every name, and a new one once another file is renamed over it', async () => {
    const dir = await fixture.tempDir();
    const file = path.join(dir, 'app.js');
    writeFileSync(file, 'a\n');
    linkSync(file, path.join(dir, 'hard.js'));
    symlinkSync(file, path.join(dir, 'soft.js'));
    const key = lookAt(file)?.key;
    expect(key).toBe(fileKey(statSync(file, { bigint: true })));
    expect(lookAt(path.join(dir, 'hard.js'))?.key).toBe(key);
    expect(lookAt(path.join(dir, 'soft.js'))?.key).toBe(key);
    expect(lookAt(`${dir}/./app.js`)?.key).toBe(key);
    writeFileSync(path.join(dir, 'tmp'), 'b\n');
    const temp = lookAt(path.join(dir, 'tmp'))?.key;
    renameSync(path.join(dir, 'tmp'), file);
    expect(lookAt(file)?.key).toBe(temp);
    expect(temp).not.toBe(key);
  });

  it('knows a SQLite database by its header, whatever its name', async () => {
    const dir = await fixture.tempDir();
    writeFileSync(path.join(dir, 'store'), SQLITE);
    writeFileSync(path.join(dir, 'app.sqlite3'), '');
    writeFileSync(path.join(dir, 'notes.txt'), 'SQLite format 3 is a file format\n');
    expect(lookAt(path.join(dir, 'store'))?.sqlite).toBe(true);
    expect(lookAt(path.join(dir, 'app.sqlite3'))?.sqlite).toBe(false);
    expect(lookAt(path.join(dir, 'notes.txt'))?.sqlite).toBe(false);
  });

  it('reads the content only when asked for, for the mtime it has', async () => {
    const dir = await fixture.tempDir();
    const file = path.join(dir, 'generated.js');
    writeFileSync(file, 'export default 1;\n');
    const mtimeMs = Number(statSync(file, { bigint: true }).mtimeMs);
    const seen: number[] = [];
    const look = lookAt(file, (at) => {
      seen.push(at);
      return true;
    });
    expect(seen).toEqual([mtimeMs]);
    expect(look?.content?.toString()).toBe('export default 1;\n');
    expect(lookAt(file, () => false)?.content).toBeUndefined();
    expect(lookAt(file)?.content).toBeUndefined();
  });

  it('is undefined for a path that is gone, and does not hang on a named pipe or fail on a folder', async () => {
    const dir = await fixture.tempDir();
    expect(lookAt(path.join(dir, 'gone.js'))).toBeUndefined();
    // A FIFO with no writer: a plain open() for reading would block until one came.
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    expect(lookAt(path.join(dir, 'pipe'), () => true)?.isFile).toBe(false);
    mkdirSync(path.join(dir, 'folder'));
    expect(lookAt(path.join(dir, 'folder'), () => true)?.isFile).toBe(false);
  });
});
