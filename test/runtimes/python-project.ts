import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { Project, repoRoot } from '../e2e/harness.js';

/**
 * A project whose src/ holds a fixture app (fixtures/runtimes/`fixture`, copied as src/app.py)
 * importing src/version.py, the module each test round edits. The app lives in the watched
 * folder, as a user's does, so its bytecode cache is written there too.
 */
export async function pythonProject(fixture: string): Promise<Project> {
  const project = await Project.create();
  await copyFile(path.join(repoRoot, 'fixtures/runtimes', fixture), project.path('src/app.py'));
  await project.write('src/version.py', versionModule(0));
  return project;
}

/**
 * src/version.py for edit `round`, one byte longer each time: Python trusts a cached .pyc whose
 * recorded source mtime (whole seconds) and size match, so a same-size edit within the second
 * of the last compile would be served from stale bytecode (a Python limit, not devreload's).
 */
export function versionModule(round: number): string {
  return `VERSION = ${round}  # edit ${'+'.repeat(round)}\n`;
}
