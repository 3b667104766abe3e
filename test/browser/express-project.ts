import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { repoRoot } from '../e2e/harness.js';
import { dependenciesDir } from './dependencies.js';

const fixture = path.join(repoRoot, 'fixtures/proxy/express');
const projects: ExpressProject[] = [];
afterEach(async () => {
  for (const project of projects.splice(0)) await project.cleanup();
});

export interface Entry {
  event: 'start' | 'listening';
  pid: number;
  at: number;
}

/** A copy of fixtures/proxy/express in a temp dir, its node_modules a link to the installed packages. */
export class ExpressProject {
  private constructor(readonly dir: string) {}

  static async create(): Promise<ExpressProject> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'devreload-browser-'));
    cpSync(fixture, dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
    symlinkSync(path.join(dependenciesDir, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const project = new ExpressProject(dir);
    projects.push(project);
    return project;
  }

  /** Beside the project: watching it must not see the app's own record. */
  get record(): string {
    return `${this.dir}.record.jsonl`;
  }

  entries(event?: Entry['event']): Entry[] {
    let text = '';
    try {
      text = readFileSync(this.record, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Entry)
      .filter((entry) => event === undefined || entry.event === event);
  }

  /** An editor's atomic save (one event for the watcher): written beside the file, renamed over it. */
  async save(relative: string, content: string): Promise<void> {
    const staged = `${this.dir}.staged-${Math.random().toString(36).slice(2)}`;
    await writeFile(staged, content);
    await rename(staged, path.join(this.dir, relative));
  }

  async cleanup(): Promise<void> {
    for (const { pid } of this.entries('start')) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await rm(this.dir, { recursive: true, force: true });
    await rm(this.record, { force: true });
  }
}
