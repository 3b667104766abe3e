import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Logger } from '../log/logger.js';
import type { OpenFile } from '../process/open-for-writing.js';
import { mtimeSlackMs, openFilesReuseMs, renameHoldMs, verboseIgnoredRepeatMs } from '../tuning.js';
import { SQLITE_RULE } from '../watch/data-files.js';
import { fileKey, type FileLook } from '../watch/file-look.js';
import type { FileChange } from '../watch/watcher.js';
import { RestartLoop } from './restart-loop.js';

export interface ChangeFilterDeps {
  /** A change that is the user's: on to the restart machine. */
  readonly pass: (file: string) => void;
  readonly logger: Logger;
  readonly cwd: string;
  readonly clock: Pick<Clock, 'wall' | 'after'>;
  /** devreload's stdout and stderr, when they are files (fileKey). */
  readonly outputs: ReadonlySet<string>;
  /** Wall-clock time the current instance was started, or null. */
  readonly instanceStartedAt: () => number | null;
  /** Wall-clock time the last --build step ended, or null: what it wrote is no write of the app's. */
  readonly buildEndedAt: () => number | null;
  /** Undefined: the path is gone. `wantContent` says, by its mtime, whether its bytes are wanted too. */
  readonly look: (file: string, wantContent: (mtimeMs: number) => boolean) => FileLook | undefined;
  /** The files the current instance holds open for writing (none without an instance). */
  readonly openForWriting: () => readonly OpenFile[];
}

const OWN_OUTPUT = "own output: devreload's stdout or stderr";
const HELD = 'data file: open for writing by the app';
const TRANSIENT = 'temporary file: created and gone again';
const LOOP = 'restart loop: the app writes it right after it starts';
/** Memories are bounded: a long session must not grow without limit. */
const MAX_REMEMBERED = 10_000;

/**
 * Between the watcher and the restart machine: drops the changes that are not the user's, at
 * change time and for the changed paths only (idle costs nothing). Synchronous: a save's change
 * reaches the machine in the turn it arrived in, after one look at the file (µs) and one at the
 * instance's open files (up to about a ms on a busy machine; see openFilesReuseMs).
 * - devreload's own output, and so the app's, which inherits it (`> dev.log 2>&1` in the tree);
 * - SQLite databases, by their header, whoever writes them (`manage.py migrate` is not the app);
 * - what the instance holds open for writing (Linux /proc), for as long as that instance runs;
 * - a temp file renamed over a watched file (`sed -i`): its add and its unlink are no change,
 *   the renamed-over file's change is, under its own name: one source, not a burst;
 * - a file the app writes again right after every start (RestartLoop).
 * What the watcher drops by name (a SQLite journal, *.log) never gets here.
 */
export class ChangeFilter {
  #closed = false;
  /**
   * Files that are data, by path: SQLite databases for good, and what an instance held open for
   * writing for as long as that instance runs (its start time): an app may also write a file a
   * person edits (a CMS saving a template), and the next instance may never touch it.
   */
  readonly #data = new Map<string, { readonly rule: string; readonly start?: number | null }>();
  readonly #ownOutput = new Set<string>();
  /** New files dropped as temporary: their deletion is no change either. */
  readonly #transient = new Set<string>();
  /** New files held back, waiting to see whether they get renamed over another file. */
  readonly #holds = new Map<string, { key: string; readonly cancel: () => void }>();
  /** The instance's files open for writing (fileKey → pid), read at most every openFilesReuseMs. */
  #open: { readonly at: number; readonly start: number | null; readonly files: ReadonlyMap<string, number> } | undefined;
  /** --verbose: when each path was last named. */
  readonly #told = new Map<string, number>();
  readonly #loop: RestartLoop;

  constructor(private readonly deps: ChangeFilterDeps) {
    this.#loop = new RestartLoop({ logger: deps.logger, cwd: deps.cwd, after: deps.clock.after });
  }

  observe(change: FileChange): void {
    if (this.#closed) return;
    const { kind, path: file } = change;
    const seen = this.deps.clock.wall();
    if (kind === 'addDir' || kind === 'unlinkDir') return this.#pass(file, seen);
    if (this.#ownOutput.has(file)) return;
    const data = this.#dataRule(file);
    if (data !== undefined) return this.#drop(file, data);
    if (kind === 'unlink') return this.#judgeUnlink(file, seen);
    // Its bytes only when it was written right after a start: what the restart-loop check compares.
    const start = this.deps.instanceStartedAt();
    const look = this.deps.look(file, (mtimeMs) => this.#loop.isRightAfter(mtimeMs, start));
    if (look === undefined) {
      // Created and gone before it could be looked at: there was never anything to load.
      if (kind === 'add' && !this.#holds.has(file)) return this.#dropTransient(file);
      // Changed, then removed or renamed away (a held new file among them): its unlink decides.
      return this.#holds.has(file) ? undefined : this.#pass(file, seen);
    }
    this.#judgeFile(file, look, kind === 'add');
  }

  /** Idempotent: what is held is dropped. */
  close(): void {
    this.#closed = true;
    for (const hold of this.#holds.values()) hold.cancel();
    this.#holds.clear();
    this.#loop.close();
  }

  /** `isNew`: an add that may still turn out to be a temp file renamed away. */
  #judgeFile(file: string, look: FileLook, isNew: boolean): void {
    if (this.deps.outputs.has(look.key)) return this.#dropOwnOutput(file);
    // There now, whatever came before: a later removal is a change again.
    this.#transient.delete(file);
    if (look.sqlite) return this.#remember(file, SQLITE_RULE);
    const start = this.deps.instanceStartedAt();
    const holder = look.isFile ? this.#openFiles().get(look.key) : undefined;
    if (holder !== undefined) {
      // Caught writing it: the app's own write, and maybe a generated file caught half-written.
      this.#loop.noteOwnWrite(file, look.mtimeMs, start);
      return this.#remember(file, HELD, ` (pid ${holder})`, start);
    }
    if (!this.#writtenByBuild(look.mtimeMs) && this.#loop.isLoop(file, look.mtimeMs, start, look.content)) return this.#drop(file, LOOP);
    this.#foldRenamed(file, look.key);
    const held = this.#holds.get(file);
    if (held !== undefined) {
      // Written again while held: still the same new file.
      held.key = look.key;
      return;
    }
    if (isNew && look.isFile && this.#justWritten(look)) return this.#hold(file, look);
    this.deps.pass(file);
  }

  /**
   * Written before the last build ended, so by the build (or while it ran): the build-loop check
   * (build-loop.ts) owns that case. A build's last write lands a few ms before the instance it
   * precedes starts, inside the restart-loop check's slack for coarse mtimes, and was taken for
   * the app's own write, so the build's loop was never reported.
   */
  #writtenByBuild(mtimeMs: number): boolean {
    const ended = this.deps.buildEndedAt();
    return ended !== null && mtimeMs <= ended;
  }

  #judgeUnlink(file: string, seen: number): void {
    const held = this.#holds.get(file);
    if (held !== undefined) {
      held.cancel();
      this.#holds.delete(file);
      return this.#dropTransient(file);
    }
    // Its creation was dropped as temporary: so is its removal.
    if (this.#transient.delete(file)) return;
    this.#pass(file, seen);
  }

  #openFiles(): ReadonlyMap<string, number> {
    const now = this.deps.clock.wall();
    const start = this.deps.instanceStartedAt();
    // A burst of hundreds of changes reads the instance's files a few times, not hundreds.
    if (this.#open !== undefined && this.#open.start === start && now - this.#open.at < openFilesReuseMs) return this.#open.files;
    let files: ReadonlyMap<string, number>;
    try {
      files = new Map(this.deps.openForWriting().map((open) => [fileKey(open), open.pid]));
    } catch {
      // A table that cannot be read leaves the change to the other rules: it is never lost.
      files = new Map();
    }
    this.#open = { at: now, start, files };
    return files;
  }

  /** `file` now has the identity a held new file had: that file was a temp renamed over it. */
  #foldRenamed(file: string, key: string): void {
    for (const [temp, hold] of this.#holds) {
      if (temp === file || hold.key !== key) continue;
      hold.cancel();
      this.#holds.delete(temp);
      this.#rememberTransient(temp);
      this.#drop(temp, `temporary file renamed over ${this.#relative(file)}`);
    }
  }

  /** Holds the new file `file`, as `look` showed it, for renameHoldMs. */
  #hold(file: string, look: FileLook): void {
    const cancel = this.deps.clock.after(renameHoldMs, () => {
      if (this.#holds.get(file)?.cancel !== cancel) return;
      this.#holds.delete(file);
      const start = this.deps.instanceStartedAt();
      const now = this.deps.look(file, (mtimeMs) => this.#loop.isRightAfter(mtimeMs, start));
      if (now === undefined) return this.#dropTransient(file);
      // Still being written (sed writing a long file): the rename, if any, comes after the last write.
      if (now.isFile && (now.size !== look.size || now.mtimeMs !== look.mtimeMs)) return this.#hold(file, now);
      // Not renamed away: a new file after all, judged as it is now.
      this.#judgeFile(file, now, false);
    });
    this.#holds.set(file, { key: look.key, cancel });
  }

  /**
   * Written within the hold: a temp file being made. A new name for an older file (`mv a.js
   * b.js`, an archive unpacked with its times) is no temp file, and is not held. mtimes come
   * from a coarse kernel clock: its slack on top.
   */
  #justWritten(look: FileLook): boolean {
    return look.mtimeMs + renameHoldMs + mtimeSlackMs >= this.deps.clock.wall();
  }

  /** A deletion or a folder: no content, the time it was seen. */
  #pass(file: string, seen: number): void {
    if (this.#loop.isLoop(file, seen, this.deps.instanceStartedAt(), undefined)) return this.#drop(file, LOOP);
    this.deps.pass(file);
  }

  /** `start`: remembered while the instance started then runs; undefined: for good. */
  #remember(file: string, rule: string, detail = '', start?: number | null): void {
    if (this.#data.size >= MAX_REMEMBERED) this.#data.clear();
    this.#data.set(file, start === undefined ? { rule } : { rule, start });
    this.#drop(file, `${rule}${detail}`);
  }

  #dataRule(file: string): string | undefined {
    const data = this.#data.get(file);
    if (data === undefined) return undefined;
    if (data.start === undefined || data.start === this.deps.instanceStartedAt()) return data.rule;
    // Held by an instance that is gone: a change again, unless the next one holds it too.
    this.#data.delete(file);
    return undefined;
  }

  #dropTransient(file: string): void {
    this.#rememberTransient(file);
    this.#drop(file, TRANSIENT);
  }

  #rememberTransient(file: string): void {
    if (this.#transient.size >= MAX_REMEMBERED) this.#transient.clear();
    this.#transient.add(file);
  }

  #dropOwnOutput(file: string): void {
    // Named once only: with --verbose each line about it is itself a write to it.
    this.#ownOutput.add(file);
    this.deps.logger.verbose(`ignored ${this.#relative(file)} (${OWN_OUTPUT})`);
  }

  #drop(file: string, rule: string): void {
    const now = this.deps.clock.wall();
    const last = this.#told.get(file);
    if (last !== undefined && now - last < verboseIgnoredRepeatMs) return;
    if (this.#told.size >= MAX_REMEMBERED) this.#told.clear();
    this.#told.set(file, now);
    this.deps.logger.verbose(`ignored ${this.#relative(file)} (${rule})`);
  }

  #relative(file: string): string {
    return path.relative(this.deps.cwd, file) || '.';
  }
}
