// process.env as a warm spare sees it: dependencies load in the environment the app's code had
// set up when it required them, and what they set themselves stays theirs.
import type { Env, EnvDelta } from './protocol.cjs';

const noChange: EnvDelta = { set: {}, unset: [] };

function snapshot(): Env {
  return { ...process.env } as Env;
}

/** What turns `from` into `to`. */
function diff(from: Env, to: Env): EnvDelta {
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const name of Object.keys(to)) if (from[name] !== to[name]) set[name] = to[name] as string;
  for (const name of Object.keys(from)) if (!(name in to)) unset.push(name);
  return { set, unset };
}

function isEmpty(delta: EnvDelta): boolean {
  return delta.unset.length === 0 && Object.keys(delta.set).length === 0;
}

/** One spelling per delta, to compare two of them. */
function keyOf(delta: EnvDelta): string {
  return JSON.stringify([Object.entries(delta.set).sort(([a], [b]) => (a < b ? -1 : 1)), [...delta.unset].sort()]);
}

/** Applies `delta` to a plain object or to process.env itself. */
function apply(target: Env | NodeJS.ProcessEnv, delta: EnvDelta): void {
  for (const name of delta.unset) delete target[name];
  for (const [name, value] of Object.entries(delta.set)) target[name] = value;
}

/** process.env becomes exactly `next` (the same object: modules that kept a reference see it). */
function replaceEnv(next: Env): void {
  for (const name of Object.keys(process.env)) if (!(name in next)) delete process.env[name];
  for (const [name, value] of Object.entries(next)) if (process.env[name] !== value) process.env[name] = value;
}

// `export =`: a CommonJS module's exports under verbatimModuleSyntax.
const exported = { noChange, snapshot, diff, isEmpty, keyOf, apply, replaceEnv };
export = exported;
