import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { passName } from './pass.js';

/**
 * A reporter beside vitest's default: at the end of a run it names the pass (test/pass.ts) and
 * every skipped test with its reason (the note of `context.skip(note)`; a test skipped with
 * `it.skipIf` says what it needs in its name). A skip is never silent.
 */
export default class SkipSummary implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(testModules: readonly TestModule[]): void {
    const lines: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests('skipped')) {
        const result = test.result();
        const note = result.state === 'skipped' ? result.note : undefined;
        lines.push(`  ${module.relativeModuleId} > ${test.fullName}${note === undefined ? '' : ` — ${note}`}`);
      }
    }
    const log = (line: string) => (this.#vitest === undefined ? console.log(line) : this.#vitest.logger.log(line));
    log(`\n[pass] ${passName()}`);
    log(lines.length === 0 ? '[skipped] none' : `[skipped] ${lines.length}:\n${lines.join('\n')}`);
  }
}
