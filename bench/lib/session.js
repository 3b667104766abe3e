// One launched process (a supervisor, or the app spawned directly for a cold start) and what
// it printed. The fixture's `BENCH boot|listening pid=… t=…` lines become events stamped by the
// app itself (process.hrtime.bigint(), comparable with ours); every other line is kept with
// the time it arrived, for readiness messages and for error reports.
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, kill } from './registry.js';

const STAMP = /BENCH (boot|listening|signal|exit|parked|error) pid=(\d+)(?: t=(\d+))?/;
const KEPT_LINES = 2000;

export const now = () => process.hrtime.bigint();
export const msBetween = (from, to) => Number(to - from) / 1e6;

export class Session {
  events = [];
  lines = [];
  appPids = new Set();
  exit = null;
  #waiters = new Set();
  #registry;
  #spec;
  #child = null;

  /** spec: { label, command, args, cwd, env } */
  constructor(registry, spec) {
    this.#registry = registry;
    this.#spec = spec;
  }

  get label() {
    return this.#spec.label;
  }

  get pid() {
    return this.#child?.pid;
  }

  start() {
    this.launchAt = now();
    const { command, args, cwd, env } = this.#spec;
    // stdin stays an open pipe nobody writes to, like a terminal nobody types into.
    const child = this.#registry.spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdin.on('error', () => {});
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.#onLine(line));
    }
    child.once('exit', (code, signal) => {
      this.exit = { code, signal };
      this.#notify();
    });
    child.once('error', (error) => {
      this.exit = { code: null, signal: null, error };
      this.#notify();
    });
    return this;
  }

  #onLine(line) {
    const arrivedAt = now();
    this.lines.push({ line, arrivedAt });
    if (this.lines.length > KEPT_LINES) this.lines.shift();
    const match = STAMP.exec(line);
    if (match !== null) {
      const pid = Number(match[2]);
      this.appPids.add(pid);
      this.events.push({ kind: match[1], pid, t: match[3] === undefined ? arrivedAt : BigInt(match[3]), arrivedAt });
    }
    this.#notify();
  }

  #notify() {
    for (const waiter of this.#waiters) waiter();
  }

  /** Resolves with check()'s first non-undefined value; rejects on timeout or exit, with the output. */
  until(check, what, timeoutMs = 10_000) {
    return new Promise((resolve, reject) => {
      let timer;
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(test);
      };
      const test = () => {
        const value = check(this);
        if (value !== undefined) {
          finish();
          resolve(value);
        } else if (this.exit !== null) {
          finish();
          reject(this.failure(`${what}: exited (${JSON.stringify(this.exit)}) first`));
        }
      };
      timer = setTimeout(() => {
        finish();
        reject(this.failure(`${what}: not within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(test);
      test();
    });
  }

  failure(message) {
    const tail = this.lines.slice(-40).map((entry) => `    ${entry.line}`).join('\n');
    return new Error(`[${this.label}] ${message}\n  last output:\n${tail}`);
  }

  /** The first boot stamped after `after` (a bigint hrtime). */
  bootAfter(after, what = 'a new app instance', timeoutMs = 10_000) {
    return this.until(() => this.events.find((e) => e.kind === 'boot' && e.t > after), what, timeoutMs);
  }

  listeningOf(pid, what = `app ${pid} listening`) {
    return this.until(() => this.events.find((e) => e.kind === 'listening' && e.pid === pid), what);
  }

  /** The first line matching `pattern` that arrived after `after`. */
  line(pattern, what, timeoutMs, after = 0n) {
    return this.until(() => this.lines.find((entry) => entry.arrivedAt > after && pattern.test(entry.line)), what, timeoutMs);
  }

  bootsAfter(after) {
    return this.events.filter((e) => e.kind === 'boot' && e.t > after);
  }

  /**
   * Graceful stop (SIGTERM to the process group: a supervisor then stops its app), then
   * SIGKILL for whatever is still there, including anything that left the group.
   */
  async stop(graceMs = 5000) {
    if (this.#child === null) return;
    const pid = this.#child.pid;
    if (this.exit === null) {
      kill(-pid, 'SIGTERM');
      await this.until(() => (this.exit !== null ? true : undefined), 'exit after SIGTERM', graceMs).catch(() => {});
    }
    kill(-pid, 'SIGKILL');
    for (const app of this.appPids) {
      // Only an app process still running in our project: a recycled pid is not ours.
      if (this.#registry.processesUnder(this.#spec.cwd).includes(app)) kill(app, 'SIGKILL');
    }
    const deadline = Date.now() + 5000;
    while (this.#registry.processesUnder(this.#spec.cwd).length > 0 && Date.now() < deadline) {
      this.#registry.killUnder(this.#spec.cwd);
      await sleep(20);
    }
  }

  /** To the process's stdin. */
  write(text) {
    this.#child?.stdin.write(text);
  }

  isAlive() {
    return this.exit === null && this.#child !== null && isAlive(this.#child.pid);
  }
}
