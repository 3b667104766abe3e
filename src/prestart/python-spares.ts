import { rmSync } from 'node:fs';
import path from 'node:path';
import { assetPath } from '../assets.js';
import type { Instance, InstanceSpec } from '../process/instance.js';
import { spareDelayMs } from '../tuning.js';
import type { PrestartDeps } from './deps.js';
import { findPythonCommand, type PythonCommand } from './python-command.js';
import { planPython, type PythonPlan } from './python-plan.js';
import { createScratch, mtimeNs, readStatus } from './python-scratch.js';
import { isPythonSource } from './python-staleness.js';
import { encodePythonWake, loadAfterApp, parkArgs, pythonWakeFor, type ParkConfig } from './python-wake.js';
import { SpareLines } from './spare-line.js';
import { killSpare, spawnSpare, wakeHooks, type SpareHooks } from './spare-process.js';
import { whyStale, type SpareInputs } from './staleness.js';

interface Spare {
  /** What the spare booted with: a spec that needs anything else gets a fresh start. */
  readonly key: string;
  /** The environment it booted (and loaded its dependencies) in. */
  readonly env: SpareInputs['env'];
  readonly status: string;
  /** Its status, what it printed while parked, the record it followed: removed once it is woken or gone. */
  readonly files: readonly string[];
  ready: Promise<Instance | null>;
  readonly hooks: SpareHooks;
  dead: boolean;
}

interface Ready {
  readonly plan: PythonPlan;
  readonly park: string;
  readonly shim: string;
  readonly scratch: string;
}

/**
 * `--prestart` for Python (python-park.py is the spare): every start is a spare's wake, so every
 * instance records the third-party modules it loads, and the next spare, booted spareDelayMs
 * later, imports them while parked. A cold start is a spare woken at once (nothing preloaded). A
 * spare that a change made stale (staleness.ts) is discarded, and that start is cold.
 */
export class PythonSpares {
  #ready: Ready | null | undefined;
  #spare: Spare | null = null;
  #cancelNext: (() => void) | null = null;
  #closed: Promise<void> | null = null;
  #count = 0;
  /** Set once a spare found that loading dependencies ahead would change the app's order (or --prestart=runtime asked for that). */
  #runtimeOnly: string | null;
  readonly #said = new Set<string>();
  readonly #lines: SpareLines;

  constructor(
    private readonly deps: PrestartDeps,
    private readonly command: PythonCommand,
  ) {
    this.#runtimeOnly = deps.mode === 'runtime' ? '--prestart=runtime' : null;
    this.#lines = new SpareLines(deps.logger);
  }

  /** Starts `spec`, from the spare where it fits; `changed` is what changed since the last start (knownChanges). */
  launch = async (spec: InstanceSpec, changed: readonly string[] | 'unknown'): Promise<Instance> => {
    this.#cancelNext?.();
    this.#cancelNext = null;
    const ready = this.#prepareOnce(spec);
    if (ready === null) return this.deps.launch(spec);
    const spare = this.#spare;
    this.#spare = null;
    const record = path.join(ready.scratch, `record-${++this.#count}`);
    const instance = (spare === null ? null : await this.#wake(spare, spec, ready, record, changed)) ?? (await this.#cold(spec, ready, record));
    if (this.#closed === null) this.#cancelNext = this.deps.clock.after(spareDelayMs, () => this.#park(spec, ready, record));
    return instance;
  };

  /** Kills the spare, waits until it is gone, removes the scratch folder. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#cancelNext?.();
      const spare = this.#spare;
      this.#spare = null;
      if (spare !== null) await this.#discard(spare);
      if (this.#ready) rmSync(this.#ready.scratch, { recursive: true, force: true });
    })();
    return this.#closed;
  }

  /** The plan and the files, once (the command never changes); null when spares do not apply. */
  #prepareOnce(spec: InstanceSpec): Ready | null {
    if (this.#ready !== undefined) return this.#ready;
    const script = this.command.kind === 'console' ? this.command.script : undefined;
    const planned = planPython(spec.command, spec.args, spec.env, script);
    try {
      if (!planned.ok) throw new Error(planned.reason);
      this.#ready = { plan: planned.plan, park: assetPath('prestart/python-park.py'), shim: path.dirname(assetPath('prestart/python-boot/sitecustomize.py')), scratch: createScratch() };
    } catch (error) {
      this.deps.logger.warn(`--prestart does not apply: ${error instanceof Error ? error.message : String(error)}; restarting the ordinary way`);
      this.#ready = null;
    }
    return this.#ready;
  }

  /** A cold start: a spare woken at once, so that it records what it loads. */
  async #cold(spec: InstanceSpec, ready: Ready, record: string): Promise<Instance> {
    const status = path.join(ready.scratch, `cold-${this.#count}`);
    const config: ParkConfig = { mode: 'cold', status, capture: status };
    const instance = await this.deps.launch({ ...spec, command: ready.plan.interpreter, args: parkArgs(ready.plan, ready.park, config) });
    instance.write(encodePythonWake(pythonWakeFor(spec, ready.plan, instance.tag, record)));
    return instance;
  }

  async #wake(spare: Spare, spec: InstanceSpec, ready: Ready, record: string, changed: readonly string[] | 'unknown'): Promise<Instance | null> {
    const stale = this.#unfit(spare, spec, ready, changed);
    const instance = stale === undefined ? await spare.ready : null;
    if (instance === null || spare.dead) {
      if (stale) this.deps.logger.verbose(`--prestart: ${stale}: starting cold`);
      void this.#discard(spare);
      return null;
    }
    wakeHooks(spare.hooks, spec);
    instance.write(encodePythonWake(pythonWakeFor(spec, ready.plan, instance.tag, record)));
    this.#announce(spare);
    forget(spare);
    return instance;
  }

  /** Why the spare cannot be this start: '' when it booted for another command line. */
  #unfit(spare: Spare, spec: InstanceSpec, ready: Ready, changed: readonly string[] | 'unknown'): string | undefined {
    const status = readStatus(spare.status);
    if (status?.tainted != null) {
      this.#fallBack(status.tainted);
      return status.tainted;
    }
    if (spare.key !== keyOf(spec, ready.plan)) return '';
    // A pip install or removal moves a site folder's mtime. Site ran at boot (its .pth files,
    // sitecustomize) in a runtime-only spare too: every spare counts as warm here.
    const sites = status?.sites ?? [];
    const boot = new Map(sites.map(([dir, then]) => [dir, then ?? '-']));
    const now = new Map(sites.map(([dir]) => [dir, mtimeNs(dir) ?? '-']));
    const dirs = sites.map(([dir]) => dir);
    return whyStale({
      boot: { env: spare.env, files: boot },
      now: { env: spec.env, files: now },
      changed,
      warm: true,
      isSource: (file) => isPythonSource(file, dirs),
      cwd: spec.cwd,
    });
  }

  #park(spec: InstanceSpec, ready: Ready, record: string): void {
    this.#cancelNext = null;
    if (this.#closed !== null || this.#spare !== null) return;
    const status = path.join(ready.scratch, `spare-${this.#count}`);
    const config: ParkConfig = {
      mode: this.#runtimeOnly === null ? 'warm' : 'runtime',
      status: `${status}.json`,
      capture: status,
      record,
      run: ready.plan.run,
      user: [spec.cwd, ...(this.deps.userPaths ?? [])],
      shim: ready.shim,
      pythonpath: spec.env.PYTHONPATH ?? null,
      after: loadAfterApp,
    };
    const spareSpec: InstanceSpec = {
      ...spec,
      command: ready.plan.interpreter,
      args: parkArgs(ready.plan, ready.park, config),
      // site imports python-boot/'s empty sitecustomize and usercustomize; the spare imports the real ones.
      env: { ...spec.env, PYTHONPATH: spec.env.PYTHONPATH ? `${ready.shim}${path.delimiter}${spec.env.PYTHONPATH}` : ready.shim },
    };
    const files = [config.status, `${status}.out`, `${status}.err`, record];
    const spare: Spare = { key: keyOf(spec, ready.plan), env: spec.env, status: config.status, files, hooks: {}, dead: false, ready: Promise.resolve(null) };
    spare.ready = spawnSpare(this.deps, spareSpec, spare.hooks, () => (spare.dead = true));
    this.#spare = spare;
  }

  /** The start line: which spare, how much it keeps warm; in full when that kind of spare is new. */
  #announce(spare: Spare): void {
    const status = readStatus(spare.status);
    if (status?.runtimeOnly != null) this.#say(`--prestart: ${status.runtimeOnly}: the Python spare keeps the runtime only, to keep that order`);
    if (status?.stoppedAt != null) this.#say(`--prestart: ${status.stoppedAt} patches what is imported after it: only the modules loaded before it are kept warm`);
    // No status yet: woken before it wrote one, it imports the rest before the app runs.
    const warm = this.#runtimeOnly !== null || status?.runtimeOnly != null ? null : (status?.warm ?? 'loading');
    this.#lines.woke({ runtime: 'Python', warm });
  }

  #fallBack(reason: string): void {
    this.#runtimeOnly ??= reason;
    this.#say(`--prestart: ${reason}: the Python spare keeps the runtime only from now on`);
  }

  #say(line: string): void {
    if (this.#said.has(line)) return;
    this.#said.add(line);
    this.deps.logger.info(line);
  }

  async #discard(spare: Spare): Promise<void> {
    const instance = await spare.ready;
    if (instance !== null) {
      spare.dead = true;
      await killSpare(this.deps, instance);
    }
    forget(spare);
  }
}

/** A long session leaves one record per instance otherwise. */
function forget(spare: Spare): void {
  for (const file of spare.files) rmSync(file, { force: true });
}

/**
 * What a spare fixed at boot besides its environment (staleness.ts compares that: Python reads
 * PYTHON* at boot, dependencies read the rest): a spec that differs in any of it cannot use it.
 */
function keyOf(spec: InstanceSpec, plan: PythonPlan): string {
  return JSON.stringify([
    plan.interpreter,
    plan.bootArgs,
    spec.cwd,
    spec.fds ?? [],
    spec.onOutputLine === undefined,
    spec.stdoutToStderr === true,
  ]);
}

/** Spares for a Python command (an interpreter or a console script); undefined for any other. */
export function pythonSparesFor(spec: InstanceSpec, deps: PrestartDeps): PythonSpares | undefined {
  const command = findPythonCommand(spec.command, spec.cwd, spec.env);
  return command === undefined ? undefined : new PythonSpares(deps, command);
}
