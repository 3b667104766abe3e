import type { Instance, InstanceSpec } from '../process/instance.js';
import type { PrestartDeps } from './deps.js';

/** What a spare reports to: nothing while parked, the instance's own once it is woken (wakeHooks). */
export type SpareHooks = Pick<InstanceSpec, 'onOutputLine' | 'onEscaped'>;

/**
 * Spawns a spare of any runtime: an instance in every sense but running user code, in its own
 * session, guarded by the watchdog. What it prints and what escapes it go to `hooks`, which stay
 * empty until a wake. `onGone` runs once it exited, or could not be spawned (then it is null).
 */
export function spawnSpare(deps: PrestartDeps, spec: InstanceSpec, hooks: SpareHooks, onGone: () => void): Promise<Instance | null> {
  const forwarding: InstanceSpec = {
    ...spec,
    onOutputLine: spec.onOutputLine === undefined ? undefined : (line, stream) => hooks.onOutputLine?.(line, stream),
    onEscaped: (pid, startTime) => hooks.onEscaped?.(pid, startTime),
  };
  return deps.launch(forwarding).then(
    (instance) => {
      deps.watchdog()?.watch(instance.pid);
      void instance.exited.then(onGone);
      return instance;
    },
    (error: unknown) => {
      onGone();
      deps.logger.verbose(`could not prestart a spare: ${String(error)}`);
      return null;
    },
  );
}

/** The woken spare is the instance `spec` asked for: its output and escapes are that instance's. */
export function wakeHooks(hooks: SpareHooks, spec: InstanceSpec): void {
  hooks.onOutputLine = spec.onOutputLine;
  hooks.onEscaped = spec.onEscaped;
}

/** Kills a spare (it runs no user code: nothing to shut down gracefully) and waits until it is gone. */
export async function killSpare(deps: PrestartDeps, instance: Instance): Promise<void> {
  await instance.signal('SIGKILL').catch(() => []);
  await instance.gone.catch(() => undefined);
  deps.watchdog()?.unwatch(instance.pid);
}
