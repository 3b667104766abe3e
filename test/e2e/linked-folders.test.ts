import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, Project, serverFixture, starts } from './harness.js';

// A folder linked into the watched tree is followed, safely (issue 27): `src/shared -> ../shared`
// restarts on edits, a link to an ancestor is never walked, and a link out of the project adds
// its target as one more watched root.

disposeAfterEach();

async function launch(project: Project, args: string[]): Promise<Devreload> {
  const d = new Devreload([...args, '--', 'node', serverFixture], { cwd: project.dir, env: { APP_RECORD: project.record } });
  await d.waitFor(/\] ready\b/);
  await d.waitFor(/\[devreload\] watching/);
  return d;
}

describe('linked folders', () => {
  it('edits through a link out of the project restart the app; its target is listed on the watching line', async () => {
    const project = await Project.create();
    const shared = project.sidecar('shared');
    await mkdir(shared);
    await writeFile(path.join(shared, 'greet.js'), 'export const greet = 1;\n');
    await symlink(shared, project.path('src/shared'));
    const d = await launch(project, ['--watch', 'src']);
    expect(d.stderr).toContain(`[devreload] watching src, ${path.relative(project.dir, shared)}\n`);

    await project.write('src/shared/greet.js', 'export const greet = 2;\n');
    await d.waitFor(/\] ready\b/, 2);
    expect(project.entries('start')[1]?.changed, d.output).toBe(JSON.stringify([path.relative(project.dir, path.join(shared, 'greet.js'))]));
  });

  it('a link inside the project to a folder outside the watched path is followed the same way', async () => {
    const project = await Project.create();
    await project.write('lib/util.js', 'export const util = 1;\n');
    await symlink('../lib', project.path('src/lib'));
    const d = await launch(project, ['--watch', 'src']);
    expect(d.stderr).toContain('[devreload] watching src, lib\n');
    await project.write('src/lib/util.js');
    await d.waitFor(/\] ready\b/, 2);
    expect(project.entries('start')[1]?.changed, d.output).toBe(JSON.stringify(['lib/util.js']));
  });

  it('a link to an ancestor is not walked: nothing above the project is watched, and a change restarts once', async () => {
    const project = await Project.create();
    await symlink('..', project.path('loop'));
    await symlink('../..', project.path('src/up'));
    const d = await launch(project, []);
    expect(d.stderr).toContain('[devreload] watching .\n');
    // Beside the project, reachable only through the links.
    await writeFile(project.sidecar('outside.js'), '// outside\n');
    await project.write('src/app.js');
    await d.waitFor(/\] ready\b/, 2);
    await d.waitFor(/restarted in/);
    expect(project.entries('start')[1]?.changed, d.output).toBe(JSON.stringify(['src/app.js']));
    expect(starts(project)).toBe(2);
  });
});
