import type { MachineConfig } from '../core/types.js';
import type { ResolvedOptions } from '../options/resolve.js';
import * as tuning from '../tuning.js';

/**
 * What the restart machine is told once: the user's options, and the tuned numbers (tuning.ts
 * says why each). `signalsForwarded`: devreload's parent passes the terminal's Ctrl-C on to it
 * (forwarding-parent.ts), so the copy may come late.
 */
export function machineConfig(options: ResolvedOptions, signalsForwarded = false): MachineConfig {
  return {
    stopSignal: options.signal,
    killTimeout: options.killTimeout,
    delay: options.delay,
    burstThreshold: tuning.burstThreshold,
    burstDelay: tuning.burstDelayMs,
    duplicateSignalWindow: signalsForwarded ? tuning.forwardedSignalWindowMs : tuning.duplicateSignalWindowMs,
    stopNotice: tuning.stopNoticeMs,
    maxRecordedChanges: tuning.maxRecordedChanges,
    onExit: options.onExit,
    backoffBase: tuning.backoffBaseMs,
    backoffMax: tuning.backoffMaxMs,
    stableAfter: tuning.stableAfterMs,
    build: options.build.length > 0,
    postpone: options.postpone,
    // At the defaults a runtime is booted as soon as a restart is owed (prestart/on-demand); with
    // --prestart one is parked ahead of time already.
    prepare: options.prestart === false,
  };
}
