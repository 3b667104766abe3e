import { hasCommand } from '../e2e/harness.js';

// Tests that need a tool the OS may lack (ps on a slim container, script from util-linux) skip
// with that reason instead of failing with a spawn error; the check is the e2e harness's.
export { hasCommand };
export const hasPs = hasCommand('ps');
export const hasScript = hasCommand('script');
