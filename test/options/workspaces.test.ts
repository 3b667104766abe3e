import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/main.js';
import { loadConfig } from '../../src/options/config.js';
import { findWorkspaceRoots, gitignoresFolder } from '../../src/options/workspaces.js';
import { resolveOptions } from '../../src/options/resolve.js';

// Real folders and real symlinks, laid out as each package manager lays them out.

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'devreload-workspaces-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const at = (relative: string) => path.join(dir, relative);

function write(relative: string, content: unknown): void {
  mkdirSync(path.dirname(at(relative)), { recursive: true });
  writeFileSync(at(relative), typeof content === 'string' ? content : JSON.stringify(content));
}

/** `node_modules/<name>` in `from` → `target`, relative as npm and pnpm make them. */
function link(from: string, name: string, target: string): void {
  const place = at(path.join(from, 'node_modules', name));
  mkdirSync(path.dirname(place), { recursive: true });
  symlinkSync(path.relative(path.dirname(place), at(target)), place);
}

function pkg(relative: string, manifest: Record<string, unknown>): void {
  write(path.join(relative, 'package.json'), manifest);
  write(path.join(relative, 'index.js'), 'export {};\n');
}

/** Found roots, relative to the temp dir. */
function found(cwd: string, watched: string[] = [cwd]): string[] {
  return findWorkspaceRoots(at(cwd), watched.map(at)).map((p) => path.relative(dir, p));
}

describe('workspace packages found through node_modules links', () => {
  it('npm: a hoisted link in the root node_modules, and what that package depends on in turn', () => {
    write('package.json', { name: 'root', workspaces: ['apps/*', 'packages/*'] });
    pkg('apps/api', { name: 'api', dependencies: { '@acme/shared': '*', express: '^4' } });
    pkg('packages/shared', { name: '@acme/shared', dependencies: { '@acme/util': '1.0.0' } });
    pkg('packages/util', { name: '@acme/util' });
    link('.', '@acme/shared', 'packages/shared');
    link('.', '@acme/util', 'packages/util');
    link('.', 'api', 'apps/api');
    // A registry package: a plain folder.
    pkg('node_modules/express', { name: 'express' });
    expect(found('apps/api', ['apps/api/src'])).toEqual(['packages/shared', 'packages/util']);
  });

  it('pnpm: links in the project’s own node_modules; registry packages link into node_modules/.pnpm', () => {
    write('package.json', { name: 'root' });
    write('pnpm-workspace.yaml', "packages:\n  - 'apps/*'\n  - 'packages/*'\n");
    pkg('apps/api', { name: 'api', dependencies: { shared: 'workspace:*', lodash: '^4' } });
    pkg('packages/shared', { name: 'shared', dependencies: { util: 'workspace:^' } });
    pkg('packages/util', { name: 'util' });
    link('apps/api', 'shared', 'packages/shared');
    link('packages/shared', 'util', 'packages/util');
    pkg('node_modules/.pnpm/lodash@4.17.21/node_modules/lodash', { name: 'lodash' });
    link('apps/api', 'lodash', 'node_modules/.pnpm/lodash@4.17.21/node_modules/lodash');
    expect(found('apps/api')).toEqual(['packages/shared', 'packages/util']);
  });

  it('yarn 1: `workspaces: { packages: [...] }`; devDependencies count for the project only', () => {
    write('package.json', { name: 'root', private: true, workspaces: { packages: ['packages/*'] } });
    pkg('packages/api', { name: 'api', devDependencies: { shared: '*' } });
    pkg('packages/shared', { name: 'shared', devDependencies: { 'test-utils': '*' } });
    pkg('packages/test-utils', { name: 'test-utils' });
    link('.', 'shared', 'packages/shared');
    link('.', 'test-utils', 'packages/test-utils');
    expect(found('packages/api')).toEqual(['packages/shared']);
  });

  it('a cycle between packages ends; the project itself is never added', () => {
    write('package.json', { workspaces: ['packages/*'] });
    pkg('packages/api', { name: 'api', dependencies: { a: '*' } });
    pkg('packages/a', { name: 'a', dependencies: { b: '*' } });
    pkg('packages/b', { name: 'b', dependencies: { a: '*', api: '*' } });
    for (const name of ['a', 'b', 'api']) link('.', name, `packages/${name}`);
    expect(found('packages/api')).toEqual(['packages/a', 'packages/b']);
  });

  it('the workspace root itself is never added (it holds every package)', () => {
    write('package.json', { name: 'root', workspaces: ['packages/*'] });
    pkg('packages/api', { name: 'api', dependencies: { root: '*', a: '*' } });
    pkg('packages/a', { name: 'a' });
    link('.', 'root', '.');
    link('.', 'a', 'packages/a');
    expect(found('packages/api')).toEqual(['packages/a']);
  });

  it('a package already inside a watched path is not added again; its own dependencies still are', () => {
    write('package.json', { workspaces: ['packages/*'] });
    pkg('packages/api', { name: 'api', dependencies: { shared: '*' } });
    pkg('packages/shared', { name: 'shared', dependencies: { util: '*' } });
    pkg('packages/util', { name: 'util' });
    link('.', 'shared', 'packages/shared');
    link('.', 'util', 'packages/util');
    expect(found('packages/api', ['packages/api', 'packages/shared'])).toEqual(['packages/util']);
    // From the workspace root, watching everything: nothing to add.
    expect(found('.', ['.'])).toEqual([]);
  });

  it('the project is found from the watched path when devreload runs at the repository root', () => {
    write('package.json', { workspaces: ['packages/*'] });
    pkg('packages/api', { name: 'api', dependencies: { shared: '*' } });
    pkg('packages/shared', { name: 'shared' });
    mkdirSync(at('packages/api/src'));
    link('.', 'shared', 'packages/shared');
    expect(found('.', ['packages/api/src'])).toEqual(['packages/shared']);
  });

  it('outside a workspace only file:/link: packages are followed; an `npm link` to another checkout is not', () => {
    pkg('app', { name: 'app', dependencies: { lib: 'file:../lib', linked: '^1.0.0', tool: 'link:../tool' } });
    pkg('lib', { name: 'lib' });
    pkg('elsewhere/linked', { name: 'linked' });
    pkg('tool', { name: 'tool' });
    link('app', 'lib', 'lib');
    link('app', 'linked', 'elsewhere/linked');
    link('app', 'tool', 'tool');
    expect(found('app')).toEqual(['lib', 'tool']);
  });

  it('devreload itself, installed from its checkout as a file: devDependency, is not watched', () => {
    const checkout = path.resolve(import.meta.dirname, '../..');
    pkg('app', { name: 'app', dependencies: { lib: 'file:../lib' }, devDependencies: { devreload: `file:${checkout}` } });
    pkg('lib', { name: 'lib' });
    link('app', 'lib', 'lib');
    mkdirSync(at('app/node_modules'), { recursive: true });
    symlinkSync(checkout, at('app/node_modules/devreload'));
    expect(found('app')).toEqual(['lib']);
  });

  it('a workspace member linked to a folder outside the workspace root is not followed without file:/link:', () => {
    write('repo/package.json', { workspaces: ['packages/*'] });
    pkg('repo/packages/api', { name: 'api', dependencies: { shared: '*', outside: '*' } });
    pkg('repo/packages/shared', { name: 'shared' });
    pkg('outside', { name: 'outside' });
    link('repo', 'shared', 'repo/packages/shared');
    link('repo', 'outside', 'outside');
    expect(found('repo/packages/api')).toEqual(['repo/packages/shared']);
  });

  it('yarn Plug’n’Play (no node_modules), a dangling link and a malformed package.json find nothing and throw nothing', () => {
    write('package.json', { workspaces: ['packages/*'] });
    write('.pnp.cjs', '// yarn pnp\n');
    pkg('packages/api', { name: 'api', dependencies: { shared: 'workspace:*', gone: '*', broken: '*' } });
    mkdirSync(at('node_modules'));
    symlinkSync(at('packages/nothing-here'), at('node_modules/gone'));
    write('packages/broken/package.json', '{ not json');
    link('.', 'broken', 'packages/broken');
    expect(found('packages/api')).toEqual(['packages/broken']);
  });

  it('a package whose main or exports point into a gitignored build folder has that folder watched as well', () => {
    write('package.json', { workspaces: ['packages/*'] });
    write('.gitignore', 'dist/\nnode_modules/\n');
    pkg('packages/api', { name: 'api', dependencies: { built: '*', source: '*', exported: '*' } });
    pkg('packages/built', { name: 'built', main: './dist/index.js' });
    write('packages/built/dist/index.js', 'export {};\n');
    // main into a folder that is source (not ignored): nothing more.
    pkg('packages/source', { name: 'source', main: 'src/index.js' });
    write('packages/source/src/index.js', 'export {};\n');
    // exports with conditions, in the package’s own .gitignore.
    pkg('packages/exported', { name: 'exported', exports: { '.': { development: './src/index.ts', default: './lib/index.js' }, './package.json': './package.json' } });
    write('packages/exported/.gitignore', 'lib\n');
    write('packages/exported/lib/index.js', 'export {};\n');
    write('packages/exported/src/index.ts', 'export {};\n');
    for (const name of ['built', 'source', 'exported']) link('.', name, `packages/${name}`);
    expect(found('packages/api')).toEqual(['packages/built', 'packages/built/dist', 'packages/source', 'packages/exported', 'packages/exported/lib']);
  });
});

describe('a build folder named by a .gitignore (pure: the files are given)', () => {
  const ignored = (files: Record<string, string>, folder = '/r/packages/shared/dist') =>
    gitignoresFolder('/r', folder, (file) => files[path.dirname(file)]);

  it('literal rules, anchored or not, with a trailing slash, at any level from the root down', () => {
    for (const rule of ['dist', 'dist/', '**/dist', '**/dist/']) expect(ignored({ '/r': rule }), rule).toBe(true);
    for (const rule of ['/packages/shared/dist', 'packages/shared/dist/']) expect(ignored({ '/r': rule }), rule).toBe(true);
    expect(ignored({ '/r/packages/shared': '/dist' })).toBe(true);
    expect(ignored({ '/r/packages': 'shared/dist/' })).toBe(true);
  });

  it('a rule for another folder or an anchored rule at the wrong level does not; a later negation wins', () => {
    expect(ignored({ '/r': '/dist\nbuild\n# dist' })).toBe(false);
    expect(ignored({ '/r': 'distribution\nsrc/dist' })).toBe(false);
    expect(ignored({ '/r': 'dist/', '/r/packages/shared': '!dist' })).toBe(false);
    expect(ignored({ '/r': '!dist\ndist' })).toBe(true);
    expect(ignored({})).toBe(false);
    // As git reads it: `dist/**` is anchored at its .gitignore's folder, and ignores what is in
    // a dist there, not the folder itself (the watcher asks the same of a watched folder).
    expect(ignored({ '/r': 'dist/**' })).toBe(false);
    expect(ignored({ '/r/packages/shared': 'dist/**' })).toBe(false);
  });

  it('globs that can match the folder count (packages/*/dist, */dist/, dist*, **/d?st, [d]ist); ones that cannot do not', () => {
    for (const rule of ['packages/*/dist', '/packages/*/dist/', 'packages/**/dist', '**/d?st', 'dist*', '[d]ist', 'packages/shared/*'])
      expect(ignored({ '/r': rule }), rule).toBe(true);
    expect(ignored({ '/r/packages': '*/dist/' })).toBe(true);
    for (const rule of ['apps/*/dist', 'build*', '*.js', 'packages/*/dist/*.map', '[!d]ist']) expect(ignored({ '/r': rule }), rule).toBe(false);
    // A negation by glob that names the folder un-ignores it: it is watched with its package.
    expect(ignored({ '/r': 'dist\n!packages/*/dist' })).toBe(false);
    expect(ignored({ '/r': 'dist\n!apps/*/dist' })).toBe(true);
  });
});

describe('the workspaces option', () => {
  function monorepo(): void {
    write('package.json', { workspaces: ['packages/*'] });
    pkg('packages/api', { name: 'api', dependencies: { shared: '*' } });
    mkdirSync(at('packages/api/src'));
    pkg('packages/shared', { name: 'shared' });
    link('.', 'shared', 'packages/shared');
  }

  it('adds the packages after the watched paths by default; workspaces: false adds nothing', () => {
    monorepo();
    const on = resolveOptions({ command: 'node', cwd: at('packages/api'), watch: ['src'] });
    expect(on.watch).toEqual([at('packages/api/src'), at('packages/shared')]);
    expect(on.workspaceRoots).toEqual([at('packages/shared')]);
    const off = resolveOptions({ command: 'node', cwd: at('packages/api'), watch: ['src'], workspaces: false });
    expect(off.watch).toEqual([at('packages/api/src')]);
    expect(off.workspaceRoots).toEqual([]);
  });

  it('a value that is not a boolean names the option', () => {
    expect(() => resolveOptions({ command: 'node', cwd: dir, workspaces: 'no' as unknown as boolean })).toThrow('workspaces: must be true or false, got string "no"');
  });

  it('--no-workspaces sets it to false; without it the option is left to the config and the default', () => {
    const run = (argv: string[]) => {
      const parsed = parseCli(argv);
      if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
      return parsed.options;
    };
    expect(run(['--no-workspaces', '--', 'node', 'server.js']).workspaces).toBe(false);
    expect(run(['--watch', 'src', '--', 'node', 'server.js'])).not.toHaveProperty('workspaces');
  });

  it('the config key takes true or false and names itself otherwise', () => {
    write('devreload.config.json', { workspaces: false });
    expect(loadConfig(dir, undefined)).toEqual({ workspaces: false });
    write('devreload.config.json', { workspaces: 0 });
    expect(() => loadConfig(dir, undefined)).toThrow('devreload.config.json: "workspaces" must be true or false, got number 0');
  });
});
