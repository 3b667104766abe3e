import type { InstanceSpec } from '../process/instance.js';
import { instanceEnv, localPathEnv } from '../process/spawn.js';
import type { PythonPlan } from './python-plan.js';

/** The one message a parked Python spare reads from its stdin (src/prestart/python-wake.py acts on it). */
export interface PythonWake {
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly argv: readonly string[];
  readonly origArgv: readonly string[];
  readonly comm: string;
  readonly run: PythonPlan['run'];
  /** Where the woken app records the third-party modules it loads, for the next spare. */
  readonly record: string;
}

/** What src/prestart/python-park.py reads from its argv[1]. */
export interface ParkConfig {
  /** 'cold': woken at once, nothing loaded ahead; 'runtime': parks without loading; 'warm': loads the record. */
  readonly mode: 'cold' | 'runtime' | 'warm';
  /** The file the spare reports to (SpareStatus in python-scratch.ts). */
  readonly status: string;
  /** A path prefix for what it prints while parked (`.out`, `.err`), printed at the wake. */
  readonly capture: string;
  /** The previous instance's record, which a warm spare loads. */
  readonly record?: string;
  /** What the app runs (for its sys.path[0], which a warm spare loads with). */
  readonly run?: PythonPlan['run'];
  /** The user's folders: a module from one of them is never loaded while parked. */
  readonly user?: readonly string[];
  /** python-boot/: first on PYTHONPATH, so that site imports its empty sitecustomize and usercustomize instead of the real ones. */
  readonly shim?: string;
  /** The app's own PYTHONPATH (null: unset), given back once the shim is off. */
  readonly pythonpath?: string | null;
  /** Modules that patch what loads after them: loading stops there. */
  readonly after?: readonly string[];
}

/**
 * Modules that patch what is imported after them (gevent's and eventlet's monkey-patching, APM
 * agents): a spare loads what the previous instance loaded before them and stops there, so they
 * still come first for everything else.
 */
export const loadAfterApp = ['gevent.monkey', 'eventlet', 'opentelemetry.instrumentation', 'ddtrace', 'newrelic', 'elasticapm', 'psycogreen'];

const lengthDigits = 10;

/**
 * What a cold start of the command would have seen, for the spec devreload was about to spawn.
 * `tag` is the spare's own instance tag: every process the woken app starts carries it.
 */
export function pythonWakeFor(spec: InstanceSpec, plan: PythonPlan, tag: string | undefined, record: string): PythonWake {
  const env: Record<string, string> = {};
  // Exactly what a fresh spawn would give it (node_modules/.bin on PATH, the tag).
  const fresh = tag === undefined ? localPathEnv(spec.cwd, spec.env) : instanceEnv(spec.cwd, spec.env, tag);
  for (const [name, value] of Object.entries(fresh)) if (value !== undefined) env[name] = value;
  return { cwd: spec.cwd, env, argv: plan.argv, origArgv: plan.origArgv, comm: plan.comm, run: plan.run, record };
}

/** Length-prefixed, so the spare reads exactly its message and leaves the rest of stdin to the app. */
export function encodePythonWake(wake: PythonWake): Buffer {
  const body = Buffer.from(JSON.stringify(wake), 'utf8');
  return Buffer.concat([Buffer.from(`${String(body.length).padStart(lengthDigits, '0')}\n`, 'latin1'), body]);
}

/** The spare's command line: the interpreter, its options, the park script and its config. */
export function parkArgs(plan: PythonPlan, park: string, config: ParkConfig): string[] {
  return [...plan.bootArgs, park, JSON.stringify(config)];
}
