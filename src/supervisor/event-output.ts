import type { LogEvent } from '../core/types.js';
import { toJsonLine, toPublicEvent, type PublicEvent } from './events.js';

export interface EventOutputParts {
  /** The Reloader's own EventEmitter. */
  readonly emit: (name: string, payload: unknown) => void;
  /** `--json`: every public event as an NDJSON line. */
  readonly json: NodeJS.WritableStream | undefined;
  readonly wall: () => number;
  /** Public events name paths relative to it. */
  readonly cwd: string;
  /** Writes an event to the log (the supervisor's instances decide when a restart's line is said). */
  readonly log: (event: LogEvent) => void;
}

/** Where the machine's events go: the `event` listeners, the public events (API and `--json`) and, for late ones, the log. */
export class EventOutput {
  constructor(private readonly parts: EventOutputParts) {}

  /** An event the machine left to an adapter's finding (a stop that reached something): logged and announced now. */
  logAndAnnounce(event: LogEvent): void {
    this.parts.log(event);
    this.announce(event);
  }

  /** An event the machine logged already. */
  announce(event: LogEvent): void {
    this.parts.emit('event', event);
    const publicEvent = toPublicEvent(event, this.parts.cwd);
    if (publicEvent !== undefined) this.publish(publicEvent);
  }

  publish(event: PublicEvent): void {
    this.parts.json?.write(toJsonLine(event, new Date(this.parts.wall())));
    this.parts.emit(event.name, event.payload);
  }
}
