import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, jsonEvents, Project, repoRoot, waitUntil } from '../e2e/harness.js';
import { get, listen } from './helpers.js';
import { twoPorts } from './ports.js';

const server = path.join(repoRoot, 'fixtures/proxy/server.js');

disposeAfterEach();

describe('--reload-only and .gitignore', () => {
  it('a gitignored file a --reload-only glob names reloads the pages (build output); node_modules never does', async () => {
    const project = await Project.create();
    // Compiled CSS: exactly what a project gitignores.
    await writeFile(project.path('.gitignore'), 'public/build/\n');
    await project.write('public/build/app.css', 'h1 { color: red }\n');
    await project.write('public/node_modules/lib/lib.css', '\n');
    const [proxyPort, appPort] = await twoPorts();
    const devreload = new Devreload(
      ['--proxy', `${proxyPort}:${appPort}`, '--watch', 'src', '--reload-only', 'public/**', '--json', '--verbose', '--', 'node', server],
      { cwd: project.dir, env: { APP_RECORD: project.record, PORT: String(appPort) } },
    );
    await devreload.waitFor(/\[devreload\] watching/);
    await devreload.waitFor(/\[devreload\] ready in/);
    const stream = await listen(proxyPort);
    // Connected before or after the proxy heard the instance is ready: one state or two.
    const version = () => stream.states().at(-1)?.version ?? null;
    await waitUntil(() => version() !== null, { describe: () => `a version on the stream (${JSON.stringify(stream.events)})` });
    const before = version();

    await project.save('public/node_modules/lib/lib.css', 'changed\n');
    await project.save('public/build/app.css', 'h1 { color: blue }\n');
    await waitUntil(() => version() !== before, { describe: () => devreload.output });
    await waitUntil(() => /reloading the browser: public\/build\/app\.css changed/.test(devreload.stderr), { describe: () => devreload.output });
    // One reload, for the build output only; the app kept running.
    expect(jsonEvents(devreload, 'reload').filter((e) => e['reason'] !== 'restart')).toEqual([expect.objectContaining({ reason: 'reloadOnly', paths: ['public/build/app.css'] })]);
    expect(project.entries('start')).toHaveLength(1);
    expect(jsonEvents(devreload, 'restart')).toEqual([]);
    stream.close();
  });
});
