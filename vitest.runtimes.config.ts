import { defineConfig } from 'vitest/config';

// Tests that need programs from Debian packages (python3, gunicorn): `npm run test:runtimes`,
// run by .ci/run after it installs them. `npm test` stays self-contained (Node only).
export default defineConfig({
  test: {
    include: ['test/runtimes/**/*.test.ts'],
    // Rebuilds dist/ first when it is older than src/: e2e tests run the build, not the sources.
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // The pass (test/pass.ts) and every skipped test with its reason, after vitest's own report.
    reporters: ['default', './test/skip-summary.ts'],
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
