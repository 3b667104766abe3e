import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { readProcStat } from '../../src/process/proc-stat.js';
import { waitUntil } from '../wait.js';

/** The tests' one wait helper (test/wait.ts), for the e2e tests that import everything from here. */
export { waitUntil };

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const devreloadBin = path.join(repoRoot, 'bin/devreload.js');
export const serverFixture = path.join(repoRoot, 'fixtures/e2e/server.js');

/** Everything the running test file started, so that one afterEach stops it all, failing or not. */
const live: { runs: Devreload[]; projects: Project[] } = { runs: [], projects: [] };

/** Registers the tear-down: every Devreload (and its process group) and every Project made in a test is disposed after it. */
export function disposeAfterEach(): void {
  afterEach(async () => {
    for (const run of live.runs.splice(0)) await run.dispose();
    for (const project of live.projects.splice(0)) await project.cleanup();
  });
}

export interface RecordEntry {
  event: 'start' | 'worker' | 'stopped' | 'worker-stopped' | 'preload';
  pid: number;
  at: number;
  signal?: string;
  changed?: string | null;
  parent?: number;
  argv?: string[];
  cwd?: string;
}

/** A throwaway project directory with a `src/` folder and a record file the fixture app appends to. */
export class Project {
  private constructor(readonly dir: string) {}

  static async create(): Promise<Project> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-e2e-'));
    await mkdir(path.join(dir, 'src'));
    await writeFile(path.join(dir, 'src/app.js'), 'export const version = 0;\n');
    const project = new Project(dir);
    live.projects.push(project);
    return project;
  }

  /** Beside the project, not in it: watching the project's root must not see the app's own record. */
  get record(): string {
    return `${this.dir}.record.jsonl`;
  }

  path(relative: string): string {
    return path.join(this.dir, relative);
  }

  readonly #sidecars: string[] = [];

  /** A file beside the project (outside what it watches), removed by cleanup(). */
  sidecar(name: string): string {
    const file = `${this.dir}.${name}`;
    this.#sidecars.push(file);
    return file;
  }

  /**
   * An editor's in-place save: truncate, then write. Synchronous, so the two land microseconds
   * apart as an editor's do; fs.promises.writeFile puts an event-loop turn between them, which a
   * loaded machine can stretch past the quiet window (two restarts for one save, by design).
   */
  async write(relative: string, content = `// ${Date.now()} ${Math.random()}\n`): Promise<void> {
    mkdirSync(path.dirname(this.path(relative)), { recursive: true });
    writeFileSync(this.path(relative), content);
  }

  /**
   * An editor's atomic save: the content is written beside the project and renamed over the
   * file, so the watcher sees one event. write() truncates, then writes: even synchronous, a
   * loaded machine can pause the test between the two for longer than the quiet window; a test
   * that asserts which instance answers after one save must not depend on that.
   */
  async save(relative: string, content = `// ${Date.now()} ${Math.random()}\n`): Promise<void> {
    const staged = this.sidecar(`save-${Math.random().toString(36).slice(2)}`);
    await mkdir(path.dirname(this.path(relative)), { recursive: true });
    await writeFile(staged, content);
    await rename(staged, this.path(relative));
  }

  entries(event?: RecordEntry['event']): RecordEntry[] {
    if (!existsSync(this.record)) return [];
    return readFileSync(this.record, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as RecordEntry)
      .filter((entry) => event === undefined || entry.event === event);
  }

  /** Every process the app ever started (instances and workers). */
  allPids(): number[] {
    return this.entries().filter((e) => e.event === 'start' || e.event === 'worker').map((e) => e.pid);
  }

  async cleanup(): Promise<void> {
    // Only what is still this project's: a pid recorded long ago may have been reused since (the
    // machine is shared and pids wrap), and a stranger killed here was once another test's devreload.
    for (const pid of this.allPids()) if (carriesEntry(pid, `APP_RECORD=${this.record}`)) forceKill(pid);
    await rm(this.dir, { recursive: true, force: true });
    await rm(this.record, { force: true });
    for (const file of this.#sidecars) await rm(file, { recursive: true, force: true });
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A real devreload process, started in its own process group as a shell's foreground job is. */
export class Devreload {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  #exit: Exit | null = null;

  /** `program` replaces `node bin/devreload.js` (e.g. `npm run dev`, which runs devreload itself). */
  constructor(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; program?: readonly string[]; stdin?: 'pipe' | 'ignore' }) {
    live.runs.push(this);
    const [file, ...programArgs] = options.program ?? [process.execPath, devreloadBin];
    this.child = spawn(file ?? process.execPath, [...programArgs, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
      stdio: [options.stdin ?? 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('devreload did not spawn');
    return this.child.pid;
  }

  get output(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }

  /** How it ended; null while it runs. */
  get exit(): Exit | null {
    return this.#exit;
  }

  get alive(): boolean {
    return this.#exit === null;
  }

  /** Occurrences of `pattern` in stdout + stderr. */
  count(pattern: RegExp): number {
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    return (this.stdout.match(global)?.length ?? 0) + (this.stderr.match(global)?.length ?? 0);
  }

  /** Waits until `pattern` has appeared `times` times; on timeout the error shows everything captured. */
  async waitFor(pattern: RegExp, times = 1, timeout = 15_000): Promise<void> {
    await waitUntil(() => this.count(pattern) >= times, { timeout, describe: () => `${pattern} ×${times} (seen ${this.count(pattern)})\n${this.output}` });
  }

  /** Types into devreload's stdin. */
  type(text: string): void {
    this.child.stdin?.write(text);
  }

  /** Ctrl-C in a terminal: SIGINT to the whole foreground process group. */
  interrupt(): void {
    process.kill(-this.pid, 'SIGINT');
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  async waitForExit(timeout = 20_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`devreload did not exit within ${timeout} ms\n${this.output}`)), timeout);
    });
    try {
      return await Promise.race([this.exited, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Tear-down: never leave devreload (or its group) running after a test. */
  async dispose(): Promise<void> {
    if (this.#exit !== null) return;
    forceKill(-this.pid);
    await this.waitForExit(10_000).catch(() => undefined);
  }
}

/**
 * Every process running devreload's park script (dist/prestart/park.cjs) as a child of
 * `parent`: a `--prestart` spare, or an app woken from one. Linux (/proc).
 */
export function parked(parent: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readProcStat(Number(name))?.ppid === parent && readFileSync(`/proc/${name}/cmdline`, 'latin1').includes('prestart/park.cjs')) found.push(Number(name));
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}


/** `pid`'s environment holds `entry` (Linux: /proc/<pid>/environ; false once it is gone or unreadable). */
export function carriesEntry(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry);
  } catch {
    return false;
  }
}

/** True while `pid` exists and is not a zombie (a zombie has already exited). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return existsSync('/proc/self/stat') ? false : true;
  }
}

export async function waitUntilGone(pids: readonly number[], describe: () => string, timeout = 10_000): Promise<void> {
  await waitUntil(() => pids.every((pid) => !isAlive(pid)), { timeout, describe: () => `pids ${pids.filter(isAlive).join(', ')} to be gone\n${describe()}` });
}

export function forceKill(target: number): void {
  // 0, 1 and -1 would address our own group or everything (kill(0), kill(-1)): never.
  if (!Number.isInteger(target) || Math.abs(target) <= 1) throw new Error(`forceKill(${target}): not a process of a test`);
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** True when `name` is an executable on PATH (for `it.skipIf(!hasCommand('script'))('… (needs script from util-linux)')`). */
export function hasCommand(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir || '.', name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** True when `argv` runs and exits 0: a tool can be installed yet not allowed (`unshare --user` without user namespaces). */
export function canRun(argv: readonly [string, ...string[]]): boolean {
  const [file, ...args] = argv;
  return hasCommand(file) && spawnSync(file, args, { stdio: 'ignore', timeout: 5_000 }).status === 0;
}

/** A port that was free a moment ago (the kernel picks it). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The number of the fixture app's instances that have been started. */
export function starts(project: Project): number {
  return project.entries('start').length;
}

export interface JsonEvent {
  event: string;
  pid?: number;
  [field: string]: unknown;
}

/** The NDJSON events of a `--json` run (its stdout: the app's own stdout goes to stderr), whole lines only; `name` keeps one kind. */
export function jsonEvents(d: Devreload, name?: string): JsonEvent[] {
  // A chunk may end mid-event: only what precedes the last line break is complete.
  return d.stdout
    .slice(0, d.stdout.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JsonEvent)
    .filter((e) => name === undefined || e.event === name);
}
