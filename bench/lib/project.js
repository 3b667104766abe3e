// Temp projects the supervisors run in: package.json, the fixture app as server.js, the
// watched module src/message.js — plus, when asked, 500 imported files for the burst and a
// large generated tree (source files, node_modules or both) for the footprint figures.
// The TypeScript project (`typescript: true`) holds src/server.ts and src/message.ts instead,
// and tsx installed as npm would: node_modules/tsx and node_modules/.bin/tsx (links to ours).
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO, TSX_PACKAGE } from './peers.js';
import { now } from './session.js';

const FIXTURE = path.join(REPO, 'fixtures/bench/server.js');
const TS_FIXTURE = path.join(REPO, 'fixtures/bench/server.ts');
export const BURST_IMPORT = './src/burst/index.js';

export function makeProject(root, name, { burstFiles = 0, typescript = false } = {}) {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'bench-app', private: true, type: 'module' }, null, 2)}\n`);
  if (typescript) {
    copyFileSync(TS_FIXTURE, path.join(dir, 'src/server.ts'));
    mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
    symlinkSync(TSX_PACKAGE, path.join(dir, 'node_modules/tsx'), 'dir');
    symlinkSync('../tsx/dist/cli.mjs', path.join(dir, 'node_modules/.bin/tsx'));
  } else {
    copyFileSync(FIXTURE, path.join(dir, 'server.js'));
  }
  const message = path.join(dir, typescript ? 'src/message.ts' : 'src/message.js');
  const contents = (version) => (typescript ? `export const message: string = 'v${version}';\n` : `export const message = 'v${version}';\n`);
  writeFileSync(message, contents(0));
  const burst = Array.from({ length: burstFiles }, (_, i) => path.join(dir, `src/burst/f${i}.js`));
  if (burstFiles > 0) {
    mkdirSync(path.join(dir, 'src/burst'));
    burst.forEach((file, i) => writeFileSync(file, `export const v${i} = 0;\n`));
    const index = burst.map((_, i) => `import './f${i}.js';`).join('\n');
    writeFileSync(path.join(dir, 'src/burst/index.js'), `${index}\n`);
  }
  let version = 0;
  return {
    dir,
    /** The burst's files (absolute), for writers other than burst() below. */
    burstFiles: burst,
    /** Rewrites the watched module; returns the hrtime taken just before the write. */
    touch() {
      version += 1;
      const at = now();
      writeFileSync(message, contents(version));
      return at;
    },
    /**
     * Rewrites every burst file back to back, as a `git checkout` would. Returns the start
     * stamp and the longest pause between two writes (a loaded machine deschedules the writer:
     * a pause longer than a quiet window splits the burst for the watcher).
     */
    burst() {
      version += 1;
      const at = now();
      let previous = at;
      let maxGapMs = 0;
      burst.forEach((file, i) => {
        writeFileSync(file, `export const v${i} = ${version};\n`);
        const done = now();
        maxGapMs = Math.max(maxGapMs, Number(done - previous) / 1e6);
        previous = done;
      });
      return { at, maxGapMs };
    },
  };
}

/**
 * Adds `source` files under src/lib and `modules` files under node_modules, ten per folder,
 * three folder levels deep (packages of 1000 files), like a real dependency tree.
 */
export function fillTree(dir, { source, modules }) {
  spread(dir, 'src/lib', source);
  spread(dir, 'node_modules', modules);
}

function spread(root, base, count, perDir = 10, fanout = 10) {
  let made = '';
  for (let i = 0; i < count; i++) {
    const folder = Math.floor(i / perDir);
    const parts = [];
    for (let f = folder; parts.length < 3; f = Math.floor(f / fanout)) parts.unshift(`d${f % fanout}`);
    const target = path.join(root, base, `pkg${Math.floor(folder / fanout ** 3)}`, ...parts);
    if (target !== made) {
      mkdirSync(target, { recursive: true });
      made = target;
    }
    writeFileSync(path.join(target, `f${i}.js`), 'export default 1;\n');
  }
}

/** A port free on 127.0.0.1 right now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
