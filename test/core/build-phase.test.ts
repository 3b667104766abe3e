import { describe, expect, it } from 'vitest';
import { config, Harness } from './harness.js';

const withBuild = { ...config, build: true };

/** Started with --build: the launch build succeeded and the app runs. */
function runningBuilt(cfg = withBuild): Harness {
  const h = new Harness(cfg).send({ type: 'start' });
  h.buildSpawned();
  h.buildDone(0);
  h.spawned();
  expect(h.state.tag).toBe('running');
  return h;
}

describe('restart machine with --build', () => {
  it('at launch: builds first, starts the app only once the build is done and gone', () => {
    const h = new Harness(withBuild).send({ type: 'start' });
    expect(h.buildRequests).toBe(1);
    expect(h.spawnRequests).toBe(0);
    h.buildSpawned();
    h.advance(1000);
    expect(h.spawnRequests).toBe(0);
    h.buildDone(0);
    expect(h.spawnRequests).toBe(1);
    expect(h.logs('built')).toEqual([{ kind: 'built', ms: 1000 }]);
    h.spawned();
    // The first instance is a start, not a restart.
    expect(h.logs('spawned')).toEqual([{ kind: 'spawned', pid: 100, restartMs: null, changes: null }]);
  });

  it('a failed first build leaves no app and waits for a change, which builds again', () => {
    const h = new Harness(withBuild).send({ type: 'start' });
    h.buildSpawned();
    h.buildDone(2);
    expect(h.state.tag).toBe('waiting');
    expect(h.logs('buildFailed')).toEqual([{ kind: 'buildFailed', exit: { code: 2, signal: null }, ms: 0, keeping: null, message: null }]);
    h.change().advance(50);
    expect(h.buildRequests).toBe(2);
    expect(h.spawnRequests).toBe(0);
  });

  it('a failed first build with --on-exit quit exits with the build’s code', () => {
    const h = new Harness({ ...withBuild, onExit: 'quit' }).send({ type: 'start' });
    h.buildSpawned();
    h.buildDone(2);
    expect(h.exitCode).toBe(2);
    expect(h.state).toEqual({ tag: 'done', exitCode: 2 });
  });

  it('on a change the running instance keeps serving while the build runs; a failed build keeps it', () => {
    const h = runningBuilt();
    h.change();
    expect(h.signals).toEqual([]);
    expect(h.buildRequests).toBe(1);
    h.advance(50);
    expect(h.buildRequests).toBe(2);
    h.buildSpawned();
    h.advance(300).buildDone(1);
    expect(h.signals).toEqual([]);
    expect(h.alive).toEqual([100]);
    expect(h.state).toMatchObject({ tag: 'running', pid: 100 });
    expect(h.logs('buildFailed').at(-1)).toMatchObject({ keeping: 100, exit: { code: 1 } });
    // The next change tries again.
    h.change().advance(50);
    expect(h.buildRequests).toBe(3);
  });

  it('a successful build replaces the instance with the ordinary stop-then-start, timed from the change', () => {
    const h = runningBuilt();
    h.change('src/a.ts').advance(50);
    h.buildSpawned();
    h.advance(200).buildDone(0);
    expect(h.signals).toEqual([{ pid: 100, signal: 'SIGTERM' }]);
    expect(h.spawnRequests).toBe(1);
    h.advance(10).gone();
    expect(h.spawnRequests).toBe(2);
    expect(h.effects.filter((e) => e.type === 'spawn').at(-1)).toEqual({ type: 'spawn', changes: { paths: ['src/a.ts'], count: 1 } });
    h.spawned();
    expect(h.logs('spawned').at(-1)).toMatchObject({ pid: 101, restartMs: 260 });
    expect(h.buildRequests).toBe(2);
  });

  it('a change during a build cancels it (its group is stopped) and builds again after the quiet window', () => {
    const h = runningBuilt();
    h.change('src/a.ts').advance(50);
    const build = h.buildSpawned();
    expect(build).toBe(901);
    h.advance(100).change('src/b.ts');
    expect(h.buildSignals).toEqual(['SIGTERM']);
    expect(h.logs('buildCancelled')).toEqual([{ kind: 'buildCancelled', pid: 901, reason: 'change' }]);
    h.advance(100);
    // The quiet window passed, but the cancelled build is not gone yet: no second build.
    expect(h.buildRequests).toBe(2);
    h.buildDone(null, 'SIGTERM');
    expect(h.buildRequests).toBe(3);
    expect(h.effects.filter((e) => e.type === 'build').at(-1)).toEqual({ type: 'build', changes: { paths: ['src/b.ts'], count: 1 } });
    expect(h.alive).toEqual([100]);
    expect(h.signals).toEqual([]);
  });

  it('a cancelled build that ignores the stop signal gets SIGKILL at the kill timeout', () => {
    const h = runningBuilt();
    h.change().advance(50);
    h.buildSpawned();
    h.change();
    h.advance(5000);
    expect(h.buildSignals).toEqual(['SIGTERM', 'SIGKILL']);
    h.buildDone(null, 'SIGKILL');
    expect(h.timers.has('buildKill')).toBe(false);
  });

  it('a change while the build is still being spawned stops it as soon as it has a pid', () => {
    const h = runningBuilt();
    h.change().advance(50);
    h.change();
    expect(h.buildSignals).toEqual([]);
    h.buildSpawned();
    expect(h.buildSignals).toEqual(['SIGTERM']);
  });

  it('Ctrl-C during a build stops the build and the app together, and exits once both are gone', () => {
    const h = runningBuilt();
    h.change().advance(50);
    h.buildSpawned();
    h.send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(h.buildSignals).toEqual(['SIGINT']);
    expect(h.signals).toEqual([{ pid: 100, signal: 'SIGINT' }]);
    h.buildDone(null, 'SIGINT');
    expect(h.exitCode).toBeNull();
    h.gone();
    expect(h.exitCode).toBe(130);
    expect(h.spawnRequests).toBe(1);
  });

  it('a second Ctrl-C during a build forces both; the echo of the first (npm) does not', () => {
    const h = runningBuilt();
    h.change().advance(50);
    h.buildSpawned();
    h.send({ type: 'shutdown', trigger: 'SIGINT' });
    h.advance(1).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(h.buildSignals).toEqual(['SIGINT']);
    h.advance(100).send({ type: 'shutdown', trigger: 'SIGINT' });
    expect(h.buildSignals).toEqual(['SIGINT', 'SIGKILL']);
    expect(h.signals.map((s) => s.signal)).toEqual(['SIGINT', 'SIGKILL']);
  });

  it('a shutdown during a build that takes long is described once, naming the app and the build; nothing after it is done', () => {
    const h = runningBuilt();
    h.change().advance(50);
    const build = h.buildSpawned();
    h.send({ type: 'shutdown', trigger: 'SIGINT' }).advance(1000);
    const described = h.effects.filter((e) => e.type === 'describeStop');
    expect(described).toEqual([{ type: 'describeStop', leaders: [100, build], killInMs: 4000, canForce: true }]);
    h.buildDone(null, 'SIGINT').gone();
    expect(h.exitCode).toBe(130);
    expect(h.timers.size).toBe(0);
  });

  it('the app exiting on its own during a build: its leftovers are stopped, and a good build starts the next one', () => {
    const h = runningBuilt();
    h.change().advance(50);
    h.buildSpawned();
    h.exited(1);
    expect(h.signals).toEqual([{ pid: 100, signal: 'SIGTERM' }]);
    h.gone();
    h.buildDone(0);
    expect(h.spawnRequests).toBe(2);
  });

  it('a change while the built instance replaces the old one is built again before it starts', () => {
    const h = runningBuilt();
    h.change('src/a.ts').advance(50);
    h.buildSpawned();
    h.buildDone(0);
    h.change('src/b.ts').advance(50);
    h.gone();
    expect(h.spawnRequests).toBe(1);
    expect(h.buildRequests).toBe(3);
  });

  it('--on-exit restart brings a crashed app back without a build (nothing changed)', () => {
    const h = runningBuilt({ ...withBuild, onExit: 'restart' });
    h.exited(1).gone().advance(200);
    expect(h.spawnRequests).toBe(2);
    expect(h.buildRequests).toBe(1);
  });

  it('a build that cannot be spawned counts as failed (127) and keeps the instance', () => {
    const h = runningBuilt();
    h.change().advance(50);
    h.build = null;
    h.send({ type: 'buildSpawnFailed', message: 'sh: not found' });
    expect(h.state).toMatchObject({ tag: 'running', pid: 100 });
    expect(h.logs('buildFailed').at(-1)).toMatchObject({ exit: { code: 127 }, keeping: 100, message: 'sh: not found' });
  });
});

describe('restart machine with --postpone', () => {
  it('starts nothing until the first change', () => {
    const h = new Harness({ ...config, postpone: true }).send({ type: 'start' });
    expect(h.spawnRequests).toBe(0);
    expect(h.logs('postponed')).toHaveLength(1);
    h.advance(10_000);
    expect(h.spawnRequests).toBe(0);
    h.change().advance(50);
    expect(h.spawnRequests).toBe(1);
  });

  it('with --build, the first change builds, then starts', () => {
    const h = new Harness({ ...withBuild, postpone: true }).send({ type: 'start' });
    expect(h.buildRequests).toBe(0);
    h.change().advance(50);
    expect(h.buildRequests).toBe(1);
    h.buildSpawned();
    h.buildDone(0);
    expect(h.spawnRequests).toBe(1);
  });
});
