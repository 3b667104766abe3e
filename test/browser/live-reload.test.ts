import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach, Devreload, jsonEvents, waitUntil } from '../e2e/harness.js';
import { openBrowser, openPage } from './chromium.js';
import { ExpressProject } from './express-project.js';
import { twoPorts } from '../proxy/ports.js';

disposeAfterEach();

/** devreload --proxy over the Express fixture, its first instance listening. */
async function serve(project: ExpressProject, args: string[], env: NodeJS.ProcessEnv = {}, ports?: [number, number]): Promise<{ devreload: Devreload; url: string }> {
  const [proxyPort, appPort] = ports ?? await twoPorts();
  const listened = project.entries('listening').length;
  const devreload = new Devreload(['--proxy', `${proxyPort}:${appPort}`, '--watch', 'src', ...args, '--', 'node', 'server.js'], {
    cwd: project.dir,
    env: { APP_RECORD: project.record, PORT: String(appPort), ...env },
  });
  await devreload.waitFor(/\[devreload\] watching/);
  await waitUntil(() => project.entries('listening').length === listened + 1, { describe: () => devreload.output });
  return { devreload, url: `http://127.0.0.1:${proxyPort}/` };
}

const overlay = '#__devreload_overlay';

/** Waits until the element `#id` reads exactly `text` (Playwright's :text-is()). */
function shows(page: Page, id: string, text: string): Promise<unknown> {
  return page.waitForSelector(`#${id}:text-is(${JSON.stringify(text)})`, { timeout: 20_000 });
}

describe('the browser follows the server', () => {
  it('an edited route shows in the page with no interaction, and not before the new instance is ready', async () => {
    const project = await ExpressProject.create();
    // A slow boot: a reload made at the spawn would come well before the app listens.
    const { devreload, url } = await serve(project, [], { LISTEN_DELAY_MS: '800' });
    const { page, navigations } = await openPage();
    await page.goto(url);
    expect(await page.textContent('#message')).toBe('hello from the route');
    // The page's Content-Security-Policy is enforced (no inline script ran), and live reload works under it.
    expect(await page.textContent('#csp')).toBe('inline scripts blocked');
    const firstPid = await page.textContent('#pid');

    const savedAt = Date.now();
    await project.save('src/message.js', "exports.message = 'a new route text';\n");
    await shows(page, 'message', 'a new route text');
    const second = project.entries('listening')[1];
    expect(second, devreload.output).toBeDefined();
    expect(await page.textContent('#pid')).toBe(String(second?.pid));
    expect(firstPid).not.toBe(String(second?.pid));
    const reloads = navigations.filter((at) => at > savedAt);
    expect(reloads).toHaveLength(1);
    // The page reloaded once the new instance was listening, never before.
    expect(reloads[0]).toBeGreaterThanOrEqual(second?.at ?? Infinity);
  });

  it('a syntax error shows the overlay with the exit code; fixing the file reloads the page', async () => {
    const project = await ExpressProject.create();
    const { devreload, url } = await serve(project, []);
    const { page } = await openPage();
    await page.goto(url);
    await project.save('src/message.js', "exports.message = 'unterminated;\n");
    await page.waitForSelector(overlay, { timeout: 20_000 });
    const text = await page.textContent(overlay);
    expect(text, devreload.output).toContain('The app exited with code 1');
    expect(text).toContain('Fixing the file reloads this page.');
    await project.save('src/message.js', "exports.message = 'fixed';\n");
    await shows(page, 'message', 'fixed');
    expect(await page.$(overlay)).toBeNull();
  });

  it('a failed --build shows the build\'s output; a good build and restart remove it', async () => {
    const project = await ExpressProject.create();
    const { devreload, url } = await serve(project, ['--build', 'node build.js']);
    const { page } = await openPage();
    await page.goto(url);
    await project.save('src/message.js', "exports.message = 'BROKEN';\n");
    await page.waitForSelector(overlay, { timeout: 20_000 });
    const text = await page.textContent(overlay);
    expect(text, devreload.output).toContain('The build failed (exit code 1)');
    expect(text).toContain('src/message.js:1:1 error: the message is BROKEN');
    // The last good instance goes on serving meanwhile.
    expect(await page.textContent('#message')).toBe('hello from the route');
    await project.save('src/message.js', "exports.message = 'built again';\n");
    await shows(page, 'message', 'built again');
    expect(await page.$(overlay)).toBeNull();
  });

  it('a --reload-only file reloads the page without a new app instance', async () => {
    const project = await ExpressProject.create();
    const { devreload, url } = await serve(project, ['--reload-only', 'views/**']);
    const { page, loads } = await openPage();
    await page.goto(url);
    const pid = await page.textContent('#pid');
    const before = loads();
    const index = readFileSync(`${project.dir}/views/index.ejs`, 'utf8');
    await project.save('views/index.ejs', index.replace('template one', 'template two'));
    await shows(page, 'template', 'template two');
    expect(loads()).toBe(before + 1);
    expect(await page.textContent('#pid')).toBe(pid);
    expect(project.entries('start'), devreload.output).toHaveLength(1);
  });

  it('a WebSocket echo works through the proxy, and reconnects to the new instance after a restart', async () => {
    const project = await ExpressProject.create();
    const { devreload, url } = await serve(project, []);
    const { page, loads } = await openPage();
    // The page's own socket (public/echo.js) echoes through the proxy.
    await page.goto(url);
    const first = project.entries('listening')[0]?.pid;
    await shows(page, 'echo', `${first}:ping`);

    // A page the proxy does not reload (plain text): only the socket's own reconnect brings it back.
    await page.goto(`${url}plain`);
    const loaded = loads();
    // Browser code as text: the tests are compiled without the DOM's types.
    await page.evaluate(`(() => {
      window.echoes = [];
      const connect = () => {
        const socket = new WebSocket('ws://' + location.host + '/echo');
        socket.onopen = () => socket.send('again');
        socket.onmessage = (event) => window.echoes.push(String(event.data));
        socket.onclose = () => setTimeout(connect, 50);
      };
      connect();
    })()`);
    // Read with evaluate (CDP, which the page's policy allows), not waitForFunction (an eval the policy refuses).
    const echoes = () => page.evaluate('window.echoes') as Promise<string[]>;
    const echoed = (pid: number | undefined) =>
      waitUntil(async () => (await echoes()).includes(`${pid}:again`), { timeout: 20_000, interval: 50, describe: async () => `an echo from ${pid} among ${JSON.stringify(await echoes())}\n${devreload.output}` });
    await echoed(first);
    await project.save('src/message.js', "exports.message = 'restarted';\n");
    await waitUntil(() => project.entries('listening').length === 2, { describe: () => devreload.output });
    await echoed(project.entries('listening')[1]?.pid);
    expect(loads()).toBe(loaded);
  });

  it('an open page reconnects when devreload itself restarts, and reloads once the new run\'s app is ready', async () => {
    const project = await ExpressProject.create();
    const ports = await twoPorts();
    const first = await serve(project, [], {}, ports);
    const { page } = await openPage();
    await page.goto(first.url);
    first.devreload.interrupt();
    await first.devreload.waitForExit();
    // Edited while devreload was down: the page cannot know until the next run tells it.
    await project.save('src/message.js', "exports.message = 'changed while devreload was down';\n");
    await serve(project, [], {}, ports);
    await shows(page, 'message', 'changed while devreload was down');
  });

  it('eight tabs of one browser all load, and all reload after an edit: they share one events stream', async () => {
    const project = await ExpressProject.create();
    const { devreload, url } = await serve(project, ['--json']);
    const context = await openBrowser();
    const tabs = [];
    // A stream per tab would hold all 6 connections chromium opens to an origin: the 7th tab would never load.
    for (let index = 0; index < 8; index++) {
      const { page } = await openPage(context);
      await page.goto(url, { timeout: 15_000 });
      expect(await page.textContent('#message')).toBe('hello from the route');
      tabs.push(page);
    }
    await project.save('src/message.js', "exports.message = 'every tab reloaded';\n");
    for (const tab of tabs) await shows(tab, 'message', 'every tab reloaded');
    expect(jsonEvents(devreload, 'reload'), devreload.output).toEqual([expect.objectContaining({ reason: 'restart', connections: 1 })]);
    // The tab holding the stream goes: the next one takes it over.
    await tabs[0]?.close();
    await project.save('src/message.js', "exports.message = 'after the first tab closed';\n");
    for (const tab of tabs.slice(1)) await shows(tab, 'message', 'after the first tab closed');
  });

  it('a page whose policy blocks the stream (no connect-src \'self\') says so in the console, and still reloads while another tab holds the stream', async () => {
    const project = await ExpressProject.create();
    const { devreload, url } = await serve(project, []);
    const context = await openBrowser();
    const { page: strict } = await openPage(context);
    const warnings: string[] = [];
    strict.on('console', (message) => void (message.type() === 'warning' && warnings.push(message.text())));
    await strict.goto(`${url}strict`);
    await waitUntil(() => warnings.find((text) => text.startsWith('[devreload]')), { describe: () => `devreload's console warning (got ${JSON.stringify(warnings)})\n${devreload.output}` });
    expect(warnings.filter((text) => text.startsWith('[devreload]'))).toEqual([
      "[devreload] live reload is off in this page: its Content-Security-Policy blocks the connection to /__devreload/events (connect-src). Allow 'self' in connect-src while developing, or reload by hand.",
    ]);
    const { page: other } = await openPage(context);
    await other.goto(url);
    await project.save('src/message.js', "exports.message = 'reloaded by the other tab\\'s stream';\n");
    await shows(other, 'message', "reloaded by the other tab's stream");
    await shows(strict, 'message', "reloaded by the other tab's stream");
  });

  it('where the browser has no Web Locks (http:// on a name other than loopback), each tab keeps a stream of its own', async () => {
    const project = await ExpressProject.create();
    const { devreload, url } = await serve(project, ['--json']);
    // Not a secure context: chromium offers no navigator.locks there.
    const context = await openBrowser(['--host-resolver-rules=MAP devreload.test 127.0.0.1']);
    const insecure = url.replace('127.0.0.1', 'devreload.test');
    const tabs = [(await openPage(context)).page, (await openPage(context)).page];
    for (const tab of tabs) await tab.goto(insecure);
    expect(await tabs[0]?.evaluate('typeof navigator.locks')).toBe('undefined');
    await project.save('src/message.js', "exports.message = 'each tab on its own';\n");
    for (const tab of tabs) await shows(tab, 'message', 'each tab on its own');
    expect(jsonEvents(devreload, 'reload'), devreload.output).toEqual([expect.objectContaining({ reason: 'restart', connections: 2 })]);
  });
});
