// `npm run build`: the typed package (tsc → dist/, the API and its .d.ts files), the assets
// other processes load (preload, park, watchdog), and the CLI as one bundled file.
//
// Why a bundle for the CLI: Node resolves and loads every file of an ESM graph one by one;
// devreload's own modules plus execa's and chokidar's made the CLI take ~230 ms to import,
// the single bundled file about a third of that (measured in BENCHMARKS.md). The package's
// dependencies stay declared: the API (dist/index.js) imports them as usual.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// From scratch: a file whose source was moved or deleted must not ship.
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

mkdirSync(path.join(root, 'dist/process'), { recursive: true });
copyFileSync(path.join(root, 'src/process/watchdog.sh'), path.join(root, 'dist/process/watchdog.sh'));

await build({
  absWorkingDir: root,
  entryPoints: { devreload: 'src/cli/main.ts' },
  outdir: 'dist',
  // What the first start does not need (the watcher: chokidar, the ignore rules) is a chunk
  // of its own, loaded after the app was spawned. Chunks sit at the root of dist/, as the
  // entry does, so `import.meta.url` means the same folder in all of them (see assets.ts).
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Prefer each dependency's ESM build (jsonc-parser's UMD one requires files at run time).
  mainFields: ['module', 'main'],
  // CommonJS dependencies (picocolors, ignore) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __devreloadRequire } from 'node:module'; const require = __devreloadRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
