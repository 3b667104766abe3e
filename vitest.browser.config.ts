import { defineConfig } from 'vitest/config';

// The browser suite: Debian's chromium (/usr/bin/chromium, headless) driven by playwright-core,
// through `devreload --proxy`, over an Express app whose packages come from the npm registry.
// `npm run test:browser`, run by .ci/run after it installs chromium; `npm test` stays without a browser.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    // dist/ rebuilt when stale (as for every suite), then express, ejs and ws installed once.
    globalSetup: ['test/global-setup.ts', 'test/browser/global-setup.ts'],
    pool: 'forks',
    // The pass (test/pass.ts) and every skipped test with its reason, after vitest's own report.
    reporters: ['default', './test/skip-summary.ts'],
    // One browser and one app at a time: two cores, and timing-sensitive reloads.
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
