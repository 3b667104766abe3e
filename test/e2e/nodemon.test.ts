import { mkdir, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, Project, serverFixture, starts } from './harness.js';

// Switching from nodemon takes no rewrite (issue 27): its configuration runs as it is.

disposeAfterEach();

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** A project whose nodemon settings run the e2e server through `exec`, as a nodemon user writes it. */
async function nodemonProject(settings: Record<string, unknown>, where: 'nodemon.json' | 'package.json' = 'nodemon.json'): Promise<Project> {
  const project = await Project.create();
  await mkdir(project.path('src/generated'), { recursive: true });
  const full = { exec: `node ${serverFixture} --port 1`, ...settings };
  await writeFile(project.path(where), json(where === 'nodemon.json' ? full : { name: 'app', nodemonConfig: full }));
  return project;
}

async function launch(project: Project, args: string[] = []): Promise<Devreload> {
  const d = new Devreload(args, { cwd: project.dir, env: { APP_RECORD: project.record } });
  await d.waitFor(/\] ready\b/);
  await d.waitFor(/\[devreload\] watching/);
  return d;
}

describe('nodemon.json', () => {
  it('exec, watch, ignore, ext and delay: it runs, restarts on a watched change after the delay, and ignores the rest', async () => {
    const project = await nodemonProject({ watch: ['src'], ignore: ['src/generated/**'], ext: 'js,json', delay: 1200, events: { restart: 'notify-send restarted' } });
    await mkdir(project.path('other'));
    const d = await launch(project);
    expect(d.stderr).toContain('[devreload] started node ');
    expect(d.stderr).toMatch(/started node \S+ --port 1 \(using nodemon\.json\)\n/);
    expect(d.stderr).toContain('[devreload] watching src\n');
    // The key with no equivalent is said, not dropped.
    expect(d.stderr).toContain('[devreload] nodemon.json: "events.restart" is not run: devreload runs no command on its events');
    expect(project.entries('start')[0]?.argv).toEqual(['--port', '1']);

    // Ignored, another extension, outside "watch": none of them restarts; the sentinel does, after the delay.
    await project.write('src/generated/out.js');
    await project.write('src/notes.md');
    await project.write('other/x.js');
    const before = Date.now();
    await project.write('src/app.js');
    await d.waitFor(/\] ready\b/, 2);
    const second = project.entries('start')[1]!;
    expect(second.changed, d.output).toBe(JSON.stringify(['src/app.js']));
    expect(second.at - before, d.output).toBeGreaterThanOrEqual(1100);
    expect(starts(project)).toBe(2);
  });

  it('package.json "nodemonConfig" is read the same way', async () => {
    const project = await nodemonProject({ watch: ['src'], ext: 'js' }, 'package.json');
    const d = await launch(project);
    expect(d.stderr).toMatch(/started node \S+ --port 1 \(using package\.json#nodemonConfig\)\n/);
    await project.write('src/notes.md');
    await project.write('src/app.js');
    await d.waitFor(/\] ready\b/, 2);
    expect(project.entries('start')[1]?.changed, d.output).toBe(JSON.stringify(['src/app.js']));
  });

  it('a devreload configuration wins, and devreload says nodemon.json was not read', async () => {
    const project = await nodemonProject({ watch: ['src'], exec: 'node nowhere.js' });
    await writeFile(project.path('devreload.config.json'), json({ command: 'node', args: [serverFixture, 'from-devreload'], watch: ['src'] }));
    const d = await launch(project);
    expect(d.stderr).toMatch(/started node \S+ from-devreload \(using devreload\.config\.json\)\n/);
    expect(d.stderr).toContain('[devreload] nodemon.json is not read: devreload.config.json is used');
  });

  it('--print-config (and nodemon’s --dump) names where each setting comes from, and starts nothing', async () => {
    const project = await nodemonProject({ watch: ['src'], delay: 700 });
    for (const flag of ['--print-config', '--dump']) {
      const d = new Devreload([flag, '--signal', 'SIGINT'], { cwd: project.dir, env: { APP_RECORD: project.record } });
      expect(await d.waitForExit()).toEqual({ code: 0, signal: null });
      const line = (key: string) => d.stdout.split('\n').find((row) => row.startsWith(`${key} `)) ?? `no ${key} row in\n${d.output}`;
      expect(line('command')).toMatch(/^command +node \S+ --port 1 \(through sh -c\) +nodemon\.json$/);
      expect(line('watch')).toMatch(/^watch +src +nodemon\.json$/);
      expect(line('delay')).toMatch(/^delay +700 ms +nodemon\.json$/);
      expect(line('signal')).toMatch(/^signal +SIGINT .* +command line$/);
      expect(line('killTimeout')).toMatch(/^killTimeout +5000 ms +default$/);
    }
    expect(starts(project)).toBe(0);

    // Nothing to run yet: the other settings are still shown.
    const bare = await Project.create();
    const d = new Devreload(['--print-config', '--delay', '300'], { cwd: bare.dir });
    expect(await d.waitForExit()).toEqual({ code: 0, signal: null });
    expect(d.stdout).toMatch(/^command +none: put the program to run after -- +default$/m);
    expect(d.stdout).toMatch(/^delay +300 ms +command line$/m);

    // What the environment sets is shown as such; the spare's kind as chosen.
    const env = new Devreload(['--print-config', '--prestart=runtime'], { cwd: bare.dir, env: { CHOKIDAR_USEPOLLING: '1', CHOKIDAR_INTERVAL: '700' } });
    expect(await env.waitForExit()).toEqual({ code: 0, signal: null });
    expect(env.stdout).toMatch(/^poll +every 700 ms +environment \(CHOKIDAR_USEPOLLING\)$/m);
    expect(env.stdout).toMatch(/^prestart +runtime spare +command line$/m);
  });
});
