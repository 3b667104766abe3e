import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Need Debian packages: see vitest.runtimes.config.ts (`npm run test:runtimes`) and
    // vitest.browser.config.ts (`npm run test:browser`, which installs its Express app first).
    exclude: ['test/runtimes/**', 'test/browser/**', '**/node_modules/**'],
    // Rebuilds dist/ first when it is older than src/: e2e tests run the build, not the sources.
    globalSetup: ['test/global-setup.ts'],
    // Tests drive real processes and real signals: separate worker processes keep a
    // stray signal or a leaked child in one file from disturbing another.
    pool: 'forks',
    // The pass (test/pass.ts) and every skipped test with its reason, after vitest's own report.
    reporters: ['default', './test/skip-summary.ts'],
    // Two cores: more parallel files only add scheduling noise to timing-sensitive waits.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
