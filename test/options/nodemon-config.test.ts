import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/main.js';
import { configure } from '../../src/cli/sources.js';
import { findConfig } from '../../src/options/config.js';

// nodemon 3's meaning of each key is read from its source (node_modules/nodemon/lib/config);
// these tests hold devreload to it, with real files in a temp dir.

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'devreload-nodemon-'));
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'server.js'), '');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, content: unknown) => writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
const nodemon = (settings: unknown) => {
  write('nodemon.json', settings);
  return findConfig(dir, undefined);
};

describe('nodemon.json', () => {
  it('maps every key that has a meaning here', () => {
    const config = nodemon({
      watch: ['src'],
      ignore: ['src/generated/**', '*.test.js'],
      ext: 'js, mjs *.json',
      delay: 2500,
      signal: 'SIGHUP',
      env: { PORT: 8000, DEBUG: 'app' },
      verbose: true,
      legacyWatch: true,
      pollingInterval: 500,
      runOnChangeOnly: true,
      exitCrash: true,
      exec: 'node server.js --port 1',
    });
    expect(config?.source).toBe('nodemon.json');
    expect(config?.notes).toEqual([]);
    expect(config?.options).toMatchObject({
      watch: [path.join(dir, 'src')],
      ignore: ['src/generated/**', '*.test.js'],
      ext: ['js,mjs,json'],
      // In a file nodemon's delay is milliseconds (its README: "2500" there is --delay 2.5).
      delay: 2500,
      signal: 'SIGHUP',
      poll: 500,
      postpone: true,
      onExit: 'quit',
      logLevel: 'verbose',
      exec: 'node server.js --port 1',
    });
    expect(config?.options.env).toMatchObject({ PORT: '8000', DEBUG: 'app' });
  });

  it('script runs as nodemon runs it: .js with node (nodeArgs first), execMap by extension, exec with the script appended', () => {
    expect(nodemon({ script: 'server.js', args: ['--port', '1'], nodeArgs: ['--inspect'] })?.options).toMatchObject({ command: 'node', args: ['--inspect', 'server.js', '--port', '1'] });
    expect(nodemon({ script: 'app.rb', execMap: { rb: 'ruby -w' } })?.options).toMatchObject({ exec: 'ruby -w app.rb' });
    expect(nodemon({ script: 'my app.py', exec: 'python3 -u' })?.options).toMatchObject({ exec: "python3 -u 'my app.py'" });
    expect(nodemon({ script: 'a.py', exec: 'python3 {{filename}} --in {{pwd}}' })?.options).toMatchObject({ exec: `python3 a.py --in ${dir}` });
    // Another runtime's script keeps its name: resolve.ts runs it with tsx, python3, or as it is.
    expect(nodemon({ script: 'src/server.ts' })?.options).toMatchObject({ command: 'src/server.ts', args: [] });
  });

  it('with neither exec nor script, the app is package.json "main", else index.js, else scripts.start', () => {
    write('package.json', { main: 'server.js', scripts: { start: 'node other.js' } });
    expect(nodemon({ watch: ['src'] })).toMatchObject({ options: { command: 'node', args: ['server.js'] }, from: { command: 'package.json "main"' } });
    write('package.json', { scripts: { start: 'node other.js' } });
    write('index.js', '');
    expect(nodemon({})?.options).toMatchObject({ command: 'node', args: ['index.js'] });
    rmSync(path.join(dir, 'index.js'));
    expect(nodemon({})?.options).toMatchObject({ exec: 'node other.js' });
    // A start script that runs the reloader would run it inside itself (nodemon #2258).
    write('package.json', { scripts: { start: 'nodemon server.js' } });
    expect(nodemon({})?.options.exec).toBeUndefined();
  });

  it('a key with no equivalent gets one line naming devreload’s way; a value devreload already has gets none', () => {
    const config = nodemon({ restartable: 'rs', stdin: false, colours: false, events: { restart: 'notify-send hi', crash: 'say no' }, watchOptions: { usePolling: true, interval: 300, followSymlinks: false }, cwd: 'src' });
    expect(config?.notes).toEqual([
      'nodemon.json: "stdin" false has no equivalent: the app always gets a pipe from devreload (lines you type reach it; `rs` restarts); it runs in its own process group, so it cannot read the terminal itself',
      'nodemon.json: "colours" false has no equivalent: set NO_COLOR=1 to turn colours off',
      'nodemon.json: "cwd" "src" has no equivalent: nodemon does not apply it from a config file either; run devreload --cwd <dir>',
      'nodemon.json: "watchOptions" "followSymlinks" has no equivalent: devreload sets chokidar’s options itself; "legacyWatch" (or --poll) polls',
      'nodemon.json: "events.restart" is not run: devreload runs no command on its events: read them with devreload --json, or with reloader.on(…) in the API',
      'nodemon.json: "events.crash" is not run: devreload runs no command on its events: read them with devreload --json, or with reloader.on(…) in the API',
    ]);
    expect(config?.options.poll).toBe(300);
    expect(nodemon({ restartable: 'rr' })?.notes).toEqual(['nodemon.json: "restartable" "rr" has no equivalent: devreload restarts on `rs` + Enter; that word cannot be changed or turned off']);
  });

  it('a glob in "watch" watches its folder and says the filter is not applied', () => {
    const config = nodemon({ watch: ['src/*.js'] });
    expect(config?.options.watch).toEqual([path.join(dir, 'src')]);
    expect(config?.notes).toEqual(['nodemon.json: "watch" "src/*.js" is a glob: watching src (devreload watches folders and files; filter with "ext" or "ignore")']);
  });

  it('a key nodemon does not know either is an error with a did-you-mean; a bad value names nodemon’s key', () => {
    expect(() => nodemon({ wacth: ['src'] })).toThrow(/^nodemon\.json: unknown key "wacth" \(did you mean "watch"\?\): nodemon does not read it either$/);
    expect(() => nodemon({ delay: 'fast' })).toThrow(/^nodemon\.json: "delay": expected a duration in milliseconds/);
    expect(() => nodemon({ runOnChangeOnly: 'yes' })).toThrow('nodemon.json: "runOnChangeOnly" must be true or false, got string "yes"');
    expect(() => nodemon({ legacyWatch: true, pollingInterval: -5 })).toThrow(/^nodemon\.json: "pollingInterval": must not be negative/);
    expect(() => nodemon({ legacyWatch: true, pollingInterval: 'fast' })).toThrow(/^nodemon\.json: "pollingInterval": expected a duration in milliseconds/);
    expect(() => nodemon('{ "watch": ["src"], }')).toThrow(/^nodemon\.json: invalid JSON at line 1/);
  });

  it('package.json "nodemonConfig" is read the same way when there is no nodemon.json', () => {
    write('package.json', { name: 'app', nodemonConfig: { watch: ['src'], delay: 900, exec: 'node server.js' } });
    expect(findConfig(dir, undefined)).toMatchObject({ source: 'package.json#nodemonConfig', options: { delay: 900, exec: 'node server.js', watch: [path.join(dir, 'src')] }, notes: [] });
  });

  it('one configuration is read: devreload’s wins, and the others present say they were not read', () => {
    write('nodemon.json', { delay: 900 });
    write('package.json', { name: 'app', nodemonConfig: { delay: 800 } });
    expect(findConfig(dir, undefined)).toMatchObject({ source: 'nodemon.json', options: { delay: 900 } });
    expect(findConfig(dir, undefined)?.notes).toEqual([
      'package.json#nodemonConfig is not read: nodemon.json is used (one configuration is read: devreload.config.json, then package.json#devreload, then nodemon.json, then package.json#nodemonConfig)',
    ]);
    write('devreload.config.json', { delay: 100 });
    expect(findConfig(dir, undefined)).toMatchObject({ source: 'devreload.config.json', options: { delay: 100 } });
    expect(findConfig(dir, undefined)?.notes[0]).toMatch(/^nodemon\.json and package\.json#nodemonConfig are not read: devreload\.config\.json is used/);
  });

  it('--config naming a nodemon*.json reads it as nodemon’s', () => {
    write('nodemon-dev.json', { exec: 'node server.js', delay: 700 });
    expect(findConfig(dir, 'nodemon-dev.json')).toMatchObject({ source: 'nodemon-dev.json', options: { exec: 'node server.js', delay: 700 } });
  });

  it('a script on the command line runs with the file’s exec (or execMap), as nodemon runs it', () => {
    write('nodemon.json', { exec: 'node --trace-warnings', execMap: { rb: 'ruby' } });
    const run = (argv: string[]) => configure((parseCli(['--cwd', dir, ...argv]) as { options: object }).options, undefined);
    expect(run(['server.js', 'a b'])).toMatchObject({ options: { exec: "node --trace-warnings server.js 'a b'" }, sources: { exec: 'nodemon.json and the command line' } });
    expect(run(['server.js']).options.command).toBeUndefined();
    // devreload's own --exec replaces the file's.
    expect(run(['--exec', 'python3 -m http.server']).options).toMatchObject({ exec: 'python3 -m http.server', args: [] });
    write('nodemon.json', { execMap: { rb: 'ruby' } });
    write('app.rb', '');
    expect(run(['app.rb']).options).toMatchObject({ exec: 'ruby app.rb' });
  });
});
