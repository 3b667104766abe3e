import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DevreloadError } from '../../src/errors.js';
import { createIgnoreMatcher, findWatchRoot } from '../../src/watch/ignore-rules.js';
import { namedByGlobs } from '../../src/watch/user-globs.js';
import type { StatsLike } from '../../src/watch/ignore-rules.js';
import { WatchFixture } from './watch-harness.js';

const fixture = new WatchFixture();
afterEach(() => fixture.dispose());

const FILE: StatsLike = { isFile: () => true, isDirectory: () => false };
const FOLDER: StatsLike = { isFile: () => false, isDirectory: () => true };
const SYMLINK: StatsLike = { isFile: () => false, isDirectory: () => false };
// No .gitignore exists under this cwd (the matcher only reads files that exist).
const ROOT = '/nonexistent-devreload-project';
const at = (rel: string) => path.join(ROOT, rel);

describe('createIgnoreMatcher: always ignored', () => {
  const match = createIgnoreMatcher({ paths: [ROOT], cwd: ROOT });

  it.each(['node_modules', 'node_modules/a/b.js', 'src/node_modules/x', '.git', '.git/HEAD', 'a/.hg/x', '.svn'])(
    'ignores %s with or without stats',
    (rel) => {
      expect(match(at(rel))).toMatch(/^always ignored: /);
      expect(match(at(rel), FOLDER)).toMatch(/^always ignored: /);
    },
  );

  it.each([
    ['src/.app.ts.swp', 'vim swap'], ['src/.app.ts.swo', 'vim swap'], ['.app.ts.swx', 'vim swap'],
    ['src/4913', 'vim write test'], ['src/app.ts~', 'backup'], ['app.ts___jb_tmp___', 'JetBrains'],
    ['app.ts___jb_old___', 'JetBrains'], ['src/.#app.ts', 'emacs lock'], ['src/#app.ts#', 'emacs auto-save'],
    ['a/.DS_Store', '.DS_Store'],
  ])('ignores the editor or OS file %s (%s)', (rel, editor) => {
    expect(match(at(rel), FILE)).toContain(editor);
  });

  it.each(['src/app.ts', 'node_modules.md', 'src/.gitignore', 'my.git/x', '#', 'a/49130', 'src/#draft.ts', '.github/ci.yml'])(
    'keeps %s',
    (rel) => {
      expect(match(at(rel), FILE)).toBeUndefined();
    },
  );
});

describe('createIgnoreMatcher: extensions', () => {
  const match = createIgnoreMatcher({ paths: [ROOT], cwd: ROOT, ext: ['ts', '.JS', 'd.mts', 'env'] });

  it('filters stat-ed files by extension, case-insensitively', () => {
    expect(match(at('src/a.ts'), FILE)).toBeUndefined();
    expect(match(at('src/a.JS'), FILE)).toBeUndefined();
    expect(match(at('src/types.d.mts'), FILE)).toBeUndefined();
    expect(match(at('.env'), FILE)).toBeUndefined();
    expect(match(at('src/a.md'), FILE)).toBe('extension not in: ts, js, d.mts, env');
    expect(match(at('src/Makefile'), FILE)).toBe('extension not in: ts, js, d.mts, env');
  });

  it('never filters folders, symlinks, or paths chokidar has not stat-ed yet', () => {
    expect(match(at('lib/v1.2'), FOLDER)).toBeUndefined();
    expect(match(at('lib/socket.io'))).toBeUndefined();
    expect(match(at('lib/readme.md'))).toBeUndefined();
    expect(match(at('lib/linked.md'), SYMLINK)).toBeUndefined();
  });

  it('rejects an empty extension list instead of silently watching nothing', () => {
    expect(() => createIgnoreMatcher({ paths: [ROOT], cwd: ROOT, ext: [] })).toThrow(DevreloadError);
    expect(() => createIgnoreMatcher({ paths: [ROOT], cwd: ROOT, ext: ['.'] })).toThrow(/ext/);
  });
});

describe('createIgnoreMatcher: ignore globs', () => {
  const match = createIgnoreMatcher({
    paths: [ROOT, path.resolve(ROOT, '../shared')],
    cwd: ROOT,
    ignore: ['*.test.ts', 'dist/', './src/generated/**', `${ROOT}/tmp`, '../shared/cache', 'coverage'],
  });

  it('matches slash-less globs at any depth, dot folders included', () => {
    expect(match(at('a.test.ts'), FILE)).toBe('ignore glob: *.test.ts');
    expect(match(at('src/deep/.hidden/a.test.ts'), FILE)).toBe('ignore glob: *.test.ts');
    expect(match(at('packages/x/coverage/lcov.info'), FILE)).toBe('ignore glob: coverage');
  });

  it('ignores everything inside a folder that a glob matches', () => {
    expect(match(at('dist'), FOLDER)).toBe('ignore glob: dist/');
    expect(match(at('dist/a/b/c.js'), FILE)).toBe('ignore glob: dist/');
    expect(match(at('tmp/x.ts'), FILE)).toBe(`ignore glob: ${ROOT}/tmp`);
  });

  it('anchors globs that contain a slash at cwd', () => {
    expect(match(at('src/generated/api.ts'), FILE)).toBe('ignore glob: ./src/generated/**');
    expect(match(at('lib/src/generated/api.ts'), FILE)).toBeUndefined();
    expect(match(at('src/app.ts'), FILE)).toBeUndefined();
  });

  it('reaches watched paths outside cwd through ../', () => {
    expect(match(path.resolve(ROOT, '../shared/cache/x.json'), FILE)).toBe('ignore glob: ../shared/cache');
    expect(match(path.resolve(ROOT, '../shared/index.ts'), FILE)).toBeUndefined();
  });

  it('rejects an empty glob', () => {
    expect(() => createIgnoreMatcher({ paths: [ROOT], cwd: ROOT, ignore: [' '] })).toThrow(DevreloadError);
  });
});

describe('createIgnoreMatcher: watched paths', () => {
  it('never ignores a watched path itself, and only looks below it', () => {
    const lib = at('node_modules/my-lib');
    const match = createIgnoreMatcher({ paths: [lib, at('src/app.md')], cwd: ROOT, ext: ['ts'], ignore: ['*.md'] });
    expect(match(lib, FOLDER)).toBeUndefined();
    expect(match(at('node_modules/my-lib/index.ts'), FILE)).toBeUndefined();
    expect(match(at('node_modules/my-lib/node_modules/dep/x.ts'), FILE)).toBe('always ignored: node_modules');
    expect(match(at('src/app.md'), FILE)).toBeUndefined();
  });

  it('leaves paths outside every watched path alone (no rule of theirs applies there)', () => {
    const match = createIgnoreMatcher({ paths: [at('src/app.ts')], cwd: ROOT, ext: ['ts'] });
    expect(match(at('src'), FOLDER)).toBeUndefined();
    expect(match(at('src/other.md'), FILE)).toBeUndefined();
  });

  it('finds the deepest watched path containing a path', () => {
    const roots = [at('src'), at('src/lib'), at('srcx')];
    expect(findWatchRoot(roots, at('src/lib/a.ts'))).toBe(at('src/lib'));
    expect(findWatchRoot(roots, at('src/a.ts'))).toBe(at('src'));
    expect(findWatchRoot(roots, at('srcx'))).toBe(at('srcx'));
    expect(findWatchRoot(roots, at('other/a.ts'))).toBeUndefined();
    expect(findWatchRoot(roots, at('src/'))).toBe(at('src'));
    expect(findWatchRoot(['/'], at('src/a.ts'))).toBe('/');
  });

  // The matcher skips path.resolve() for paths that are already normal: any other must still
  // be judged as its normal form.
  it.each([
    ['node_modules/../src/a.js', undefined],
    ['src/../node_modules/a.js', 'always ignored: node_modules'],
    ['src//app.ts~/', 'editor temp file: backup (*~)'],
    ['src/.app.ts.swp/.', 'editor temp file: vim swap (*.swp, *.swo, *.swx)'],
    ['src/x/../#app.ts#', 'editor temp file: emacs auto-save (#*#)'],
  ])('judges the path %s as its normal form', (rel, rule) => {
    const match = createIgnoreMatcher({ paths: [ROOT], cwd: ROOT });
    expect(match(`${ROOT}/${rel}`, FILE)).toBe(rule);
  });

  it('watches the file system root like any folder', () => {
    const match = createIgnoreMatcher({ paths: ['/'], cwd: ROOT, ignore: ['dist'] });
    expect(match('/', FOLDER)).toBeUndefined();
    expect(match('/x/node_modules/y.js', FILE)).toBe('always ignored: node_modules');
    expect(match(at('dist/a.js'), FILE)).toBe('ignore glob: dist');
    expect(match(at('src/a.js'), FILE)).toBeUndefined();
  });
});

describe('createIgnoreMatcher: .gitignore', () => {
  it('applies .gitignore rules inside cwd only, unless turned off', async () => {
    const dir = await fixture.tempDir();
    await writeFile(path.join(dir, '.gitignore'), '*.tmp\nout/\n');
    const outside = path.resolve(dir, '../elsewhere');
    const on = createIgnoreMatcher({ paths: [dir, outside], cwd: dir });
    const off = createIgnoreMatcher({ paths: [dir], cwd: dir, gitignore: false });

    expect(on(path.join(dir, 'src/debug.tmp'), FILE)).toBe('.gitignore: *.tmp (.gitignore)');
    expect(on(path.join(dir, 'out'), FOLDER)).toBe('.gitignore: out/ (.gitignore)');
    expect(on(path.join(outside, 'debug.tmp'), FILE)).toBeUndefined();
    expect(off(path.join(dir, 'src/debug.tmp'), FILE)).toBeUndefined();
    expect(off(path.join(dir, 'out'), FOLDER)).toBeUndefined();
  });

  it('lets a --reload-only glob beat .gitignore for what it names, never node_modules, VCS folders or --ignore', async () => {
    const dir = await fixture.tempDir();
    await writeFile(path.join(dir, '.gitignore'), 'public/build/\n*.css\ndist/\n');
    const in_ = (rel: string) => path.join(dir, rel);
    const named = namedByGlobs(['public/**/*.css', '*.min.js'], dir);
    const match = createIgnoreMatcher({ paths: [dir], cwd: dir, ext: ['js'], ignore: ['public/tmp'], named });
    // Named: .gitignore and --ext let it through, and the gitignored folder is walked for it.
    expect(match(in_('public/build'), FOLDER)).toBeUndefined();
    expect(match(in_('public/build'))).toBeUndefined();
    expect(match(in_('public/build/app.css'), FILE)).toBeUndefined();
    expect(match(in_('public/build/deep/er/x.css'), FILE)).toBeUndefined();
    // Not named: still gitignored, inside the walked folder too.
    expect(match(in_('public/build/app.js'), FILE)).toBe('.gitignore: public/build/ (.gitignore)');
    expect(match(in_('src/site.css'), FILE)).toBe('extension not in: js');
    // Outside a glob's fixed part a gitignored folder stays pruned: `*.min.js` has none.
    expect(match(in_('dist'), FOLDER)).toBe('.gitignore: dist/ (.gitignore)');
    expect(match(in_('src/vendor.min.js'), FILE)).toBeUndefined();
    // What always wins.
    expect(match(in_('public/node_modules'), FOLDER)).toBe('always ignored: node_modules');
    expect(match(in_('public/node_modules/x.css'), FILE)).toBe('always ignored: node_modules');
    expect(match(in_('public/.git/x.css'), FILE)).toBe('always ignored: .git');
    expect(match(in_('public/tmp/x.css'), FILE)).toBe('ignore glob: public/tmp');
  });

  it('walks a gitignored folder above a glob\'s fixed part on the way to it, and nothing else in it', async () => {
    const dir = await fixture.tempDir();
    await writeFile(path.join(dir, '.gitignore'), 'public/\n');
    const match = createIgnoreMatcher({ paths: [dir], cwd: dir, named: namedByGlobs(['public/build/**'], dir) });
    expect(match(path.join(dir, 'public'), FOLDER)).toBeUndefined();
    expect(match(path.join(dir, 'public/build/app.css'), FILE)).toBeUndefined();
    expect(match(path.join(dir, 'public/index.html'), FILE)).toBe('.gitignore: public/ (.gitignore)');
    expect(match(path.join(dir, 'public/other'), FOLDER)).toBe('.gitignore: public/ (.gitignore)');
  });

  it('honours .gitignore below a watched folder that is itself gitignored only by not applying it', async () => {
    const dir = await fixture.tempDir();
    await writeFile(path.join(dir, '.gitignore'), 'build/\n*.map\n');
    const match = createIgnoreMatcher({ paths: [path.join(dir, 'build'), path.join(dir, 'src')], cwd: dir });
    expect(match(path.join(dir, 'build/app.js.map'), FILE)).toBeUndefined();
    expect(match(path.join(dir, 'src/app.js.map'), FILE)).toBe('.gitignore: *.map (.gitignore)');
  });
});
