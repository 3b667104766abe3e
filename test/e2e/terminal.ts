import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { parseProcStat } from '../../src/process/proc-stat.js';
import { devreloadBin, waitUntil } from './harness.js';

/** Every terminal the running test file opened, killed after each test whatever happened. */
const open: Terminal[] = [];

export function closeTerminalsAfterEach(): void {
  afterEach(() => {
    for (const terminal of open.splice(0)) terminal.close();
  });
}

/**
 * An interactive bash with job control in a real pseudo-terminal (a tmux server of its own):
 * keys typed there reach devreload as a user's would (Ctrl-C, Ctrl-Z, Ctrl-D as the terminal's
 * line discipline turns them into signals and end-of-input), and `fg`, `bg`, `&` are bash's own.
 */
export class Terminal {
  readonly #socket = path.join(os.tmpdir(), `devreload-tmux-${randomBytes(6).toString('hex')}`);
  #closed = false;

  constructor(cwd: string, env: NodeJS.ProcessEnv = {}) {
    open.push(this);
    this.#tmux(['new-session', '-d', '-s', 'main', '-x', '220', '-y', '60', '-c', cwd, 'bash --norc --noprofile -i'], {
      ...process.env,
      NO_COLOR: '1',
      FORCE_COLOR: undefined,
      PS1: '$ ',
      // The tmux server this test starts must not be mistaken for the one the test runs in.
      TMUX: undefined,
      ...env,
    });
  }

  /** The command line that runs this worktree's devreload. */
  static devreload(args: readonly string[]): string {
    return [process.execPath, devreloadBin, ...args].map(quote).join(' ');
  }

  /** Types `text` literally, then Enter. */
  line(text: string): void {
    this.#tmux(['send-keys', '-t', 'main', '-l', text]);
    this.#tmux(['send-keys', '-t', 'main', 'Enter']);
  }

  /** Presses keys as tmux names them: `C-c`, `C-z`, `C-d`. */
  press(key: string): void {
    this.#tmux(['send-keys', '-t', 'main', key]);
  }

  /** Everything on the screen and in the scrollback, wrapped lines joined. */
  get screen(): string {
    if (this.#closed) return '';
    return this.#tmux(['capture-pane', '-p', '-J', '-S', '-', '-t', 'main']);
  }

  count(pattern: RegExp): number {
    return this.screen.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))?.length ?? 0;
  }

  async waitFor(pattern: RegExp, times = 1, timeout = 15_000): Promise<void> {
    await waitUntil(() => this.count(pattern) >= times, { timeout, describe: () => `${pattern} ×${times} on the terminal (seen ${this.count(pattern)}):\n${this.screen}` });
  }

  close(): void {
    if (this.#closed) return;
    try {
      // SIGHUP to the shell and its jobs, as closing a terminal window does.
      this.#tmux(['kill-server']);
    } catch {
      // already gone
    }
    rmSync(this.#socket, { force: true });
    this.#closed = true;
  }

  #tmux(args: readonly string[], env?: NodeJS.ProcessEnv): string {
    return execFileSync('tmux', ['-S', this.#socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env: env ?? { ...process.env, TMUX: undefined } });
  }
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The process's state letter (T: stopped by a signal), or undefined once it is gone. */
export function processState(pid: number): string | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))?.state;
  } catch {
    return undefined;
  }
}

export function parentOf(pid: number): number | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))?.ppid;
  } catch {
    return undefined;
  }
}

export async function waitForState(pids: readonly number[], stopped: boolean, describe: () => string): Promise<void> {
  const matches = (pid: number) => (processState(pid) === 'T') === stopped;
  await waitUntil(() => pids.every(matches), {
    describe: () => `pids ${pids.join(', ')} to be ${stopped ? 'stopped (T)' : 'running'}: states ${pids.map((pid) => processState(pid) ?? 'gone').join(', ')}\n${describe()}`,
  });
}
