import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterEach } from 'vitest';

/** Debian's chromium: no browser is downloaded. */
export const chromiumPath = process.env.DEVRELOAD_CHROMIUM ?? '/usr/bin/chromium';

// Headless, as root in CI (no sandbox), and quiet: nothing reaches out to Google's servers.
// playwright-core gives every launch a fresh --user-data-dir of its own.
const flags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const browsers: Browser[] = [];
afterEach(async () => {
  for (const browser of browsers.splice(0)) await browser.close();
});

/** A fresh headless chromium's one profile, closed after the test: its tabs share connections, as a person's browser's do. */
export async function openBrowser(extraFlags: readonly string[] = []): Promise<BrowserContext> {
  if (!existsSync(chromiumPath)) throw new Error(`the browser suite needs chromium at ${chromiumPath} (apt-get install chromium, or set DEVRELOAD_CHROMIUM)`);
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: [...flags, ...extraFlags] });
  browsers.push(browser);
  return browser.newContext();
}

/** A tab in a fresh headless chromium (or in `context`); `loads` counts its load events. */
export async function openPage(context?: BrowserContext): Promise<{ page: Page; loads: () => number; navigations: number[] }> {
  const page = await (context ?? (await openBrowser())).newPage();
  let loads = 0;
  page.on('load', () => (loads += 1));
  // When each document request left the browser (Date.now(), the clock the app records with).
  const navigations: number[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) navigations.push(Date.now());
  });
  return { page, loads: () => loads, navigations };
}
