import { describe, expect, it } from 'vitest';
import { bootNodeOptions, planPrestart } from '../../src/prestart/plan.js';
import { splitNodeOptions } from '../../src/process/node-options.js';

describe('planPrestart', () => {
  it('node script args: boots bare, runs the script with its arguments', () => {
    const planned = planPrestart('node', ['--enable-source-maps', 'server.js', '--port', '3000'], {});
    expect(planned).toEqual({
      ok: true,
      plan: { bootFlags: ['--enable-source-maps'], runtimeFlags: [], preloads: [], execArgv: ['--enable-source-maps'], script: 'server.js', args: ['--port', '3000'] },
    });
  });

  it('preloads never run at boot: NODE_OPTIONS ones first, then the command line’s, in order', () => {
    const planned = planPrestart('/usr/bin/node', ['-r', './a.cjs', '--import=./b.mjs', '--max-old-space-size', '512', 'app.mjs'], {
      NODE_OPTIONS: '--require "/x y/dbg.js" --no-warnings',
    });
    expect(planned.ok && planned.plan).toMatchObject({
      bootFlags: ['--max-old-space-size', '512'],
      preloads: [
        { kind: 'require', specifier: '/x y/dbg.js' },
        { kind: 'require', specifier: './a.cjs' },
        { kind: 'import', specifier: './b.mjs' },
      ],
      execArgv: ['-r', './a.cjs', '--import=./b.mjs', '--max-old-space-size', '512'],
      script: 'app.mjs',
    });
  });

  it('tsx: the spare boots with tsx’s runtime, which is not a user preload', () => {
    const planned = planPrestart('tsx', ['src/server.ts'], {}, '/p/node_modules/tsx/dist');
    expect(planned.ok && planned.plan.runtimeFlags).toEqual(['--require', '/p/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///p/node_modules/tsx/dist/loader.mjs']);
    expect(planPrestart('tsx', ['src/server.ts'], {})).toEqual({ ok: false, reason: expect.stringMatching(/tsx runtime/) });
  });

  it.each([
    [['--inspect', 'server.js'], {}, /inspector/],
    [['--inspect-brk=9230', 'server.js'], {}, /inspector/],
    [['server.js'], { NODE_OPTIONS: '--inspect=0' }, /inspector/],
    [['-e', 'console.log(1)'], {}, /no script/],
    [[], {}, /no script/],
    [['--watch', 'server.js'], {}, /node --watch/],
    [['--loader', 'ts-node/esm', 'server.js'], {}, /--loader/],
    [['--env-file=.env', 'server.js'], {}, /env-file/],
    [['--import', 'tsx', 'server.ts'], {}, /package/],
    // A flag devreload cannot tell takes a value: the script could be the next word or the one after.
    [['--cpu-prof', '--some-future-flag', 'prof', 'server.js'], {}, /does not know this node option/],
    [['-pe', '1'], {}, /does not know|no script/],
  ] as const)('does not apply to node %j with %j', (args, env, reason) => {
    const planned = planPrestart('node', args, env);
    expect(planned.ok).toBe(false);
    expect(!planned.ok && planned.reason).toMatch(reason);
  });

  it('reads the flags it knows whatever their form, and finds the script after them', () => {
    const planned = planPrestart('node', ['--cpu-prof', '--cpu-prof-dir', 'prof', '--stack-size=2000', '--no-warnings', 'server.js'], {});
    expect(planned.ok && planned.plan).toMatchObject({ script: 'server.js', bootFlags: ['--cpu-prof', '--cpu-prof-dir', 'prof', '--stack-size=2000', '--no-warnings'] });
  });

  it('tsx’s own options and subcommands are left to tsx', () => {
    expect(planPrestart('tsx', ['watch', 'src/server.ts'], {}, '/t')).toMatchObject({ ok: false, reason: 'tsx watch restarts on its own' });
    expect(planPrestart('tsx', ['--tsconfig', 'x.json', 'src/server.ts'], {}, '/t')).toMatchObject({ ok: false, reason: expect.stringMatching(/--tsconfig/) });
  });

  it('does not apply to other programs', () => {
    expect(planPrestart('python3', ['main.py'], {})).toEqual({ ok: false, reason: 'python3 is not a Node command (node or tsx)' });
  });
});

describe('NODE_OPTIONS', () => {
  it('splits as node does: spaces outside double quotes, backslash escapes inside', () => {
    expect(splitNodeOptions(' --a  --require "/p q/\\"x\\".js" -b ')).toEqual(['--a', '--require', '/p q/"x".js', '-b']);
  });

  it('keeps every flag but the preloads for the parked runtime', () => {
    expect(bootNodeOptions('--require "/a b.js" --max-old-space-size=64 --import ./x.mjs')).toBe('--max-old-space-size=64');
    expect(bootNodeOptions(undefined)).toBeUndefined();
  });
});
