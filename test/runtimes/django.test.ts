import { execFile } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import http from 'node:http';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Devreload, disposeAfterEach, freePort, jsonEvents, Project, waitUntil } from '../e2e/harness.js';
import { defaultBytecode, pythonWith } from './interpreter.js';
import { currentLeader } from './probes.js';

disposeAfterEach();

// A view that counts the visits of one browser in its session: Django's default session engine
// saves it to the database (db.sqlite3, in the project folder) on every request.
const COUNTER_VIEW = `

import os
from django.http import HttpResponse

def visits(request):
    request.session['visits'] = request.session.get('visits', 0) + 1
    return HttpResponse(f"{os.getpid()} {request.session['visits']}")

urlpatterns += [path('visits/', visits)]
`;

/** One GET /visits/ with the session cookie: "<pid> <visits>", and the cookie to send next. */
async function visit(port: number, cookie: string): Promise<{ body: string; cookie: string }> {
  return await new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/visits/', agent: false, headers: { connection: 'close', cookie }, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        const session = (response.headers['set-cookie'] ?? []).map((line) => line.split(';')[0] ?? '').find((pair) => pair.startsWith('sessionid='));
        if (response.statusCode !== 200) reject(new Error(`GET /visits/ answered ${response.statusCode}: ${body.slice(0, 2000)}`));
        else resolve({ body, cookie: session ?? cookie });
      });
    });
    request.on('error', reject);
    request.on('timeout', () => request.destroy(new Error('GET /visits/ timed out')));
  });
}

/** `attempt` until it resolves (the server may print its banner a moment before it accepts). */
async function eventually<T>(attempt: () => Promise<T>, describe: () => string, timeout = 30_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${String(error)}\n${describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('Django (runserver --noreload) with the default watch scope', () => {
  it('survives `manage.py migrate` and session writes to its SQLite database without a restart; a source edit restarts it once', { timeout: 180_000 }, async () => {
    const python = pythonWith(['django'], ['python3-django']);
    const project = await Project.create();
    const run = promisify(execFile);
    await run(python, ['-m', 'django', 'startproject', 'site1', '.'], { cwd: project.dir });
    await appendFile(project.path('site1/urls.py'), COUNTER_VIEW);
    const port = await freePort();
    // No --watch: the whole project, db.sqlite3 and its journal included, as a user runs it.
    const d = new Devreload(['--json', '--verbose', '--', python, 'manage.py', 'runserver', '--noreload', `127.0.0.1:${port}`], { cwd: project.dir, env: defaultBytecode });
    await waitUntil(() => jsonEvents(d, 'watching').length === 1, { timeout: 30_000, describe: () => `the watching event\n${d.output}` });
    // Up (its start-up check already opened db.sqlite3): Django's 404 page answers /.
    await waitUntil(() => /Starting development server/.test(d.stderr), { timeout: 30_000, describe: () => `runserver to start\n${d.output}` });
    const leader = currentLeader(d);

    // Another process writes the database: the tables, then every migration, each a transaction.
    const migrated = await run(python, ['manage.py', 'migrate', '--noinput'], { cwd: project.dir });
    expect(migrated.stdout).toContain('Applying sessions.0001_initial... OK');

    let cookie = '';
    for (let expected = 1; expected <= 5; expected++) {
      const answered = expected === 1 ? await eventually(() => visit(port, cookie), () => d.output) : await visit(port, cookie);
      cookie = answered.cookie;
      expect(answered.body, d.output).toBe(`${leader} ${expected}`);
    }
    expect(jsonEvents(d, 'restart'), d.output).toEqual([]);
    expect(jsonEvents(d, 'change'), d.output).toEqual([]);
    expect(d.stderr).toMatch(/ignored db\.sqlite3 \(data file: /);

    // A source edit restarts, for that file alone; the sessions are still in the database.
    await appendFile(project.path('site1/urls.py'), '# edited\n');
    await waitUntil(() => jsonEvents(d, 'restart').length === 1, { timeout: 30_000, describe: () => `the restart\n${d.output}` });
    const restarted = currentLeader(d);
    expect(restarted).not.toBe(leader);
    // Up again once runserver printed its banner a second time.
    await waitUntil(() => (d.stderr.match(/Starting development server/g) ?? []).length === 2, { timeout: 30_000, describe: () => `runserver to start again\n${d.output}` });
    const after = await eventually(() => visit(port, cookie), () => d.output);
    expect(after.body).toBe(`${restarted} 6`);
    expect(jsonEvents(d, 'restart').map((e) => e.paths)).toEqual([['site1/urls.py']]);
    expect(d.alive).toBe(true);
  });
});
