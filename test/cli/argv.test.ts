import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/main.js';
import { cliOptions } from '../../src/cli/options.js';
import { resolveOptions, type DevreloadOptions } from '../../src/options/resolve.js';

const valueOptions = cliOptions.filter((o) => o.value !== undefined);
const spellings = (flags: string) => flags.split(/[\s,]+/).filter((part) => part.startsWith('-'));

/** What the command line asks for, validated as the CLI does (or the error it gives). */
function resolved(argv: string[]): ReturnType<typeof resolveOptions> {
  const parsed = parseCli(argv);
  if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
  return resolveOptions({ command: 'node', ...parsed.options } as DevreloadOptions, 'cli');
}

function options(argv: string[]): Partial<DevreloadOptions> {
  const parsed = parseCli(argv);
  if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
  return parsed.options;
}

describe('an option given without its value says so, naming the option and what it expects', () => {
  const required = valueOptions.filter((o) => o.value === 'required');

  it('covers every option that takes a value', () => {
    expect(required.map((o) => o.flags)).toEqual(expect.arrayContaining(['-w, --watch <path>', '-e, --ext <list>', '--socket <[host:]port>', '-k, --kill-timeout <ms>']));
    expect(required.length + 3).toBe(valueOptions.length); // + --poll, --proxy and --prestart, whose values are optional
  });

  for (const option of required) {
    const [first, ...rest] = spellings(option.flags);
    const long = [first, ...rest].find((s) => s?.startsWith('--'))!;
    for (const spelling of [first!, ...rest]) {
      const name = spelling === long ? spelling : `${spelling} (${long})`;
      const missing = (after: string) => new RegExp(`^${escape(name)}: the value is missing${after}; expected ${escape(option.expects)}`);

      it(`${spelling} before \`--\`, at the end, before another option, and empty`, () => {
        expect(() => parseCli([spelling, '--', 'node', 'server.js'])).toThrow(missing(''));
        expect(() => parseCli(['--verbose', spelling])).toThrow(missing(''));
        expect(() => parseCli([spelling, '--verbose', 'node', 'server.js'])).toThrow(missing(escape(' (--verbose is an option)')));
        expect(() => parseCli([spelling, '', '--', 'node'])).toThrow(new RegExp(`^${escape(name)}: the value is empty; expected`));
        expect(() => parseCli([`${spelling}=`, '--', 'node'])).toThrow(new RegExp(`^${escape(name)}: the value is empty; expected`));
      });
    }
  }

  it('--prestart without a mode is warm; runtime or warm after it (or after =) is its mode, anything else the command', () => {
    expect(options(['--prestart', '--', 'node']).prestart).toBe(true);
    expect(options(['--prestart', 'node', 'server.js'])).toMatchObject({ prestart: true, command: 'node', args: ['server.js'] });
    expect(options(['--prestart', 'runtime', 'node', 'server.js'])).toMatchObject({ prestart: 'runtime', command: 'node' });
    expect(options(['--prestart=runtime', '--', 'node'])).toMatchObject({ prestart: 'runtime' });
    expect(options(['--prestart', 'warm', '--', 'node'])).toMatchObject({ prestart: 'warm' });
    // Checked where every source's value is (resolveOptions): see test/e2e/bad-input.test.ts.
    expect(options(['--prestart=cold', '--', 'node'])).toMatchObject({ prestart: 'cold' });
    expect(() => parseCli(['--prestart=', '--', 'node'])).toThrow(/^--prestart: the value is empty; expected runtime or warm/);
  });

  it('--poll without a number polls at the default interval; a number after it is its value', () => {
    expect(options(['--poll', '--', 'node']).poll).toBe(true);
    expect(options(['--poll', 'node', 'server.js'])).toMatchObject({ poll: true, command: 'node', args: ['server.js'] });
    expect(options(['--poll', '250', 'node'])).toMatchObject({ poll: '250', command: 'node' });
  });
});

describe('negative durations are named as such', () => {
  const cases: Array<[string[], string]> = [
    [['--kill-timeout', '-5'], '--kill-timeout'],
    [['-k', '-5'], '--kill-timeout'],
    [['--kill-timeout=-5'], '--kill-timeout'],
    [['--delay', '-1'], '--delay'],
    [['-d', '-1.5'], '--delay'],
    [['--poll', '-5'], '--poll'],
  ];
  for (const [args, option] of cases) {
    it(args.join(' '), () => {
      expect(() => resolved([...args, '--', 'node'])).toThrow(new RegExp(`^${escape(option)}: must not be negative, got -[\\d.]+ \\(expected a duration in milliseconds`));
    });
  }

  it('the API and the config file get the same message, naming their key', () => {
    expect(() => resolveOptions({ command: 'node', killTimeout: -5 })).toThrow(/^killTimeout: must not be negative, got -5/);
    expect(() => resolveOptions({ command: 'node', delay: '-1' as unknown as number })).toThrow(/^delay: must not be negative, got -1/);
  });

  it('a negative number is not taken for an option of its own', () => {
    // It is the value of the option before it; without `--`, the command starts after it.
    expect(options(['--kill-timeout', '-5', 'node', 'server.js'])).toMatchObject({ killTimeout: '-5', command: 'node', args: ['server.js'] });
  });
});

describe('values arrive as typed', () => {
  it('numbers that are paths, globs and names stay strings', () => {
    expect(options(['-w', '010', '--ignore', '1', '-e', '2', '--', 'node'])).toMatchObject({ watch: ['010'], ignore: ['1'], ext: ['2'] });
  });

  it('a short option takes a value attached to it, as getopt does (-d500, -wsrc)', () => {
    expect(options(['-d500', '-k2000', '-wsrc', '-wlib', '-ejs,ts', 'node', 'server.js'])).toMatchObject({ delay: '500', killTimeout: '2000', watch: ['src', 'lib'], ext: ['js,ts'], command: 'node', args: ['server.js'] });
    expect(() => parseCli(['-d5', 'node', 'server.js'])).toThrow(/^-d 5 means 5 ms here/);
  });

  it('repeatable options collect every value; single ones keep the last', () => {
    expect(options(['-w', 'a', '--watch=b', '-d', '50', '--delay', '70', 'node'])).toMatchObject({ watch: ['a', 'b'], delay: '70', command: 'node' });
  });

  it('without `--`, the first argument that is not an option or a value starts the command', () => {
    expect(options(['-w', 'src', '-k', '100', 'node', 'server.js', '--watch', 'x'])).toMatchObject({
      watch: ['src'],
      killTimeout: '100',
      command: 'node',
      args: ['server.js', '--watch', 'x'],
    });
  });

  it('a value may start with "-" when written with "="', () => {
    expect(options(['--ignore=-draft', '--', 'node']).ignore).toEqual(['-draft']);
  });
});

describe('switches', () => {
  it('a switch given twice is still on; short switches combine', () => {
    expect(parseCli(['-V', '-V', '--', 'node', 'a.js'])).toMatchObject({ options: { logLevel: 'verbose' } });
    expect(parseCli(['--json', '--json', '--prestart', '--prestart', '--', 'node', 'a.js'])).toMatchObject({ json: true, options: { prestart: true } });
    expect(parseCli(['-qV', '--', 'node', 'a.js'])).toMatchObject({ kind: 'run', options: { logLevel: 'verbose' } });
  });

  it('--no-gitignore and --no-workspaces turn their setting off; absent, the setting is left to the config file', () => {
    expect(options(['--no-gitignore', '--no-workspaces', '--', 'node'])).toMatchObject({ gitignore: false, workspaces: false });
    const none = options(['--', 'node']);
    expect('gitignore' in none || 'workspaces' in none).toBe(false);
  });

  it('--gitignore and --workspaces turn their setting back on (over a config file that turned it off); the last of --x and --no-x wins', () => {
    expect(options(['--gitignore', '--workspaces', '--', 'node'])).toMatchObject({ gitignore: true, workspaces: true });
    expect(options(['--gitignore', '--no-gitignore', '--no-workspaces', '--workspaces', '--', 'node'])).toMatchObject({ gitignore: false, workspaces: true });
  });

  it('the usual command lines', () => {
    expect(parseCli(['--watch', 'src', '--', 'node', 'server.js'])).toEqual({ kind: 'run', options: { command: 'node', args: ['server.js'], watch: ['src'] }, config: undefined, clear: false, json: false, printConfig: false, notes: [] });
    expect(parseCli(['-h'])).toEqual({ kind: 'help' });
    expect(parseCli(['--version'])).toEqual({ kind: 'version' });
  });

  it('an unknown option names the closest one; an argument before `--` is not taken for the command', () => {
    expect(() => parseCli(['--verbos', '--', 'node', 'a.js'])).toThrow(/^Unknown option --verbos — did you mean --verbose\?/);
    expect(() => parseCli(['--quiet', 'yes', '--', 'node', 'a.js'])).toThrow(/^unexpected argument "yes" before the command/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

describe('--no-<option> is only what devreload declares', () => {
  // cac would read `--no-build` as `build: false` and run `false` as a build step, `--no-watch` as a
  // path named "false", and drop `--no-prestart` silently.
  it('refuses the negation of every option that declares none, naming it, before anything runs', () => {
    const declared = new Set(['--no-gitignore', '--no-workspaces', '--no-stdin', '--no-update-notifier', '--no-colors', '--no-colours']);
    const names = cliOptions.flatMap((option) => option.flags.split(/[\s,]+/)).filter((s) => s.startsWith('--') && !s.startsWith('--no-'));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const negation = `--no-${name.slice(2)}`;
      if (declared.has(negation)) continue;
      expect(() => parseCli([negation, '--', 'node', 'server.js']), negation).toThrow(new RegExp(`^Unknown option ${negation}: only --no-gitignore and --no-workspaces turn a default off`));
      expect(() => parseCli([`${negation}=x`, '--', 'node', 'server.js']), negation).toThrow(new RegExp(`^Unknown option ${negation}:`));
    }
  });

  it('keeps the declared ones', () => {
    const parsed = parseCli(['--no-gitignore', '--no-workspaces', '--', 'node', 'server.js']);
    expect(parsed.kind === 'run' && parsed.options).toMatchObject({ gitignore: false, workspaces: false });
  });
});
