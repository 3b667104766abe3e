import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, Project, repoRoot, serverFixture } from './harness.js';

// `devreload server.js` runs the script with its runtime, as nodemon does (issue 27).

disposeAfterEach();

async function expectRunAndRestart(project: Project, args: string[], started: RegExp): Promise<Devreload> {
  const d = new Devreload(['--watch', 'src', ...args], { cwd: project.dir, env: { APP_RECORD: project.record } });
  await d.waitFor(/\] ready\b/);
  expect(d.stderr).toMatch(started);
  await d.waitFor(/\[devreload\] watching/);
  await project.write('src/app.js');
  await d.waitFor(/\] ready\b/, 2);
  expect(project.entries('start')[1]?.changed, d.output).toBe(JSON.stringify(['src/app.js']));
  return d;
}

describe('a script named by itself', () => {
  it('server.js (not executable) runs with node', async () => {
    const project = await Project.create();
    await copyFile(serverFixture, project.path('server.js'));
    await chmod(project.path('server.js'), 0o644);
    await expectRunAndRestart(project, ['server.js', '--flag'], /\[devreload\] started node server\.js --flag\n/);
    expect(project.entries('start')[0]?.argv).toEqual(['--flag']);
  });

  it('src/server.ts runs with the project’s tsx', async () => {
    const project = await Project.create();
    // The project's own tsx, as `npm install -D tsx` would leave it.
    await mkdir(project.path('node_modules/.bin'), { recursive: true });
    await symlink(path.join(repoRoot, 'node_modules/.bin/tsx'), project.path('node_modules/.bin/tsx'));
    await writeFile(project.path('src/server.ts'), `const typed: string = 'ts';\nconsole.log(typed);\nvoid import(${JSON.stringify(serverFixture)});\n`);
    await expectRunAndRestart(project, ['src/server.ts'], /\[devreload\] started tsx src\/server\.ts\n/);
  });

  it('app.py runs with python3', async () => {
    const project = await Project.create();
    const app = [
      'import json, os, signal, sys, time',
      "with open(os.environ['APP_RECORD'], 'a') as f:",
      "    f.write(json.dumps({'event': 'start', 'pid': os.getpid(), 'at': int(time.time() * 1000), 'changed': os.environ.get('DEVRELOAD_CHANGED'), 'argv': sys.argv[1:]}) + '\\n')",
      'signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))',
      "print(f'[app {os.getpid()}] ready', flush=True)",
      'while True:',
      '    time.sleep(1)',
      '',
    ].join('\n');
    await writeFile(project.path('app.py'), app);
    await expectRunAndRestart(project, ['app.py', 'x'], /\[devreload\] started python3 app\.py x\n/);
    expect(project.entries('start')[0]?.argv).toEqual(['x']);
  });
});
