import type { Effect, State, Transition } from './types.js';

/** The transition to `state`, with these effects in order. */
export function to(state: State, ...effects: Effect[]): Transition {
  return { state, effects };
}

/** No change, no effect: an input that does not belong to this state. */
export function same(state: State): Transition {
  return { state, effects: [] };
}

export function log(event: Extract<Effect, { type: 'log' }>['event']): Effect {
  return { type: 'log', event };
}
