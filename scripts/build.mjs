// `npm run build`: the typed package (tsc → dist/, the API and its .d.ts files), the assets
// other processes load (preload, park, watchdog), and the CLI as two bundled CommonJS files.
//
// Why a bundle for the CLI: Node resolves and loads every file of an ESM graph one by one;
// devreload's own modules plus execa's and chokidar's made the CLI take ~230 ms to import,
// the single bundled file about a third of that (measured in BENCHMARKS.md). The package's
// dependencies stay declared: the API (dist/index.js) imports them as usual.
//
// Why CommonJS for the CLI (bin/ is "type": "commonjs", see bin/package.json): Node 20 runs an
// ES module entry through its ESM loader, whose code is not in Node's start-up snapshot and is
// loaded and run for the entry alone; CommonJS is loaded by the loader Node booted with. On
// Node 20, launch → the app's spawn took ~5 ms less CPU with the two CommonJS files than with
// the ESM bundle and its chunks (BENCHMARKS.md, start-up).
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
// The Python spare (src/prestart/python-park.py) and what it loads: not compiled, copied.
mkdirSync(path.join(root, 'dist/prestart/python-boot'), { recursive: true });
for (const file of ['python-park.py', 'python-preload.py', 'python-wake.py', 'python-boot/sitecustomize.py', 'python-boot/usercustomize.py']) {
  copyFileSync(path.join(root, 'src/prestart', file), path.join(root, 'dist/prestart', file));
}

/** The CLI's two files, next to each other at the root of dist/ (assets.ts relies on that). */
const cliFile = 'devreload.cjs';
const watchFile = 'devreload-watch.cjs';

// What the first spawn does not need, the watcher (chokidar, picomatch, the ignore rules: half
// of the CLI's code), is its own file, required after the app was spawned: ports.ts's
// `import('./watch-changes.js')` becomes a require of devreload-watch.cjs on first use.
const lazyWatcherPlugin = {
  name: 'lazy-watcher',
  setup(build) {
    build.onResolve({ filter: /\/watch-changes\.js$/ }, () => ({ path: 'watch-changes', namespace: 'lazy-watcher' }));
    build.onResolve({ filter: /^\.\/devreload-watch\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-watcher' }, () => ({
      contents: ['watchChanges', 'findLinkedRoots'].map((name) => `export function ${name}(...args) { return require(${JSON.stringify(`./${watchFile}`)}).${name}(...args); }`).join('\n'),
      loader: 'js',
      resolveDir: root,
    }));
  },
};

// The watcher's file takes these from the CLI's file, not a copy of its own: errors.ts because
// the CLI tells a DevreloadError (one line, no stack) from a bug by `instanceof`; gitignore.ts
// (and the `ignore` package under it) because resolving the options reads .gitignore files
// too (options/workspaces.ts), before the watcher's file is loaded; polling-env.ts because
// --print-config reads the polling the environment asks for.
const sharedFromCli = new Set(['src/errors.ts', 'src/watch/gitignore.ts', 'src/watch/polling-env.ts']);
// Modules both files may carry a copy of: constants only, no state and no identity.
const copiedInBoth = new Set(['src/tuning.ts']);
const fromCliPlugin = {
  name: 'from-cli',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.namespace !== 'file') return undefined;
      const resolved = path.relative(root, path.resolve(args.resolveDir, args.path)).replace(/\.js$/, '.ts');
      return sharedFromCli.has(resolved) ? { path: `./${cliFile}`, external: true } : undefined;
    });
  },
};

const cjs = {
  absWorkingDir: root,
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Prefer each dependency's ESM build (jsonc-parser's UMD one requires files at run time).
  mainFields: ['module', 'main'],
  // assets.ts finds the files it hands to other processes next to `import.meta.url`.
  define: { 'import.meta.url': '__devreloadUrl' },
  banner: { js: "const __devreloadUrl = require('node:url').pathToFileURL(__filename).href;" },
  // Whitespace and comments only (names stay, for stack traces): ~0.4 ms less to read and load
  // on Node 20 (a non-ASCII character in a comment also made V8 hold the source as UTF-16).
  minifyWhitespace: true,
  legalComments: 'none',
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
};

const cli = await build({
  ...cjs,
  // The entry exports what bin/devreload.js calls and what the watcher's file takes from it.
  stdin: {
    contents: `export { main } from './src/cli/main.ts';\n${[...sharedFromCli].map((file) => `export * from './${file}';`).join('\n')}\n`,
    resolveDir: root,
    sourcefile: 'cli-entry.ts',
    loader: 'ts',
  },
  outfile: `dist/${cliFile}`,
  outdir: undefined,
  plugins: [lazyWatcherPlugin],
});
const watcher = await build({
  ...cjs,
  entryPoints: { [watchFile.replace(/\.cjs$/, '')]: 'src/supervisor/watch-changes.ts' },
  plugins: [fromCliPlugin],
});

// A module in both files is two modules at run time (two classes, two states): only the
// listed constant-only ones may be.
const sourcesOf = (result) => new Set(Object.values(result.metafile.outputs).flatMap((output) => Object.keys(output.inputs)).filter((input) => input.startsWith('src/')));
const inCli = sourcesOf(cli);
const twice = [...sourcesOf(watcher)].filter((input) => inCli.has(input) && !copiedInBoth.has(input));
if (twice.length > 0) {
  throw new Error(
    `build: ${twice.join(', ')} would be copied into both ${cliFile} and ${watchFile}; add each to sharedFromCli (the watcher takes the CLI's) or, if it holds only constants, to copiedInBoth in scripts/build.mjs`,
  );
}
