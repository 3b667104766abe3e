import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findPythonCommand } from '../../src/prestart/python-command.js';
import { planPython, readShebang } from '../../src/prestart/python-plan.js';

describe('planPython', () => {
  it('python script.py args: boots with the interpreter’s options, runs the script as given', () => {
    expect(planPython('python3', ['-u', '-X', 'dev', '-Wignore', 'app.py', '--port', '8000'], {})).toEqual({
      ok: true,
      plan: {
        interpreter: 'python3',
        bootArgs: ['-u', '-X', 'dev', '-Wignore'],
        run: { kind: 'script', path: 'app.py' },
        // sys.argv[0] is the script as typed; sys.path[0] (its folder) is computed by the spare, as CPython does.
        argv: ['app.py', '--port', '8000'],
        origArgv: ['-u', '-X', 'dev', '-Wignore', 'app.py', '--port', '8000'],
        comm: 'python3',
      },
    });
  });

  it('python -m module: runpy sets sys.argv[0]; the options before -m are boot options', () => {
    expect(planPython('/usr/bin/python3', ['-OO', '-sB', '-m', 'uvicorn', 'app:app'], {})).toMatchObject({
      ok: true,
      plan: { interpreter: '/usr/bin/python3', bootArgs: ['-OO', '-sB'], run: { kind: 'module', name: 'uvicorn' }, argv: ['-m', 'app:app'] },
    });
    // A cluster ending in m takes the next word; -mname takes the rest of the word.
    expect(planPython('python', ['-um', 'pkg', 'x'], {})).toMatchObject({ ok: true, plan: { bootArgs: ['-u'], run: { kind: 'module', name: 'pkg' }, argv: ['-m', 'x'] } });
    expect(planPython('python3.12', ['-mhttp.server', '8000'], {})).toMatchObject({ ok: true, plan: { bootArgs: [], run: { kind: 'module', name: 'http.server' }, argv: ['-m', '8000'] } });
  });

  it('a console script runs with its #! interpreter and that line’s option; sys.argv[0] is the file the spawn finds', () => {
    const script = { file: '/venv/bin/uvicorn', shebang: '#!/venv/bin/python -sE' };
    expect(planPython('uvicorn', ['app:app', '--port', '1'], {}, script)).toEqual({
      ok: true,
      plan: {
        interpreter: '/venv/bin/python',
        bootArgs: ['-sE'],
        run: { kind: 'script', path: '/venv/bin/uvicorn' },
        argv: ['/venv/bin/uvicorn', 'app:app', '--port', '1'],
        origArgv: ['-sE', '/venv/bin/uvicorn', 'app:app', '--port', '1'],
        // The kernel names the process after the script it runs.
        comm: 'uvicorn',
      },
    });
    // env finds the interpreter on PATH: the spare's spawn looks it up the same way.
    expect(planPython('flask', ['run'], {}, { file: '/p/bin/flask', shebang: '#!/usr/bin/env python3' })).toMatchObject({
      ok: true,
      // Named after the script until env runs python3, which then names it.
      plan: { interpreter: 'python3', bootArgs: [], argv: ['/p/bin/flask', 'run'], origArgv: ['/p/bin/flask', 'run'], comm: 'python3' },
    });
  });

  it.each([
    [['-c', 'print(1)'], {}, /runs a string/],
    [['-i', 'app.py'], {}, /prompt/],
    [['-v', 'app.py'], {}, /every import/],
    [['app.py'], { PYTHONVERBOSE: '1' }, /every import/],
    [['app.py'], { PYTHONINSPECT: '1' }, /prompt/],
    [['-'], {}, /stdin/],
    [[], {}, /no script/],
    [['-u'], {}, /no script/],
    [['--version'], {}, /no script/],
    [['-Z', 'app.py'], {}, /-Z: devreload does not know/],
    [['--frobnicate', 'app.py'], {}, /--frobnicate/],
    [['-m'], {}, /-m needs a module/],
    [['-W'], {}, /-W needs a value/],
    [['app.pyc'], {}, /compiled/],
    [['-m', 'gunicorn', 'app:app'], {}, /gunicorn/],
  ] as const)('does not apply to python %j with %j', (args, env, reason) => {
    const planned = planPython('python3', args, env);
    expect(planned.ok).toBe(false);
    expect(!planned.ok && planned.reason).toMatch(reason);
  });

  it('gunicorn stays cold, and says why; a #! line that is not Python is not a console script', () => {
    expect(planPython('gunicorn', ['app:app'], {}, { file: '/usr/bin/gunicorn', shebang: '#!/usr/bin/python3' })).toMatchObject({ ok: false, reason: expect.stringMatching(/gunicorn’s master forks/) });
    expect(planPython('tool', [], {}, { file: '/bin/tool', shebang: '#!/bin/sh' })).toMatchObject({ ok: false, reason: '/bin/tool runs /bin/sh, not a Python interpreter' });
    expect(planPython('node', ['server.js'], {})).toMatchObject({ ok: false, reason: expect.stringMatching(/not a Python interpreter/) });
  });

  it('reads #! lines as the kernel does: the interpreter, and the rest as one word', () => {
    expect(readShebang('#!/usr/bin/python3')).toEqual({ interpreter: '/usr/bin/python3', arg: undefined });
    expect(readShebang('#! /usr/bin/env  python3 ')).toEqual({ interpreter: '/usr/bin/env', arg: 'python3' });
    expect(readShebang('#!/usr/bin/python3 -s -E')).toEqual({ interpreter: '/usr/bin/python3', arg: '-s -E' });
    expect(readShebang('import sys')).toBeUndefined();
  });
});

describe('findPythonCommand (real files)', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a console script where the spawn would (node_modules/.bin, then PATH) and reads its #! line', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'devreload-pycmd-'));
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    const write = (file: string, text: string) => {
      writeFileSync(file, text);
      chmodSync(file, 0o755);
    };
    write(path.join(bin, 'uvicorn'), '#!/usr/bin/python3\nimport sys\n');
    write(path.join(bin, 'shell-tool'), '#!/bin/sh\nexit 0\n');
    write(path.join(bin, 'envpy'), '#!/usr/bin/env python3.12\n');
    const env = { PATH: bin };
    expect(findPythonCommand('python3', dir, env)).toEqual({ kind: 'interpreter' });
    expect(findPythonCommand('uvicorn', dir, env)).toEqual({ kind: 'console', script: { file: path.join(bin, 'uvicorn'), shebang: '#!/usr/bin/python3' } });
    expect(findPythonCommand('envpy', dir, env)).toMatchObject({ kind: 'console' });
    expect(findPythonCommand('shell-tool', dir, env)).toBeUndefined();
    expect(findPythonCommand('missing', dir, env)).toBeUndefined();
    expect(findPythonCommand('./bin/uvicorn', dir, {})).toMatchObject({ kind: 'console', script: { file: path.join(bin, 'uvicorn') } });
    // A project's own node_modules/.bin comes first, as in an npm script.
    const local = path.join(dir, 'node_modules/.bin');
    mkdirSync(local, { recursive: true });
    write(path.join(local, 'uvicorn'), '#!/opt/venv/bin/python\n');
    expect(findPythonCommand('uvicorn', dir, env)).toMatchObject({ script: { file: path.join(local, 'uvicorn'), shebang: '#!/opt/venv/bin/python' } });
  });
});
