import { FSWatcher, type ChokidarOptions } from 'chokidar';
import type { Stats } from 'node:fs';
import type { EventName } from 'chokidar/handler.js';
import { fallbackPollMs } from '../tuning.js';

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

  constructor(
    private readonly ignored: (candidate: string, stats?: Pick<Stats, 'isFile' | 'isDirectory'>) => boolean,
    private readonly onEvent: (event: EventName, changed: string) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  add(failed: string): void {
    if (this.#closed || this.#added.has(failed)) return;
    this.#added.add(failed);
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
      this.#fsw = new FSWatcher(options);
      this.#fsw.on('all', (event, changed) => this.onEvent(event, changed));
      this.#fsw.on('error', (error) => this.onError(error));
    }
    this.#fsw.add(paths);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#flush);
    await this.#fsw?.close();
  }
}
