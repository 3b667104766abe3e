import { spawnSync } from 'node:child_process';

/**
 * Whether `name` is on PATH. Tests that need a tool the OS may lack (ps on a slim container,
 * script from util-linux) skip with that reason instead of failing with a spawn error.
 */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' }).status === 0;
}

export const hasPs = hasCommand('ps');
export const hasScript = hasCommand('script');
