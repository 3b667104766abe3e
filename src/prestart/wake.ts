import path from 'node:path';
import type { InstanceSpec } from '../process/instance.js';
import { instanceEnv, localPathEnv } from '../process/spawn.js';
import type { NodePlan } from './plan.js';
import type { RecordRequest, Wake } from './protocol.cjs';

export type { Wake } from './protocol.cjs';

const lengthDigits = 10;

/**
 * What a fresh `node [flags] script args` would see, for the spec devreload was about to spawn.
 * `tag` is the spare's own instance tag: the woken app is that instance, and every process it
 * starts must carry the tag the spare's stop and the watchdog look for.
 */
export function wakeFor(spec: InstanceSpec, plan: NodePlan, tag: string | undefined, record?: RecordRequest): Wake {
  const env: Record<string, string> = {};
  // Exactly what a fresh spawn would give it (the PATH of execa's preferLocal, from the same
  // library and options), node_modules/.bin on PATH and the tag included.
  const fresh = tag === undefined ? localPathEnv(spec.cwd, spec.env) : instanceEnv(spec.cwd, spec.env, tag);
  for (const [name, value] of Object.entries(fresh)) if (value !== undefined) env[name] = value;
  return {
    cwd: spec.cwd,
    env,
    // Node makes the script's path absolute before the app sees it.
    argv: [path.resolve(spec.cwd, plan.script), ...plan.args],
    execArgv: plan.execArgv,
    preloads: plan.preloads,
    ...(record === undefined ? {} : { record }),
  };
}

/** Length-prefixed, so the spare reads exactly its messages (a Park, a Wake) and leaves the rest of stdin to the app. */
export function encodeWake(message: object): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`${String(body.length).padStart(lengthDigits, '0')}\n`, 'latin1'), body]);
}
