import path from 'node:path';
import { assetPath } from '../assets.js';
import type { Instance, InstanceSpec } from '../process/instance.js';
import { spareDelayMs, spareRecordWaitMs } from '../tuning.js';
import { fingerprintAll } from './dependency-inputs.js';
import { bootNodeOptions, planPrestart, type NodePlan } from './plan.js';
import type { Park, SpareReport } from './protocol.cjs';
import { SpareLines } from './spare-line.js';
import { killSpare, spawnSpare, wakeHooks, type SpareHooks } from './spare-process.js';
import { isNodeSource, whyStale, type SpareInputs } from './staleness.js';
import { findTsxRuntime } from './tsx-runtime.js';
import { encodeWake, wakeFor } from './wake.js';
import type { PrestartDeps } from './deps.js';
import { WarmSpares, type WarmBoot } from './warm-spares.js';

interface Spare {
  /** What the spare booted with: a spec that needs anything else gets a fresh start. */
  readonly key: string;
  /** The environment it booted (and loaded its dependencies) in. */
  readonly env: SpareInputs['env'];
  ready: Promise<Instance | null>;
  /** The spare was spawned with these hooks; a wake points them at the new instance's. */
  readonly hooks: SpareHooks;
  /** Set once the spare exited or could not be spawned: it cannot be woken. */
  dead: boolean;
  /** A warm spare's inputs, once spawned; null for a runtime-only one. */
  warm: WarmBoot | null;
  /** What the warm spare said once it loaded. */
  report?: SpareReport;
}

/**
 * `--prestart` for Node and tsx: keeps one spare Node runtime booted and parked (park.cts) so the
 * next start skips Node's boot, and with warm spares the loading of the app's dependencies too.
 * A launch wakes the spare when it fits the spec and a fresh start would load the same
 * (staleness.ts), or starts afresh. The spare is an instance in every sense but running user
 * code: its own session, guarded by the watchdog, killed on close().
 */
export class NodeSpares {
  #spare: Spare | null = null;
  #cancelNext: (() => void) | null = null;
  #closed: Promise<void> | null = null;
  #explained = false;
  /** The park script, found when the first plan is made (a missing build is a reason not to apply). */
  #park: string | undefined;
  /** tsx's runtime folder for the command; null until looked up. */
  #tsx: string | undefined | null = null;
  readonly #warm: WarmSpares | null;
  readonly #lines: SpareLines;
  readonly #onDemand: boolean;

  constructor(private readonly deps: PrestartDeps) {
    this.#onDemand = deps.onDemand === true;
    const userRoots = () => deps.userPaths ?? [];
    this.#warm = deps.mode !== 'runtime' ? new WarmSpares({ logger: deps.logger, userRoots, ownPreloads }) : null;
    this.#lines = new SpareLines(deps.logger);
  }

  /** Starts `spec`, from the spare where it fits; `changed` is what changed since the last start (knownChanges). */
  launch = async (spec: InstanceSpec, changed: readonly string[] | 'unknown'): Promise<Instance> => {
    this.#cancelNext?.();
    this.#cancelNext = null;
    // On demand, a start with no spare is an ordinary spawn: nothing to plan on its way.
    const plan = this.#onDemand && this.#spare === null ? undefined : this.#plan(spec);
    const warm = plan !== undefined && this.#warm !== null && this.#warm.blocker(plan) === undefined;
    const spare = this.#spare;
    this.#spare = null;
    let instance: Instance | null = null;
    if (plan !== undefined && spare !== null && !spare.dead && spare.key === keyOf(spec, plan)) {
      instance = await spare.ready;
      const stale = this.#whyNotWake(spare, instance, spec, changed, warm);
      if (stale === undefined && instance !== null) {
        this.#wake(instance, spare, spec, plan);
        this.#announce(spare);
      } else {
        // It died while parked, or would not be what a fresh start is: start afresh.
        this.deps.logger.verbose(`${this.#onDemand ? 'the runtime booted at the change' : '--prestart'}: ${stale ?? ''}: starting cold`);
        void this.#discard(spare);
        instance = null;
      }
    } else if (spare !== null) {
      void this.#discard(spare);
    }
    instance ??= warm && plan !== undefined ? await this.#launchRecording(spec, plan) : await this.deps.launch(spec);
    if (plan !== undefined && this.#closed === null && !this.#onDemand) this.#schedule(spec, plan, instance, warm);
    return instance;
  };

  /** On demand: a start is owed, for which `spec` is what a spawn now would get; boot its spare. */
  prepare(spec: InstanceSpec): void {
    if (!this.#onDemand || this.#closed !== null || this.#spare !== null) return;
    const plan = this.#plan(spec);
    if (plan !== undefined) this.#prepare(spec, plan);
  }

  /** Kills the spare (it runs no user code: nothing to shut down gracefully) and waits until it is gone. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#cancelNext?.();
      const spare = this.#spare;
      this.#spare = null;
      if (spare !== null) await this.#discard(spare);
      this.#warm?.close();
    })();
    return this.#closed;
  }

  #plan(spec: InstanceSpec): NodePlan | undefined {
    // A walk up the tree and through PATH: once, not on every restart (the command never changes).
    if (this.#tsx === null) this.#tsx = path.basename(spec.command) === 'tsx' ? findTsxRuntime(spec.command, spec.cwd, spec.env) : undefined;
    const tsx = this.#tsx;
    const planned = planPrestart(spec.command, spec.args, spec.env, tsx);
    let reason = planned.ok ? undefined : planned.reason;
    // The wake runs preloads the way Node would, but the user did not ask for that here.
    if (planned.ok && this.#onDemand && planned.plan.preloads.some((p) => !ownPreloads().includes(p.specifier))) reason = 'the command has preloads';
    if (planned.ok && this.#park === undefined) {
      try {
        this.#park = assetPath('prestart/park.cjs');
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    if (planned.ok && reason === undefined) return planned.plan;
    if (!this.#explained && !this.#onDemand) this.deps.logger.warn(`--prestart does not apply: ${reason ?? ''}; restarting the ordinary way`);
    this.#explained = true;
    return undefined;
  }

  /** The next spare, once the new instance has had the CPU (and, warm, has said what it loaded). */
  #schedule(spec: InstanceSpec, plan: NodePlan, instance: Instance, recording: boolean): void {
    let exited = false;
    void instance.exited.then(() => (exited = true));
    let waited = 0;
    const attempt = (): void => {
      this.#cancelNext = null;
      if (this.#closed !== null || this.#spare !== null) return;
      const tag = instance.tag ?? String(instance.pid);
      // Its record comes once its loading settled (or at its exit): a spare made before would load too little.
      if (recording && this.#warm !== null && !this.#warm.collect(tag) && !exited && waited < spareRecordWaitMs) {
        waited += spareDelayMs;
        this.#cancelNext = this.deps.clock.after(spareDelayMs, attempt);
        return;
      }
      this.#prepare(spec, plan);
    };
    // Not at once: the spare's boot would compete with the new instance's for the CPU.
    this.#cancelNext = this.deps.clock.after(spareDelayMs, attempt);
  }

  #prepare(spec: InstanceSpec, plan: NodePlan): void {
    const warm = this.#warm !== null && this.#warm.blocker(plan) === undefined ? this.#warm : null;
    // Fingerprinted before the spawn: a change while the spare loads is seen at its wake.
    const prepared = warm?.prepare(spec.cwd, plan.script);
    const spare: Spare = { key: keyOf(spec, plan), env: spec.env, hooks: {}, dead: false, warm: null, ready: Promise.resolve(null) };
    const gone = () => {
      spare.dead = true;
      // A spare that could not load one of the roots says so before it exits.
      this.#reportOf(spare);
    };
    spare.ready = spawnSpare(this.deps, this.#spareSpec(spec, plan, warm !== null), spare.hooks, gone).then((instance) => {
      if (instance !== null && warm !== null && prepared !== undefined) {
        const report = warm.reportOf(instance.tag ?? String(instance.pid));
        spare.warm = { files: prepared.boot.files, report };
        const { env, argv, execArgv } = wakeFor(spec, plan, instance.tag);
        const park: Park = { ...prepared.park, env, argv, execArgv, report };
        instance.write(encodeWake(park));
      }
      return instance;
    });
    this.#spare = spare;
  }

  /** A start with nothing preloaded, through the park script and woken at once, so that it records what it loads. */
  async #launchRecording(spec: InstanceSpec, plan: NodePlan): Promise<Instance> {
    const warm = this.#warm as WarmSpares;
    const instance = await this.deps.launch(this.#spareSpec(spec, plan, true));
    const tag = instance.tag ?? String(instance.pid);
    const wake = wakeFor(spec, plan, instance.tag, warm.recordRequest(tag));
    const park: Park = { env: wake.env, argv: wake.argv, execArgv: wake.execArgv, roots: [], envs: [], main: null, script: path.resolve(spec.cwd, plan.script), report: null, esmRecorder: null };
    instance.write(Buffer.concat([encodeWake(park), encodeWake(wake)]));
    return instance;
  }

  #spareSpec(spec: InstanceSpec, plan: NodePlan, warm: boolean): InstanceSpec {
    const env = { ...spec.env, NODE_OPTIONS: bootNodeOptions(spec.env.NODE_OPTIONS) };
    if (env.NODE_OPTIONS === undefined) delete env.NODE_OPTIONS;
    return {
      ...spec,
      // tsx's own command would start a second Node process: the spare is that process.
      command: plan.runtimeFlags.length > 0 ? 'node' : spec.command,
      args: [...plan.runtimeFlags, ...plan.bootFlags, this.#park as string, ...(warm ? ['--warm'] : [])],
      env,
    };
  }

  /** Why `spare` must not become the instance for `spec`, or undefined. */
  #whyNotWake(spare: Spare, instance: Instance | null, spec: InstanceSpec, changed: readonly string[] | 'unknown', warm: boolean): string | undefined {
    if (instance === null || spare.dead) return 'it exited';
    // The app turned out to install instrumentation since this spare loaded its dependencies.
    if (spare.warm !== null && !warm) return 'warm spares no longer apply';
    const files = new Map(spare.warm?.files);
    // Absent while the spare still loads: it reads what is there now.
    const report = this.#reportOf(spare);
    for (const [file, fingerprint] of report?.files ?? []) if (!files.has(file)) files.set(file, fingerprint);
    const now = { env: spec.env, files: fingerprintAll(files.keys()) };
    return whyStale({ boot: { env: spare.env, files }, now, changed, warm: spare.warm !== null, isSource: isNodeSource, cwd: spec.cwd });
  }

  #reportOf(spare: Spare): SpareReport | undefined {
    if (spare.warm !== null) spare.report ??= this.#warm?.report(spare.warm);
    return spare.report;
  }

  /** The start line: which spare, how much it keeps warm; in full when that kind of spare is new. */
  #announce(spare: Spare): void {
    if (this.#onDemand) return this.deps.logger.verbose('woke a Node runtime booted at the change');
    // A spare woken while it still loads has not said how much yet: the app starts once it is done.
    this.#lines.woke({ runtime: 'Node', warm: spare.warm === null ? null : (this.#reportOf(spare)?.loaded ?? 'loading') });
  }

  #wake(instance: Instance, spare: Spare, spec: InstanceSpec, plan: NodePlan): void {
    wakeHooks(spare.hooks, spec);
    const record = spare.warm === null ? undefined : this.#warm?.recordRequest(instance.tag ?? String(instance.pid));
    instance.write(encodeWake(wakeFor(spec, plan, instance.tag, record)));
    if (spare.warm !== null) this.#warm?.forget(spare.warm);
  }

  async #discard(spare: Spare): Promise<void> {
    const instance = await spare.ready;
    if (instance === null) return;
    spare.dead = true;
    await killSpare(this.deps, instance);
    if (spare.warm !== null) {
      this.#reportOf(spare);
      this.#warm?.forget(spare.warm);
    }
  }
}

/** devreload's own preload (--socket's): it only patches prototypes when the app listens, so it may run after the dependencies. */
function ownPreloads(): string[] {
  try {
    return [assetPath('socket/preload.cjs')];
  } catch {
    return [];
  }
}

/**
 * What a spare fixed at boot besides its environment (staleness.ts compares that): a spec that
 * differs in any of it cannot use the spare.
 */
function keyOf(spec: InstanceSpec, plan: NodePlan): string {
  return JSON.stringify([spec.command, spec.cwd, plan.runtimeFlags, plan.bootFlags, spec.fds ?? [], spec.onOutputLine === undefined, spec.stdoutToStderr === true]);
}
