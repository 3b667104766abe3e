import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/log/shell-quote.js';

/** What a real POSIX shell makes of the quoted line: the argv it would run. */
function throughShell(line: string): string[] {
  const run = spawnSync('sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return run.stdout.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it('leaves plain words alone', () => {
    expect(shellQuote(['node', '--inspect=9229', 'src/server.js', '-p', '3000', 'a,b', 'user@host:8080', '50%', '+x'])).toBe(
      'node --inspect=9229 src/server.js -p 3000 a,b user@host:8080 50% +x',
    );
  });

  it('quotes spaces, quotes, globs, variables, substitutions and separators', () => {
    expect(shellQuote(['node', 'my app.js', "it's", '*.js', '$HOME', '$(rm -rf x)', 'a;b', 'a|b', 'a&b', '`x`', '"q"', '~', '#c', '{a,b}', '']))
      .toBe(`node 'my app.js' 'it'\\''s' '*.js' '$HOME' '$(rm -rf x)' 'a;b' 'a|b' 'a&b' '\`x\`' '"q"' '~' '#c' '{a,b}' ''`);
  });

  it('quotes an "=" in the program name, where the shell would take it for an assignment', () => {
    expect(shellQuote(['A=1', 'A=1'])).toBe("'A=1' A=1");
  });

  it('a real shell reads every argument back exactly', () => {
    const argv = ['node', 'my app.js', "it's", 'two\nlines', '*', '$HOME', '$(touch pwned)', '; rm -rf x', '"quoted"', 'tab\there', 'back\\slash', '!', '', 'é', "''", 'a=b'];
    // printf stands in for the program; the shell sees the line exactly as the log prints it.
    expect(throughShell(shellQuote(argv.slice(1)))).toEqual(argv.slice(1));
  });
});
