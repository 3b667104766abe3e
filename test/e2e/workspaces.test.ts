import { spawnSync } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, hasCommand, Project, serverFixture, starts } from './harness.js';

// A monorepo in a temp dir: apps/api (the app, watched at src) depends on packages/shared,
// which depends on packages/util. devreload runs in apps/api, as `npm run dev -w apps/api` does.

disposeAfterEach();

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

async function monorepo(project: Project, layout: 'npm' | 'pnpm'): Promise<void> {
  await project.write('package.json', json(layout === 'npm' ? { name: 'root', private: true, workspaces: ['apps/*', 'packages/*'] } : { name: 'root', private: true }));
  if (layout === 'pnpm') await project.write('pnpm-workspace.yaml', "packages:\n  - 'apps/*'\n  - 'packages/*'\n");
  const spec = layout === 'npm' ? '*' : 'workspace:*';
  await project.write('apps/api/package.json', json({ name: 'api', version: '1.0.0', dependencies: { '@acme/shared': spec } }));
  await project.write('apps/api/src/app.js', 'export const app = 1;\n');
  await project.write('packages/shared/package.json', json({ name: '@acme/shared', version: '1.0.0', main: 'index.js', dependencies: { '@acme/util': spec } }));
  await project.write('packages/shared/index.js', 'export const shared = 1;\n');
  await project.write('packages/util/package.json', json({ name: '@acme/util', version: '1.0.0', main: 'index.js' }));
  await project.write('packages/util/index.js', 'export const util = 1;\n');
  if (layout === 'npm') {
    // A real npm install: workspace-only dependencies need no registry.
    const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project.dir, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);
  } else {
    // pnpm links each package's own dependencies into its own node_modules.
    await linkDependency(project, 'apps/api', '@acme/shared', 'packages/shared');
    await linkDependency(project, 'packages/shared', '@acme/util', 'packages/util');
  }
}

async function linkDependency(project: Project, from: string, name: string, target: string): Promise<void> {
  const place = project.path(path.join(from, 'node_modules', name));
  await mkdir(path.dirname(place), { recursive: true });
  await symlink(path.relative(path.dirname(place), project.path(target)), place);
}

async function launch(project: Project, args: string[], cwd = 'apps/api'): Promise<Devreload> {
  const d = new Devreload([...args, '--', 'node', serverFixture], { cwd: project.path(cwd), env: { APP_RECORD: project.record } });
  await d.waitFor(/\] ready\b/);
  await d.waitFor(/\[devreload\] watching/);
  return d;
}

/** Writes `ignored`, then `sentinel`: the restart that follows must name the sentinel alone. */
async function expectOnlySentinel(project: Project, d: Devreload, ignored: string, sentinel: string, cwd = 'apps/api'): Promise<void> {
  const before = starts(project);
  await project.write(ignored);
  await project.write(sentinel);
  // The app prints `ready` after it recorded its start.
  await d.waitFor(/\] ready\b/, before + 1);
  expect(project.entries('start').at(-1)?.changed, d.output).toBe(JSON.stringify([path.relative(project.path(cwd), project.path(sentinel))]));
}

async function expectRestartFor(project: Project, d: Devreload, file: string): Promise<void> {
  const before = starts(project);
  await project.write(file);
  await d.waitFor(/\] ready\b/, before + 1);
  expect(project.entries('start').at(-1)?.changed, d.output).toBe(JSON.stringify([path.relative(project.path('apps/api'), project.path(file))]));
}

describe('workspaces: the packages the app depends on are watched too', () => {
  it.skipIf(!hasCommand('npm'))('npm workspaces (a real npm install): editing a dependency or its own dependency restarts the app; the start line lists them', async () => {
    const project = await Project.create();
    await monorepo(project, 'npm');
    const d = await launch(project, ['--watch', 'src']);
    expect(d.stderr).toContain('[devreload] watching src, ../../packages/shared, ../../packages/util\n');
    await expectRestartFor(project, d, 'packages/shared/index.js');
    await expectRestartFor(project, d, 'packages/util/index.js');
  });

  it('pnpm layout (links in each package’s own node_modules): the same', async () => {
    const project = await Project.create();
    await monorepo(project, 'pnpm');
    const d = await launch(project, ['--watch', 'src']);
    expect(d.stderr).toContain('[devreload] watching src, ../../packages/shared, ../../packages/util\n');
    await expectRestartFor(project, d, 'packages/util/index.js');
    await expectRestartFor(project, d, 'packages/shared/index.js');
  });

  it('--no-workspaces turns it off: the start line names src alone and an edit in a package restarts nothing', async () => {
    const project = await Project.create();
    await monorepo(project, 'pnpm');
    const d = await launch(project, ['--watch', 'src', '--no-workspaces']);
    expect(d.stderr).toContain('[devreload] watching src\n');
    await expectOnlySentinel(project, d, 'packages/shared/index.js', 'apps/api/src/app.js');
  });

  it('"workspaces": false in the config turns it off', async () => {
    const project = await Project.create();
    await monorepo(project, 'pnpm');
    await project.write('apps/api/devreload.config.json', json({ watch: ['src'], workspaces: false }));
    const d = await launch(project, []);
    expect(d.stderr).toContain('[devreload] watching src\n');
    await expectOnlySentinel(project, d, 'packages/util/index.js', 'apps/api/src/app.js');
  });

  it('the usual rules apply in a package: --ext, its node_modules, and --ignore (a name, or a path relative to cwd)', async () => {
    const project = await Project.create();
    await monorepo(project, 'pnpm');
    const d = await launch(project, ['--watch', 'src', '--ext', 'js', '--ignore', 'coverage', '--ignore', '../../packages/util/generated/**']);
    await expectOnlySentinel(project, d, 'packages/shared/README.md', 'packages/shared/index.js');
    await expectOnlySentinel(project, d, 'packages/shared/node_modules/dep/index.js', 'packages/util/index.js');
    await expectOnlySentinel(project, d, 'packages/shared/coverage/lcov.js', 'packages/shared/index.js');
    await expectOnlySentinel(project, d, 'packages/util/generated/schema.js', 'packages/util/index.js');
  });

  it('a package whose main points into a gitignored dist/ restarts the app when dist/ is rebuilt', async () => {
    const project = await Project.create();
    await monorepo(project, 'pnpm');
    await project.write('.gitignore', 'dist/\n');
    await project.write('packages/shared/package.json', json({ name: '@acme/shared', version: '1.0.0', main: './dist/index.js', dependencies: { '@acme/util': 'workspace:*' } }));
    await project.write('packages/shared/dist/index.js', 'export const shared = 1;\n');
    // From the repository root: the root .gitignore applies to packages/shared.
    const d = await launch(project, ['--watch', 'apps/api/src'], '.');
    expect(d.stderr).toContain('[devreload] watching apps/api/src, packages/shared, packages/shared/dist, packages/util\n');
    const before = starts(project);
    await project.write('packages/shared/dist/index.js');
    await d.waitFor(/\] ready\b/, before + 1);
    expect(project.entries('start').at(-1)?.changed, d.output).toBe(JSON.stringify(['packages/shared/dist/index.js']));
  });

  it.skipIf(!hasCommand('npm'))('outside any workspace, a file: dependency (a real npm install links it) is watched as well', async () => {
    const project = await Project.create();
    await project.write('lib/package.json', json({ name: 'lib', version: '1.0.0', main: 'index.js' }));
    await project.write('lib/index.js', 'export const lib = 1;\n');
    await project.write('apps/api/package.json', json({ name: 'api', version: '1.0.0', dependencies: { lib: 'file:../../lib' } }));
    await project.write('apps/api/src/app.js', 'export const app = 1;\n');
    const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project.path('apps/api'), encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);
    const d = await launch(project, ['--watch', 'src']);
    expect(d.stderr).toContain('[devreload] watching src, ../../lib\n');
    await expectRestartFor(project, d, 'lib/index.js');
  });

  it('a config value that is not a boolean: one line naming the key, exit 2, nothing started', async () => {
    const project = await Project.create();
    await monorepo(project, 'pnpm');
    await project.write('apps/api/devreload.config.json', json({ workspaces: 'no' }));
    const d = new Devreload(['--', 'node', serverFixture], { cwd: project.path('apps/api'), env: { APP_RECORD: project.record } });
    const exit = await d.waitForExit();
    expect(exit, d.output).toEqual({ code: 2, signal: null });
    expect(d.stderr.trim().split('\n'), d.output).toEqual(['[devreload] error: devreload.config.json: "workspaces" must be true or false, got string "no"']);
    expect(starts(project)).toBe(0);
  });
});
