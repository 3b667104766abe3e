// Every process the bench starts is tracked here, so that it is killed at the end even when a
// phase throws or the bench itself is interrupted. Two nets:
//  1. each spawned process leads its own process group (detached) and the group is SIGKILLed;
//  2. a sweep of /proc kills any of our processes whose working directory lies under the
//     bench's temp root — that catches what left the group (devreload runs its app and its
//     watchdog in sessions of their own) without ever matching a process by name.
import { spawn, fork } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';

export class Registry {
  #groups = new Set();
  #root;
  #cleaned = false;

  /** @param {string} root the bench's temp root: every process we start runs somewhere below it */
  constructor(root) {
    this.#root = root;
  }

  get root() {
    return this.#root;
  }

  /** spawn(), detached: the child leads a new process group we can signal as a whole. */
  spawn(command, args, options) {
    const child = spawn(command, args, { ...options, detached: true });
    if (child.pid !== undefined) this.#groups.add(child.pid);
    child.once('exit', () => this.#groups.delete(child.pid));
    return child;
  }

  /** fork() with an IPC channel, detached like spawn(). */
  fork(modulePath, args, options) {
    const child = fork(modulePath, args, { ...options, detached: true });
    if (child.pid !== undefined) this.#groups.add(child.pid);
    child.once('exit', () => this.#groups.delete(child.pid));
    return child;
  }

  /** Pids of live (non-zombie) processes of ours whose cwd is `dir` or below it. */
  processesUnder(dir) {
    const found = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
      try {
        const cwd = readlinkSync(`/proc/${name}/cwd`);
        if (cwd !== dir && !cwd.startsWith(`${dir}/`)) continue;
        if (isZombie(Number(name))) continue;
        found.push(Number(name));
      } catch {
        // Gone meanwhile, or not ours (EACCES): either way nothing to kill.
      }
    }
    return found;
  }

  /** SIGKILL every process of ours running under `dir` (default: the whole temp root). */
  killUnder(dir = this.#root) {
    for (const pid of this.processesUnder(dir)) kill(pid, 'SIGKILL');
  }

  /** Synchronous on purpose: it also runs from process.on('exit'). Idempotent. */
  cleanupSync() {
    if (this.#cleaned) return;
    this.#cleaned = true;
    for (const pid of this.#groups) kill(-pid, 'SIGKILL');
    // Twice: a process forked while the first sweep ran is caught by the second.
    this.killUnder();
    this.killUnder();
    try {
      rmSync(this.#root, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      process.stderr.write(`bench: could not remove ${this.#root}: ${error.message}\n`);
    }
  }
}

export function kill(target, signal) {
  try {
    process.kill(target, signal);
    return true;
  } catch (error) {
    if (error.code === 'ESRCH') return false;
    throw error;
  }
}

export function isAlive(pid) {
  try {
    return !isZombie(pid);
  } catch {
    return false;
  }
}

function isZombie(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}
