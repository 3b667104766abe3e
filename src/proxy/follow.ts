import type { PublicEvent } from '../supervisor/events.js';
import { readyPort } from './ready-address.js';

/** Why no instance serves (or why the page shows an overlay): what the person needs to fix. */
export type Failure =
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: string | null }
  | { readonly kind: 'spawn'; readonly message: string }
  | { readonly kind: 'build'; readonly code: number | null; readonly signal: string | null };

/**
 * What the proxy does about one of the supervisor's events. The proxy keeps no restart logic of
 * its own: the machine decides, and this says what each decision means for requests and pages.
 */
export type ProxyAction =
  /** The instance is being stopped: new requests wait for the next one. */
  | { readonly type: 'hold' }
  /** A change came after a failure: a new instance is coming, so requests wait instead of failing at once. */
  | { readonly type: 'retry' }
  /** A new instance was spawned: it is not ready yet. */
  | { readonly type: 'spawned' }
  /** The new instance is ready (on `port`, when the event tells). */
  | { readonly type: 'ready'; readonly port: number | undefined }
  /**
   * The app exited on its own. `final`: nothing starts until a change, so requests are answered
   * with the failure at once; otherwise a restart follows and they wait for it.
   */
  | { readonly type: 'crashed'; readonly failure: Failure; readonly final: boolean }
  /** `--build` failed; `serving`: the previous instance goes on answering. */
  | { readonly type: 'buildFailed'; readonly failure: Failure; readonly serving: boolean }
  | { readonly type: 'buildStarted' }
  | { readonly type: 'built' }
  /** devreload is done: the proxy closes. */
  | { readonly type: 'close' };

/** The supervisor's events the proxy listens to. */
export const followedEvents = ['change', 'stop', 'start', 'restart', 'ready', 'exit', 'spawnError', 'build', 'quit'] as const satisfies ReadonlyArray<PublicEvent['name']>;

export function proxyActionFor(event: PublicEvent): ProxyAction | undefined {
  switch (event.name) {
    case 'change':
      return { type: 'retry' };
    case 'stop':
      // `leftovers`: the app exited on its own and `exit` already said so.
      return event.payload.reason === 'leftovers' ? undefined : { type: 'hold' };
    case 'start':
    case 'restart':
      return { type: 'spawned' };
    case 'ready':
      return { type: 'ready', port: readyPort(event.payload) };
    case 'exit': {
      const { code, signal, next } = event.payload;
      return { type: 'crashed', failure: { kind: 'exit', code, signal }, final: next === 'wait' || next === 'quit' };
    }
    case 'spawnError':
      return { type: 'crashed', failure: { kind: 'spawn', message: event.payload.message }, final: true };
    case 'build':
      switch (event.payload.phase) {
        case 'start':
          return { type: 'buildStarted' };
        case 'ok':
          return { type: 'built' };
        case 'failed': {
          const { code, signal, keeping } = event.payload;
          return { type: 'buildFailed', failure: { kind: 'build', code, signal }, serving: keeping !== null };
        }
        case 'cancelled':
          return undefined;
      }
      return undefined;
    case 'quit':
      return { type: 'close' };
    default:
      return undefined;
  }
}

/** The overlay's title for a failure, and its detail lines (a build's last output lines are the proxy's to add). */
export function describeFailure(failure: Failure): { title: string; lines: string[] } {
  switch (failure.kind) {
    case 'exit':
      return { title: failure.signal !== null ? `The app was killed by ${failure.signal}` : `The app exited with code ${failure.code ?? 'unknown'}`, lines: [] };
    case 'spawn':
      return { title: 'The app could not be started', lines: [failure.message] };
    case 'build':
      return { title: failure.signal !== null ? `The build was killed by ${failure.signal}` : `The build failed (exit code ${failure.code ?? 'unknown'})`, lines: [] };
  }
}
