import { describe, expect, it } from 'vitest';
import { spareLine } from '../../src/prestart/spare-line.js';

describe('the line a wake prints', () => {
  it('names the runtime and what the spare kept warm, or that it is still loading it', () => {
    expect(spareLine({ runtime: 'Node', warm: null })).toBe('--prestart: woke a runtime-only Node spare');
    expect(spareLine({ runtime: 'Python', warm: 1 })).toBe('--prestart: woke a warm Python spare (1 module kept warm)');
    expect(spareLine({ runtime: 'Node', warm: 130 })).toBe('--prestart: woke a warm Node spare (130 modules kept warm)');
    expect(spareLine({ runtime: 'Node', warm: 'loading' })).toBe("--prestart: woke a warm Node spare (still loading the app's dependencies)");
  });
});
