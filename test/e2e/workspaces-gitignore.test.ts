import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, Project, serverFixture, starts } from './harness.js';

// The watcher and roots outside the working directory: devreload runs in apps/api and watches
// ../../packages/shared (a workspace package). git applies every .gitignore from the repository
// root down, so the package's own .gitignore and the repository root's one decide what in it is
// source. These tests describe that contract; they fail while the watcher reads .gitignore files
// only at and below cwd (src/watch/ignore-rules.ts: matchGitignore returns undefined for a path
// outside cwd; src/watch/gitignore.ts: the rules start at cwd/.gitignore, never above).

disposeAfterEach();

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

async function monorepo(): Promise<Project> {
  const project = await Project.create();
  await project.write('.git/HEAD', 'ref: refs/heads/main\n');
  await project.write('package.json', json({ name: 'root', private: true, workspaces: ['apps/*', 'packages/*'] }));
  await project.write('apps/api/package.json', json({ name: 'api', dependencies: { '@acme/shared': '*' } }));
  await project.write('apps/api/src/app.js', 'export const app = 1;\n');
  await project.write('packages/shared/package.json', json({ name: '@acme/shared', main: 'index.js' }));
  await project.write('packages/shared/index.js', 'export const shared = 1;\n');
  const place = project.path('node_modules/@acme/shared');
  await mkdir(path.dirname(place), { recursive: true });
  await symlink('../../packages/shared', place);
  return project;
}

async function launch(project: Project): Promise<Devreload> {
  const d = new Devreload(['--watch', 'src', '--', 'node', serverFixture], { cwd: project.path('apps/api'), env: { APP_RECORD: project.record } });
  await d.waitFor(/\] ready\b/);
  await d.waitFor(/\[devreload\] watching src, \.\.\/\.\.\/packages\/shared\n/);
  return d;
}

/** Writes `ignored`, then `sentinel`: the restart that follows must name the sentinel alone. */
async function expectOnlySentinel(project: Project, d: Devreload, ignored: string, sentinel: string): Promise<void> {
  const before = starts(project);
  await project.write(ignored);
  await project.write(sentinel);
  await d.waitFor(/\] ready\b/, before + 1);
  expect(project.entries('start').at(-1)?.changed, d.output).toBe(JSON.stringify([path.relative(project.path('apps/api'), project.path(sentinel))]));
}

describe('.gitignore files outside the working directory (watcher contract for workspace roots)', () => {
  it('the .gitignore of a watched package outside cwd is honoured', async () => {
    const project = await monorepo();
    await project.write('packages/shared/.gitignore', 'coverage/\n');
    const d = await launch(project);
    await expectOnlySentinel(project, d, 'packages/shared/coverage/lcov.js', 'packages/shared/index.js');
  });

  it('the repository root’s .gitignore is honoured in a watched package outside cwd', async () => {
    const project = await monorepo();
    await project.write('.gitignore', 'coverage/\n');
    const d = await launch(project);
    await expectOnlySentinel(project, d, 'packages/shared/coverage/lcov.js', 'packages/shared/index.js');
  });

  it('the repository root’s .gitignore is honoured in the app’s own folder when cwd is below it', async () => {
    const project = await monorepo();
    await project.write('.gitignore', 'generated/\n');
    const d = await launch(project);
    await expectOnlySentinel(project, d, 'apps/api/src/generated/schema.js', 'apps/api/src/app.js');
  });

  it('an edit to the repository root’s .gitignore applies to a watched package outside cwd without a restart of devreload', async () => {
    const project = await monorepo();
    await project.write('packages/shared/coverage/lcov.js');
    const d = await launch(project);
    const before = starts(project);
    await writeFile(project.path('.gitignore'), 'coverage/\n');
    // The edit is no change of the app's input: the next restart is the sentinel's alone.
    await project.write('packages/shared/index.js');
    await d.waitFor(/\] ready\b/, before + 1);
    expect(project.entries('start').at(-1)?.changed, d.output).toBe(JSON.stringify(['../../packages/shared/index.js']));
    await expectOnlySentinel(project, d, 'packages/shared/coverage/lcov.js', 'packages/shared/index.js');

    // Removing the rule watches the folder it had pruned.
    await writeFile(project.path('.gitignore'), '# nothing\n');
    await project.write('apps/api/src/app.js');
    await d.waitFor(/\] ready\b/, before + 3);
    const restarted = starts(project);
    await project.write('packages/shared/coverage/lcov.js');
    await d.waitFor(/\] ready\b/, restarted + 1);
    expect(project.entries('start').at(-1)?.changed, d.output).toBe(JSON.stringify(['../../packages/shared/coverage/lcov.js']));
  });

  it('--no-gitignore turns off the .gitignore files above cwd and outside it', async () => {
    const project = await monorepo();
    await project.write('.gitignore', 'coverage/\n');
    await project.write('packages/shared/.gitignore', '*.gen.js\n');
    await project.write('packages/shared/coverage/lcov.js');
    await project.write('packages/shared/x.gen.js');
    const d = new Devreload(['--no-gitignore', '--watch', 'src', '--', 'node', serverFixture], { cwd: project.path('apps/api'), env: { APP_RECORD: project.record } });
    await d.waitFor(/\] ready\b/);
    await d.waitFor(/\[devreload\] watching src, \.\.\/\.\.\/packages\/shared\n/);
    const before = starts(project);
    await project.write('packages/shared/coverage/lcov.js');
    await d.waitFor(/\] ready\b/, before + 1);
    expect(project.entries('start').at(-1)?.changed, d.output).toBe(JSON.stringify(['../../packages/shared/coverage/lcov.js']));
    await project.write('packages/shared/x.gen.js');
    await d.waitFor(/\] ready\b/, before + 2);
    expect(project.entries('start').at(-1)?.changed, d.output).toBe(JSON.stringify(['../../packages/shared/x.gen.js']));
  });
});
