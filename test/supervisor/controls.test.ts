import { createReadStream, openSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readControls, type TerminalAccess } from '../../src/supervisor/controls.js';
import { settle } from './fakes.js';

// The stdin reader's decisions over a fake terminal: when it reads, when it lets go, when it
// reads again. The real terminal is covered through tmux in test/e2e/job-control.test.ts.

/** A readable that says it is a terminal (or not). */
function stream(tty: boolean): PassThrough & { isTTY: boolean } {
  return Object.assign(new PassThrough(), { isTTY: tty });
}

function fakeTerminal(foreground: boolean) {
  const opened: Array<PassThrough & { isTTY: boolean }> = [];
  const state = { foreground, ticks: [] as Array<() => void>, onContinue: [] as Array<() => void> };
  const access: TerminalAccess = {
    reopen: () => {
      const next = stream(true);
      opened.push(next);
      return next;
    },
    inForeground: () => state.foreground,
    continued: (listener) => {
      state.onContinue.push(listener);
      return () => (state.onContinue = state.onContinue.filter((l) => l !== listener));
    },
    every: (_ms, tick) => {
      state.ticks.push(tick);
      return () => (state.ticks = state.ticks.filter((t) => t !== tick));
    },
  };
  const tick = () => [...state.ticks].forEach((t) => t());
  const cont = () => [...state.onContinue].forEach((l) => l());
  return { access, opened, state, tick, cont };
}

function handlers() {
  const seen: string[] = [];
  return { seen, restart: () => seen.push('restart'), forward: (line: string) => seen.push(line) };
}

describe('the controls on a terminal', () => {
  it('started in the background: reads nothing until a look finds it in the foreground (`fg` sends no SIGCONT to a running job)', async () => {
    const stdin = stream(true);
    const t = fakeTerminal(false);
    const h = handlers();
    const controls = readControls(stdin as unknown as NodeJS.ReadStream, h, t.access);
    stdin.write('rs\n');
    await settle();
    expect(h.seen).toEqual([]);
    expect(t.state.ticks).toHaveLength(1);
    t.state.foreground = true;
    t.tick();
    await settle();
    // The line typed before `fg` waited in the terminal and is read now.
    expect(h.seen).toEqual(['restart']);
    // Reading: no more periodic looks.
    expect(t.state.ticks).toHaveLength(0);
    controls.close();
  });

  it('Ctrl-D ends one read: the next look opens a fresh reader of the terminal', async () => {
    const stdin = stream(true);
    const t = fakeTerminal(true);
    const h = handlers();
    const controls = readControls(stdin as unknown as NodeJS.ReadStream, h, t.access);
    stdin.end('one\n');
    await settle();
    expect(h.seen).toEqual(['one\n']);
    expect(t.opened).toHaveLength(0);
    t.tick();
    expect(t.opened).toHaveLength(1);
    t.opened[0]?.write('rs\n');
    t.opened[0]?.write('two\n');
    await settle();
    expect(h.seen).toEqual(['one\n', 'restart', 'two\n']);
    controls.close();
    expect(t.state.ticks).toHaveLength(0);
    expect(t.state.onContinue).toHaveLength(0);
  });

  it('sent to the background (a SIGCONT after `bg`): lets go of the terminal, and reads again once in the foreground', async () => {
    const stdin = stream(true);
    const t = fakeTerminal(true);
    const h = handlers();
    const controls = readControls(stdin as unknown as NodeJS.ReadStream, h, t.access);
    t.state.foreground = false;
    t.cont();
    expect(stdin.destroyed).toBe(true);
    t.state.foreground = true;
    t.cont();
    expect(t.opened).toHaveLength(1);
    t.opened[0]?.write('back\n');
    await settle();
    expect(h.seen).toEqual(['back\n']);
    controls.close();
  });

  it('a terminal that cannot be opened again is looked at again later, and never throws', async () => {
    const stdin = stream(true);
    const t = fakeTerminal(true);
    let fail = true;
    const reopen = t.access.reopen;
    t.access.reopen = () => {
      if (fail) throw new Error('EBADF');
      return reopen();
    };
    const h = handlers();
    const controls = readControls(stdin as unknown as NodeJS.ReadStream, h, t.access);
    stdin.end();
    await settle();
    expect(() => t.tick()).not.toThrow();
    expect(t.state.ticks).toHaveLength(1);
    fail = false;
    t.tick();
    t.opened[0]?.write('rs\n');
    await settle();
    expect(h.seen).toEqual(['restart']);
    controls.close();
  });
});

describe('the controls on a pipe', () => {
  it('end of input is the end: nothing is reopened, ever', async () => {
    const stdin = stream(false);
    const t = fakeTerminal(true);
    const h = handlers();
    const controls = readControls(stdin as unknown as NodeJS.ReadStream, h, t.access);
    stdin.end('rs\n');
    await settle();
    expect(h.seen).toEqual(['restart']);
    t.tick();
    t.cont();
    expect(t.opened).toHaveLength(0);
    expect(t.state.ticks).toHaveLength(0);
    controls.close();
  });

  it('a stdin that cannot be read (`nohup` in a terminal opens /dev/null write-only: EBADF) ends the controls, not devreload', async () => {
    const fd = openSync('/dev/null', 'w');
    const stdin = createReadStream('', { fd }) as unknown as NodeJS.ReadStream;
    const h = handlers();
    const uncaught: unknown[] = [];
    const listener = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', listener);
    try {
      // Registered first: it runs before readline's listener, which re-emits the error.
      const failed = new Promise((resolve) => stdin.once('error', resolve));
      const controls = readControls(stdin, h, fakeTerminal(true).access);
      await failed;
      await settle();
      expect(uncaught).toEqual([]);
      controls.close();
    } finally {
      process.off('uncaughtException', listener);
    }
  });
});
