import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changeRules, reloadOnlyRoots, routeChange } from '../../src/proxy/reload-only.js';

const cwd = '/project';
const at = (relative: string) => path.join(cwd, relative);

describe('routeChange: a change is classified before the restart machine sees it', () => {
  const rules = changeRules([at('src'), at('.env')], ['views/**', '*.css'], cwd);
  it.each([
    ['src/server.js', 'restart'],
    ['.env', 'restart'],
    // Outside the watched paths, but named by --reload-only.
    ['views/index.ejs', 'reload'],
    ['views/partials/nav.ejs', 'reload'],
    // A slash-less glob matches a name at any depth, inside the watched paths too.
    ['src/public/site.css', 'reload'],
    // Seen only because views/ is watched for --reload-only.
    ['README.md', 'ignore'],
    ['viewsx/a.ejs', 'ignore'],
  ])('%s → %s', (relative, route) => {
    expect(routeChange(at(relative), rules)).toBe(route);
  });

  it('without --reload-only, every watched change restarts', () => {
    expect(routeChange(at('src/a.js'), changeRules([at('src')], [], cwd))).toBe('restart');
  });
});

describe('reloadOnlyRoots', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devreload-roots-'));
  mkdirSync(path.join(dir, 'views/partials'), { recursive: true });
  mkdirSync(path.join(dir, 'src/public'), { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds the folders the globs name outside the watched paths, once, if they exist', () => {
    const watched = [path.join(dir, 'src')];
    expect(reloadOnlyRoots(['views/**/*.ejs', './views/partials/*.ejs', 'src/public/**', '*.css', 'missing/**'], dir, watched)).toEqual([path.join(dir, 'views')]);
  });
});
