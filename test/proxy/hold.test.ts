import { describe, expect, it } from 'vitest';
import { Gate, type HoldReport, type Refusal } from '../../src/proxy/hold.js';

function setup(holdMs = 60_000) {
  let now = 0;
  const reports: HoldReport[] = [];
  const gate = new Gate({ holdMs, now: () => now, report: (report) => reports.push(report) });
  const outcomes: string[] = [];
  const waiter = (name: string) => ({
    release: () => outcomes.push(`${name} released`),
    refuse: (refusal: Refusal) => outcomes.push(`${name} refused: ${refusal.kind}`),
  });
  return { gate, reports, outcomes, waiter, advance: (ms: number) => (now += ms) };
}

describe('Gate', () => {
  it('holds until the first instance is ready, then lets through in arrival order and reports the longest wait', () => {
    const { gate, reports, outcomes, waiter, advance } = setup();
    gate.pass(waiter('a'));
    advance(30);
    gate.pass(waiter('b'));
    advance(10);
    expect(outcomes).toEqual([]);
    gate.open();
    expect(outcomes).toEqual(['a released', 'b released']);
    expect(reports).toEqual([{ phase: 'released', requests: 2, waitedMs: 40 }]);
    gate.pass(waiter('c'));
    expect(outcomes.at(-1)).toBe('c released');
  });

  it('holds again from a stop, and answers with the failure once nothing will start', () => {
    const { gate, reports, outcomes, waiter, advance } = setup();
    gate.open();
    gate.hold();
    gate.pass(waiter('a'));
    advance(5);
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

  it('refuses a request that waited longer than the bound', async () => {
    const { gate, reports, outcomes, waiter } = setup(20);
    gate.pass(waiter('slow'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(outcomes).toEqual(['slow refused: timeout']);
    expect(reports.map((r) => r.phase)).toEqual(['timedOut']);
    expect(gate.waiting).toBe(0);
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
