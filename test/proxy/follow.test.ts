import { describe, expect, it } from 'vitest';
import { describeFailure, proxyActionFor } from '../../src/proxy/follow.js';
import { readyPort } from '../../src/proxy/ready-address.js';

describe('proxyActionFor: what each supervisor event means for requests and pages', () => {
  it.each([
    [{ name: 'stop', payload: { pid: 1, signal: 'SIGTERM', reason: 'restart' } }, { type: 'hold' }],
    [{ name: 'stop', payload: { pid: 1, signal: 'SIGINT', reason: 'shutdown' } }, { type: 'hold' }],
    // The app exited on its own first: `exit` said so already.
    [{ name: 'stop', payload: { pid: 1, signal: 'SIGTERM', reason: 'leftovers' } }, undefined],
    [{ name: 'start', payload: { pid: 1 } }, { type: 'spawned' }],
    [{ name: 'restart', payload: { pid: 2, ms: 40, paths: ['a.js'], count: 1 } }, { type: 'spawned' }],
    [{ name: 'ready', payload: { pid: 2, ms: 40, restartMs: null, address: null } }, { type: 'ready', port: undefined }],
    [{ name: 'change', payload: { paths: ['a.js'], count: 1 } }, { type: 'retry' }],
    [{ name: 'exit', payload: { code: 1, signal: null, next: 'wait', retryInMs: null } }, { type: 'crashed', failure: { kind: 'exit', code: 1, signal: null }, final: true }],
    [{ name: 'exit', payload: { code: 1, signal: null, next: 'quit', retryInMs: null } }, { type: 'crashed', failure: { kind: 'exit', code: 1, signal: null }, final: true }],
    // A restart follows (backoff, or changes that came meanwhile): requests wait for it.
    [{ name: 'exit', payload: { code: null, signal: 'SIGSEGV', next: 'restart', retryInMs: 200 } }, { type: 'crashed', failure: { kind: 'exit', code: null, signal: 'SIGSEGV' }, final: false }],
    [{ name: 'exit', payload: { code: 0, signal: null, next: 'change', retryInMs: null } }, { type: 'crashed', failure: { kind: 'exit', code: 0, signal: null }, final: false }],
    [{ name: 'spawnError', payload: { message: 'not found: nope', fatal: false } }, { type: 'crashed', failure: { kind: 'spawn', message: 'not found: nope' }, final: true }],
    [{ name: 'build', payload: { phase: 'start', paths: [], count: 0 } }, { type: 'buildStarted' }],
    [{ name: 'build', payload: { phase: 'ok', ms: 9 } }, { type: 'built' }],
    [{ name: 'build', payload: { phase: 'failed', code: 2, signal: null, ms: 9, keeping: 7 } }, { type: 'buildFailed', failure: { kind: 'build', code: 2, signal: null }, serving: true }],
    [{ name: 'build', payload: { phase: 'failed', code: 2, signal: null, ms: 9, keeping: null } }, { type: 'buildFailed', failure: { kind: 'build', code: 2, signal: null }, serving: false }],
    [{ name: 'build', payload: { phase: 'cancelled', pid: 3, reason: 'change' } }, undefined],
    [{ name: 'quit', payload: { code: 130, reason: 'signal', signal: 'SIGINT' } }, { type: 'close' }],
    [{ name: 'watching', payload: { paths: ['.'], ms: 3 } }, undefined],
  ] as const)('%j → %j', (event, action) => {
    expect(proxyActionFor(event as never)).toEqual(action);
  });

  it('takes the port from a ready event that tells it', () => {
    expect(readyPort({ pid: 1, ms: 2, restartMs: null, address: null })).toBeUndefined();
    expect(readyPort({ pid: 1, ms: 2, restartMs: 5, address: '127.0.0.1:3000' })).toBe(3000);
    expect(readyPort({ pid: 1, ms: 2, restartMs: 5, address: '[::]:3001' })).toBe(3001);
  });

  it('describes each failure for the overlay', () => {
    expect(describeFailure({ kind: 'exit', code: 1, signal: null })).toEqual({ title: 'The app exited with code 1', lines: [] });
    expect(describeFailure({ kind: 'exit', code: null, signal: 'SIGKILL' }).title).toBe('The app was killed by SIGKILL');
    expect(describeFailure({ kind: 'spawn', message: 'command not found: nope' })).toEqual({ title: 'The app could not be started', lines: ['command not found: nope'] });
    expect(describeFailure({ kind: 'build', code: 2, signal: null }).title).toBe('The build failed (exit code 2)');
  });
});
