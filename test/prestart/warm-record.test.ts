import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Devreload, disposeAfterEach, Project, waitUntil } from '../e2e/harness.js';

// A warm spare loads what the last woken instance recorded; that instance was itself woken
// from a spare, with those modules already loaded. What it records must not depend on that:
// the same app gets the same set at every restart. Two shapes that once alternated or shrank:
// an ES module app importing a CommonJS package (which requires its own files while it loads,
// and another package at run time), and a CommonJS app requiring an ES module package that
// imports a CommonJS one and, at run time, another ES module package that imports CommonJS.
const describeOnLinux = describe.skipIf(process.platform !== 'linux');

disposeAfterEach();

type Files = Record<string, string>;

/** Packages in node_modules, each `name: [type, index.js, other files]`. */
function packages(project: Project, all: Record<string, ['commonjs' | 'module', string, Files?]>): void {
  for (const [name, [type, index, more]] of Object.entries(all)) {
    const dir = project.path(`node_modules/${name}`);
    for (const [file, content] of Object.entries({ 'package.json': JSON.stringify({ name, version: '1.0.0', type, main: 'index.js' }), 'index.js': index, ...more })) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
  }
}

const serve = "console.log(`[app ${process.pid}] up`); process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30);";

const shapes: Array<[string, string, Files, Record<string, ['commonjs' | 'module', string, Files?]>]> = [
  [
    'an ES module app importing a CommonJS package',
    'src/server.mjs',
    { 'src/server.mjs': `import pkg from 'cjspkg';\npkg.make();\n${serve}\n` },
    {
      cjspkg: ['commonjs', "const own = require('./lib/own.js');\nconst leaf = require('leafpkg');\nmodule.exports = { own, leaf, make: () => require('latepkg') };\n", { 'lib/own.js': 'module.exports = 1;\n' }],
      leafpkg: ['commonjs', 'module.exports = 2;\n'],
      latepkg: ['commonjs', 'module.exports = 3;\n'],
    },
  ],
  [
    'a CommonJS app requiring an ES module package that imports more at run time',
    'src/server.cjs',
    { 'src/server.cjs': `const core = require('corepkg');\ncore.start().then(() => { ${serve} });\n` },
    {
      corepkg: ['module', "import helper from 'helperpkg';\nexport async function start() { return [helper, (await import('platformpkg')).default]; }\n"],
      helperpkg: ['commonjs', 'module.exports = 1;\n'],
      platformpkg: ['module', "import cors from 'corspkg';\nexport default cors;\n"],
      corspkg: ['commonjs', "const vary = require('varypkg');\nmodule.exports = () => vary;\n"],
      varypkg: ['commonjs', 'module.exports = 2;\n'],
    },
  ],
];

describeOnLinux('--prestart (warm spares): the recorded set is the same at every restart', () => {
  it.each(shapes)('%s', { timeout: 120_000 }, async (_name, main, files, deps) => {
    const project = await Project.create();
    packages(project, deps);
    for (const [file, content] of Object.entries(files)) writeFileSync(project.path(file), content);
    const tmp = project.sidecar('tmp');
    mkdirSync(tmp);
    const d = new Devreload(['-V', '--prestart', '--watch', 'src', '--', 'node', main], { cwd: project.dir, env: { TMPDIR: tmp } });
    // A parked spare that has said what it loaded (its report is removed when it is woken).
    const spareLoaded = () =>
      readdirSync(tmp)
        .filter((name) => name.startsWith('devreload-warm-'))
        .some((folder) => existsSync(path.join(tmp, folder)) && readdirSync(path.join(tmp, folder)).some((name) => name.endsWith('.spare.json')));
    const records = () => [...d.output.matchAll(/next spare loads (\d+) modules? from node_modules/g)].map((m) => Number(m[1]));
    const warm = () => [...d.output.matchAll(/woke a warm Node spare \((\d+) modules? kept warm\)/g)].map((m) => Number(m[1]));
    const restarts = 3;
    for (let start = 1; start <= restarts + 1; start++) {
      await d.waitFor(/\[app \d+\] up/, start, 30_000);
      await waitUntil(() => records().length >= start && spareLoaded(), { timeout: 30_000, describe: () => `record ${start} and a loaded spare\n${d.output}` });
      if (start <= restarts) await project.save('src/app.js');
    }
    // Every restart woke a spare that had loaded everything (no cold start, no "still loading").
    expect(warm(), d.output).toHaveLength(restarts);
    expect(new Set(records()), `roots recorded by each instance\n${d.output}`).toEqual(new Set([records()[0]]));
    expect(records()[0], d.output).toBeGreaterThan(0);
    expect(new Set(warm()), `modules kept warm at each wake\n${d.output}`).toEqual(new Set([warm()[0]]));
  });
});

describeOnLinux('--prestart (warm spares): a dependency that loads the user’s code is not preloaded', () => {
  it('an ES module app importing a CommonJS package that requires one of the app’s files while it loads: that file runs in the apps only, never in a spare', { timeout: 120_000 }, async () => {
    const project = await Project.create();
    packages(project, {
      // As a config loader does: the app's own file, by path, at load time.
      cfgpkg: ['commonjs', "const path = require('node:path');\nmodule.exports = require(path.join(process.cwd(), 'src/config.cjs'));\n"],
    });
    const ran = project.sidecar('config-ran.log');
    writeFileSync(project.path('src/config.cjs'), `require('node:fs').appendFileSync(${JSON.stringify(ran)}, process.pid + '\\n');\nmodule.exports = { port: 1 };\n`);
    writeFileSync(project.path('src/server.mjs'), `import config from 'cfgpkg';\nconsole.log('config', config.port);\n${serve}\n`);
    const tmp = project.sidecar('tmp');
    mkdirSync(tmp);
    const d = new Devreload(['-V', '--prestart', '--watch', 'src', '--', 'node', 'src/server.mjs'], { cwd: project.dir, env: { TMPDIR: tmp } });
    const apps = () => [...d.output.matchAll(/\[app (\d+)\] up/g)].map((m) => Number(m[1]));
    const spareLoaded = () =>
      readdirSync(tmp)
        .filter((name) => name.startsWith('devreload-warm-'))
        .some((folder) => existsSync(path.join(tmp, folder)) && readdirSync(path.join(tmp, folder)).some((name) => name.endsWith('.spare.json')));
    for (let start = 1; start <= 3; start++) {
      await d.waitFor(/\[app \d+\] up/, start, 30_000);
      // The next spare booted and loaded what it loads, before the save that wakes it.
      await waitUntil(spareLoaded, { timeout: 30_000, describe: () => `the spare after start ${start}\n${d.output}` });
      if (start < 3) await project.save('src/app.js');
    }
    const ranIn = readFileSync(ran, 'utf8').split('\n').filter(Boolean).map(Number);
    expect(ranIn, d.output).toEqual(apps());
  });
});
