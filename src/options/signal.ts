import { constants } from 'node:os';
import { DevreloadError } from '../errors.js';

// Signals that cannot ask a process to stop: a stopped app would hang every restart until the
// kill timeout, and SIGCONT/SIGCHLD/SIGWINCH are ignored by default.
const unusable = new Set(['SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGCONT', 'SIGCHLD', 'SIGWINCH', 'SIGURG']);

/** Accepts `SIGTERM`, `TERM`, `term` or a signal number; returns the canonical name. */
export function parseSignal(value: unknown, option: string): NodeJS.Signals {
  const text = String(value).trim();
  const known = constants.signals as Record<string, number | undefined>;
  let name: string | undefined;
  if (/^\d+$/.test(text)) {
    name = Object.keys(known).find((key) => known[key] === Number(text));
  } else {
    const upper = text.toUpperCase();
    const candidate = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    if (known[candidate] !== undefined) name = candidate;
  }
  if (name === undefined) {
    throw new DevreloadError(`${option}: unknown signal ${JSON.stringify(value)} (expected a name such as SIGTERM, SIGINT, SIGUSR2 or SIGKILL)`);
  }
  if (unusable.has(name)) {
    throw new DevreloadError(`${option}: ${name} cannot stop an app (use SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR2 or SIGKILL)`);
  }
  return name as NodeJS.Signals;
}
