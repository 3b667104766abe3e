import type { LogEvent } from '../core/types.js';

/**
 * The log names the app's own process where the machine knows the instance by its leader: a
 * failed build "keeps pid N", and N should be the node running the server, not the tsx (or
 * shell, or npm) that started it. Events and `--json` keep the leader's pid, as every other
 * event does.
 */
export function withAppPid(event: LogEvent, appProcess: (leader: number) => number): LogEvent {
  if (event.kind !== 'buildFailed' || event.keeping === null) return event;
  return { ...event, keeping: appProcess(event.keeping) };
}
