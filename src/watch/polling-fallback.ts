import type { FSWatcher, ChokidarOptions } from 'chokidar';
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { EventName } from 'chokidar/handler.js';
import { fallbackPollMs, mtimeSlackMs } from '../tuning.js';
import { newFSWatcher } from './stays-closed.js';

/** How often paths that could not be watched natively are polled (the why: tuning.ts). */
export const FALLBACK_POLL_MS = fallbackPollMs;

/**
 * Polls what the OS refused to watch natively (ENOSPC: out of inotify watches; EMFILE), so
 * running out of watches degrades to slower detection instead of silently missing changes.
 * Paths arrive one error at a time (thousands at once on a big tree): they are batched.
 */
export class PollingFallback {
  #fsw: FSWatcher | undefined;
  readonly #added = new Set<string>();
  #queued: string[] = [];
  #flush: NodeJS.Timeout | undefined;
  #closed = false;
  /** Failed path → when it failed, until the one look after the poller's first reading. */
  readonly #failedAt = new Map<string, number>();
  /** Paths the poller reported since they failed: the look leaves those to it. */
  readonly #reported = new Set<string>();
  readonly #looks = new Set<NodeJS.Timeout>();

  constructor(
    private readonly ignored: (candidate: string, stats?: Pick<Stats, 'isFile' | 'isDirectory'>) => boolean,
    private readonly onEvent: (event: EventName, changed: string) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  add(failed: string): void {
    if (this.#closed || this.#added.has(failed)) return;
    this.#added.add(failed);
    this.#failedAt.set(failed, Date.now());
    this.#queued.push(failed);
    this.#flush ??= setTimeout(() => this.#watchQueued(), 20);
  }

  #watchQueued(): void {
    this.#flush = undefined;
    const paths = this.#queued;
    this.#queued = [];
    if (this.#closed || paths.length === 0) return;
    if (this.#fsw === undefined) {
      const options: ChokidarOptions = { ignoreInitial: true, usePolling: true, interval: FALLBACK_POLL_MS, binaryInterval: FALLBACK_POLL_MS, atomic: false, ignored: this.ignored };
      this.#fsw = newFSWatcher(options);
      this.#fsw.on('all', (event, changed) => {
        if (this.#failedAt.has(changed)) this.#reported.add(changed);
        this.onEvent(event, changed);
      });
      this.#fsw.on('error', (error) => this.onError(error));
    }
    this.#fsw.add(paths);
    // The poller's first reading is its baseline: a write between the failure and that reading
    // would never be reported. Once it has surely been read (two intervals), a file written after
    // it failed and not reported by the poller meanwhile is reported here, once.
    const look = setTimeout(() => {
      this.#looks.delete(look);
      void this.#lookAgain(paths);
    }, 2 * FALLBACK_POLL_MS);
    this.#looks.add(look);
  }

  async #lookAgain(paths: readonly string[]): Promise<void> {
    for (const failed of paths) {
      const since = this.#failedAt.get(failed);
      this.#failedAt.delete(failed);
      const reported = this.#reported.delete(failed);
      if (this.#closed || since === undefined || reported) continue;
      const stats = await stat(failed).catch(() => undefined);
      if (!this.#closed && stats?.isFile() === true && stats.mtimeMs + mtimeSlackMs >= since) this.onEvent('change', failed);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#flush);
    for (const look of this.#looks) clearTimeout(look);
    await this.#fsw?.close();
  }
}
