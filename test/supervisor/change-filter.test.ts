import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log/logger.js';
import { openForWriting, type OpenFile } from '../../src/process/open-for-writing.js';
import { ChangeFilter } from '../../src/supervisor/change-filter.js';
import { mtimeSlackMs, renameHoldMs } from '../../src/tuning.js';
import { fileKey, lookAt } from '../../src/watch/file-look.js';
import type { ChangeKind } from '../../src/watch/watcher.js';
import { FakeClock } from './fakes.js';

let dir: string;
const children: number[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-filter-'));
});

afterEach(async () => {
  for (const pid of children.splice(0)) {
    // kill(-0) would be kill(0): our own process group.
    if (pid <= 1) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(dir, { recursive: true, force: true });
});

const SQLITE = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4080)]);

/** A filter fed by hand, with real files in `dir`: what passes and what --verbose says. */
function setup(options: { outputs?: string[]; openForWriting?: () => readonly OpenFile[]; startedAt?: () => number | null; buildEndedAt?: () => number | null } = {}) {
  const clock = new FakeClock();
  // Timers on the fake clock, wall-clock time near the real one: it is compared with real mtimes.
  const base = Date.now() - clock.current;
  clock.wall = () => base + clock.current;
  const passed: string[] = [];
  const verbose: string[] = [];
  const logger: Logger = { event: () => {}, info: () => {}, warn: () => {}, error: () => {}, verbose: (line) => verbose.push(line) };
  const filter = new ChangeFilter({
    pass: (file) => passed.push(path.relative(dir, file)),
    logger,
    cwd: dir,
    clock,
    outputs: new Set((options.outputs ?? []).map((file) => fileKey(statSync(path.join(dir, file), { bigint: true })))),
    instanceStartedAt: options.startedAt ?? (() => null),
    buildEndedAt: options.buildEndedAt ?? (() => null),
    look: lookAt,
    openForWriting: options.openForWriting ?? (() => []),
  });
  const observe = (kind: ChangeKind, rel: string) => filter.observe({ kind, path: path.join(dir, rel) });
  return { clock, passed, verbose, filter, observe };
}

/** A process in its own session holding `file` open for writing, as a SQLite connection does. */
async function holder(file: string): Promise<number> {
  const ready = `${file}.ready`;
  const child = spawn(process.execPath, ['-e', `const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(file)}, 'r+'); fs.writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => fd, 1 << 30);`], { stdio: 'ignore', detached: true });
  children.push(child.pid ?? 0);
  const deadline = Date.now() + 10_000;
  while (!existsSync(ready)) {
    if (Date.now() > deadline) throw new Error(`${file} was not opened`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  unlinkSync(ready);
  return child.pid ?? 0;
}

describe('ChangeFilter', () => {
  it("drops devreload's own output under any name, and names it once only (each line about it is a write to it)", () => {
    writeFileSync(path.join(dir, 'dev.log'), '');
    writeFileSync(path.join(dir, 'app.js'), '//\n');
    const { passed, verbose, observe } = setup({ outputs: ['dev.log'] });
    for (let line = 0; line < 3; line += 1) observe('change', 'dev.log');
    observe('change', './dev.log');
    observe('unlink', 'dev.log');
    observe('change', 'app.js');
    expect(passed).toEqual(['app.js']);
    expect(verbose).toEqual([`ignored dev.log (own output: devreload's stdout or stderr)`]);
  });

  it('drops what the instance holds open for writing, and its later changes while that instance runs', async () => {
    let open: readonly OpenFile[] = [];
    let startedAt = Date.now() - 5_000;
    const { passed, verbose, observe } = setup({ openForWriting: () => open, startedAt: () => startedAt });
    const upload = path.join(dir, 'upload.part');
    writeFileSync(upload, 'part 1');
    const pid = await holder(upload);
    open = openForWriting(pid, 'proc');
    observe('change', 'upload.part');
    // Closed since (the app finished it): still the app's file.
    open = [];
    observe('change', 'upload.part');
    observe('unlink', 'upload.part');
    expect(passed).toEqual([]);
    expect(verbose).toEqual([`ignored upload.part (data file: open for writing by the app (pid ${pid}))`]);
    // The next instance does not hold it: a change to it is a change again.
    startedAt += 1_000;
    writeFileSync(upload, 'edited');
    observe('change', 'upload.part');
    expect(passed).toEqual(['upload.part']);
  });

  it('drops a SQLite database whoever wrote it, and remembers it', async () => {
    const { passed, verbose, observe } = setup();
    writeFileSync(path.join(dir, 'db.sqlite3'), SQLITE);
    observe('change', 'db.sqlite3');
    // Emptied (a test resetting it): still the database.
    writeFileSync(path.join(dir, 'db.sqlite3'), '');
    observe('change', 'db.sqlite3');
    writeFileSync(path.join(dir, 'app.js'), '//\n');
    observe('change', 'app.js');
    expect(passed).toEqual(['app.js']);
    expect(verbose).toEqual(['ignored db.sqlite3 (data file: SQLite database)']);
  });

  it('folds a temp file renamed over a watched file (sed -i) into that file: one change, under its real name', async () => {
    const { clock, passed, verbose, observe } = setup();
    writeFileSync(path.join(dir, 'app.js'), 'a = 1\n');
    // sed -i: the temp is written in the same folder…
    writeFileSync(path.join(dir, 'sedX1b2c3'), 'a = 2\n');
    observe('add', 'sedX1b2c3');
    // …and renamed over the original.
    renameSync(path.join(dir, 'sedX1b2c3'), path.join(dir, 'app.js'));
    observe('change', 'app.js');
    observe('unlink', 'sedX1b2c3');
    await clock.advance(renameHoldMs * 2);
    expect(passed).toEqual(['app.js']);
    expect(verbose).toEqual(['ignored sedX1b2c3 (temporary file renamed over app.js)']);
  });

  it('drops a temp file already renamed away when it is looked at, and its unlink, whatever order they come in', async () => {
    const { clock, passed, observe } = setup();
    writeFileSync(path.join(dir, 'app.js'), 'a = 1\n');
    writeFileSync(path.join(dir, 'sedA'), 'a = 2\n');
    renameSync(path.join(dir, 'sedA'), path.join(dir, 'app.js'));
    observe('add', 'sedA');
    observe('change', 'app.js');
    observe('unlink', 'sedA');
    // The temp still there when looked at, gone when its unlink comes.
    writeFileSync(path.join(dir, 'sedB'), 'a = 3\n');
    observe('add', 'sedB');
    renameSync(path.join(dir, 'sedB'), path.join(dir, 'app.js'));
    observe('unlink', 'sedB');
    observe('change', 'app.js');
    await clock.advance(renameHoldMs * 2);
    expect(passed).toEqual(['app.js', 'app.js']);
  });

  it('lets a new file through once it was not renamed away within the hold, and its later removal too', async () => {
    const { clock, passed, observe } = setup();
    writeFileSync(path.join(dir, 'new.js'), '//\n');
    observe('add', 'new.js');
    expect(passed).toEqual([]);
    // Written just now by the clock the file system keeps: held once or twice more, then let through.
    await clock.advance((renameHoldMs + mtimeSlackMs) * 3);
    expect(passed).toEqual(['new.js']);
    unlinkSync(path.join(dir, 'new.js'));
    observe('unlink', 'new.js');
    expect(passed).toEqual(['new.js', 'new.js']);
  });

  it('lets a new name for an older file through at once (`mv a.js b.js`): no temp file is made that way', () => {
    const { passed, observe } = setup();
    writeFileSync(path.join(dir, 'a.js'), '//\n');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(path.join(dir, 'a.js'), hourAgo, hourAgo);
    renameSync(path.join(dir, 'a.js'), path.join(dir, 'b.js'));
    observe('unlink', 'a.js');
    observe('add', 'b.js');
    expect(passed).toEqual(['a.js', 'b.js']);
  });

  it('holds a new file for as long as it is being written: a long temp file is still folded into the file it replaces', async () => {
    const { clock, passed, observe } = setup();
    writeFileSync(path.join(dir, 'app.js'), 'a = 1\n');
    writeFileSync(path.join(dir, 'sedLong'), 'a = 2\n');
    observe('add', 'sedLong');
    for (let write = 0; write < 5; write += 1) {
      // Another write within each hold: the file grows.
      appendFileSync(path.join(dir, 'sedLong'), '// more\n');
      await clock.advance(renameHoldMs);
      expect(passed).toEqual([]);
    }
    renameSync(path.join(dir, 'sedLong'), path.join(dir, 'app.js'));
    observe('change', 'app.js');
    await clock.advance((renameHoldMs + mtimeSlackMs) * 3);
    expect(passed).toEqual(['app.js']);
  });

  it('passes source changes, deletions and folders at once', async () => {
    const { passed, observe } = setup();
    writeFileSync(path.join(dir, 'app.js'), '//\n');
    observe('change', 'app.js');
    observe('unlink', 'old.js');
    observe('addDir', 'lib');
    observe('unlinkDir', 'dist');
    expect(passed).toEqual(['app.js', 'old.js', 'lib', 'dist']);
  });

  it('drops a file the app rewrites the same way right after every start (the restart loop)', async () => {
    let startedAt = Date.now() - 100;
    const { passed, verbose, observe } = setup({ startedAt: () => startedAt });
    const file = path.join(dir, 'routes.gen.js');
    writeFileSync(file, 'export default ["/a"];\n');
    observe('change', 'routes.gen.js');
    // The next start, and its app's write 30 ms into it (two writes within one tick of the
    // kernel's coarse clock share an mtime, and an mtime seen again is the same write).
    startedAt = statSync(file).mtimeMs + 20;
    writeFileSync(file, 'export default ["/a"];\n');
    utimesSync(file, new Date(startedAt + 30), new Date(startedAt + 30));
    observe('change', 'routes.gen.js');
    expect(passed).toEqual(['routes.gen.js']);
    expect(verbose).toEqual(['ignored routes.gen.js (restart loop: the app writes it right after it starts)']);
  });

  it("leaves a --build step's writes to the build-loop check, though they land just before the instance starts", () => {
    // The build's last write, the build's end, the instance's start: a few ms apart, within the
    // slack the restart-loop check allows coarse mtimes. The same bytes after every start.
    let buildEndedAt: number | null = null;
    let startedAt: number | null = null;
    const { passed, verbose, observe } = setup({ startedAt: () => startedAt, buildEndedAt: () => buildEndedAt });
    for (let build = 0; build < 3; build += 1) {
      writeFileSync(path.join(dir, 'generated.txt'), 'same\n');
      buildEndedAt = statSync(path.join(dir, 'generated.txt')).mtimeMs + 1;
      startedAt = buildEndedAt + 2;
      observe('change', 'generated.txt');
    }
    expect(passed).toEqual(['generated.txt', 'generated.txt', 'generated.txt']);
    expect(verbose).toEqual([]);
  });

  it('stops at close(): what is held is dropped', async () => {
    const { clock, passed, filter, observe } = setup();
    writeFileSync(path.join(dir, 'new.js'), '//\n');
    observe('add', 'new.js');
    filter.close();
    filter.close();
    await clock.advance(renameHoldMs * 2);
    observe('change', 'new.js');
    expect(passed).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
