import { describe, expect, it } from 'vitest';
import { knownSwitches, parseCli, parseFlags } from '../../src/cli/main.js';
import { negatedFlags, switchFlags } from '../../src/cli/options.js';

// Known switches alone skip cac (about 1 ms on the way to the first spawn): what they mean must
// be exactly what cac makes of them.
describe('switches without the option parser', () => {
  const spellings = [...switchFlags().keys()];
  const names = [...new Set(switchFlags().values())];

  it('knows every switch, in both spellings, those whose value is optional, and nothing that needs a value', () => {
    expect(spellings).toEqual(expect.arrayContaining(['--verbose', '-V', '--quiet', '-q', '--json', '--clear', '--prestart', '--poll', '--postpone', '--help', '-h', '--version', '-v']));
    expect(spellings.some((s) => ['--watch', '-w', '--delay', '--no-gitignore'].includes(s))).toBe(false);
    expect([...negatedFlags()].sort()).toEqual(['--no-gitignore', '--no-workspaces']);
  });

  it('reads each switch, alone and with others and the --no- ones, as cac does', () => {
    const sets = [...spellings.map((s) => [s]), [...spellings], ['--json', '-q', '--no-gitignore'], ['--no-workspaces', '-V', '--clear'], []];
    for (const flags of sets) {
      const fast = knownSwitches(flags);
      expect(fast, flags.join(' ')).toBeDefined();
      const slow = parseFlags(flags, () => undefined);
      for (const name of names) expect(fast?.[name] === true, `${name} in ${flags.join(' ')}`).toBe(slow[name] === true);
    }
  });

  it('a switch given twice is on, with or without cac', () => {
    expect(parseCli(['-V', '-V', '--', 'node', 'a.js'])).toMatchObject({ options: { logLevel: 'verbose' } });
    // An unknown option sends the flags through cac, which makes the repeated switch [true, true].
    expect(parseCli(['-V', '-V', '-qV', '--', 'node', 'a.js'])).toMatchObject({ options: { logLevel: 'verbose' } });
    expect(parseCli(['--json', '--json', '-qV', '--', 'node', 'a.js'])).toMatchObject({ json: true });
    expect(parseCli(['--prestart', '--prestart', '-qV', '--', 'node', 'a.js'])).toMatchObject({ options: { prestart: true } });
  });

  it('leaves anything else to cac: combined short flags, unknown options, stray arguments', () => {
    expect(knownSwitches(['-qV'])).toBeUndefined();
    expect(knownSwitches(['--verbos'])).toBeUndefined();
    expect(knownSwitches(['--poll', '--prestart'])).toEqual({ poll: true, prestart: true });
    expect(knownSwitches(['--json', 'stray'])).toBeUndefined();
    expect(parseCli(['-qV', '--', 'node', 'a.js'])).toMatchObject({ kind: 'run', options: { logLevel: 'verbose' } });
    expect(() => parseCli(['--verbos', '--', 'node', 'a.js'])).toThrow(/Unknown option --verbos — did you mean --verbose\?/);
    expect(() => parseCli(['stray', '--', 'node', 'a.js'])).toThrow(/unexpected argument "stray"/);
  });

  it('gives the same run as before for the usual command lines', () => {
    expect(parseCli(['--watch', 'src', '--', 'node', 'server.js'])).toEqual({ kind: 'run', options: { command: 'node', args: ['server.js'], watch: ['src'] }, config: undefined, clear: false, json: false });
    expect(parseCli(['--prestart', '-V', '--no-gitignore', '--', 'node', 'server.js'])).toEqual({
      kind: 'run',
      options: { command: 'node', args: ['server.js'], gitignore: false, prestart: true, logLevel: 'verbose' },
      config: undefined,
      clear: false,
      json: false,
    });
    expect(parseCli(['-h'])).toEqual({ kind: 'help' });
    expect(parseCli(['--version'])).toEqual({ kind: 'version' });
  });
});
