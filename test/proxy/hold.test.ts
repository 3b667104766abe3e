import { describe, expect, it } from 'vitest';
import { Gate, type HoldReport, type Refusal } from '../../src/proxy/hold.js';
import { FakeClock } from '../supervisor/fakes.js';

function setup(holdMs = 60_000) {
  const clock = new FakeClock();
  const reports: HoldReport[] = [];
  const gate = new Gate({ holdMs, clock, report: (report) => reports.push(report) });
  const outcomes: string[] = [];
  const waiter = (name: string) => ({
    release: () => outcomes.push(`${name} released`),
    refuse: (refusal: Refusal) => outcomes.push(`${name} refused: ${refusal.kind}`),
  });
  return { gate, reports, outcomes, waiter, clock, advance: (ms: number) => clock.advance(ms) };
}

describe('Gate', () => {
  it('holds until the first instance is ready, then lets through in arrival order and reports the longest wait', async () => {
    const { gate, reports, outcomes, waiter, advance } = setup();
    gate.pass(waiter('a'));
    await advance(30);
    gate.pass(waiter('b'));
    await advance(10);
    expect(outcomes).toEqual([]);
    gate.open();
    expect(outcomes).toEqual(['a released', 'b released']);
    expect(reports).toEqual([{ phase: 'released', requests: 2, waitedMs: 40 }]);
    gate.pass(waiter('c'));
    expect(outcomes.at(-1)).toBe('c released');
  });

  it('holds again from a stop, and answers with the failure once nothing will start', async () => {
    const { gate, reports, outcomes, waiter, advance } = setup();
    gate.open();
    gate.hold();
    gate.pass(waiter('a'));
    await advance(5);
    const failure = { kind: 'exit', code: 1, signal: null } as const;
    gate.fail(failure);
    gate.pass(waiter('b'));
    expect(outcomes).toEqual(['a refused: failed', 'b refused: failed']);
    expect(reports).toEqual([{ phase: 'failed', requests: 1, waitedMs: 5 }]);
    // A change: the next instance is coming.
    gate.hold();
    gate.pass(waiter('c'));
    gate.open();
    expect(outcomes.at(-1)).toBe('c released');
  });

  it('forgets a request whose client went away', () => {
    const { gate, outcomes, waiter } = setup();
    const cancel = gate.pass(waiter('gone'));
    cancel();
    expect(gate.waiting).toBe(0);
    gate.open();
    expect(outcomes).toEqual([]);
  });

  it('refuses a request once it has waited the bound, not before', async () => {
    const { gate, reports, outcomes, waiter, advance } = setup(30_000);
    gate.pass(waiter('slow'));
    await advance(10_000);
    gate.pass(waiter('later'));
    await advance(19_999);
    expect(outcomes).toEqual([]);
    await advance(1);
    expect(outcomes).toEqual(['slow refused: timeout']);
    expect(reports).toEqual([{ phase: 'timedOut', requests: 1, waitedMs: 30_000 }]);
    expect(gate.waiting).toBe(1);
    await advance(10_000);
    expect(outcomes).toEqual(['slow refused: timeout', 'later refused: timeout']);
    expect(gate.waiting).toBe(0);
  });

  it('lets go of a request\'s timer once it is released, refused or cancelled', () => {
    const { gate, waiter, clock } = setup();
    const cancel = gate.pass(waiter('gone'));
    gate.pass(waiter('released'));
    expect(clock.pending).toBe(2);
    cancel();
    expect(clock.pending).toBe(1);
    gate.open();
    expect(clock.pending).toBe(0);
    gate.hold();
    gate.pass(waiter('failed'));
    gate.fail({ kind: 'exit', code: 1, signal: null });
    expect(clock.pending).toBe(0);
  });

  it('wait() holds even while open, until the next instance (a request the stopping one dropped)', () => {
    const { gate, outcomes, waiter } = setup();
    gate.open();
    gate.wait(waiter('dropped'));
    expect(outcomes).toEqual([]);
    gate.hold();
    gate.open();
    expect(outcomes).toEqual(['dropped released']);
  });

  it('closes idempotently, refusing what waits and what comes', () => {
    const { gate, outcomes, waiter } = setup();
    gate.pass(waiter('a'));
    gate.close();
    gate.close();
    gate.open();
    gate.pass(waiter('b'));
    expect(outcomes).toEqual(['a refused: closed', 'b refused: closed']);
  });
});
