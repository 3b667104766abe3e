import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appProcess } from '../../src/process/app-process.js';
import { repoRoot, waitUntil } from '../e2e/harness.js';

// Real process trees: the pid a failed build "keeps" is the app's own process.

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
});

/** Starts `argv` in a group of its own; resolves with the leader's pid and the pid the app reported (its own process.pid). */
async function start(argv: string[]): Promise<{ leader: number; app: number }> {
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await waitUntil(() => /app (\d+)\n/.test(output), { describe: () => output });
  return { leader: child.pid!, app: Number(/app (\d+)\n/.exec(output)?.[1]) };
}

const app = `console.log('app ' + process.pid); setInterval(() => {}, 1000);`;
// An app that starts a worker of its own: the worker is never taken for the app.
const withWorker = `require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); ${app}`;

describe('appProcess', () => {
  it('is the leader itself for a plain node app, even one with a child of its own', async () => {
    const plain = await start([process.execPath, '-e', withWorker]);
    expect(plain.app).toBe(plain.leader);
    expect(appProcess(plain.leader)).toBe(plain.leader);
  });

  it('looks through tsx and a shell running a command line to the node that runs the app', async () => {
    const tsx = await start([path.join(repoRoot, 'node_modules/.bin/tsx'), '-e', withWorker]);
    expect(tsx.app).not.toBe(tsx.leader);
    expect(appProcess(tsx.leader)).toBe(tsx.app);
    // `;:` keeps sh from exec'ing node in its place: the shell waits, as npm's does.
    const shell = await start(['sh', '-c', `${JSON.stringify(process.execPath)} -e ${JSON.stringify(app)}; :`]);
    expect(shell.app).not.toBe(shell.leader);
    expect(appProcess(shell.leader)).toBe(shell.app);
  });
});
