import type { Logger } from '../log/logger.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { OpenFile } from '../process/open-for-writing.js';

/** What the supervisor needs of a watcher once it is created. */
export interface ChangeSource {
  /** The initial scan is done: changes from now on are reported. */
  readonly ready: Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
  /** Watched too: where links in the watched folders lead outside them (watch/linked-roots.ts). */
  readonly linkedRoots?: readonly string[];
}

/** What the supervisor hands the watcher it asks for (SupervisorPorts.watch). */
export interface WatchRequest {
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly onChange: (path: string) => void;
  /** A `--reload-only` file changed (it never reaches onChange). */
  readonly onReloadOnly?: (path: string) => void;
  /** Wall-clock time the current instance was asked to start, or null. */
  readonly instanceStartedAt: () => number | null;
  /** Wall-clock time the last --build step ended, or null. */
  readonly buildEndedAt?: () => number | null;
  /** The files the current instance holds open for writing (none without an instance). */
  readonly openForWriting?: () => readonly OpenFile[];
}
