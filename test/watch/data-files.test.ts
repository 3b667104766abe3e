import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSqliteHeader, matchDataFile } from '../../src/watch/data-files.js';
import { createIgnoreMatcher, type StatsLike } from '../../src/watch/ignore-rules.js';

const FILE: StatsLike = { isFile: () => true, isDirectory: () => false };
const FOLDER: StatsLike = { isFile: () => false, isDirectory: () => true };
const ROOT = '/nonexistent-devreload-project';
const at = (rel: string) => path.join(ROOT, rel);

describe('data files known by name', () => {
  const match = createIgnoreMatcher({ paths: [ROOT], cwd: ROOT });

  it.each([
    ['db.sqlite3-journal', 'SQLite journal'],
    ['var/app.db-wal', 'SQLite journal'],
    ['var/app.db-shm', 'SQLite journal'],
    ['data-journal', 'SQLite journal'],
    ['app.log', 'log (*.log)'],
    ['logs/2024-01-01.log', 'log (*.log)'],
  ])('ignores %s (%s), and the rule says it is a data file', (rel, words) => {
    expect(match(at(rel), FILE)).toMatch(/^data file: /);
    expect(match(at(rel), FILE)).toContain(words);
  });

  it.each(['src/journal.ts', 'src/wal.go', 'src/log.ts', 'src/logger.js', 'catalog', 'src/app.sqlite3', 'README.md', 'src/shm.c'])('keeps %s', (rel) => {
    expect(match(at(rel), FILE)).toBeUndefined();
  });

  it('leaves a folder with such a name alone: only files are data', () => {
    expect(match(at('build.log'), FOLDER)).toBeUndefined();
    expect(match(at('build.log/index.js'), FILE)).toBeUndefined();
  });

  it('yields to an --ext that names the file: asking for .log files gets them', () => {
    const logs = createIgnoreMatcher({ paths: [ROOT], cwd: ROOT, ext: ['js', 'LOG'] });
    expect(logs(at('app.log'), FILE)).toBeUndefined();
    expect(logs(at('db.sqlite3-journal'), FILE)).toMatch(/^extension not in: js, log/);
    expect(matchDataFile('app.log', ['.log'])).toBeUndefined();
    expect(matchDataFile('app.log', ['.js'])).toBe('data file: log (*.log)');
  });

  it('names the user\'s own rule first: --ignore and .gitignore come before the default', () => {
    const globbed = createIgnoreMatcher({ paths: [ROOT], cwd: ROOT, ignore: ['logs/**'] });
    expect(globbed(at('logs/app.log'), FILE)).toContain('logs/**');
    expect(globbed(at('app.log'), FILE)).toBe('data file: log (*.log)');
  });

  it('never ignores a data file the user watches by name', () => {
    const named = createIgnoreMatcher({ paths: [ROOT, at('app.log')], cwd: ROOT });
    expect(named(at('app.log'), FILE)).toBeUndefined();
  });
});

describe('isSqliteHeader', () => {
  it('knows a SQLite 3 database by its first 16 bytes', () => {
    expect(isSqliteHeader(Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(84)]))).toBe(true);
    expect(isSqliteHeader(Buffer.from('SQLite format 3\0', 'latin1'))).toBe(true);
  });

  it.each([
    ['a shorter read', Buffer.from('SQLite format 3', 'latin1')],
    ['a source file that mentions it', Buffer.from('// SQLite format 3\0', 'latin1')],
    ['an empty file', Buffer.alloc(0)],
    ['another version', Buffer.from('SQLite format 4\0', 'latin1')],
  ])('refuses %s', (_what, head) => {
    expect(isSqliteHeader(head)).toBe(false);
  });
});
