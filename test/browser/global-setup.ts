import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { appDependencies, dependenciesDir } from './dependencies.js';

/**
 * Installs the Express app's packages from the npm registry once per machine (a cache folder in
 * the temp dir, reused while its package list is the same); every test project links to it.
 */
export default function setup(): void {
  if (existsSync(`${dependenciesDir}/node_modules/.installed`)) return;
  mkdirSync(dependenciesDir, { recursive: true });
  writeFileSync(`${dependenciesDir}/package.json`, `${JSON.stringify({ private: true, dependencies: appDependencies }, null, 2)}\n`);
  try {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dependenciesDir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
  } catch (error) {
    const { stderr = '' } = error as { stderr?: Buffer | string };
    throw new Error(`the browser suite needs express, ejs and ws from the npm registry; npm install failed in ${dependenciesDir}:\n${String(stderr)}`);
  }
  writeFileSync(`${dependenciesDir}/node_modules/.installed`, '');
}
