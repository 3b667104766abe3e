import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

describe('platforms', () => {
  it('on Windows, devreload exits 1 with one line pointing to docs/windows.md, before parsing anything', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (text: string) => out.push(text), stderr: (text: string) => err.push(text), platform: 'win32' as const };
    // Even valid and invalid arguments alike: nothing is parsed or started.
    for (const argv of [['--', 'node', 'server.js'], ['--no-such-option']]) {
      err.length = 0;
      expect(await main(argv, io)).toBe(1);
      expect(err).toEqual(['[devreload] error: Windows is not supported yet; see docs/windows.md for what it would take\n']);
    }
    expect(out).toEqual([]);
  });

  it('on Linux and macOS the same arguments are parsed as usual', async () => {
    const err: string[] = [];
    for (const platform of ['linux', 'darwin'] as const) {
      err.length = 0;
      const code = await main(['--no-such-option'], { stdout: () => undefined, stderr: (text) => err.push(text), platform });
      expect(code).toBe(2);
      expect(err.join('')).toMatch(/Unknown option/);
    }
  });
});
