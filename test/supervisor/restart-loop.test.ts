import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log/logger.js';
import { RestartLoop } from '../../src/supervisor/restart-loop.js';
import { loopReportDelayMs, loopWarnStreak, loopWindowMs } from '../../src/tuning.js';
import { FakeClock } from './fakes.js';

function setup() {
  const clock = new FakeClock();
  const warnings: string[] = [];
  const logger: Logger = { event: () => {}, info: () => {}, verbose: () => {}, error: () => {}, warn: (line) => warnings.push(line) };
  const loop = new RestartLoop({ logger, cwd: '/p', after: clock.after });
  return { clock, warnings, loop };
}

const GENERATED = Buffer.from('export const routes = ["/a", "/b"];\n');

describe('RestartLoop', () => {
  it('takes a file rewritten with the same bytes right after two starts in a row as the app’s own write, and reports it once', async () => {
    const { clock, warnings, loop } = setup();
    // Start 1 writes it: obeyed (it may be a person's save).
    expect(loop.isLoop('/p/src/generated.js', 1_020, 1_000, GENERATED)).toBe(false);
    // Start 2 writes the same bytes: the loop.
    expect(loop.isLoop('/p/src/generated.js', 2_030, 2_000, Buffer.from(GENERATED))).toBe(true);
    await clock.advance(loopReportDelayMs);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('restart loop: src/generated.js got the same write right after each of the last 2 starts');
    expect(warnings[0]).toContain("--ignore 'src/generated.js'");
  });

  it('names every file of one loop in one report, with an --ignore for each shown', async () => {
    const { clock, warnings, loop } = setup();
    for (const file of ['/p/gen/a.js', '/p/gen/b.js', "/p/gen/it's.js", '/p/gen/d.js']) loop.isLoop(file, 1_010, 1_000, GENERATED);
    for (const file of ['/p/gen/a.js', '/p/gen/b.js', "/p/gen/it's.js", '/p/gen/d.js']) expect(loop.isLoop(file, 2_010, 2_000, GENERATED)).toBe(true);
    await clock.advance(loopReportDelayMs);
    expect(warnings).toEqual([expect.stringContaining("gen/a.js, gen/b.js, gen/it's.js (+1 more) got the same write")]);
    expect(warnings[0]).toContain(`--ignore 'gen/a.js' --ignore 'gen/b.js' --ignore 'gen/it'\\''s.js'`);
  });

  it('keeps dropping the file right after later starts, but not a later edit of it, nor any other file', () => {
    const { loop } = setup();
    loop.isLoop('/p/src/generated.js', 1_020, 1_000, GENERATED);
    expect(loop.isLoop('/p/src/generated.js', 2_020, 2_000, GENERATED)).toBe(true);
    // A source edit long after the start: restarts.
    expect(loop.isLoop('/p/src/app.js', 2_000 + loopWindowMs + 5_000, 2_000, Buffer.from('x'))).toBe(false);
    // The start it causes writes the file again, the same bytes: no restart.
    expect(loop.isLoop('/p/src/generated.js', 9_020, 9_000, Buffer.from(GENERATED))).toBe(true);
    // A person's edit of the file, well after that start: restarts.
    expect(loop.isLoop('/p/src/generated.js', 9_000 + loopWindowMs + 1, 9_000, Buffer.from('edited'))).toBe(false);
    // The app rewriting it in place right after a start: truncated, then written, both dropped.
    expect(loop.isLoop('/p/src/generated.js', 12_010, 12_000, Buffer.alloc(0))).toBe(true);
    expect(loop.isLoop('/p/src/generated.js', 12_011, 12_000, Buffer.from(GENERATED))).toBe(true);
  });

  it('drops only the looping write: new bytes right after a start restart (a save of an unchanged file three times, then an edit), and loop in their turn', () => {
    const { loop } = setup();
    const unchanged = Buffer.from('console.log(1);\n');
    // :w three times on an unchanged file, each right after the start the one before set off.
    expect(loop.isLoop('/p/app.js', 1_500, 1_000, unchanged)).toBe(false);
    expect(loop.isLoop('/p/app.js', 2_000, 1_550, Buffer.from(unchanged))).toBe(true);
    // Then real edits, right after starts: each restarts.
    expect(loop.isLoop('/p/app.js', 2_400, 2_050, Buffer.from('console.log(2);\n'))).toBe(false);
    expect(loop.isLoop('/p/app.js', 2_800, 2_450, Buffer.from('console.log(3);\n'))).toBe(false);
    // A generated file whose new content the app then writes at every start: one restart for it.
    const routes = Buffer.from('export const routes = ["/a", "/b", "/c"];\n');
    expect(loop.isLoop('/p/app.js', 2_900, 2_850, routes)).toBe(false);
    expect(loop.isLoop('/p/app.js', 3_000, 2_950, Buffer.from(routes))).toBe(true);
  });

  it('drops whatever the app was caught writing, right after a start, once it loops', () => {
    const { loop } = setup();
    loop.noteOwnWrite('/p/data/cache.json', 1_020, 1_000);
    expect(loop.isLoop('/p/data/cache.json', 2_020, 2_000, Buffer.from('{"a":1}'))).toBe(true);
    expect(loop.isLoop('/p/data/cache.json', 3_020, 3_000, Buffer.from('{"a":2}'))).toBe(true);
  });

  it('never takes one write reported again after the quick restart it set off for the app writing it again', async () => {
    const { clock, warnings, loop } = setup();
    // A person's save right after start 1 restarts the app; start 2 comes 10 ms after the write,
    // within the mtime slack, and the watcher's late re-check reports the same write again.
    const edit = Buffer.from('// edit 1');
    expect(loop.isLoop('/p/src/app.js', 1_050, 1_000, edit)).toBe(false);
    expect(loop.isLoop('/p/src/app.js', 1_050, 1_060, Buffer.from(edit))).toBe(false);
    // Their next save, right after start 2, restarts as usual.
    expect(loop.isLoop('/p/src/app.js', 1_300, 1_060, Buffer.from('// edit 2'))).toBe(false);
    await clock.advance(loopReportDelayMs);
    expect(warnings).toEqual([]);
  });

  it('never takes edits with new bytes right after each restart as a loop (a script, a soak test), but says so after a while', async () => {
    const { clock, warnings, loop } = setup();
    for (let start = 1; start <= 3 * loopWarnStreak; start += 1) {
      expect(loop.isLoop('/p/src/app.js', start * 1_000 + 5, start * 1_000, Buffer.from(`// edit ${start}`))).toBe(false);
    }
    await clock.advance(loopReportDelayMs);
    expect(warnings).toEqual([
      `src/app.js changed right after each of the last ${loopWarnStreak} starts, with new content each time: if the app writes it, ignore it (--ignore 'src/app.js' or .gitignore)`,
    ]);
  });

  it('takes a write the instance was caught making as the same write, whatever bytes it was caught at', async () => {
    const { clock, warnings, loop } = setup();
    // Start 1: caught with the file open, half-written (dropped as its data: no restart).
    loop.noteOwnWrite('/p/src/generated.js', 1_010, 1_000);
    // Start 2 (after a source edit): not caught this time, whole.
    expect(loop.isLoop('/p/src/generated.js', 2_010, 2_000, GENERATED)).toBe(true);
    await clock.advance(loopReportDelayMs);
    expect(warnings).toEqual([expect.stringContaining('restart loop: src/generated.js got the same write')]);
    // Whole first, caught next (dropped), then written again, even with other bytes (a timestamp).
    expect(loop.isLoop('/p/gen.js', 3_010, 3_000, GENERATED)).toBe(false);
    loop.noteOwnWrite('/p/gen.js', 4_010, 4_000);
    expect(loop.isLoop('/p/gen.js', 5_010, 5_000, Buffer.from('other bytes'))).toBe(true);
  });

  it('never takes what the instance only ever holds open (an upload, a database) as a loop: it restarts nothing', async () => {
    const { clock, warnings, loop } = setup();
    for (let start = 1; start <= 4; start += 1) loop.noteOwnWrite('/p/uploads/part', start * 1_000 + 10, start * 1_000);
    await clock.advance(loopReportDelayMs);
    expect(warnings).toEqual([]);
  });

  it('never takes an empty file as the same write: an in-place save caught between truncating and writing', () => {
    const { loop } = setup();
    for (let start = 1; start <= 4; start += 1) expect(loop.isLoop('/p/src/app.js', start * 1_000 + 5, start * 1_000, Buffer.alloc(0))).toBe(false);
  });

  it('needs the starts in a row: a start without the write in between breaks the run', () => {
    const { loop } = setup();
    loop.isLoop('/p/src/generated.js', 1_020, 1_000, GENERATED);
    // Start 2: something else changed right after it, not the file.
    loop.isLoop('/p/src/app.js', 2_010, 2_000, Buffer.from('a'));
    expect(loop.isLoop('/p/src/generated.js', 3_020, 3_000, GENERATED)).toBe(false);
    expect(loop.isLoop('/p/src/generated.js', 4_020, 4_000, GENERATED)).toBe(true);
  });

  it('only counts writes right after a start: a later one, or one of unknown content, is a change', () => {
    const { loop } = setup();
    expect(loop.isRightAfter(1_000 - 5, 1_000)).toBe(true);
    expect(loop.isRightAfter(1_000 + loopWindowMs + 1, 1_000)).toBe(false);
    expect(loop.isRightAfter(1_000, null)).toBe(false);
    loop.isLoop('/p/src/generated.js', 1_500, 1_000, GENERATED);
    expect(loop.isLoop('/p/src/generated.js', 2_000 + loopWindowMs + 100, 2_000, GENERATED)).toBe(false);
    loop.isLoop('/p/big.js', 3_010, 3_000, undefined);
    expect(loop.isLoop('/p/big.js', 4_010, 4_000, undefined)).toBe(false);
    expect(loop.isLoop('/p/any.js', 5_000, null, GENERATED)).toBe(false);
  });

  it('close() cancels a pending report, and can be called twice', async () => {
    const { clock, warnings, loop } = setup();
    loop.isLoop('/p/g.js', 1_010, 1_000, GENERATED);
    loop.isLoop('/p/g.js', 2_010, 2_000, GENERATED);
    loop.close();
    loop.close();
    await clock.advance(loopReportDelayMs * 2);
    expect(warnings).toEqual([]);
  });
});
