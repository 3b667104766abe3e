import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, freePort, Project, repoRoot, serverFixture, waitUntil } from './harness.js';

let project: Project | undefined;
let devreload: Devreload | undefined;

disposeAfterEach();

const ready = /\] ready\b/;

interface Target {
  id: string;
  url: string;
}

/** The inspector's target list on `port`, or undefined while nothing answers there. */
async function targets(port: number): Promise<Target[] | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/json/list`);
    return (await response.json()) as Target[];
  } catch {
    return undefined;
  }
}

async function waitForTarget(port: number, except: string | undefined, describe: () => string): Promise<Target> {
  return waitUntil(async () => (await targets(port))?.find((t) => t.id !== except), { interval: 50, describe: () => `an inspector target on ${port}\n${describe()}` });
}

describe('debugger sessions', () => {
  it('--inspect on the app’s command line: every new instance gets the inspector port', async () => {
    project = await Project.create();
    const port = await freePort();
    const p = project;
    devreload = new Devreload(['--watch', 'src', '--', 'node', `--inspect=127.0.0.1:${port}`, serverFixture], { cwd: p.dir, env: { APP_RECORD: p.record } });
    const d = devreload;
    await d.waitFor(/\[devreload\] watching/);
    await d.waitFor(ready);
    const first = await waitForTarget(port, undefined, () => d.output);
    await p.write('src/app.js');
    await d.waitFor(ready, 2);
    const second = await waitForTarget(port, first.id, () => d.output);
    expect(second.url).toBe(`file://${serverFixture}`);
    expect(d.output).not.toMatch(/address already in use/i);
  });

  it('NODE_OPTIONS reaches the app untouched, and its --inspect port is left to the app', async () => {
    project = await Project.create();
    const p = project;
    const port = await freePort();
    const preloads = p.sidecar('preloads.txt');
    const nodeOptions = `--require ${repoRoot}fixtures/e2e/preload.cjs --inspect=127.0.0.1:${port}`;
    devreload = new Devreload(['--watch', 'src', '--', 'node', serverFixture], {
      cwd: p.dir,
      env: { APP_RECORD: p.record, NODE_OPTIONS: nodeOptions, PRELOAD_RECORD: preloads },
    });
    const d = devreload;
    await d.waitFor(/\[devreload\] watching/);
    await d.waitFor(ready);
    const first = await waitForTarget(port, undefined, () => d.output);
    expect(first.url).toBe(`file://${serverFixture}`);
    await p.write('src/app.js');
    await d.waitFor(ready, 2);
    const second = await waitForTarget(port, first.id, () => d.output);
    expect(second.url).toBe(`file://${serverFixture}`);
    expect(d.output).not.toMatch(/address already in use/i);

    const instances = p.entries('start').map((e) => e.pid);
    await waitUntil(() => instances.every((pid) => readFileSync(preloads, 'utf8').includes(`${pid} `)), { describe: () => readFileSync(preloads, 'utf8') });
  });
});
