import path from 'node:path';
import { assetPath } from '../assets.js';
import type { Instance, InstanceSpec } from '../process/instance.js';
import { spareDelayMs } from '../tuning.js';
import { bootNodeOptions, planPrestart, type NodePlan } from './plan.js';
import { pythonSparesFor, type PythonSpares } from './python-spares.js';
import { findTsxRuntime } from './tsx-runtime.js';
import type { PrestartDeps } from './deps.js';
import { encodeWake, wakeFor } from './wake.js';

export type { PrestartDeps } from './deps.js';

interface Spare {
  /** What the spare booted with: a spec that needs anything else gets a fresh start. */
  readonly key: string;
  ready: Promise<Instance | null>;
  /** The spare was spawned with these hooks; a wake points them at the new instance's. */
  readonly hooks: Pick<InstanceSpec, 'onOutputLine' | 'onEscaped'>;
  /** Set once the spare exited or could not be spawned: it cannot be woken. */
  dead: boolean;
}

/**
 * `--prestart`: keeps one spare Node runtime booted and parked (src/prestart/park.cts) so the
 * next start skips Node's boot. It stands in for the instance launcher: a launch wakes the
 * spare when it fits the spec, or spawns the ordinary way. The spare is an instance in every
 * sense but running user code: its own session, guarded by the watchdog, killed on close().
 */
export class Prestarter {
  #spare: Spare | null = null;
  #cancelNext: (() => void) | null = null;
  #closed: Promise<void> | null = null;
  #explained = false;
  /** The park script, found when the first plan is made (a missing build is a reason not to apply). */
  #park: string | undefined;
  /** tsx's runtime folder for the command; null until looked up. */
  #tsx: string | undefined | null = null;
  /** A Python command's spares (python-spares.ts), false for any other; decided at the first launch. */
  #python: PythonSpares | false | undefined;

  constructor(private readonly deps: PrestartDeps) {}

  launch = async (spec: InstanceSpec): Promise<Instance> => {
    this.#python ??= pythonSparesFor(spec, this.deps) ?? false;
    if (this.#python !== false) return this.#python.launch(spec);
    this.#cancelNext?.();
    this.#cancelNext = null;
    const plan = this.#plan(spec);
    const spare = this.#spare;
    this.#spare = null;
    let instance: Instance | null = null;
    if (plan !== undefined && spare !== null && !spare.dead && spare.key === keyOf(spec, plan)) {
      instance = await spare.ready;
      if (instance !== null && !spare.dead) this.#wake(instance, spare, spec, plan);
      else {
        // It died while parked: let the watchdog forget it, and start the ordinary way.
        void this.#discard(spare);
        instance = null;
      }
    } else if (spare !== null) {
      void this.#discard(spare);
    }
    instance ??= await this.deps.launch(spec);
    // Not at once: the spare's boot would compete with the new instance's for the CPU.
    if (plan !== undefined && this.#closed === null) this.#cancelNext = this.deps.clock.after(spareDelayMs, () => this.#prepare(spec, plan));
    return instance;
  };

  /** Kills the spare (it runs no user code: nothing to shut down gracefully) and waits until it is gone. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#cancelNext?.();
      const spare = this.#spare;
      this.#spare = null;
      if (spare !== null) await this.#discard(spare);
      if (this.#python) await this.#python.close();
    })();
    return this.#closed;
  }

  #plan(spec: InstanceSpec): NodePlan | undefined {
    // A walk up the tree and through PATH: once, not on every restart (the command never changes).
    if (this.#tsx === null) this.#tsx = path.basename(spec.command) === 'tsx' ? findTsxRuntime(spec.command, spec.cwd, spec.env) : undefined;
    const tsx = this.#tsx;
    const planned = planPrestart(spec.command, spec.args, spec.env, tsx);
    let reason = planned.ok ? undefined : planned.reason;
    if (planned.ok && this.#park === undefined) {
      try {
        this.#park = assetPath('prestart/park.cjs');
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    if (planned.ok && reason === undefined) return planned.plan;
    if (!this.#explained) this.deps.logger.warn(`--prestart does not apply: ${reason ?? ''}; restarting the ordinary way`);
    this.#explained = true;
    return undefined;
  }

  #prepare(spec: InstanceSpec, plan: NodePlan): void {
    this.#cancelNext = null;
    if (this.#closed !== null || this.#spare !== null) return;
    const hooks: Spare['hooks'] = {};
    const forward: Pick<InstanceSpec, 'onOutputLine' | 'onEscaped'> = {
      onOutputLine: spec.onOutputLine === undefined ? undefined : (line, stream) => hooks.onOutputLine?.(line, stream),
      onEscaped: (pid, startTime) => hooks.onEscaped?.(pid, startTime),
    };
    const env = { ...spec.env, NODE_OPTIONS: bootNodeOptions(spec.env.NODE_OPTIONS) };
    if (env.NODE_OPTIONS === undefined) delete env.NODE_OPTIONS;
    const spareSpec: InstanceSpec = {
      ...spec,
      ...forward,
      // tsx's own command would start a second Node process: the spare is that process.
      command: plan.runtimeFlags.length > 0 ? 'node' : spec.command,
      args: [...plan.runtimeFlags, ...plan.bootFlags, this.#park as string],
      env,
    };
    const spare: Spare = { key: keyOf(spec, plan), hooks, dead: false, ready: Promise.resolve(null) };
    spare.ready = this.deps.launch(spareSpec).then(
      (instance) => {
        this.deps.watchdog()?.watch(instance.pid);
        void instance.exited.then(() => (spare.dead = true));
        return instance;
      },
      (error: unknown) => {
        spare.dead = true;
        this.deps.logger.verbose(`could not prestart a spare: ${String(error)}`);
        return null;
      },
    );
    this.#spare = spare;
  }

  #wake(instance: Instance, spare: Spare, spec: InstanceSpec, plan: NodePlan): void {
    spare.hooks.onOutputLine = spec.onOutputLine;
    spare.hooks.onEscaped = spec.onEscaped;
    instance.write(encodeWake(wakeFor(spec, plan, instance.tag)));
  }

  async #discard(spare: Spare): Promise<void> {
    const instance = await spare.ready;
    if (instance === null) return;
    spare.dead = true;
    await instance.signal('SIGKILL').catch(() => []);
    await instance.gone.catch(() => undefined);
    this.deps.watchdog()?.unwatch(instance.pid);
  }
}

/**
 * Everything a spare fixed at boot: a spec that differs in any of it cannot use the spare. The
 * whole environment counts (but what changed): Node reads more of it at boot than NODE_OPTIONS
 * and NODE_PATH (NODE_EXTRA_CA_CERTS, UV_THREADPOOL_SIZE, …), and an env file's edit is rare.
 */
function keyOf(spec: InstanceSpec, plan: NodePlan): string {
  const { DEVRELOAD_CHANGED: _changed, ...env } = spec.env;
  return JSON.stringify([
    spec.command,
    spec.cwd,
    plan.runtimeFlags,
    plan.bootFlags,
    Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    spec.fds ?? [],
    spec.onOutputLine === undefined,
    spec.stdoutToStderr === true,
  ]);
}
