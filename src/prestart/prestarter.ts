import type { Changes } from '../core/types.js';
import type { Instance, InstanceSpec } from '../process/instance.js';
import type { PrestartDeps } from './deps.js';
import { NodeSpares } from './node-spares.js';
import { pythonSparesFor, type PythonSpares } from './python-spares.js';
import { knownChanges } from './staleness.js';

export type { PrestartDeps, PrestartMode } from './deps.js';

/**
 * `--prestart`: stands in for the instance launcher, keeping a spare of the app's runtime booted
 * and parked for the next start. Which runtime is decided at the first launch (the command never
 * changes): Python's spares (python-spares.ts), else Node's (node-spares.ts), which say once
 * themselves when they do not apply. At the defaults (`onDemand`, deps.ts), Node's only, booted
 * when prepare() says a start is owed.
 */
export class Prestarter {
  #runtime: NodeSpares | PythonSpares | undefined;
  #changes: Changes | null = null;
  #closed: Promise<void> | null = null;

  constructor(private readonly deps: PrestartDeps) {}

  /** What changed for the next start: the supervisor says so right before it launches. */
  changed(changes: Changes | null): void {
    this.#changes = changes;
  }

  launch = (spec: InstanceSpec): Promise<Instance> => {
    // Taken here for either runtime, in the form their staleness checks read.
    const changed = knownChanges(this.#changes);
    this.#changes = null;
    return this.#runtimeFor(spec).launch(spec, changed);
  };

  /** A start is owed (the machine's `prepare`): on demand, boot its spare now. */
  prepare(spec: InstanceSpec): void {
    const runtime = this.#runtimeFor(spec);
    if (runtime instanceof NodeSpares) runtime.prepare(spec);
  }

  #runtimeFor(spec: InstanceSpec): NodeSpares | PythonSpares {
    // On demand (the defaults) only Node's runtime-only spare, which is exactly a fresh start.
    this.#runtime ??= (this.deps.onDemand === true ? undefined : pythonSparesFor(spec, this.deps)) ?? new NodeSpares(this.deps);
    return this.#runtime;
  }

  /** Kills the spare and waits until it is gone. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#runtime?.close() ?? Promise.resolve();
    return this.#closed;
  }
}
