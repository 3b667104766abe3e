import { execa } from 'execa';

/**
 * execa as a supervisor uses it: every process devreload starts (app instances, build steps and
 * `--prestart` spares through spawn.ts, the watchdog, `ps`) goes through this one bound instance,
 * so that execa's defaults meant for scripts never reach one of them:
 * - `cleanup: false`: execa would install signal-exit handlers on devreload's own SIGINT, SIGTERM
 *   and SIGHUP and kill one pid when devreload exits. devreload handles those signals itself
 *   and stops whole process groups (signal.ts), and the watchdog covers its death.
 * - `forceKillAfterDelay: false`: the kill timeout is devreload's too, for a group, not a pid.
 * - `reject: false`: a non-zero exit is an outcome (an app that crashed, `ps` exiting 1 because
 *   a pid went away), and a spawn that failed is read from the result: no promise is left to
 *   reject unhandled. Where a failure is an error, the call site throws the failed result (it
 *   is execa's error).
 * - `verbose: 'none'`: NODE_DEBUG=execa, meant for an app that uses execa, must not make
 *   devreload log every spawn (and every `ps` table) on its own stderr.
 *
 * Every call site says whether execa buffers the output (`buffer`): a long-running app's must not
 * pile up in devreload's memory, `ps`'s is what is wanted. (Not bound here: execa's types make
 * the result of a call that overrides a bound option `never`.)
 */
export const run = execa({ cleanup: false, forceKillAfterDelay: false, reject: false, verbose: 'none' });
