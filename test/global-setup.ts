import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// e2e tests run bin/devreload.js, which imports dist/; the API and socket tests import dist/
// too. `npx vitest run <file>` right after an edit to src/ would test the previous build and
// pass or fail for the wrong reason: rebuild first whenever dist/ is older than its sources.
// After `npm test` (which builds first) this is one stat per source file.

const root = fileURLToPath(new URL('..', import.meta.url));
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
/** Files whose edit changes what tsc emits, besides the sources themselves. */
const configs = ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'].map((file) => path.join(root, file));
/** The CLI bundles esbuild writes from src/ (bin/devreload.js runs them; build.mjs writes the watcher's last). */
const bundles = ['devreload.cjs', 'devreload-watch.cjs'].map((file) => path.join(dist, file));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? sources(file) : [file];
  });
}

/** What the build writes for `source`: a.ts → a.js, a.cts → a.cjs; any other file (a shell script) is shipped as is. */
function outputOf(source: string): string | undefined {
  if (/\.d\.[cm]?ts$/.test(source)) return undefined;
  return path.join(dist, path.relative(src, source)).replace(/\.([cm]?)ts$/, '.$1js');
}

const mtime = (file: string) => statSync(file).mtimeMs;

/** Why dist/ cannot be trusted, or undefined when every output is at least as new as what it is built from. */
export function staleReason(): string | undefined {
  let oldestBuilt = Infinity;
  for (const bundle of bundles) if (!existsSync(bundle)) return `${path.relative(root, bundle)} is missing`;
  const bundled = Math.min(...bundles.map(mtime));
  for (const source of sources(src)) {
    if (mtime(source) > bundled) return `${path.relative(root, source)} is newer than the CLI bundles`;
    const output = outputOf(source);
    if (output === undefined) continue;
    if (!existsSync(output)) return `${path.relative(root, output)} is missing`;
    if (mtime(source) > mtime(output)) return `${path.relative(root, source)} is newer than ${path.relative(root, output)}`;
    if (output.endsWith('js')) oldestBuilt = Math.min(oldestBuilt, mtime(output));
  }
  // tsc (not incremental) rewrites every .js on each build: the oldest one dates the last build.
  for (const config of configs) {
    if (existsSync(config) && mtime(config) > oldestBuilt) return `${path.relative(root, config)} is newer than the last build`;
  }
  return undefined;
}

export default function setup(): void {
  const reason = staleReason();
  if (reason === undefined) return;
  process.stderr.write(`[global-setup] dist/ is stale (${reason}): npm run build\n`);
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`dist/ is stale (${reason}) and \`npm run build\` failed; the tests would run an old build:\n${stdout}${stderr}`);
  }
  const after = staleReason();
  if (after !== undefined) throw new Error(`dist/ is still stale after \`npm run build\` (${after})`);
}
