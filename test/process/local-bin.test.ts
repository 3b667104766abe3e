import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localBinPath } from '../../src/process/local-bin.js';

describe('localBinPath', () => {
  it('puts every node_modules/.bin from the project up to the root first, then this Node’s folder, then PATH', () => {
    const env = localBinPath('/repo/apps/api', { PATH: '/usr/bin:/bin', HOME: '/h' });
    expect(env.PATH?.split(path.delimiter)).toEqual([
      '/repo/apps/api/node_modules/.bin',
      '/repo/apps/node_modules/.bin',
      '/repo/node_modules/.bin',
      '/node_modules/.bin',
      path.dirname(process.execPath),
      '/usr/bin:/bin'.split(':')[0],
      '/bin',
    ]);
    expect(env.HOME).toBe('/h');
  });

  it('keeps the variable’s own spelling, and works without any PATH', () => {
    expect(Object.keys(localBinPath('/p', { Path: '/x' }))).toEqual(['Path']);
    expect(localBinPath('/p', {}).PATH?.endsWith(path.dirname(process.execPath))).toBe(true);
  });
});
