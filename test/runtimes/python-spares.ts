import { existsSync, readFileSync } from 'node:fs';
import { readProcStat } from '../../src/process/proc-stat.js';
import type { ParkConfig } from '../../src/prestart/python-wake.js';
import type { SpareStatus } from '../../src/prestart/python-scratch.js';
import { waitUntil } from '../e2e/harness.js';
import { readdirSync } from 'node:fs';

/** The command line of `pid`, split into its words; empty once it is gone. */
function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return [];
  }
}

/**
 * devreload's children that run src/prestart/python-park.py and are not one of `instances`: its
 * parked Python spares (a woken spare keeps that command line: it is the app now).
 */
export function parkedPython(devreload: number, instances: readonly number[]): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || instances.includes(pid)) continue;
    if (readProcStat(pid)?.ppid !== devreload) continue;
    const words = cmdline(pid);
    if (words.some((word) => word.endsWith('prestart/python-park.py')) && spareConfig(pid)?.mode !== 'cold') found.push(pid);
  }
  return found;
}

/** The config devreload gave the spare `pid` (the last word of its command line). */
export function spareConfig(pid: number): ParkConfig | undefined {
  const last = cmdline(pid).at(-1);
  try {
    return last === undefined ? undefined : (JSON.parse(last) as ParkConfig);
  } catch {
    return undefined;
  }
}

/** The spare's last report (found from its command line: read the file itself once it may have exited). */
export function spareStatus(pid: number): SpareStatus | undefined {
  return readReport(spareConfig(pid)?.status);
}

export function readReport(file: string | undefined): SpareStatus | undefined {
  try {
    return file === undefined || !existsSync(file) ? undefined : (JSON.parse(readFileSync(file, 'utf8')) as SpareStatus);
  } catch {
    return undefined;
  }
}

/** Lines the previous instance recorded (the modules the spare loads). */
export function recordedBy(pid: number): string[] {
  const file = spareConfig(pid)?.record;
  return file === undefined || !existsSync(file) ? [] : readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
}

/** Waits until the parked spare `pid` has acted on every module the previous instance recorded so far. */
export async function waitPreloaded(pid: number, describe: () => string): Promise<void> {
  await waitUntil(
    () => {
      const recorded = recordedBy(pid).length;
      return recorded > 0 && (spareStatus(pid)?.lines ?? -1) >= recorded;
    },
    { timeout: 30_000, describe: () => `spare ${pid} to load the ${recordedBy(pid).length} recorded modules (status ${JSON.stringify(spareStatus(pid))})\n${describe()}` },
  );
}

/** The one parked spare, once there is one. */
export async function oneParked(devreload: number, instances: () => readonly number[], describe: () => string): Promise<number> {
  await waitUntil(() => parkedPython(devreload, instances()).length === 1, {
    timeout: 30_000,
    describe: () => `one parked Python spare (found ${JSON.stringify(parkedPython(devreload, instances()))})\n${describe()}`,
  });
  return parkedPython(devreload, instances())[0] as number;
}
